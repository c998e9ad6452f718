"""τ²-bench gold replay: every train task's gold actions through the registry, then the
store exported and compared with the reference's ``expected_changes``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tools import Store, ToolSettings, build_registry, export_tau2

from .conftest import DATA, support

EXPECTED: list[dict[str, Any]] = json.loads((DATA / "expected_train.json").read_text())
TASKS: list[dict[str, Any]] = json.loads((DATA / "tasks_train.json").read_text())


def _replay(store: Store, task: dict[str, Any], settings: ToolSettings) -> list[str]:
    """Run the gold actions; return the problems found with refusals and results."""
    registry = build_registry(store, settings)
    must_fail = {e["index"]: e for e in task["tool_errors"]}
    problems = []
    for index, action in enumerate(task["actions"]):
        ctx = support(key=f"task{task['task_id']}-action{index}")
        result = registry.call(action["name"], action["arguments"], ctx)
        if index in must_fail:
            if result.ok:
                problems.append(f"action {index} {action['name']} should have been refused")
            elif result.error and result.error.message != must_fail[index]["error"]:
                problems.append(f"action {index}: {result.error.message!r} "
                                f"!= {must_fail[index]['error']!r}")
        elif not result.ok:
            problems.append(f"action {index} {action['name']} failed: {result.for_model()}")
    return problems


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    changes = {}
    for table, records in after.items():
        changed = {k: v for k, v in records.items() if before[table].get(k) != v}
        removed = [k for k in before[table] if k not in records]
        if changed or removed:
            changes[table] = {"changed": changed, "removed": removed}
    return changes


def test_tasks_and_expectations_line_up() -> None:
    assert len(EXPECTED) == len(TASKS) == 74
    for task, expected in zip(TASKS, EXPECTED, strict=True):
        assert task["id"] == expected["task_id"]
        assert task["evaluation_criteria"]["actions"] == expected["actions"]


@pytest.mark.parametrize("task", EXPECTED, ids=[t["task_id"] for t in EXPECTED])
def test_gold_replay_matches_reference(task: dict[str, Any], tau2_db: dict[str, Any],
                                       fresh_store: Callable[[], Store]) -> None:
    store = fresh_store()
    problems = _replay(store, task, ToolSettings(tau2_compat=True))
    assert problems == []
    with store.cursor() as db:
        changes = _changes(tau2_db, export_tau2(db))
    expected = {t: c for t, c in task["expected_changes"].items() if c["changed"] or c["removed"]}
    assert changes == expected


_MODIFY_ITEMS = [t for t in EXPECTED
                 if any(a["name"] == "modify_pending_order_items" for a in t["actions"])]


@pytest.mark.parametrize("task", _MODIFY_ITEMS[:6], ids=[t["task_id"] for t in _MODIFY_ITEMS[:6]])
def test_default_mode_prices_each_line_from_its_own_item(
        task: dict[str, Any], tau2_db: dict[str, Any],
        fresh_store: Callable[[], Store]) -> None:
    """Without tau2_compat, modified lines carry their own new item's price and options and
    the payment for the difference is rounded to cents; nothing else differs."""
    store = fresh_store()
    assert _replay(store, task, ToolSettings()) == []
    variants = {i: v for p in tau2_db["products"].values() for i, v in p["variants"].items()}
    with store.cursor() as db:
        orders = export_tau2(db)["orders"]
    for action in task["actions"]:
        if action["name"] != "modify_pending_order_items":
            continue
        args = action["arguments"]
        before, after = tau2_db["orders"][args["order_id"]], orders[args["order_id"]]
        diff = 0.0
        for line_before, line_after in zip(before["items"], after["items"], strict=True):
            if line_after["item_id"] != line_before["item_id"]:
                new = variants[line_after["item_id"]]
                assert (line_after["price"], line_after["options"]) == \
                    (new["price"], new["options"])
                diff += new["price"] - line_before["price"]
        last = after["payment_history"][-1]
        assert last["amount"] == round(abs(diff), 2)
        assert last["transaction_type"] == ("payment" if diff > 0 else "refund")
        assert after["status"] == "pending (item modified)"
