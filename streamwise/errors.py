"""Errors of the composition root.

    StreamwiseError
     └── ConfigError     the configuration is invalid; the message lists every problem
"""


class StreamwiseError(Exception):
    """Base of errors raised by the ``streamwise`` package."""


class ConfigError(StreamwiseError):
    """The configuration is invalid or missing."""
