"""agents.llm: the OpenAI-compatible LLM client and the local Qwen server.

Public surface:

- ``chat_model(settings) -> GatedChatOpenAI`` (a ``ChatOpenAI``), the one model client:
  at most ``max_concurrency`` requests in flight, a circuit breaker, overloads raised
  as ``LLMOverloadedError`` / ``CircuitOpenError`` (both with ``retry_after``);
- ``LocalServer(settings)``: the llama.cpp-backed server as a child process,
  ``llm_endpoint(settings)``: settings with a live base URL (starting one if null);
- ``assemble`` / ``MODELS``: the verified local GGUF files;
- the wire models in ``agents.llm.protocol`` and errors in ``agents.llm.errors``.
"""

from ._gate import CircuitBreaker, ModelGate
from .chat import GatedChatOpenAI, chat_model
from .errors import (
    CircuitOpenError,
    LLMCallError,
    LLMConnectionError,
    LLMError,
    LLMOverloadedError,
    LLMStatusError,
    LocalServerError,
    ModelAssemblyError,
    ModelIntegrityError,
)
from .local import LocalServer, llm_endpoint
from .models import DEFAULT_MODEL, MODELS, ModelSpec, assemble

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "CircuitBreaker",
    "CircuitOpenError",
    "LLMCallError",
    "LLMConnectionError",
    "LLMError",
    "LLMOverloadedError",
    "LLMStatusError",
    "GatedChatOpenAI",
    "ModelGate",
    "LocalServer",
    "LocalServerError",
    "ModelAssemblyError",
    "ModelIntegrityError",
    "ModelSpec",
    "assemble",
    "chat_model",
    "llm_endpoint",
]
