"""Answers to the customer's questions, read by code from the message and answered
from the records: what a product comes in, where an order is, what an ordered item
is and cost. Each answer is an ``info`` outcome (facts only, no call), said beside
whatever the message also asks to have done.

A question is a sentence that asks (``_ASKS``) and names what it asks about; a
sentence that names nothing ("I want to know all options and their prices") is
about what the sentence before it names ("exchange my skateboard for a shorter
one").
"""

from __future__ import annotations

import re
from typing import Any

from ._customer import mentioned_orders
from ._support_match import describe_options, name_hits, sentences
from ._support_plan import Outcome, Records, money, order_facts

_ASKS_OPTIONS = re.compile(
    r"\b(?:how many|what|which|all|know)\b[^.?!]{0,80}?\b(?:options|variants|versions|"
    r"kinds|types)\b|\bcheapest available\b|\bavailable\b[^.?!]{0,40}\b(?:options|variants)\b")
_ASKS_TRACKING = re.compile(r"\btracking\b|\bwhere (?:is|are) my\b|\bhas (?:it|my \w+) shipped\b")
# A sentence that asks something about an item the customer has ordered: a question
# word, then what it asks (a price, or one of the product's own option names).
_ASKS = re.compile(r"\b(?:what|which|how much|ask|know|check|tell me|confirm|wondering)\b")
_PRICE = re.compile(r"\b(?:price|prices|cost|costs|paid|pay|how much|total)\b")
_WHICH_ORDERED = re.compile(r"\bwhich\b[^.?!]*\b(?:ordered|bought|purchased|have|got)\b")


def _questions(text: str, asks: re.Pattern[str]) -> list[tuple[str, str]]:
    """Each sentence ``asks`` matches, lowercased, with the sentence before it."""
    split = sentences(text.lower())
    return [(split[k - 1] if k else "", s) for k, s in enumerate(split) if asks.search(s)]


def product_info(records: Records, text: str) -> list[Outcome]:
    """Answers to questions about what a product comes in ("how many t-shirt options are
    available", "the cheapest available keyboard and its options"): the catalog's
    available variants with their prices, counted, for each product the question (or,
    when it names none, the sentence before it) names."""
    catalog = records.catalog()

    def named(part: str) -> list[str]:
        return [name for name in catalog if name_hits(name, part)]

    wanted: list[str] = []
    for before, sentence in _questions(text, _ASKS_OPTIONS):
        wanted += [n for n in named(sentence) or named(before) if n not in wanted]
    lines = []
    for name in wanted:
        product = records.product(catalog[name])
        if product is None:
            continue
        have = sorted((v for v in product["variants"].values() if v.get("available")),
                      key=lambda v: v["price"])
        listed = "; ".join(f"{describe_options(v['options'])} ({v['item_id']}): "
                           f"{money(v['price'])}" for v in have)
        lines.append(Outcome(kind="info", line=(
            f"The {name} has {len(have)} options available now, cheapest first: {listed}."
            if have else f"The {name} has no options available now.")))
    return lines


def order_info(records: Records, text: str) -> list[Outcome]:
    """Answers to "what is the tracking number of the order with the tablet" (or of
    #W...): the facts of each order the question names by id or by an item in it; with
    neither, of the one order the sentence before it names, else the whole message."""
    questions = _questions(text, _ASKS_TRACKING)
    if not questions:
        return []
    lowered = text.lower()
    orders = records.orders()

    def named(part: str) -> list[dict[str, Any]]:
        ids = set(mentioned_orders(part))
        by_id = [o for o in orders if o["order_id"] in ids]
        return by_id or [o for o in orders if any(name_hits(i["name"], part) for i in o["items"])]

    found: list[dict[str, Any]] = []
    for before, sentence in questions:
        hits = named(sentence)
        for context in (before, lowered):
            if not hits:
                near = named(context)
                hits = near if len(near) == 1 else []
        found += [o for o in hits if o not in found]
    return [order_facts(o) for o in found]


def item_info(records: Records, text: str) -> list[Outcome]:
    """Answers to questions about items the customer ordered ("the price of the bluetooth
    speaker I bought and its battery life", "which two t-shirts did I order and what
    material are they", "the total price of all the grills I bought"): each such line's
    order, options and price, and the sum when there are several."""
    lines: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for order in records.orders():
        for line in order["items"]:
            lines.setdefault(line["name"], []).append((order, line))
    answered: list[str] = []
    for _, sentence in _questions(text, _ASKS):
        for name, held in lines.items():
            if name in answered or not name_hits(name, sentence):
                continue
            keys = {k.lower() for _, line in held for k in line.get("options", {})}
            if (_PRICE.search(sentence) or _WHICH_ORDERED.search(sentence)
                    or any(re.search(rf"\b{re.escape(k)}\b", sentence) for k in keys)):
                answered.append(name)
    out = []
    for name in answered:
        held = lines[name]
        facts = "; ".join(
            f"{line['name']} {line['item_id']} in order {order['order_id']} ({order['status']}):"
            f" {describe_options(line.get('options', {}))}, {money(line['price'])}"
            for order, line in held)
        total = (f" Together: {money(sum(line['price'] for _, line in held))} for "
                 f"{len(held)}." if len(held) > 1 else "")
        out.append(Outcome(kind="info", line=f"Your orders hold: {facts}.{total}"))
    return out


_ALLOWED = {"pending": "it can be cancelled with its order, or changed",
            "delivered": "it can be returned or exchanged"}


def allowed_info(records: Records, names: list[str]) -> list[Outcome]:
    """For items the customer asks about without asking for the change ("check whether I
    can return the vacuum cleaner, but don't process anything"): what policy allows for
    each, by its order's status. Nothing is proposed."""
    out = []
    for order in records.orders():
        for line in order["items"]:
            if line["name"] in names:
                can = _ALLOWED.get(order["status"], "it can't be changed now")
                out.append(Outcome(kind="info", line=(
                    f"The {line['name']} {line['item_id']} is in order {order['order_id']}, "
                    f"which is {order['status']}, so {can}; I have not changed anything "
                    "about it.")))
    return out
