"""τ²-bench retail tasks: their file format, the reference's end-state check, intents.

The expected end state of a task is the store after replaying its gold actions
through the tools (as the τ² reference does: every action, errors ignored, no
authentication). Replaying from the very state the agent starts from makes the
check valid for any task file, not only the train split's expected_train.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tools import Actor, DuckDBStore, Store, ToolContext, ToolSettings, build_registry, export_tau2, load_tau2

STATE_TABLES = ("orders", "users", "products")


class _Model(BaseModel):
    # Task files from other τ² versions number their ids: "7" and 7 are the same task.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class Action(_Model):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Instructions(_Model):
    reason_for_call: str = ""
    known_info: str | None = None
    unknown_info: str | None = None
    task_instructions: str | None = None


class Scenario(_Model):
    instructions: Instructions

    @field_validator("instructions", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        # τ² also allows the instructions as one free text: it is the reason for the call.
        return {"reason_for_call": value} if isinstance(value, str) else value


class Criteria(_Model):
    actions: list[Action] | None = None
    communicate_info: list[str] | None = None


class Task(_Model):
    """One τ² task (the fields the harness reads; the rest of the file is ignored)."""

    id: str
    user_scenario: Scenario
    evaluation_criteria: Criteria

    @property
    def actions(self) -> list[Action]:
        return self.evaluation_criteria.actions or []

    @property
    def communicate_info(self) -> list[str]:
        return self.evaluation_criteria.communicate_info or []

    @property
    def instructions(self) -> Instructions:
        return self.user_scenario.instructions


def load_tasks(path: Path) -> list[Task]:
    """The tasks of a τ² task file (a JSON list); ValueError names the bad entry."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the task file {path}: {exc}") from None
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a JSON list of τ² tasks, got {type(raw).__name__}")
    tasks = []
    for i, entry in enumerate(raw):
        try:
            tasks.append(Task.model_validate(entry))
        except ValidationError as exc:
            where = entry.get("id", "?") if isinstance(entry, dict) else "?"
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{path}: task #{i} (id {where}): {loc}: {first['msg']}") from None
    return tasks


# Write tools -> the intent they serve (the row of the per-category table).
_INTENTS = {
    "cancel_pending_order": "cancel",
    "modify_pending_order_items": "modify_items",
    "modify_pending_order_address": "modify_address",
    "modify_user_address": "modify_address",
    "modify_pending_order_payment": "modify_payment",
    "return_delivered_order_items": "return",
    "exchange_delivered_order_items": "exchange",
    "transfer_to_human_agents": "transfer",
}
INTENTS = ("cancel", "modify_items", "modify_address", "modify_payment", "return", "exchange",
           "transfer", "info", "multi")


def intent(actions: Iterable[Action]) -> str:
    """The task's intent from its gold write actions: the one kind, "multi" when
    several kinds, "info" when it changes nothing."""
    kinds = list(dict.fromkeys(_INTENTS[a.name] for a in actions if a.name in _INTENTS))
    if not kinds:
        return "info"
    return kinds[0] if len(kinds) == 1 else "multi"


def changes(task: Task) -> int:
    """How many changes the customer asks for (distinct write actions by record)."""
    return len({(a.name, str(a.arguments.get("order_id") or a.arguments.get("user_id")))
                for a in task.actions if a.name in _INTENTS})


def requests(task: Task) -> int:
    """How many things the customer asks for: each change, plus a question whose answer
    the task checks (its communicate_info)."""
    return changes(task) + (1 if task.communicate_info else 0)


def _normal(text: str) -> str:
    return text.lower().replace(",", "")


def communicated(info: Sequence[str], replies: Sequence[str]) -> bool:
    """τ²'s communicate_info check: every required string appears in some reply
    (case-insensitive, commas ignored, so "1,000" matches "1000")."""
    said = [_normal(r) for r in replies]
    return all(any(_normal(i) in s for s in said) for i in info)


def retail_state(store: Store) -> dict[str, Any]:
    """The store's retail records in db.json form (what the reference hashes)."""
    with store.cursor() as cur:
        state = export_tau2(cur)
    return {t: state[t] for t in STATE_TABLES}


def replay_gold(store: Store, actions: Sequence[Action], settings: ToolSettings, *,
                key: str) -> list[str]:
    """Run the gold actions through the tools as the reference does (a support actor
    with approval, no authentication); returns the errors, which change nothing."""
    registry = build_registry(store, settings)
    errors = []
    for i, action in enumerate(actions):
        ctx = ToolContext(actor=Actor(role="support"), approved=True,
                          idempotency_key=f"{key}:gold:{i}")
        result = registry.call(action.name, action.arguments, ctx)
        if not result.ok:
            errors.append(f"{action.name}: {result.for_model()}")
    return errors


def expected_state(start: Mapping[str, Any], actions: Sequence[Action], settings: ToolSettings,
                   *, key: str) -> dict[str, Any]:
    """The retail state reached from ``start`` (db.json form) by the gold actions."""
    store = DuckDBStore()
    try:
        with store.transaction() as cur:
            load_tau2(cur, start)
        replay_gold(store, actions, settings, key=key)
        return retail_state(store)
    finally:
        store.close()


def differences(got: Mapping[str, Any], want: Mapping[str, Any]) -> list[str]:
    """The records that differ (``table:id``), for reading a failed case."""
    out = []
    for table in STATE_TABLES:
        mine, theirs = got.get(table, {}), want.get(table, {})
        out += [f"{table}:{k}" for k in sorted(set(mine) | set(theirs))
                if mine.get(k) != theirs.get(k)]
    return out
