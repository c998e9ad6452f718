"""Errors of the retrieval package.

    RetrievalError
     ├── ModelError          the embedding model is missing, corrupt or failed to load
     ├── IndexStateError     the FAISS index or its id map is missing, inconsistent or unusable
     ├── DocumentNotFound    a document id does not exist in the store
     └── EvaluationError     the labelled query set is missing or malformed
"""


class RetrievalError(Exception):
    """Base of errors raised by the retrieval package."""


class ModelError(RetrievalError):
    """The embedding model is missing, corrupt or failed to load."""


class IndexStateError(RetrievalError):
    """The FAISS index or its id map is missing, inconsistent or unusable."""


class DocumentNotFound(RetrievalError):
    """A document id does not exist in the store."""


class EvaluationError(RetrievalError):
    """The labelled query set is missing or malformed."""
