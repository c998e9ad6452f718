"""Errors of the LLM layer (the gated chat model, local server, model assembly).

    LLMError
     ├── ModelAssemblyError     the model's part packages are missing or incomplete
     │    └── ModelIntegrityError  the assembled file's size or sha256 is not the pinned one
     ├── LocalServerError       the local model server could not be started
     └── LLMCallError           a chat completion failed
          ├── LLMStatusError    the server answered 4xx/5xx (``status_code``, ``body``)
          │    └── LLMOverloadedError  429/502/503/504, at once (no SDK retries) (``retry_after``)
          ├── LLMConnectionError  the server could not be reached or timed out
          └── CircuitOpenError    too many failures in a row: calls refused for a while
"""

from __future__ import annotations


class LLMError(Exception):
    """Base of errors raised by ``agents.llm``."""


class ModelAssemblyError(LLMError):
    """The model's part packages are missing, of the wrong version or incomplete."""


class ModelIntegrityError(ModelAssemblyError):
    """The assembled model file does not match its pinned size and sha256."""


class LocalServerError(LLMError):
    """The local OpenAI-compatible server could not be started or did not get healthy."""


class LLMCallError(LLMError):
    """A chat completion failed."""


class LLMStatusError(LLMCallError):
    def __init__(self, message: str, *, status_code: int, body: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class LLMOverloadedError(LLMStatusError):
    """The server is overloaded (429/503): back off for ``retry_after``, do not retry now."""

    def __init__(self, message: str, *, status_code: int, body: str = "",
                 retry_after: float | None = None) -> None:
        super().__init__(message, status_code=status_code, body=body)
        self.retry_after = retry_after


class LLMConnectionError(LLMCallError):
    """The server could not be reached, or did not answer in time."""


class CircuitOpenError(LLMCallError):
    """Calls are refused for a while after too many consecutive failures."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
