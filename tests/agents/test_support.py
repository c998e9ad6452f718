"""The support agent: the model reads the message into typed requests, code decides.

The scripted model plays the extraction (``respond`` with the requests); the
rest is the real graph over the real τ² store: identity, resolution of items
and variants, policy, proposal, the customer's yes, execution, approvals and
the reply written from facts.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from agents import AgentResult, Agents, ApprovalDecision, build_agents
from agents._support_match import match_items
from agents._support_schema import EXTRACT_PROMPT
from agents.config import AgentSettings
from agents.contracts import MessageRequest
from agents.order import OrderAgent
from agents.scripted import ScriptedChatModel, call, say
from agents.support import TRANSFER_MESSAGE
from tools import DuckDBStore, Store, ToolSettings
from tools.catalog import build_registry
from tools.retail_db import load_tau2

DATA = Path(__file__).resolve().parents[2] / "data"
YES = "Yes, please go ahead."


@pytest.fixture()
def retail_store() -> Iterator[Store]:
    s = DuckDBStore()
    with s.transaction() as db:
        load_tau2(db, DATA / "db.json")
    yield s
    s.close()


def rows(store: Store, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with store.cursor() as cur:
        return cur.execute(sql, params).fetchall()


def status(store: Store, order_id: str) -> str:
    return str(rows(store, "SELECT status FROM orders WHERE order_id = ?", [order_id])[0][0])


@dataclass
class Customer:
    user_id: str
    email: str
    first: str
    last: str
    zip: str
    pending: str  # a pending order whose refund needs no approval
    delivered: str  # a delivered order
    item: str  # the name of an item in the delivered order


def customer(store: Store, skip: str = "") -> Customer:
    """A customer with a small pending order and a delivered one (not ``skip``)."""
    found = rows(store, """
        WITH totals AS (SELECT order_id, user_id, status, sum(price) AS total
                        FROM order_items GROUP BY ALL)
        SELECT u.user_id, u.email, u.first_name, u.last_name,
               json_extract_string(u.address, '$.zip'), p.order_id, d.order_id
        FROM users u JOIN totals p ON p.user_id = u.user_id AND p.status = 'pending'
             AND p.total < 400
        JOIN totals d ON d.user_id = u.user_id AND d.status = 'delivered' AND d.total < 400
        WHERE u.user_id <> ? ORDER BY u.user_id, p.order_id, d.order_id LIMIT 1""", [skip])[0]
    item = rows(store, "SELECT name FROM order_items WHERE order_id = ? ORDER BY line_no "
                       "LIMIT 1", [found[6]])[0][0]
    return Customer(*found, item=item)


def extract(*requests: dict[str, Any], **identity: str) -> AIMessage:
    """The model's reading of a message: ``respond`` with typed requests."""
    return call("respond", requests=list(requests), **identity)


class Desk:
    """The support agent over the real store, driven by a scripted model."""

    def __init__(self, store: Store, tmp: Path, script: list[Any]) -> None:
        self.model = ScriptedChatModel(script=script)
        self.agents: Agents = build_agents(
            AgentSettings(checkpoint_path=str(tmp / "ck.sqlite")), store,
            build_registry(store, ToolSettings()), self.model)
        self.turns = 0

    def say(self, text: str, thread: str = "t", **author: str) -> AgentResult:
        self.turns += 1
        return self.agents.run_sync(MessageRequest(
            agent="support", event_id=f"{thread}-{self.turns}", text=text,
            thread_id=thread, subject_id=thread, **author))


def reply_of(result: AgentResult) -> str:
    return next(o.message for o in result.outputs if o.kind == "reply")


def test_a_request_is_read_resolved_proposed_and_run_after_yes(retail_store: Store,
                                                               tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [extract({"intent": "cancel", "order_id": c.pending},
                                                 email=c.email)])
    text = f"Hi, I'm {c.email}. Please cancel {c.pending}, I don't need it any more."
    asked = desk.say(text)

    assert asked.decision == "confirm" and status(retail_store, c.pending) == "pending"
    assert c.pending in asked.message and "no longer needed" in asked.message
    assert text not in asked.message and "don't need it" not in asked.message
    done = desk.say(YES)
    assert done.decision == "done" and status(retail_store, c.pending) == "cancelled"
    assert [o.action for o in done.outputs if o.kind == "action"] == ["cancel_pending_order"]
    assert desk.model.remaining == 0  # the yes was read by rules, not by the model


def test_the_model_is_asked_only_for_the_extraction(retail_store: Store, tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [extract(email=c.email)])
    desk.say(f"hello, {c.email} here")

    assert desk.model.bound[-1] == {"tools": ["respond"], "tool_choice": "respond"}
    assert desk.model.choices == ["respond"]
    system, message = desk.model.seen[0]
    assert system.content == EXTRACT_PROMPT and message.content == f"hello, {c.email} here"


def test_cancelling_a_delivered_order_is_refused_with_why_and_the_return_offered(
        retail_store: Store, tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [extract({"intent": "cancel", "order_id": c.delivered},
                                                 email=c.email)])
    result = desk.say(f"cancel {c.delivered} please, {c.email}")

    assert result.decision == "refuse" and status(retail_store, c.delivered) == "delivered"
    assert "delivered" in result.message and "return" in result.message
    assert "can't assist" not in result.message


def test_items_and_variants_are_resolved_from_descriptions(retail_store: Store,
                                                          tmp_path: Path) -> None:
    # τ² train task 0: the customer's words, the gold variants.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "exchange", "order_id": "#W2378156",
         "items": ["mechanical keyboard", "smart thermostat"],
         "wanted": ["clicky switches", "Google Home"]},
        first_name="Yusuf", last_name="Rossi", zip="19122")])
    asked = desk.say("I received my order #W2378156 and wish to exchange the mechanical "
                     "keyboard for the same one but with clicky switches and the smart "
                     "thermostat for one compatible with Google Home instead of Apple "
                     "HomeKit. I am Yusuf Rossi in zip code 19122.")
    assert asked.decision == "confirm"
    desk.say(YES)
    got = rows(retail_store, "SELECT exchange_items, exchange_new_items, status FROM orders "
                             "WHERE order_id = '#W2378156'", [])[0]
    assert got == ('["1151293680", "4983901480"]', '["7706410293", "7747408585"]',
                   "exchange requested")


def test_options_the_model_dropped_are_read_from_the_customer_s_own_words(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 80: the model kept only two of the four wanted options.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "exchange", "order_id": "#W7209932", "items": ["t-shirt"],
         "wanted": ["red", "cotton"], "payment": "gift card"},
        email="amelia.gonzalez4271@example.com")])
    asked = desk.say("For #W7209932, exchange T-Shirt {'color': 'blue', 'size': 'S', "
                     "'material': 'polyester', 'style': 'v-neck'} to {'color': 'red', "
                     "'size': 'XXL', 'material': 'cotton', 'style': 'crew neck'}; Use the "
                     "gift card. My email is amelia.gonzalez4271@example.com.")
    assert asked.decision == "confirm" and "9354168549" in asked.message


def test_an_option_value_counts_only_as_whole_words() -> None:
    from agents._support_match import mentioned

    assert mentioned("S", "size s please") and not mentioned("S", "these shoes")
    assert mentioned("crew neck", "a crew-neck one") and not mentioned("red", "bored")


def test_a_missing_slot_is_asked_for_by_name(retail_store: Store, tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [extract({"intent": "return", "order_id": c.delivered},
                                                 email=c.email)])
    result = desk.say(f"I want to return something from {c.delivered}. {c.email}")

    assert result.decision == "need_info"
    assert result.outputs[-1].details["missing"] == ["items"]
    assert c.item in result.message  # the choices come from the order


def test_without_identity_the_request_waits_for_authentication(retail_store: Store,
                                                               tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [
        extract({"intent": "return", "order_id": c.delivered, "items": [c.item]}),
        extract(first_name=c.first, last_name=c.last, zip=c.zip)])
    first = desk.say(f"I want to return the {c.item} of {c.delivered}")
    assert first.decision == "need_info" and first.outputs[-1].details["missing"] == ["email"]

    second = desk.say(f"I am {c.first} {c.last}, zip code {c.zip}")
    assert second.decision == "confirm" and c.delivered in second.message
    assert desk.say(YES).decision == "done"
    assert status(retail_store, c.delivered) == "return requested"


def test_no_drops_the_proposal(retail_store: Store, tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [extract({"intent": "cancel", "order_id": c.pending},
                                                 email=c.email), extract()])
    desk.say(f"cancel {c.pending}, {c.email}")
    declined = desk.say("No, do not proceed.")
    later = desk.say(YES)  # a yes with nothing shown confirms nothing

    assert declined.decision == "reply" and later.decision != "done"
    assert status(retail_store, c.pending) == "pending"


def test_refund_above_limit_waits_for_approval_and_the_reply_tells_the_outcome(
        retail_store: Store, tmp_path: Path) -> None:
    from streamwise.wiring import resolution_outputs

    email, order_id = rows(retail_store, """
        SELECT u.email, o.order_id FROM orders o JOIN users u USING (user_id)
        JOIN order_items i USING (order_id) WHERE o.status = 'pending'
        GROUP BY ALL HAVING sum(i.price) > 600 ORDER BY o.order_id LIMIT 1""", [])[0]
    desk = Desk(retail_store, tmp_path, [extract({"intent": "cancel", "order_id": order_id},
                                                 email=email)])
    desk.say(f"cancel {order_id}; {email}", thread="ticket:T1")
    paused = desk.say(YES, thread="ticket:T1")
    assert paused.status == "awaiting_approval" and status(retail_store, order_id) == "pending"

    done = asyncio.run(desk.agents.resume("ticket:T1", ApprovalDecision(approved=True)))
    assert status(retail_store, order_id) == "cancelled"
    assert done.decision == "done" and "Approved" in done.message and order_id in done.message
    events = resolution_outputs(done, "a-1")
    replies = [e for e in events if e.type == "TicketReply"]
    assert [r.payload.message for r in replies] == [done.message]  # type: ignore[union-attr]
    assert replies[0].payload.ticket_id == "ticket:T1"  # type: ignore[union-attr]
    # The same decision publishes the same event ids.
    assert [e.event_id for e in events] == [e.event_id for e in resolution_outputs(done, "a-1")]


def test_a_rejected_approval_is_told_to_the_customer(retail_store: Store,
                                                     tmp_path: Path) -> None:
    email, order_id = rows(retail_store, """
        SELECT u.email, o.order_id FROM orders o JOIN users u USING (user_id)
        JOIN order_items i USING (order_id) WHERE o.status = 'pending'
        GROUP BY ALL HAVING sum(i.price) > 600 ORDER BY o.order_id LIMIT 1""", [])[0]
    desk = Desk(retail_store, tmp_path, [extract({"intent": "cancel", "order_id": order_id},
                                                 email=email)])
    desk.say(f"cancel {order_id}; {email}")
    desk.say(YES)
    done = desk.agents.resume_sync("t", ApprovalDecision(approved=False, note="fraud check"))
    assert status(retail_store, order_id) == "pending"
    assert "did not approve" in done.message and done.decision == "refuse"


def test_slots_the_message_does_not_say_are_dropped(retail_store: Store,
                                                    tmp_path: Path) -> None:
    c = customer(retail_store)
    # A small model fills empty slots with its prompt's examples: an order id, options.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "return", "order_id": "#W1234567", "items": ["all"], "payment": "gift card"},
        email="someone@example.com")])
    result = desk.say(f"I want to return something. I am {c.first} {c.last}, zip {c.zip}.")
    assert result.decision == "need_info" and result.outputs[-1].details["missing"] == [
        "order_id"]
    assert "#W1234567" not in result.message


def test_a_model_that_answers_in_text_still_gets_the_request_read_by_rules(
        retail_store: Store, tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [say("I'm sorry, but I can't assist with that.")])
    result = desk.say(f"Please cancel order {c.pending}. My email is {c.email}.")
    assert result.decision == "confirm" and c.pending in result.message
    assert "can't assist" not in result.message


def test_a_status_question_is_answered_from_the_order(retail_store: Store,
                                                      tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [extract({"intent": "status", "order_id": c.delivered},
                                                 email=c.email)])
    result = desk.say(f"where is {c.delivered}? {c.email}")
    assert result.decision == "reply" and f"{c.delivered} is delivered" in result.message


def test_transfer_to_a_human(retail_store: Store, tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [extract({"intent": "human"}, email=c.email)])
    result = desk.say(f"I want a manager. {c.email}")
    assert result.decision == "transfer" and result.outputs[-1].transferred_to_human
    assert result.message == TRANSFER_MESSAGE


def test_warm_sends_each_constant_prefix_once_per_server_instance(retail_store: Store,
                                                                  tmp_path: Path) -> None:
    desk = Desk(retail_store, tmp_path, [say("ok")] * 10)
    assert desk.agents.warm(["order", "support"], copies=2) > 0

    systems = Counter(str(messages[0].content) for messages in desk.model.seen)
    order_prompts = OrderAgent(build_registry(retail_store)).constant_prompts()
    assert systems == {prompt: 2 for prompt in [*order_prompts, EXTRACT_PROMPT]}


def test_an_intent_the_message_does_not_say_is_not_acted_on(retail_store: Store,
                                                            tmp_path: Path) -> None:
    # τ² train task 15: the model added an address change to an item change.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "modify_items", "items": ["boots"], "wanted": ["size 8"],
         "payment": "paypal"},
        {"intent": "modify_address", "address": {"address1": "12345"}},
        first_name="Fatima", last_name="Johnson", zip="78712")])
    asked = desk.say("I want to modify the pending boots to a size 8, and want the material, "
                     "but do not care about waterproof or not. I prefer PayPal for any payment "
                     "or refund. I am Fatima Johnson in zipcode 78712.")
    assert asked.decision == "confirm" and "address" not in asked.message.lower()
    assert "3613716226" in asked.message


def test_cancelling_some_items_of_an_order_is_refused_with_why(retail_store: Store,
                                                               tmp_path: Path) -> None:
    # τ² train task 31's words: the boots share their order with a kettle to keep; the
    # charger's order holds it alone; the model put every item under one cancel.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "cancel", "items": ["charger", "boot", "kettle"]},
        first_name="Olivia", last_name="Lopez", zip="76171")])
    asked = desk.say("Cancel the charger I just bought. Also cancel the boot and keep the "
                     "kettle, and return the sneaker. I am Olivia Lopez, zipcode 76171.")
    assert asked.decision == "confirm"
    assert "I have not cancelled order #W5481803" in asked.message
    assert "Cancel order #W9373487" in asked.message and "Return Sneakers" in asked.message
    assert "In total:" in asked.message  # two changes with money: their sum is told
    desk.say(YES)
    assert status(retail_store, "#W5481803") == "pending"
    assert status(retail_store, "#W9373487") == "cancelled"
    assert status(retail_store, "#W7449508") == "return requested"


def test_the_same_variant_as_in_another_order(retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 23's words: the pending grill becomes the one already received.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "modify_items", "items": ["grill"]},
        first_name="Sofia", last_name="Hernandez", zip="98193")])
    asked = desk.say("I want to modify the grill I just ordered to the same type as the one I "
                     "already received. I am Sofia Hernandez, 98193.")
    assert asked.decision == "confirm"
    assert "Grill 5946177616" in asked.message and "for 7082455361" in asked.message


def test_a_question_about_a_product_s_options_is_answered_from_the_catalog(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 2's question, beside a return.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "return", "items": ["cleaner", "headphone", "smart watch"]},
        first_name="Yusuf", last_name="Rossi", zip="19122")])
    asked = desk.say("I want to know exactly how many tshirt options are available in the "
                     "online store right now. I want to also return the cleaner, headphone, "
                     "and smart watch. I am Yusuf Rossi in zip code 19122.")
    available = rows(retail_store, "SELECT count(*) FROM variants v JOIN products p USING "
                                   "(product_id) WHERE p.name = 'T-Shirt' AND v.available", [])
    assert f"The T-Shirt has {available[0][0]} options available now" in asked.message
    assert asked.decision == "confirm" and "Return Vacuum Cleaner" in asked.message


def test_a_tracking_question_names_the_order_by_an_item_in_it(retail_store: Store,
                                                              tmp_path: Path) -> None:
    # The model reads only the return; code answers the tracking question, for the one
    # order holding the item the question names (not every order of the customer).
    c = customer(retail_store)
    shipped = rows(retail_store, """
        SELECT o.order_id, i.name, f.tracking
        FROM orders o JOIN order_items i USING (order_id),
             (SELECT order_id, unnest(json_extract_string(fulfillments,
                                      '$[*].tracking_id[0]')) AS tracking FROM orders) f
        WHERE f.order_id = o.order_id AND o.user_id = ? AND o.status = 'delivered'
        ORDER BY o.order_id, i.line_no LIMIT 1""", [c.user_id])
    assert shipped, "the fixture customer has a delivered order with a tracking number"
    order_id, item, tracking = shipped[0]
    others = rows(retail_store, "SELECT order_id FROM orders WHERE user_id = ? AND "
                                "order_id <> ?", [c.user_id, order_id])
    desk = Desk(retail_store, tmp_path, [extract({"intent": "return", "items": [item]},
                                                 email=c.email)])
    asked = desk.say(f"I want to know the tracking number of the order with the {item}, and "
                     f"return the {item}. {c.email}")
    assert f"Order {order_id} is delivered" in asked.message and tracking in asked.message
    assert not any(f"Order {o} is" in asked.message for (o,) in others)
    # "that order": the one the sentence before names, though the message names two.
    other_item = rows(retail_store, """SELECT i.name FROM order_items i JOIN orders o
                                       USING (order_id) WHERE o.user_id = ? AND
                                       o.order_id <> ? AND i.name NOT IN (SELECT name FROM
                                       order_items WHERE order_id = ?) LIMIT 1""",
                      [c.user_id, order_id, order_id])
    assert other_item, "the fixture customer has an item in another order"
    desk.model.script.append(extract({"intent": "return", "items": [item]}, email=c.email))
    that = desk.say(f"My {item} came damaged. I want to know the tracking number of that "
                    f"order. Also, tell me about the {other_item[0][0]}. {c.email}",
                    thread="that")
    assert f"Order {order_id} is delivered" in that.message and tracking in that.message
    assert not any(f"Order {o} is" in that.message for (o,) in others)


def test_one_of_two_different_items_of_a_product_is_asked_about_not_both_returned(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 46's order holds two Vacuum Cleaners of different variants.
    two = rows(retail_store, """SELECT item_id FROM order_items WHERE order_id = '#W9502127'
                                AND name = 'Vacuum Cleaner' ORDER BY item_id""", [])
    assert len(two) == 2 and two[0] != two[1]
    who = {"first_name": "Daiki", "last_name": "Johnson", "zip": "80273"}
    desk = Desk(retail_store, tmp_path, [
        extract({"intent": "return", "order_id": "#W9502127",
                 "items": ["air purifier", "vacuum cleaner"]}, **who),
        extract({"intent": "return", "order_id": "#W9502127",
                 "items": ["vacuum cleaners"]}, **who)])
    asked = desk.say("I want to return an air purifier and a vacuum cleaner in order "
                     "#W9502127. I am Daiki Johnson, 80273.", thread="one")
    assert asked.decision == "need_info" and "Which one do you mean?" in asked.message
    assert all(item_id in asked.message for (item_id,) in two)
    both = desk.say("I want to return both vacuum cleaners in order #W9502127. I am Daiki "
                    "Johnson, 80273.", thread="both")
    assert both.decision == "confirm"
    assert all(item_id in both.message for (item_id,) in two)


def test_a_street_address_without_a_street_is_not_taken_from_the_model(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 43's words; the model put the customer's own city in the street slot.
    chicago = rows(retail_store, """SELECT DISTINCT json_extract_string(address, '$.address1')
                                    FROM orders WHERE user_id = 'lucas_santos_6600'
                                    AND json_extract_string(address, '$.city') = 'Chicago'""",
                   [])
    assert len(chicago) == 1
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "user_address", "address": {"address1": "Denver", "address2": "CO",
                                               "city": "Denver", "state": "CO",
                                               "zip": "80239"}},
        first_name="Lucas", last_name="Santos", zip="80239")])
    asked = desk.say("I want to change my default address to my daughter's address so that I "
                     "don't have to change it every time I order something for her. I am "
                     "Lucas Santos, I live in Denver CO 80239, and my daughter lives in "
                     "Chicago.")
    assert asked.decision == "confirm" and chicago[0][0] in asked.message
    assert "to Denver" not in asked.message


def test_another_product_wanted_is_refused_with_why_and_the_customer_s_fallbacks_follow(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 66's words: a pending order's Luggage Set "for a coat".
    who = {"first_name": "Aarav", "last_name": "Lee", "zip": "85025"}
    request = {"intent": "modify_items", "items": ["luggage set"], "wanted": ["coat"]}
    desk = Desk(retail_store, tmp_path, [extract(request, **who), extract(request, **who)])
    asked = desk.say("I want to change the luggage set in my order for a coat. I am Aarav "
                     "Lee. I live in Phoenix, AZ 85025.", thread="plain")
    assert asked.decision == "refuse"
    assert "only be changed for another option of the same product" in asked.message
    assert "You can cancel the order instead." in asked.message
    fallback = desk.say("I want to change the luggage set in my order for a coat. If there is "
                        "no way to do that, return the item. If there are any issues, cancel "
                        "the entire order. I am Aarav Lee. I live in Phoenix, AZ 85025.",
                        thread="fallback")
    assert fallback.decision == "confirm"
    assert "for a coat" in fallback.message and "Cancel order #W3361211" in fallback.message


def test_everything_except_an_item_is_every_other_line(retail_store: Store,
                                                      tmp_path: Path) -> None:
    # τ² train task 73's words; the model copies only the item named.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "return", "items": ["coffee machine"]},
        email="fatima.wilson5721@example.com")])
    asked = desk.say("I want to return everything I just bought except the coffee machine. My "
                     "email is fatima.wilson5721@example.com.")
    assert asked.decision == "confirm"
    for item_id in ("3320557165", "2698416822", "8098621301", "7228247242"):
        assert item_id in asked.message
    assert "7441167885" not in asked.message  # the Espresso Machine stays


def test_a_product_named_in_two_words_and_an_unavailable_wish_with_a_fallback(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 88's words: "book shelf" is the Bookshelf; no 4 foot one in the same
    # material and color is available, and the customer said what to do then.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "modify_items", "items": ["book", "shelf"], "wanted": ["4 foot"]},
        email="daiki.silva6295@example.com")])
    asked = desk.say("I want to change the book shelf to 4 foot but with the same material "
                     "and color. If it is not available, cancel the whole order and I will buy "
                     "again. My email is daiki.silva6295@example.com.")
    assert asked.decision == "confirm" and "Cancel order #W8835847" in asked.message
    assert "No available Bookshelf has the options you asked for" in asked.message


def test_the_more_expensive_one_of_two_items_in_two_orders(retail_store: Store,
                                                           tmp_path: Path) -> None:
    # τ² train task 83's customer has a Tablet in #W3069600 ($938.92) and in #W9571698
    # ($989.70, paid with a gift card).
    who = {"first_name": "Chen", "last_name": "Silva", "zip": "46281"}
    request = {"intent": "return", "items": ["tablet"]}
    desk = Desk(retail_store, tmp_path, [extract(request, **who), extract(request, **who)])
    more = desk.say("I received two tablets and I only need one. I want to return the more "
                    "expensive one. I am Chen Silva, 46281.", thread="more")
    assert more.decision == "confirm" and "6065192424" in more.message
    assert "8551474201" not in more.message
    less = desk.say("I received two tablets and I only need one. I want to return the less "
                    "expensive one. I am Chen Silva, 46281.", thread="less")
    assert "8551474201" in less.message and "6065192424" not in less.message


def test_an_address_named_by_its_city_among_the_customer_s_orders(retail_store: Store,
                                                                  tmp_path: Path) -> None:
    # τ² train task 87's words: every pending order and the profile to the DC address.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "modify_address", "items": ["user_address", "Washington DC address"]},
        email="yusuf.hernandez8836@example.com")])
    asked = desk.say("I want to modify all my pending order address to the Washington DC "
                     "address (which I do not want to reveal but is in one of the orders), along "
                     "with my user default address. My email is "
                     "yusuf.hernandez8836@example.com.")
    assert asked.decision == "confirm"
    for order_id in ("#W2166301", "#W2466703", "#W6832752"):
        assert f"Ship order {order_id} to 565 Maple Drive, Suite 501, Washington, DC 20307" \
            in asked.message
    assert "Change your default address to 565 Maple Drive" in asked.message


def test_the_total_of_several_changes_states_the_net() -> None:
    # τ² train task 95: pay 167.87 for one laptop, get 60.78 back for the other.
    from agents._support_plan import Outcome
    from agents._support_reply import _total

    changes = [Outcome(kind="change", line="a", amount=-167.87),
               Outcome(kind="change", line="b", amount=60.78)]
    assert _total(changes) == ("In total: $60.78 refunded to you and $167.87 for you to pay; "
                               "net, you pay $107.09.")
    assert _total(changes[:1]) == ""


def test_what_the_customer_said_to_do_instead_when_policy_refuses(retail_store: Store,
                                                                  tmp_path: Path) -> None:
    # τ² train task 69's words: the laptop to return sits in an order not yet shipped.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "return", "items": ["laptop"], "reason": "found a better deal"},
        first_name="Emma", last_name="Smith", zip="10192")])
    text = ("I want to return an item I just received: a laptop. I want to return it because "
            "I found a better deal elsewhere. If it cannot be returned, see if it can be "
            "canceled. I am Emma Smith, zip 10192.")
    asked = desk.say(text)
    assert asked.decision == "confirm" and "Cancel order #W2417020" in asked.message
    refused = Desk(retail_store, tmp_path / "b", [extract(
        {"intent": "return", "items": ["laptop"]}, first_name="Emma", last_name="Smith",
        zip="10192")]).say("I want to return the laptop I received. I am Emma Smith, 10192.")
    assert refused.decision == "refuse" and "#W2417020" in refused.message
    assert "pending" in refused.message and "cancel" in refused.message


def test_one_and_another_of_the_same_item_are_both_acted_on() -> None:
    # τ² train task 105's words: two identical Tea Kettle lines, each named.
    from agents._support_plan import _one_of_each

    kettle = {"name": "Tea Kettle", "item_id": "7292993796", "price": 100.0, "options": {}}
    two = [kettle, dict(kettle)]
    both, ask = _one_of_each(two, "I want to exchange one Tea Kettle to ceramic; and another "
                                  "Tea Kettle to 1.5 liters.")
    assert len(both) == 2 and not ask
    one, ask = _one_of_each(two, "I want to exchange a Tea Kettle to ceramic.")
    assert len(one) == 1 and not ask


def test_a_refund_method_policy_refuses_falls_back_to_the_one_the_customer_gave(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 83's words: the pricier tablet was paid with a gift card, so a credit
    # card refund is not allowed; the customer said what to do then.
    who = {"first_name": "Chen", "last_name": "Silva", "zip": "46281"}
    request = {"intent": "return", "items": ["tablet"], "payment": "credit card"}
    desk = Desk(retail_store, tmp_path, [extract(request, **who), extract(request, **who)])
    asked = desk.say("I want to return the more expensive tablet and refund to credit card. "
                     "If refund to credit card is not possible, refund to GC. I am Chen "
                     "Silva, 46281.", thread="fallback")
    assert asked.decision == "confirm"
    assert "can't be refunded to Mastercard credit card ending 2732" in asked.message
    assert "6065192424" in asked.message and "gift_card_7250692" in asked.message
    plain = desk.say("I want to return the more expensive tablet and refund to credit card. "
                     "I am Chen Silva, 46281.", thread="plain")
    # No fallback given: the methods policy allows are offered, nothing is proposed.
    assert plain.decision == "need_info" and "gift_card_7250692" in plain.message, plain.message
    assert "Which should I use for order #W9571698" in plain.message


def test_fallback_methods_follow_a_fallback_word() -> None:
    from agents._support_match import fallback_methods

    user = {"payment_methods": {
        "paypal_1": {"source": "paypal", "id": "paypal_1"},
        "credit_card_2": {"source": "credit_card", "id": "credit_card_2", "last_four": "1111"},
        "gift_card_3": {"source": "gift_card", "id": "gift_card_3"}}}
    ids = [m["id"] for m in fallback_methods(
        user, "PayPal is preferred, but otherwise a credit card can be accepted.", "paypal_1")]
    assert ids == ["credit_card_2"]
    assert fallback_methods(user, "Refund to PayPal and pay with the gift card.", None) == []


def test_which_of_two_lines_a_return_means_is_read_from_an_option_only_it_has() -> None:
    # τ² train task 46: a robotic and a canister vacuum cleaner in one order.
    from agents._support_plan import _one_of_each

    options = {"type": "robotic", "bagged/bagless": "bagged"}
    robotic = {"name": "Vacuum Cleaner", "item_id": "1", "price": 1.0, "options": options}
    canister = {**robotic, "item_id": "2", "options": {**options, "type": "canister"}}
    text = "I want to return a vacuum cleaner. If you ask which one, it is the robotic one."
    assert _one_of_each([robotic, canister], text, by_options=True) == ([robotic], [])
    # An exchange may name the option it wants: still asked.
    assert _one_of_each([robotic, canister], text) == ([], [[robotic, canister]])
    # A value both have ("bagged") tells nothing.
    shared = "I want to return the bagged vacuum cleaner."
    assert _one_of_each([robotic, canister], shared, by_options=True)[1] == [[robotic, canister]]


def test_a_reply_that_narrows_the_proposal_to_some_items(retail_store: Store,
                                                         tmp_path: Path) -> None:
    # τ² train task 6's words: two exchanges proposed, then "only the desk lamp".
    who = {"first_name": "Mei", "last_name": "Kovacs", "zip": "28236"}
    desk = Desk(retail_store, tmp_path, [
        extract({"intent": "exchange", "items": ["water bottle", "desk lamp"]}, **who),
        extract({"intent": "exchange", "items": ["desk lamp"]})])
    both = desk.say("I want to exchange the water bottle and the desk lamp. I want to exchange "
                    "the water bottle to a bigger one, and the desk lamp to a less bright one "
                    "(prefer battery > USB > AC). I am Mei Kovacs, zip code 28236.")
    assert both.decision == "confirm" and "8538875209" in both.message
    lamp = desk.say("Only exchange the desk lamp.")
    assert lamp.decision == "confirm" and "8538875209" not in lamp.message
    assert "Desk Lamp 8384507844" in lamp.message and "power source battery" in lamp.message
    done = desk.say(YES)
    assert [o.action for o in done.outputs if o.kind == "action"] == [
        "exchange_delivered_order_items"]
    assert "8538875209" not in done.message


def test_a_reply_that_adds_to_the_proposal_keeps_what_it_had(retail_store: Store,
                                                             tmp_path: Path) -> None:
    # τ² train task 92's words: the skateboards proposed, then the watch and e-reader too.
    who = {"first_name": "Mei", "last_name": "Ahmed", "zip": "78705"}
    desk = Desk(retail_store, tmp_path, [
        extract({"intent": "return", "payment": "credit card"}, **who),  # "return them"
        extract({"intent": "return", "items": ["smart watch", "e-reader"]})])
    first = desk.say("I am angry about the quality of the two skateboards I just bought. I "
                     "want to return them and refund to credit card. I am Mei Ahmed, 78705.")
    assert first.decision == "confirm" and "1631806422" not in first.message
    more = desk.say("I also want to return the smart watch and e-reader.")
    assert more.decision == "confirm"
    assert ("Return Skateboard (4545791457), Skateboard (3098764622) of order #W7553978; "
            "$388.19 is refunded to Mastercard credit card ending 9375 (credit_card_5902940). "
            "Return Smart Watch (1631806422) of order #W7553978") in more.message
    assert "Return E-Reader (9494281769) of order #W3239882" in more.message
    assert "order #W7553978 still holds Vacuum Cleaner, which cost" in more.message
    done = desk.say(YES)
    # The yes runs the merged return (388.19 + 339.85), which waits for a person's approval.
    assert done.decision == "awaiting_approval" and "728.04" in done.message


def test_a_reply_that_keeps_the_item_declines_the_proposal(retail_store: Store,
                                                           tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [extract({"intent": "cancel", "order_id": c.pending},
                                                 email=c.email)])
    desk.say(f"cancel {c.pending}, {c.email}")
    kept = desk.say("I regret and want to keep it.")  # no request verb: no model call
    assert kept.decision == "reply" and desk.model.remaining == 0
    assert status(retail_store, c.pending) == "pending"


def test_a_fallback_cancellation_gives_its_own_reason(retail_store: Store,
                                                      tmp_path: Path) -> None:
    # τ² train task 76's words: the skateboard's options do not exist; its order is then
    # cancelled for the reason that sentence gives, not the jacket's "by mistake".
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "modify_items", "items": ["skateboard"],
         "wanted": ["maple", "34 inch", "graphic"]},
        first_name="Ava", last_name="Nguyen", zip="94128")])
    asked = desk.say("I ordered a fleece jacket by mistake. I also want to modify the "
                     "skateboard to maple material, 34 inch, graphic. If that is not possible, "
                     "cancel the order since I no longer need this one. I am Ava Nguyen, "
                     "94128.")
    assert "Cancel order #W1242543 (reason: no longer needed)" in asked.message


def test_an_item_whose_required_options_do_not_exist_is_left_as_the_customer_said(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 1's words (task 0 has the same first sentence but "I'd go for no
    # backlight": other options, not leaving it, see the test above).
    request = {"intent": "exchange", "order_id": "#W2378156",
               "items": ["mechanical keyboard", "smart thermostat"],
               "wanted": ["clicky", "Google Home"]}
    desk = Desk(retail_store, tmp_path, [extract(request, first_name="Yusuf",
                                                 last_name="Rossi", zip="19122")])
    asked = desk.say("I received my order #W2378156 and wish to exchange the mechanical "
                     "keyboard for the same one but with clicky switches and the smart "
                     "thermostat for one compatible with Google Home instead of Apple HomeKit. "
                     "If there is no keyboard that is clicky, RGB backlight, full size, I'd "
                     "rather only exchange the thermostat. I am Yusuf Rossi in zip code 19122.")
    assert asked.decision == "confirm"
    assert "4983901480 (compatibility Apple HomeKit, color black) for 7747408585" in asked.message
    assert "No available Mechanical Keyboard is clicky, rgb backlight, full size" in asked.message
    assert "1151293680 (" not in asked.message  # the keyboard is not exchanged


def test_a_partial_return_names_the_option_it_means_and_what_the_order_keeps(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 46's words: two vacuum cleaners in the order, "the robotic one" meant.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "return", "items": ["air purifier", "vacuum cleaner"]},
        first_name="Daiki", last_name="Johnson", zip="80273")])
    asked = desk.say("I want to return an air purifier and a vacuum cleaner in my recent "
                     "order #W9502127. If you ask me for which vacuum cleaner, mention the "
                     "robotic one. I am Daiki Johnson, 80273.")
    assert asked.decision == "confirm"
    assert "Return Air Purifier (9534205511), Vacuum Cleaner (6259501109)" in asked.message
    assert "$1,126.04 is refunded" in asked.message
    assert ("After this return, order #W9502127 still holds Vacuum Cleaner, Patio Umbrella, "
            "Dumbbell Set, which cost $1,497.65.") in asked.message


def test_the_item_the_customer_identifies_is_the_one_exchanged(retail_store: Store,
                                                               tmp_path: Path) -> None:
    # τ² train task 93's words: a laptop in each of two orders; options name the new one,
    # the identifying clause the customer's own (15-inch, 32GB: #W4073673's).
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "exchange", "items": ["laptop"], "wanted": ["i7", "8GB", "1TB SSD"]},
        first_name="Lei", last_name="Wilson", zip="32255")])
    asked = desk.say("I received a laptop and I want to exchange it to i7 processor, 8GB, 1TB "
                     "SSD. If you ask for which laptop, it is 15-inch, 32GB. I am Lei Wilson, "
                     "32255.")
    assert asked.decision == "confirm"
    assert "Laptop 2216662955" in asked.message and "3478699712" not in asked.message


def test_items_named_once_in_several_orders_take_the_order_holding_them_all(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 103's words: a Bookshelf in #W6239298 and in #W8660475; only the first
    # also holds the jigsaw. One bookshelf alone is asked about, not returned twice.
    who = {"email": "lucas.brown9344@example.com"}
    desk = Desk(retail_store, tmp_path, [
        extract({"intent": "return", "items": ["bookshelf", "jigsaw"]}, **who),
        extract({"intent": "return", "items": ["bookshelf"]}, **who)])
    both = desk.say("I want to return the bookshelf and jigsaw I received in the same order. "
                    "My email is lucas.brown9344@example.com.", thread="both")
    assert both.decision == "confirm" and "8479046075" not in both.message, both.message
    assert "Bookshelf (4900661478), Jigsaw Puzzle (3614853563) of order #W6239298" in both.message
    one = desk.say("I want to return the bookshelf. My email is lucas.brown9344@example.com.",
                   thread="one")
    assert one.decision == "need_info" and "You have a Bookshelf in 2 orders" in one.message
    assert "#W6239298: 4900661478" in one.message and "#W8660475: 8479046075" in one.message


def test_a_price_condition_the_new_item_fails_leads_to_the_customer_s_fallback(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 89's words: the cheapest keyboard costs $226.11, not under $200.
    request = {"intent": "exchange", "items": ["mechanical keyboard"], "wanted": ["cheapest"]}
    who = {"first_name": "Raj", "last_name": "Santos", "zip": "98157"}
    desk = Desk(retail_store, tmp_path, [extract(request, **who), extract(request, **who)])
    text = ("I want to know what is the cheapest available mechanical keyboard right now and "
            "its options. If it is less than {} bucks I want to exchange my current one to "
            "it. If not, I want to return my current one. I am Raj Santos, 98157.")
    asked = desk.say(text.format(200), thread="under")
    assert "costs $226.11, not less than $200.00" in asked.message
    assert "Return Mechanical Keyboard (9690244451) of order #W4680753" in asked.message
    met = desk.say(text.format(300), thread="met")
    assert "Exchange in order #W4680753: Mechanical Keyboard 9690244451" in met.message


def test_a_card_named_by_its_brand_is_that_card() -> None:
    from agents._support_match import pick_method

    user = {"payment_methods": {
        "credit_card_1": {"source": "credit_card", "id": "credit_card_1", "brand": "mastercard",
                          "last_four": "1111"},
        "credit_card_2": {"source": "credit_card", "id": "credit_card_2", "brand": "visa",
                          "last_four": "2222"}}}
    assert pick_method(user, "the visa card", None)["id"] == "credit_card_2"
    assert pick_method(user, "Mastercard", None)["id"] == "credit_card_1"
    assert pick_method(user, "credit card", None)["id"] == "credit_card_1"  # any card


def test_all_pending_orders_are_cancelled_whole(retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 16's words: #W8665881 holds a Smart Watch, and the watch to return is
    # in a delivered order; "all pending orders" still means both orders, whole.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "cancel", "reason": "no longer needed"},
        {"intent": "return", "items": ["watch"]},
        first_name="Fatima", last_name="Johnson", zip="78712")])
    asked = desk.say("I want to cancel all pending orders (since they are no longer needed) "
                     "and return the watch I have received (but nothing else). I am Fatima "
                     "Johnson in zipcode 78712.")
    assert asked.decision == "confirm"
    assert "Cancel order #W5199551" in asked.message and "Cancel order #W8665881" in asked.message
    assert "Return Smart Watch (2554056026) of order #W9389413" in asked.message


def test_an_address_written_out_is_read_by_code(retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 41's words: the model filled no address slot.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "modify_address"}, {"intent": "user_address"},
        first_name="Mei", last_name="Patel")])
    asked = desk.say("I might have typed my address wrong. I want to correct all order "
                     "addresses and my user address. My user id is mei_patel_7272 and I live "
                     "in 445 Maple Drive, Suite 394, Fort Worth, Texas, 76165.")
    assert asked.decision == "confirm"
    for order_id in ("#W9583042", "#W4082615"):
        assert (f"Ship order {order_id} to 445 Maple Drive, Suite 394, Fort Worth, TX 76165"
                in asked.message)
    assert "Change your default address to 445 Maple Drive, Suite 394" in asked.message


def test_a_product_name_written_as_one_word_names_the_item(retail_store: Store,
                                                           tmp_path: Path) -> None:
    # τ² train task 3's words: "tshirt" is the T-Shirt (before: "which order with the
    # small tshirt do you mean?").
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "modify_items", "items": ["small tshirt"], "wanted": ["purple"]},
        first_name="Yusuf", last_name="Rossi", zip="19122")])
    asked = desk.say("I want to modify all my pending small tshirt to purple, same size, same "
                     "v-neck, and prefer polyester. I am Yusuf Rossi in zipcode 19122.")
    assert asked.decision == "confirm"
    assert "T-Shirt 8349118980" in asked.message and "for 9647292434" in asked.message


def test_a_question_about_an_ordered_item_is_answered_with_its_options_and_price(
        retail_store: Store, tmp_path: Path) -> None:
    # The model reads only "status"; code answers for the item the question names, and
    # the status of the latest orders is not dumped beside it.
    user_id, email, name = rows(retail_store, """
        SELECT o.user_id, u.email, i.name FROM order_items i JOIN orders o USING (order_id)
        JOIN users u ON u.user_id = o.user_id
        GROUP BY ALL HAVING count(*) = 1 ORDER BY 1, 3 LIMIT 1""", [])[0]
    (item_id, price, options), = rows(retail_store, """
        SELECT item_id, price, CAST(options AS VARCHAR) FROM order_items
        WHERE user_id = ? AND name = ?""", [user_id, name])
    key, value = next(iter(json.loads(options).items()))
    desk = Desk(retail_store, tmp_path, [extract({"intent": "status"}, email=email)])
    asked = desk.say(f"Hi. What {key} is the {name} I bought, and how much did it cost? {email}")
    assert f"{name} {item_id}" in asked.message and f"{key} {value}" in asked.message
    assert f"${price:,.2f}" in asked.message and "is delivered:" not in asked.message
    # Naming an item without asking about it answers nothing about it.
    desk.model.script.append(extract({"intent": "status"}, email=email))
    told = desk.say(f"I like the {name}. {email}", thread="no question")
    assert "Your orders hold" not in told.message


def test_the_total_of_an_item_bought_in_several_lines(retail_store: Store,
                                                      tmp_path: Path) -> None:
    user_id, email, name, total, count = rows(retail_store, """
        SELECT o.user_id, u.email, i.name, sum(i.price), count(*)
        FROM order_items i JOIN orders o USING (order_id) JOIN users u ON u.user_id = o.user_id
        GROUP BY ALL HAVING count(*) > 1 ORDER BY 1, 3 LIMIT 1""", [])[0]
    desk = Desk(retail_store, tmp_path, [extract({"intent": "status"}, email=email)])
    asked = desk.say(f"I want to know the total price of all the {name}s I have bought. {email}")
    assert f"Together: ${total:,.2f} for {count}." in asked.message


def test_an_item_change_says_the_order_s_new_total(retail_store: Store, tmp_path: Path) -> None:
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "modify_items", "items": ["grill"]}, first_name="Sofia",
        last_name="Hernandez", zip="98193")])
    asked = desk.say("I want to modify the grill I just ordered to the same type as the one I "
                     "already received. I am Sofia Hernandez, 98193.")
    (order_id, total), = rows(retail_store, """
        SELECT order_id, sum(price) - sum(price) FILTER (WHERE item_id = '5946177616')
               + (SELECT price FROM variants WHERE item_id = '7082455361')
        FROM order_items WHERE order_id IN (SELECT order_id FROM order_items
                                            WHERE item_id = '5946177616' AND status = 'pending'
                                            AND user_id IN (SELECT user_id FROM users WHERE
                                            first_name = 'Sofia' AND last_name = 'Hernandez'))
        GROUP BY order_id""", [])
    assert f"After this change, order {order_id} costs ${total:,.2f} in all." in asked.message


def test_an_options_question_about_the_product_the_sentence_before_names(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 29's wording: the product is named only before the question.
    desk = Desk(retail_store, tmp_path, [extract({"intent": "status"},
                                                 first_name="Isabella", last_name="Johansson",
                                                 zip="32286")])
    asked = desk.say("I want a shorter skateboard. If several are available, I want to know "
                     "all options and their prices. I am Isabella Johansson, 32286.")
    (available,), = rows(retail_store, "SELECT count(*) FROM variants v JOIN products p USING "
                                       "(product_id) WHERE p.name = 'Skateboard' AND v.available",
                         [])
    assert f"The Skateboard has {available} options available now" in asked.message


def test_an_item_asked_about_but_not_to_be_processed_is_answered_not_changed(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 48's words; the model puts both items under the return.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "return", "items": ["air purifier", "vacuum cleaner"],
         "payment": "original"}, first_name="Daiki", last_name="Johnson", zip="80273")])
    asked = desk.say("I want to return an air purifier that I received since it doesn't work "
                     "well. I want the refund on my original method of payment. Also, check "
                     "whether I am able to return the vacuum cleaner, but I am not sure yet so "
                     "don't process anything. I am Daiki Johnson, 80273.")
    assert asked.decision == "confirm"
    assert "Return Air Purifier" in asked.message and "Return Vacuum" not in asked.message
    assert "which is delivered, so it can be returned or exchanged" in asked.message
    assert "Which one do you mean" not in asked.message


def test_a_fallback_that_widens_the_return_to_the_whole_order(retail_store: Store,
                                                             tmp_path: Path) -> None:
    # τ² train task 82's words: the refund to a card is refused by policy, and the
    # customer's fallback returns everything on that order to the gift card.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "return", "items": ["tablet"], "payment": "credit card"},
        first_name="Chen", last_name="Silva", zip="46281")])
    asked = desk.say("I received two tablets and I only need one. I want to return the more "
                     "expensive one and refund to credit card. If refund to credit card is not "
                     "possible, I become angry and return everything on that order and refund "
                     "to GC. I am Chen Silva, 46281.")
    everything = rows(retail_store, "SELECT item_id FROM order_items WHERE order_id = "
                                    "'#W9571698' ORDER BY line_no", [])
    assert asked.decision == "confirm" and len(everything) > 2
    assert all(f"({i})" in asked.message for (i,) in everything)
    assert "of order #W9571698" in asked.message and "refunded to gift card" in asked.message


def test_a_change_of_mind_without_a_product_name_is_about_the_proposal_s_items(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 84's words: the reply names "the more expensive one", not the tablet.
    desk = Desk(retail_store, tmp_path, [
        extract({"intent": "return", "items": ["tablet"], "payment": "credit card"},
                first_name="Chen", last_name="Silva", zip="46281"),
        # The model reads the reply as an exchange ("more expensive"); its verb says return.
        extract({"intent": "exchange", "items": ["the more expensive one"],
                 "payment": "gift card"})])
    first = desk.say("I received two tablets and I only need one. I want to return the less "
                     "expensive one and refund to credit card. I am Chen Silva, 46281.")
    assert first.decision in ("confirm", "need_info")
    (cheap, dear), = [rows(retail_store, """
        SELECT min_by(item_id, price), max_by(item_id, price) FROM order_items
        WHERE name = 'Tablet' AND status = 'delivered' AND user_id IN (
            SELECT user_id FROM users WHERE first_name = 'Chen' AND last_name = 'Silva')""",
                           [])[0]]
    assert f"Return Tablet ({cheap})" in first.message
    second = desk.say("I change my mind and return the more expensive one and ask for a "
                      "refund to gift card.")
    assert second.decision == "confirm"
    assert f"Return Tablet ({dear})" in second.message and "gift card" in second.message


def test_an_extraction_cut_off_is_read_as_far_as_it_goes_after_one_call(
        retail_store: Store, tmp_path: Path) -> None:
    # A long message can run the model past its token limit: the arguments end mid-way.
    c = customer(retail_store)
    cut = (f'{{"email": "{c.email}", "requests": [{{"intent": "return", "order_id": '
           f'"{c.delivered}", "items": ["{c.item.lower()}"]}}, {{"intent": "exch')
    desk = Desk(retail_store, tmp_path, [AIMessage(content="", invalid_tool_calls=[
        {"name": "respond", "args": cut, "id": "c1", "error": "not JSON",
         "type": "invalid_tool_call"}])])
    asked = desk.say(f"Please return the {c.item} of order {c.delivered}. {c.email}")
    assert len(desk.model.seen) == 1  # the same prompt again would fail the same way
    assert asked.decision == "confirm" and f"Return {c.item}" in asked.message


def test_a_model_that_gives_no_answer_leaves_the_message_to_code_s_rules(
        retail_store: Store, tmp_path: Path) -> None:
    c = customer(retail_store)
    desk = Desk(retail_store, tmp_path, [AIMessage(content="", invalid_tool_calls=[
        {"name": "respond", "args": "not json at all", "id": "c1", "error": "not JSON",
         "type": "invalid_tool_call"}])])
    asked = desk.say(f"Please cancel order {c.pending}, I no longer need it. {c.email}")
    assert asked.decision == "confirm" and f"Cancel order {c.pending}" in asked.message


def test_an_order_and_an_address_named_by_their_city_s_short_name(retail_store: Store,
                                                                  tmp_path: Path) -> None:
    # τ² train task 96's words; the model reads only the item change.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "modify_items", "items": ["bluetooth speaker"], "wanted": ["green"]},
        first_name="Yusuf", last_name="Li", zip="91148")])
    asked = desk.say("I want to change my LA order to my NYC address (I prefer not to reveal "
                     "it but it is in my other order). I also want to exchange Bluetooth "
                     "Speaker to be the cheapest green type. I am Yusuf Li, 91148.")
    (la, address), = rows(retail_store, """
        SELECT order_id, (SELECT address FROM orders o2 WHERE o2.user_id = o.user_id AND
                          json_extract_string(o2.address, '$.city') = 'New York' LIMIT 1)
        FROM orders o WHERE status = 'pending' AND json_extract_string(address, '$.city') =
            'Los Angeles' AND user_id IN (SELECT user_id FROM users WHERE first_name = 'Yusuf'
                                          AND last_name = 'Li')""", [])
    street = json.loads(address)["address1"]
    assert asked.decision == "confirm"
    assert f"Ship order {la} to {street}" in asked.message and "New York, NY" in asked.message


def test_an_order_sent_to_the_default_address_and_a_narrowing_reply_keep_their_order(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 72's words. "Modify it to my default address" moves the order, not the
    # profile; "only modify the backpack" stays in the order shown, though two other orders
    # hold a backpack too.
    desk = Desk(retail_store, tmp_path, [
        extract({"intent": "modify_items", "items": ["desk lamp", "backpack"],
                 "wanted": ["black", "medium", "polyester"], "payment": "gift card"},
                {"intent": "user_address"}, first_name="Ivan", last_name="Khan", zip="28243"),
        extract({"intent": "modify_items", "items": ["backpack"], "payment": "paypal"})])
    asked = desk.say("I made some mistake and sent an order my son's address in Washington DC, "
                     "and I want to modify it to my default address in Charlotte instead "
                     "because he is coming back home. I also want to adjust the desk lamp to be "
                     "black color, and the backpack to be medium size and polyester material "
                     "instead. If multiple colors are available for the backpack, I prefer "
                     "grey. I am Ivan Khan, 28243.")
    (home,), = rows(retail_store, "SELECT json_extract_string(address, '$.address1') FROM users "
                                  "WHERE first_name = 'Ivan' AND last_name = 'Khan'", [])
    assert asked.decision == "confirm" and "default address" not in asked.message
    assert f"Ship order #W5270061 to {home}" in asked.message
    narrowed = desk.say("I change my mind to using PayPal, and also decide to only modify the "
                        "backpack.")
    assert narrowed.decision == "confirm" and "Which one do you mean" not in narrowed.message
    assert "Change in order #W5270061: Backpack" in narrowed.message
    assert "Desk Lamp" not in narrowed.message and "PayPal" in narrowed.message


def test_the_new_item_named_by_its_id_and_the_old_one_by_its_product_id(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 21's words: the model leaves the id out of "wanted".
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "exchange", "items": ["shoes"], "payment": "gift card"},
        first_name="Ethan", last_name="Garcia", zip="80280")])
    asked = desk.say("I want to exchange my shoes to item ID 4107812777, and use my gift card "
                     "to cover possible charges. I am Ethan Garcia, 80280.")
    assert asked.decision == "confirm" and "for 4107812777" in asked.message
    # Customers confuse product and item ids: a product id names that product's line.
    (product_id, item_id), = rows(retail_store, """
        SELECT product_id, item_id FROM order_items WHERE order_id = '#W9911714'
        AND name = 'Mechanical Keyboard'""", [])
    order = {"items": [{"item_id": item_id, "product_id": product_id,
                        "name": "Mechanical Keyboard", "options": {}}]}
    assert [i["item_id"] for i in match_items(order, [product_id])] == [item_id]


def test_a_cancel_whose_sentence_asks_the_refund_elsewhere_is_refused_with_why(
        retail_store: Store, tmp_path: Path) -> None:
    # τ² train task 57's words: the refund of a cancellation goes back to the original
    # payment (a credit card here), so "... and refund to gift card" is told, not overruled.
    desk = Desk(retail_store, tmp_path, [extract(
        {"intent": "cancel", "order_id": "#W4284542"},
        first_name="Ivan", last_name="Hernandez", zip="92133")])
    asked = desk.say("If you cannot cancel just the air purifier, I want to cancel the whole "
                     "order #W4284542 and refund to gift card. If you cannot refund to the gift "
                     "card, no cancelation at all. I am Ivan Hernandez, 92133.")
    assert "I have not cancelled order #W4284542" in asked.message
    assert "only go back to the original payment method" in asked.message
    assert status(retail_store, "#W4284542") == "pending"
