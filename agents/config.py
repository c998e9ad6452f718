"""Settings of the agents package: the LLM endpoint and the local model server."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class LLMSettings(BaseModel):
    """One OpenAI-compatible endpoint.

    With no ``base_url`` the embedded default starts the local llama.cpp-backed
    server (``streamwise llm serve``) and points the client at it.
    """

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    model: str = "qwen2.5-coder-0.5b-instruct"
    api_key: SecretStr = SecretStr("not-needed")
    timeout_s: float = Field(default=120.0, gt=0)
    max_concurrency: int = Field(default=4, ge=1)
    max_retries: int = Field(default=3, ge=0)
    # The circuit breaker: after this many failed calls in a row (overloaded or
    # unreachable), calls are refused for breaker_reset_s, then one trial call goes out.
    breaker_failures: int = Field(default=5, ge=1)
    breaker_reset_s: float = Field(default=30.0, gt=0)
    temperature: float = Field(default=0.0, ge=0)
    max_tokens: int = Field(default=384, ge=1)
    # Local server (embedded default only).
    local_model: Literal["qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct"] = (
        "qwen2.5-coder-0.5b-instruct"
    )
    # The local server's port, so its /metrics is where Prometheus looks; null, or the port
    # in use (a second server on this machine): a free port, with a warning.
    local_port: int | None = Field(default=None, ge=1, le=65535)
    local_threads: int = Field(default=1, ge=1)
    local_context: int = Field(default=8192, ge=512)
    local_parallel: int = Field(default=1, ge=1)
    local_queue: int = Field(default=32, ge=1)
    # KV states kept by prompt prefix (llama.cpp's RAM cache), so switching between
    # agents with different system prompts does not recompute each long prefix.
    local_cache_mb: int = Field(default=2048, ge=0)
    models_dir: str = "var/models"


class AgentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checkpoint_backend: Literal["sqlite", "postgres"] = "sqlite"
    checkpoint_path: str = "var/state/checkpoints.sqlite"
    postgres_dsn: SecretStr | None = None
    max_steps: int = Field(default=12, ge=1)
    # Order risk rules (computed in code before the model decides).
    risk_max_quantity: int = Field(default=5, ge=1)
    risk_high_total: float = Field(default=2500.0, gt=0)
    # A shipment delay of at least this many days also raises an alert.
    delay_alert_days: int = Field(default=5, ge=1)
    # The model words the notice of a shipment delay (checked for faithfulness before it
    # is published); False: the template's notice, and the order agent calls no model.
    order_model_notices: bool = True
    # Who writes the analyst's first query. "code": the linker's likeliest term, completed
    # from the question's words, runs before any model call, and the model is asked only
    # when that query fails or finds no rows. "model": the model writes it (code completes
    # it the same way). Measured: code's query matched the gold more often than the 0.5B's
    # on every held-out set; a stronger served model may write better ones (README).
    analyst_first_query: Literal["code", "model"] = "code"
