"""Errors of the composition root.

    StreamwiseError
     └── BadInputError   what the user gave is wrong (the CLI exits 2, as for usage errors)
          └── ConfigError   the configuration is invalid; the message lists every problem
"""


class StreamwiseError(Exception):
    """Base of errors raised by the ``streamwise`` package."""


class BadInputError(StreamwiseError):
    """An argument, option or input file is wrong; the message says how."""


class ConfigError(BadInputError):
    """The configuration is invalid or missing."""
