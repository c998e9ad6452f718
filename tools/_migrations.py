"""Versioned schema migrations of the store, applied on open (both backends).

``schema_migrations`` records each applied version. A migration is a list of
statements in the SQL both engines read; where they differ, a migration gives
each backend its own list. Migrations only ever append: a released version is
never edited, a change is a new version. Version 1 uses ``IF NOT EXISTS`` so a
store made before migrations existed (tables created by their owners on open)
upgrades in place.

The seeded tables (retail and generated operational data) are not here: the seed
(re)creates them whole from their generator (``tools.seed``).

Two PostgreSQL workers starting at once must not both migrate: the caller holds a
transaction-scoped advisory lock (``PostgresStore``); DuckDB has one writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Backend = Literal["duckdb", "postgres"]

_V1 = [
    # Idempotency records of side-effecting tool calls: written in the same
    # transaction as the effect, so "done" and "recorded" cannot disagree.
    """CREATE TABLE IF NOT EXISTS tool_effects (
        idempotency_key VARCHAR PRIMARY KEY,
        tool VARCHAR NOT NULL,
        arguments JSON NOT NULL,
        result JSON NOT NULL,
        actor VARCHAR NOT NULL,
        trace_id VARCHAR,
        created_at TIMESTAMPTZ NOT NULL
    )""",
    # The audit trail (agents.trace): one row per run, its steps beside it.
    """CREATE TABLE IF NOT EXISTS agent_runs (
        event_id VARCHAR PRIMARY KEY,
        agent VARCHAR NOT NULL,
        thread_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        subject_id VARCHAR,
        status VARCHAR NOT NULL,
        decision VARCHAR,
        message VARCHAR,
        outputs JSON,
        approvals JSON,
        model_calls INTEGER,
        input_tokens INTEGER,
        output_tokens INTEGER,
        tool_calls INTEGER,
        model_latency_ms DOUBLE PRECISION,
        error VARCHAR,
        updated_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS agent_steps (
        event_id VARCHAR NOT NULL,
        seq INTEGER NOT NULL,
        step INTEGER NOT NULL,
        kind VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        arguments JSON,
        status VARCHAR,
        result JSON,
        error VARCHAR,
        idempotency_key VARCHAR,
        replayed BOOLEAN,
        input_tokens INTEGER,
        output_tokens INTEGER,
        latency_ms DOUBLE PRECISION
    )""",
    "CREATE TABLE IF NOT EXISTS seed_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    common: list[str] = field(default_factory=list)
    only: dict[Backend, list[str]] = field(default_factory=dict)

    def statements(self, backend: Backend) -> list[str]:
        return [*self.common, *self.only.get(backend, [])]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "tool effects, agent traces, seed metadata", _V1),
    Migration(2, "index the trace steps by run", [
        "CREATE INDEX IF NOT EXISTS agent_steps_event ON agent_steps (event_id, seq)"]),
    Migration(3, "trace steps keep the model's proposed arguments and code's amendments", [
        "ALTER TABLE agent_steps ADD COLUMN IF NOT EXISTS proposed JSON",
        "ALTER TABLE agent_steps ADD COLUMN IF NOT EXISTS amended JSON"]),
)

LATEST = MIGRATIONS[-1].version


def migrate(db: Any, backend: Backend) -> list[int]:
    """Apply the migrations ``db`` lacks, in order, inside the caller's transaction.
    Returns the versions applied."""
    db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
               "name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
    done = {int(r[0]) for r in db.execute("SELECT version FROM schema_migrations").fetchall()}
    if done and max(done) > LATEST:
        from .errors import StoreError

        raise StoreError(f"the store's schema is version {max(done)}, newer than this "
                         f"streamwise knows ({LATEST}): upgrade streamwise")
    applied = []
    for m in MIGRATIONS:
        if m.version in done:
            continue
        for sql in m.statements(backend):
            db.execute(sql)
        db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                   [m.version, m.name])
        applied.append(m.version)
    return applied


def schema_version(db: Any) -> int:
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0]) if row and row[0] is not None else 0
