"""Settings of the tools package: the store and the policy limits tools enforce."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class ToolSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # duckdb: one file, one worker process. postgres: several workers share one store;
    # the DSN from the environment (STREAMWISE_STORE__POSTGRES_DSN), or, without one, an
    # embedded PostgreSQL server (the pgserver wheel) under postgres_dir.
    backend: Literal["duckdb", "postgres"] = "duckdb"
    db_path: str = "var/streamwise.duckdb"
    postgres_dsn: SecretStr | None = None
    postgres_dir: str = "var/pgstore"
    # postgres: the connection the analyst's SQL copy reads with, as a role the store
    # grants SELECT on the whitelisted tables only (STREAMWISE_STORE__ANALYST_DSN). The
    # embedded server has one (streamwise_analyst); without it, the store's own connection.
    analyst_dsn: SecretStr | None = None
    seed: int = 7
    # Refunds above this amount need a human approval.
    refund_approval_limit: Decimal = Field(default=Decimal("500"), ge=0)
    # A price change larger than this needs approval: measured against the current price
    # and, cumulatively, against the price at the start of the last price_change_window_days.
    max_price_change_pct: float = Field(default=15.0, gt=0, le=100)
    price_change_window_days: int = Field(default=30, ge=1, le=3650)
    # Even an approved price stays within this factor (up or down) of both reference prices.
    max_approved_price_ratio: float = Field(default=5.0, gt=1, le=1000)
    # Gross margin below this fraction of the price is refused / alerted.
    margin_floor: float = Field(default=0.15, ge=0, lt=1)
    sql_max_rows: int = Field(default=1000, ge=1)
    sql_timeout_s: float = Field(default=10.0, gt=0)
    # Analyst SQL results: at most this many bytes of JSON rows; a longer text cell is cut.
    sql_max_bytes: int = Field(default=1_000_000, ge=1_000)
    sql_max_cell_chars: int = Field(default=2_000, ge=16)
    # The sandbox's DuckDB memory limit (its query errors beyond it; nothing spills to disk).
    sql_memory_limit_mb: int = Field(default=512, ge=64)
    # Reproduce the τ²-bench reference's quirks in modify_pending_order_items (see
    # tools/retail.py); only for replaying its gold actions against expected_train.json.
    tau2_compat: bool = False
