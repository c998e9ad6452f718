"""The support agent: authentication in code, ownership, approvals via Agents, transfer, retrieval."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage

from agents import AgentRequest, Agents, ApprovalDecision, build_agents
from agents._policy import CORE_RULES
from agents.config import AgentSettings
from agents.order import OrderAgent
from agents.scripted import ScriptedChatModel, call, say
from agents.support import AUTH_TOOLS, CHANGE_TOOLS, TRANSFER_MESSAGE, SupportAgent
from retrieval.models import Filters, Hit
from tools import Store, ToolSettings
from tools.catalog import build_registry
from tools.retail_db import load_tau2

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture()
def retail_store() -> Iterator[Store]:
    s = Store()
    with s.transaction() as db:
        load_tau2(db, DATA / "db.json")
    yield s
    s.close()


def make(store: Store, tmp_path: Path, script: list[Any], retriever: Any = None
         ) -> tuple[Agents, ScriptedChatModel]:
    model = ScriptedChatModel(script=script)
    agents = build_agents(AgentSettings(checkpoint_path=str(tmp_path / "ck.sqlite")), store,
                          build_registry(store, ToolSettings()), model, retriever)
    return agents, model


def rows(store: Store, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with store.cursor() as cur:
        return cur.execute(sql, params).fetchall()


def user_with_orders(store: Store, status: str) -> tuple[str, str, str]:
    """(email, user id, order id) of a user with an order in ``status``."""
    return rows(store, "SELECT u.email, u.user_id, o.order_id FROM orders o JOIN users u "
                       "USING (user_id) WHERE o.status = ? ORDER BY o.order_id LIMIT 1",
                [status])[0]


def errors(messages: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(str(m.content)).get("error") for m in messages
            if isinstance(m, ToolMessage)]


def test_authentication_first_then_only_own_records(retail_store: Store,
                                                    tmp_path: Path) -> None:
    email, user_id, order_id = user_with_orders(retail_store, "pending")
    other = rows(retail_store, "SELECT order_id FROM orders WHERE user_id <> ? "
                               "ORDER BY order_id LIMIT 1", [user_id])[0][0]
    agents, model = make(retail_store, tmp_path, [
        call("get_order_details", order_id=order_id),
        call("find_user_id_by_email", email=email),
        call("get_order_details", order_id=order_id),
        call("get_order_details", order_id=other),
        call("respond", message="Here is your order.")])
    result = agents.run_sync(AgentRequest(agent="support", kind="message", event_id="s1",
                                          text="where is my order?", thread_id="chat-1"))

    told = errors(model.seen[-1])
    assert "not authenticated" in told[0]["message"]
    assert told[1] is None and told[2] is None  # the look-up and the own order
    assert told[3]["code"] == "forbidden"
    assert result.decision == "reply" and result.outputs[-1].kind == "reply"
    # The system prompt stays constant (prefix caching); who is authenticated reaches
    # the model through the look-up's tool result.
    assert user_id not in str(model.seen[-1][0].content)
    assert any(user_id in str(m.content) for m in model.seen[-1][1:]
               if isinstance(m, ToolMessage))


def test_refund_above_limit_waits_for_approval_and_resumes(retail_store: Store,
                                                           tmp_path: Path) -> None:
    found = rows(retail_store, """
        SELECT u.email, o.order_id, json_extract_string(o.payment_history, '$[0].payment_method_id'),
               list(i.item_id) FROM orders o JOIN users u USING (user_id)
        JOIN order_items i USING (order_id)
        WHERE o.status = 'delivered' GROUP BY ALL HAVING sum(i.price) > 600
        ORDER BY o.order_id LIMIT 1""", [])
    email, order_id, method, items = found[0]
    agents, _ = make(retail_store, tmp_path, [
        call("find_user_id_by_email", email=email),
        call("return_delivered_order_items", order_id=order_id, item_ids=list(items),
             payment_method_id=method),
        call("respond", message="Your return is requested.")])
    paused = agents.run_sync(AgentRequest(agent="support", kind="message", event_id="s2",
                                          text="yes, return everything", thread_id="chat-2"))

    assert paused.status == "awaiting_approval"
    assert paused.approvals[0].tool == "return_delivered_order_items"
    status = "SELECT status FROM orders WHERE order_id = ?"
    assert rows(retail_store, status, [order_id]) == [("delivered",)]
    done = asyncio.run(agents.resume("chat-2", ApprovalDecision(approved=True, reviewer="lead")))
    assert done.status == "done"
    assert rows(retail_store, status, [order_id]) == [("return requested",)]
    assert [o.action for o in done.outputs if o.kind == "action"] == [
        "return_delivered_order_items"]


def test_a_message_that_names_the_customer_is_authenticated_in_code(
        retail_store: Store, tmp_path: Path) -> None:
    email, user_id, order_id = user_with_orders(retail_store, "pending")
    first, last, zip_code = rows(retail_store, "SELECT first_name, last_name, json_extract_string("
                                 "address, '$.zip') FROM users WHERE user_id = ?", [user_id])[0]
    for n, text in enumerate([f"Hi, this is about {order_id}. My email is {email}.",
                              f"Hello Support, I am {first} {last} from zip code {zip_code}."]):
        agents, model = make(retail_store, tmp_path / str(n), [
            call("get_order_details", order_id=order_id),
            call("respond", message="Here it is.")])
        result = agents.run_sync(AgentRequest(agent="support", kind="message",
                                              event_id=f"s5-{n}", text=text))

        opening = str(model.seen[0][1].content)
        assert f"user id {user_id}" in opening and f"Order {order_id} (pending)" in opening
        # The order's details came with the opening facts: fetching them again is a
        # repeat, answered from the earlier call (as the customer: their own order).
        details = [json.loads(str(m.content)) for m in model.seen[-1] if isinstance(m, ToolMessage)]
        assert [d["order_id"] for d in details] == [order_id]
        run = agents.trace(f"s5-{n}")
        assert run is not None
        looked_up = [s.name for s in run.steps if s.kind == "tool"]
        # Only the look-up that found the customer is traced, then their records.
        assert looked_up[:2] == [("find_user_id_by_email", "find_user_id_by_name_zip")[n],
                                 "get_user_details"]
        assert result.status == "done"


def test_a_change_waits_for_the_customers_yes(retail_store: Store, tmp_path: Path) -> None:
    # An order small enough that cancelling it (a refund) needs no approval.
    email, order_id = rows(retail_store, """
        SELECT u.email, o.order_id FROM orders o JOIN users u USING (user_id)
        JOIN order_items i USING (order_id) WHERE o.status = 'pending'
        GROUP BY ALL HAVING sum(i.price) < 400 ORDER BY o.order_id LIMIT 1""", [])[0]
    status = "SELECT status FROM orders WHERE order_id = ?"
    agents, model = make(retail_store, tmp_path, [
        call("cancel_pending_order", order_id=order_id, reason="no longer needed"),
        call("respond", message=f"Cancel {order_id}? Reply yes to proceed."),
        call("cancel_pending_order", order_id=order_id, reason="no longer needed"),
        call("respond", message="Cancelled.")])
    asked = agents.run_sync(AgentRequest(agent="support", kind="message", event_id="s6",
                                         thread_id="t6",
                                         text=f"Please cancel {order_id}, I'm {email}"))

    assert "not confirmed" in errors(model.seen[1])[0]["message"]
    # Nor was it offered: changes are offered only in a turn that confirms one.
    assert "cancel_pending_order" not in model.bound[0]["tools"]
    assert rows(retail_store, status, [order_id]) == [("pending",)]
    assert asked.outputs[-1].message.endswith("Reply yes to proceed.")
    done = agents.run_sync(AgentRequest(agent="support", kind="message", event_id="s7",
                                        thread_id="t6", text="Yes, please go ahead."))
    assert done.status == "done"
    assert rows(retail_store, status, [order_id]) == [("cancelled",)]
    assert "cancel_pending_order" in model.bound[-1]["tools"]


def test_transfer_to_a_human(retail_store: Store, tmp_path: Path) -> None:
    agents, _ = make(retail_store, tmp_path, [
        call("transfer_to_human_agents", summary="wants a manager"),
        call("respond", message="A human will help.")])
    result = agents.run_sync(AgentRequest(agent="support", kind="message", event_id="s3",
                                          text="I want a manager"))
    reply = result.outputs[-1]
    assert result.decision == "transfer" and reply.transferred_to_human
    assert reply.message == TRANSFER_MESSAGE


def test_retrieved_policy_and_products_reach_the_prompt(retail_store: Store,
                                                        tmp_path: Path) -> None:
    asked: list[tuple[str, int, Any]] = []

    def retriever(query: str, k: int, filters: Filters | None) -> list[Hit]:
        asked.append((query, k, filters.kind if filters else None))
        kind = filters.kind if filters else "policy"
        return [Hit(doc_id=f"{kind}-1", score=1.0, text=f"{kind} text about refunds")]

    agents, model = make(retail_store, tmp_path, [call("respond", message="ok")], retriever)
    agents.run_sync(AgentRequest(agent="support", kind="message", event_id="s4",
                                 text="can I get a refund?"))
    # Retrieved context rides in the turn's first message, after the constant system prompt.
    first_turn = str(model.seen[0][1].content)
    assert "policy text about refunds" in first_turn and "product text about refunds" in first_turn
    assert "can I get a refund?" in first_turn
    assert "refunds" not in str(model.seen[0][0].content)
    assert [a[2] for a in asked] == ["policy", "product"]


def test_warm_sends_each_constant_prefix_once_per_server_instance(retail_store: Store,
                                                                  tmp_path: Path) -> None:
    agents, model = make(retail_store, tmp_path, [say("ok")] * 10)
    assert agents.warm(["order", "support"], copies=2) == 10

    systems = Counter(str(messages[0].content) for messages in model.seen)
    order_prompts = OrderAgent(build_registry(retail_store)).constant_prompts()
    assert systems == {prompt: 2 for prompt in [*order_prompts, CORE_RULES]}
    assert set(model.choices) == {"required"}  # the graphs' own binding: the same prefix
    # A warm-up that fails costs only the warmth.
    agents, _ = make(retail_store, tmp_path / "short", [say("ok")] * 2)
    assert agents.warm(["support", "order"]) == 2


def test_every_support_tool_set_starts_with_the_usual_one(retail_store: Store) -> None:
    spec = SupportAgent(build_registry(retail_store))
    usual = spec.offered(None)
    assert not set(usual) & {*AUTH_TOOLS, *CHANGE_TOOLS}
    sets = [spec.offered({"memory": memory, "request": {"text": text}})  # type: ignore[typeddict-item]
            for memory in ({}, {"user_id": "u1"}) for text in ("where is it?", "yes, go ahead")]
    assert all(names[:len(usual)] == usual for names in sets)  # one cached prefix for all
    assert [bool(set(n) & set(AUTH_TOOLS)) for n in sets] == [True, True, False, False]
    assert [bool(set(n) & set(CHANGE_TOOLS)) for n in sets] == [False, True, False, True]
