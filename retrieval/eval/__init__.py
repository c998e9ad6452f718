"""The labelled query set for retrieval evaluation (see README.md beside it)."""
