"""agents.llm: the OpenAI-compatible LLM client and the local Qwen server.

Public surface:

- ``chat_model(settings) -> ChatOpenAI`` for LangGraph graphs;
- ``LLMClient`` (+ ``LLMCall`` trace records, ``ChatResult``) for direct calls;
- ``LocalServer(settings)``: the llama.cpp-backed server as a child process,
  ``llm_endpoint(settings)``: settings with a live base URL (starting one if null);
- ``assemble`` / ``MODELS``: the verified local GGUF files;
- the wire models in ``agents.llm.protocol`` and errors in ``agents.llm.errors``.
"""

from .chat import chat_model
from .client import ChatResult, LLMCall, LLMClient
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
    "ChatResult",
    "CircuitOpenError",
    "LLMCall",
    "LLMCallError",
    "LLMClient",
    "LLMConnectionError",
    "LLMError",
    "LLMOverloadedError",
    "LLMStatusError",
    "LocalServer",
    "LocalServerError",
    "ModelAssemblyError",
    "ModelIntegrityError",
    "ModelSpec",
    "assemble",
    "chat_model",
    "llm_endpoint",
]
