"""streamwise: the composition root (settings, CLI, HTTP API, wiring of handlers to topics)."""

__version__ = "0.1.0"
