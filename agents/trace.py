"""The audit trail: one ``agent_runs`` row and its ``agent_steps`` per run, in the store.

Every model call (tokens, latency), tool call (arguments, result or error,
idempotency key, replayed or not) and approval of a run is a step. A run is
written whole after each pass of its graph (done, paused for approval,
failed), replacing what an earlier pass wrote, so a re-run after a crash
leaves one consistent trace, not two.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from tools import Store
from tools._dialect import MISSING_TABLE_ERRORS


class TraceStep(BaseModel):
    """One model call (``kind="model"``), tool call (``"tool"``) or approval (``"approval"``)."""

    seq: int = 0
    step: int  # the model turn it belongs to; 0 for work done in code before the model
    kind: str
    name: str
    arguments: Any = None
    proposed: Any = None  # the model's own arguments, where code amended them
    amended: list[str] = Field(default_factory=list)  # what code changed, and why
    status: str = "ok"
    result: Any = None
    error: str | None = None
    idempotency_key: str | None = None
    replayed: bool = False
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0


class TraceRun(BaseModel):
    event_id: str
    agent: str
    thread_id: str
    kind: str
    subject_id: str = ""
    status: str
    decision: str = ""
    message: str = ""
    outputs: list[Any] = Field(default_factory=list)
    approvals: list[Any] = Field(default_factory=list)
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    tool_calls: int = 0
    model_latency_ms: float = 0.0
    error: str | None = None
    updated_at: datetime | None = None
    steps: list[TraceStep] = Field(default_factory=list)


class TraceStore:
    """Reads and writes traces in the main store (``tools.Store``, either backend; its
    migrations create ``agent_runs`` and ``agent_steps``)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        # Called with each run once it is written (the OpenTelemetry export, when on).
        self.listeners: list[Callable[[TraceRun], None]] = []

    def write(self, run: TraceRun) -> None:
        """Replace the run's rows with ``run`` and its steps (one transaction, run again if
        another worker wrote the same run meanwhile)."""
        self._store.run(lambda cur: self._write(cur, run))
        for listener in self.listeners:
            listener(run)

    def forget(self, event_id: str) -> None:
        """Delete a run and its steps (an evaluation's own runs, once scored)."""
        self._store.run(lambda cur: self._delete(cur, event_id))

    @staticmethod
    def _delete(cur: Any, event_id: str) -> None:
        cur.execute("DELETE FROM agent_steps WHERE event_id = ?", [event_id])
        cur.execute("DELETE FROM agent_runs WHERE event_id = ?", [event_id])

    @staticmethod
    def _write(cur: Any, run: TraceRun) -> None:
        TraceStore._delete(cur, run.event_id)
        cur.execute(
            "INSERT INTO agent_runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, now())",
            [run.event_id, run.agent, run.thread_id, run.kind, run.subject_id, run.status,
             run.decision, run.message, _json(run.outputs), _json(run.approvals),
             run.model_calls, run.input_tokens, run.output_tokens, run.tool_calls,
             run.model_latency_ms, run.error])
        if run.steps:
            cur.executemany(
                "INSERT INTO agent_steps (event_id, seq, step, kind, name, arguments, "
                "status, result, error, idempotency_key, replayed, input_tokens, "
                "output_tokens, latency_ms, proposed, amended) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [[run.event_id, i, s.step, s.kind, s.name, _json(s.arguments), s.status,
                  _json(s.result), s.error, s.idempotency_key, s.replayed, s.input_tokens,
                  s.output_tokens, s.latency_ms, _json(s.proposed),
                  _json(s.amended or None)] for i, s in enumerate(run.steps)])

    def load(self, event_id: str) -> TraceRun | None:
        """The trace of ``event_id``'s run, or None when there is none (also when the store,
        opened read-only, has never recorded a run and so has no trace tables)."""
        with self._store.cursor() as cur:
            try:
                row = cur.execute("SELECT * FROM agent_runs WHERE event_id = ?",
                                  [event_id]).fetchone()
            except MISSING_TABLE_ERRORS:
                return None
            if row is None:
                return None
            names = [d[0] for d in cur.description]
            steps = cur.execute("SELECT * FROM agent_steps WHERE event_id = ? ORDER BY seq",
                                [event_id]).fetchall()
            step_names = [d[0] for d in cur.description]
        run = dict(zip(names, row, strict=True))
        for key in ("outputs", "approvals"):
            run[key] = json.loads(run[key]) if run[key] else []
        parsed = []
        for s in steps:
            d = dict(zip(step_names, s, strict=True))
            d.pop("event_id")
            for key in ("arguments", "result", "proposed", "amended"):
                d[key] = json.loads(d[key]) if d[key] is not None else None
            d["amended"] = d["amended"] or []
            parsed.append(TraceStep.model_validate(d))
        return TraceRun.model_validate({**run, "steps": parsed})

    def find(self, *, agent: str | None = None, decision: str | None = None,
             status: str | None = None, thread_id: str | None = None,
             since: datetime | None = None, until: datetime | None = None,
             limit: int = 100) -> list[TraceRun]:
        """Runs (without their steps) matching every filter given, newest first."""
        where: list[str] = []
        params: list[object] = []
        for column, value in (("agent", agent), ("decision", decision), ("status", status),
                              ("thread_id", thread_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            where.append("updated_at > ?")
            params.append(since)
        if until is not None:
            where.append("updated_at <= ?")
            params.append(until)
        sql = ("SELECT * FROM agent_runs" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY updated_at DESC, event_id LIMIT ?")
        with self._store.cursor() as cur:
            rows = cur.execute(sql, [*params, limit]).fetchall()
            names = [d[0] for d in cur.description]
        runs = []
        for row in rows:
            run = dict(zip(names, row, strict=True))
            for key in ("outputs", "approvals"):
                run[key] = json.loads(run[key]) if run[key] else []
            runs.append(TraceRun.model_validate(run))
        return runs


def load_trace(store: Store, event_id: str) -> TraceRun | None:
    """The trace of ``event_id`` (for ``streamwise trace EVENT_ID``), or None."""
    return TraceStore(store).load(event_id)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=str)
