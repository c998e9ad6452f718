"""Root settings: one YAML file per deployment plus ``STREAMWISE_...`` overrides.

Each package owns its section's model (``streams.config``, ``tools.config``,
...); this module only composes them. Precedence, highest first: keyword
arguments, environment (``STREAMWISE_LLM__BASE_URL=http://...``), the YAML
file (``STREAMWISE_CONFIG`` or ``configs/default.yaml``), field defaults.
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from agents.config import AgentSettings, LLMSettings
from retrieval.config import RetrievalSettings
from streams.config import BrokerSettings, WorkerSettings
from tools.config import ToolSettings

from .errors import ConfigError
from .paths import CHECKOUT, default_config, from_home, packaged

ROOT = CHECKOUT  # the source tree (tests, benchmarks); run-time paths come from paths.home()
DEFAULT_CONFIG = packaged("configs") / "default.yaml"
# Relative paths among the settings, resolved from the home when the settings are loaded.
PATH_FIELDS = ("var_dir", "data_dir", "worker.ledger_path", "store.db_path", "store.postgres_dir",
               "retrieval.index_dir",
               "llm.models_dir", "agents.checkpoint_path", "api.sessions_path")


class ApiSettings(BaseModel):
    """``streamwise serve`` (streamwise/api). Tokens never come from a config file: they are
    read from the environment variable named by ``tokens_env`` (see streamwise/api/auth.py)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    tokens_env: str = "STREAMWISE_API_TOKENS"
    cors_origins: list[str] = Field(default_factory=list)  # empty: no CORS headers at all
    reply_webhook_url: str | None = None  # every outgoing reply is also POSTed here
    sessions_path: str = "var/state/chat.sqlite"  # chat sessions and their messages
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)


class TelemetrySettings(BaseModel):
    """OpenTelemetry export of agent runs (streamwise/telemetry.py); off by default."""

    model_config = ConfigDict(extra="forbid")

    otlp_endpoint: str | None = None  # e.g. http://otel-collector:4318/v1/traces
    service_name: str = "streamwise"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="STREAMWISE_", env_nested_delimiter="__", extra="forbid"
    )
    yaml_file: ClassVar[Path] = DEFAULT_CONFIG

    profile: str = "default"
    var_dir: str = "var"
    data_dir: str = str(packaged("data"))
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    store: ToolSettings = Field(default_factory=ToolSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    agents: AgentSettings = Field(default_factory=AgentSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=cls.yaml_file)
        return init_settings, env_settings, yaml_source


def _format_errors(exc: ValidationError, path: Path) -> str:
    lines = [f"invalid configuration ({len(exc.errors())} problem(s)) in {path} or STREAMWISE_* env:"]
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(root)"
        env = "STREAMWISE_" + "__".join(str(p).upper() for p in err["loc"])
        given = f" (given: {err['input']!r})" if err["type"] != "missing" else ""
        lines.append(f"  - {loc}: {err['msg']}{given}  [yaml key {loc} / env {env}]")
    return "\n".join(lines)


ENV_PREFIX = "STREAMWISE_"
# STREAMWISE_* variables that are not settings: the file to read, the home directory, and
# the test suites' own (the API's token variable is named by api.tokens_env).
_NOT_SETTINGS = ("STREAMWISE_CONFIG", "STREAMWISE_HOME")
_TEST_PREFIXES = ("STREAMWISE_CONTRACT_", "STREAMWISE_SQL_TEST_")


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``annotation`` (``X``, ``X | None``, ``Annotated[X, ...]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            model = _model_of(arg)
            if model is not None:
                return model
    return None


def _is_setting(name: str) -> bool:
    """Whether ``STREAMWISE_A__B__C`` names a field (``a.b.c``) of ``Settings``."""
    model: type[BaseModel] | None = Settings
    for part in name.removeprefix(ENV_PREFIX).lower().split("__"):
        if model is None or part not in model.model_fields:
            return False
        model = _model_of(model.model_fields[part].annotation)
    return True


def unknown_env_keys(environ: Mapping[str, str], api_tokens_env: str) -> list[str]:
    """``STREAMWISE_*`` variables that set nothing: a typo would otherwise be ignored."""
    return sorted(k for k in environ if k.startswith(ENV_PREFIX) and not _is_setting(k)
                  and k not in (*_NOT_SETTINGS, api_tokens_env) and not k.startswith(_TEST_PREFIXES))


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Load settings from ``path`` (or ``STREAMWISE_CONFIG``, or the default file).

    Raises ``ConfigError`` listing every problem and where it is.
    """
    config_path = Path(path or os.environ.get("STREAMWISE_CONFIG") or default_config())
    if not config_path.is_file():
        raise ConfigError(f"config file not found: {config_path} (set STREAMWISE_CONFIG or --config)")
    # A subclass per file keeps the YAML source pointed at the file asked for,
    # without global state.
    bound = type("BoundSettings", (Settings,), {"yaml_file": config_path})
    try:
        settings = bound(**overrides)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, config_path)) from None
    except Exception as exc:  # malformed YAML and the like
        raise ConfigError(f"cannot read configuration {config_path}: {exc}") from None
    unknown = unknown_env_keys(os.environ, settings.api.tokens_env)
    if unknown:
        raise ConfigError(f"unknown environment variable(s) {', '.join(unknown)}: no such setting "
                          f"(STREAMWISE_<SECTION>__<KEY>; `streamwise config` prints them all)")
    return _resolve_paths(Settings.model_validate(settings.model_dump()))


def _resolve_paths(settings: Settings) -> Settings:
    """Every relative path setting made absolute from the home, so that every consumer
    (the worker's ledger, the model server, the checkpointer) agrees where things are."""
    for dotted in PATH_FIELDS:
        *parents, name = dotted.split(".")
        owner: Any = settings
        for part in parents:
            owner = getattr(owner, part)
        value = getattr(owner, name)
        if value and not str(value).startswith(":"):  # ":memory:"
            setattr(owner, name, str(from_home(value)))
    return settings


def abs_path(relative: str | Path) -> Path:
    """A relative path is taken from the home (``STREAMWISE_HOME`` or the working directory)."""
    return from_home(relative)


def var_path(settings: Settings, relative: str) -> Path:
    """``abs_path`` for a file, with its parent directories created."""
    p = abs_path(relative)
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def store_name(settings: Settings) -> str:
    """Where the store is, for messages (never a DSN: it may hold a password)."""
    if settings.store.backend == "postgres":
        return "the PostgreSQL store" + (
            f" (embedded, {abs_path(settings.store.postgres_dir)})"
            if settings.store.postgres_dsn is None else "")
    return str(abs_path(settings.store.db_path))
