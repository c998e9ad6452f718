"""Requests to checked calls: policy (data/policy.md) applied in code.

For each ``CustomerRequest`` the planner finds the order and the items it
names among the authenticated customer's own records (every read runs as that
customer), applies the policy's rules (status, once-per-order changes, refund
methods, gift-card balances), and returns an ``Outcome``: a change (the call
and the line that describes it, with its amount), a refusal that says why and
what policy allows instead, a question for a missing slot, or facts.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from ._support_clauses import request_verbs
from ._support_match import (
    PaymentChoiceError,
    about,
    describe_options,
    fallback_clause,
    fallback_methods,
    kept_in,
    match_items,
    means_all,
    mentioned,
    method_label,
    name_hits,
    named_in,
    pick_method,
    pick_variant,
    refund_named,
    sentences,
)
from ._support_schema import CustomerRequest
from .loop import Toolbox
from .state import PlannedCall

Kind = Literal["change", "refuse", "missing", "info", "transfer"]
_ORDER_ID = re.compile(r"#?[Ww](\d{7})\b")
_WANTS = {"cancel": "pending", "modify_items": "pending", "modify_address": "pending",
          "modify_payment": "pending", "return": "delivered", "exchange": "delivered"}
_SWAP = {"exchange": "modify_items", "modify_items": "exchange"}
_VERB = {"cancel": "cancel", "return": "return items of", "exchange": "exchange items of",
         "modify_items": "change items of", "modify_address": "change the address of",
         "modify_payment": "change the payment of"}


class Outcome(BaseModel):
    kind: Kind
    line: str  # what the reply says about this request (facts only)
    call: PlannedCall | None = None
    missing: list[str] = Field(default_factory=list)
    # Money to the customer (a refund, > 0) or from them (a charge, < 0), for the total.
    amount: float = 0.0


def order_id_of(text: str) -> str:
    m = _ORDER_ID.search(text or "")
    return f"#W{m.group(1)}" if m else ""


def money(amount: float) -> str:
    return f"${abs(amount):,.2f}"


class Records:
    """The customer's records, read once per decision, as the customer."""

    def __init__(self, box: Toolbox, user: dict[str, Any]) -> None:
        self.box, self.user = box, user
        self._orders: dict[str, dict[str, Any] | None] = {}
        self._products: dict[str, dict[str, Any] | None] = {}
        self._catalog: dict[str, str] | None = None

    def order(self, order_id: str) -> dict[str, Any] | None:
        if order_id not in self.user["orders"]:
            return None  # not theirs (or no such order): never read
        if order_id not in self._orders:
            found = self.box.call("get_order_details", {"order_id": order_id}, step="decide",
                                  index=len(self._orders))
            self._orders[order_id] = (found.output.model_dump(mode="json")
                                      if found.ok and found.output else None)
        return self._orders[order_id]

    def orders(self) -> list[dict[str, Any]]:
        return [o for o in (self.order(i) for i in self.user["orders"]) if o is not None]

    def catalog(self) -> dict[str, str]:
        """Product name -> product id, for the whole shop."""
        if self._catalog is None:
            found = self.box.call("list_all_product_types", {}, step="decide", index=99)
            self._catalog = (found.output.model_dump(mode="json")["products"]
                             if found.ok and found.output is not None else {})
        return self._catalog

    def product(self, product_id: str) -> dict[str, Any] | None:
        if product_id not in self._products:
            found = self.box.call("get_product_details", {"product_id": product_id},
                                  step="decide", index=100 + len(self._products))
            self._products[product_id] = (found.output.model_dump(mode="json")
                                          if found.ok and found.output else None)
        return self._products[product_id]


def plan(request: CustomerRequest, records: Records, text: str) -> list[Outcome]:
    """The outcomes of one request (several when its items sit in several orders)."""
    intent = request.intent
    if intent == "human":
        return [Outcome(kind="transfer", line="You asked for a person.",
                        call=PlannedCall(tool="transfer_to_human_agents",
                                         arguments={"summary": "customer asked for a human"}))]
    if intent == "user_address":
        return [_user_address(request, records, text)]
    if intent == "status":
        return _status(request, records)
    if intent not in _WANTS:
        return []
    order_ids = [order_id_of(request.order_id)] if order_id_of(request.order_id) else []
    if not order_ids:
        order_ids = _find_orders(request, records, text)
    if not order_ids and intent in _SWAP:
        # "exchange" for a pending order, "change" for a delivered one: the order's status
        # says which tool changes its items, not the word the customer used.
        other = request.model_copy(update={"intent": _SWAP[intent]})
        order_ids = _find_orders(other, records, text)
        request = other if order_ids else request
    if not order_ids and request.items:
        # The items sit only in orders of another status ("return the laptop" that has not
        # shipped): that order, so the reply says why, or does what the customer said to
        # do instead.
        order_ids = [o["order_id"] for o in records.orders() if match_items(o, request.items)]
        order_ids = order_ids if len(order_ids) == 1 else []
    if not order_ids:
        what = f" with the {', '.join(request.items)}" if request.items else ""
        return [Outcome(kind="missing", missing=["order_id"],
                        line=f"Which order{what} do you mean? Please give its order id "
                             "(it starts with #W).")]
    if len(order_ids) > 1 and (way := _by_price(text)):
        # "the more expensive one" of the same product in two orders: that order only.
        priced = [(line["price"], oid) for oid in order_ids
                  if (order := records.order(oid)) is not None
                  for line in (match_items(order, request.items) if request.items else [])
                  or named_in(order, text)]
        if priced:
            order_ids = [(max(priced) if way > 0 else min(priced))[1]]
    if len(order_ids) > 1:
        # "If you ask which laptop, it is the 15-inch, 32GB one": the order holding it.
        lines = [(oid, line) for oid in order_ids if (order := records.order(oid)) is not None
                 for line in (match_items(order, request.items) if request.items else [])
                 or named_in(order, text)]
        told = [oid for oid, line in lines if line in _told_apart(
            [li for _, li in lines if li["name"] == line["name"]],
            _identified(text, line["name"]))]
        order_ids = list(dict.fromkeys(told)) or order_ids
    if len(order_ids) > 1 and request.intent in _SWAP.keys() | {"return"}:
        order_ids, which = _one_order(order_ids, records, request, text)
        if which:
            return [Outcome(kind="missing", missing=["order_id"], line=which)]
    out = []
    for oid in order_ids:
        asked = _as_status(request, records.order(oid))
        done = first = _one(asked, records, oid, text)
        order = records.order(oid)
        for instead, clause in _fallbacks(text, asked.intent):
            if done.kind != "refuse":
                break
            if order and order["status"] == _WANTS[instead]:
                # The fallback's own words give its reason ("... cancel the order since I
                # no longer need it"), not the rest of the message.
                done = _one(asked.model_copy(update={"intent": instead, "reason": clause}),
                            records, oid, text)
        if done is not first and done.kind != "refuse":  # why the customer's fallback is used
            out.append(Outcome(kind="info", line=f"{first.line.split(' You can ')[0]} As you "
                                                 "asked for that case, instead:"))
        out.append(done)
    return out


_IF_NOT = re.compile(r"\bif (?:it|they|this|that|the \w+) (?:cannot|can't|can not|could not|"
                     r"couldn't|is not able to|isn't able to) be (\w+)[^.!?]*?\b(cancel|return|"
                     r"exchange)")
# A condition on whatever was asked before: "if there is no way to do that, return it".
_IF_FAILS = re.compile(r"\bif (?:there is no way|there's no way|not possible|not,|"
                       r"(?:that|this|it|they) (?:is|are)(?: not|n't) (?:possible|available)|"
                       r"(?:that|this|it) (?:is impossible|is unavailable|does not work|"
                       r"doesn't work|fails)|there are (?:any )?(?:issues|problems))"
                       r"[^.!?]*?\b(cancel|return|exchange)")


def _fallbacks(text: str, intent: str) -> list[tuple[str, str]]:
    """What the customer said to do, in their order, when ``intent`` cannot be done ("if
    it cannot be returned, see if it can be canceled"; "if there is no way to do that,
    return the item; if there are any issues, cancel the entire order"): each as the
    verb and the clause that says it (to the end of its sentence)."""
    lowered = text.lower()
    found: list[tuple[str, str]] = []
    matches = sorted([*_IF_NOT.finditer(lowered), *_IF_FAILS.finditer(lowered)],
                     key=lambda m: m.start())
    for m in matches:
        if m.re is _IF_NOT:
            if not m.group(1).startswith(intent[:5]):
                continue
            verb = m.group(2)
        else:
            verb = m.group(1)
        if verb != intent[:len(verb)] and verb not in (v for v, _ in found):
            end = re.search(r"[.!?;]|$", lowered[m.end():])
            found.append((verb, lowered[m.start():m.end() + (end.start() if end else 0)]))
    return found


def _as_status(request: CustomerRequest, order: dict[str, Any] | None) -> CustomerRequest:
    """An item change as the one the order's status allows (exchange when delivered,
    modify when pending)."""
    other = _SWAP.get(request.intent)
    if other and order is not None and order["status"] == _WANTS[other]:
        return request.model_copy(update={"intent": other})
    return request


_ALL_ITEMS = re.compile(r"\b(?:all (?:the |my |of my )?(?:things|items|of it|of them)|everything)\b"
                        r"(?! (?:except|but|not|else|associated|related))")
_ALL_BUT = re.compile(r"\b(?:everything|all (?:the |of the |my )?(?:things|items))\b[^.!?]{0,60}?"
                      r"\b(?:except|but|other than|apart from)\b")
_ALL_ORDERS = re.compile(r"\ball (?:of )?(?:my |the |your )?(?:\w+ )?orders?\b")


def _asks_all(text: str, intent: str) -> bool:
    """Whether a sentence asks this change of every item ("I want to upgrade all my items
    to the most expensive variants"): "all items" after a verb of this intent."""
    family = {intent, _SWAP.get(intent, intent)}
    for sentence in sentences(text.lower()):
        m = _ALL_ITEMS.search(sentence)
        if m and any(end <= m.start() and verb in family
                     for _, end, verb in request_verbs(sentence)):
            return True
    return False


def _find_orders(request: CustomerRequest, records: Records, text: str) -> list[str]:
    """Orders of the right status holding the described items (each order once); the
    message's own words name the items when the model gave none."""
    status = _WANTS[request.intent]
    fitting = [o for o in records.orders() if o["status"] == status]
    lowered = text.lower()
    if (_ALL_ORDERS.search(lowered) and request.intent in ("cancel", "modify_address")) or (
            _ALL_ITEMS.search(lowered) and request.intent in ("return", "cancel")):
        return [o["order_id"] for o in fitting]  # "cancel all my pending orders"
    named = [o for o in fitting if _says_city(o["address"]["city"], lowered, " order")]
    if len(named) == 1 and (not request.items or request.intent == "modify_address"):
        return [named[0]["order_id"]]  # "change my LA order to my NYC address"
    if means_all(request.items) or (not request.items and request.intent == "cancel"):
        return [fitting[0]["order_id"]] if len(fitting) == 1 else []
    found = [o["order_id"] for o in fitting if match_items(o, request.items)]
    found = found or [o["order_id"] for o in fitting if named_in(o, text)]
    if request.intent == "modify_address" and len(found) != 1:
        # "I sent an order to my son's address in Washington DC": the one order going to a
        # city the message names (not the customer's own address).
        home = dict(records.user["address"])
        there = [o["order_id"] for o in fitting if _says_city(o["address"]["city"], lowered)
                 and dict(o["address"]) != home]
        found = there if len(there) == 1 else found
    return found


def _refusal(order: dict[str, Any], intent: str) -> Outcome:
    status, oid = order["status"], order["order_id"]
    why = f"I can't {_VERB[intent]} order {oid}: it is {status}, and only "
    why += f"{_WANTS[intent]} orders can be {'changed' if intent.startswith('modify') else _done(intent)}."
    offer = {"delivered": " You can return or exchange its items instead; tell me which "
                          "items if you want that.",
             "pending": " You can cancel it or change its items, address or payment instead.",
             "processed": " It is already being prepared, so I can't change it now.",
             "cancelled": " It is already cancelled."}.get(status, "")
    return Outcome(kind="refuse", line=why + offer)


_WHOLE = re.compile(r"\b(?:whole|entire|full|all of the) order\b")
_NOT_WHOLE = re.compile(r"\b(?:never|not|n't|no)\s+(?:want to |to )?(?:cancel|do (?:it|that|this))")


def _partial_cancel(request: CustomerRequest, order: dict[str, Any],
                    text: str) -> Outcome | None:
    """A refusal when the customer names some items of a multi-item order to cancel (or
    says to keep some): policy cancels whole orders only, so the others would go too.
    None when the whole order is meant: no items named, all of them, its id given, all
    orders, or "the whole order" said (and not "never cancel the whole order")."""
    lines = order["items"]
    lowered = text.lower()
    if len(lines) < 2 or means_all(request.items) or _ALL_ORDERS.search(lowered):
        return None  # "cancel all my pending orders" means whole orders
    whole = any(_WHOLE.search(s) and not _NOT_WHOLE.search(s)
                for s in sentences(lowered))
    kept = kept_in(order, text)
    named = match_items(order, request.items) if request.items else []
    named = [i for i in (named or named_in(order, text)) if i not in kept]
    by_id = order["order_id"].lower().lstrip("#") in lowered
    if not kept and (whole or by_id or not named or len(named) == len(lines)):
        return None
    others = [i for i in lines if i not in named]
    return Outcome(kind="refuse", line=(
        f"I have not cancelled order {order['order_id']}: an order can only be cancelled as "
        f"a whole, and besides the {', '.join(sorted({i['name'] for i in named})) or 'items'} "
        f"it holds the {', '.join(sorted({i['name'] for i in others}))}. Tell me if you "
        "want the whole order cancelled."))


def _done(intent: str) -> str:
    return {"cancel": "cancelled", "return": "returned", "exchange": "exchanged"}.get(intent,
                                                                                      "changed")


def _one(request: CustomerRequest, records: Records, order_id: str, text: str) -> Outcome:
    order = records.order(order_id)
    if order is None:
        return Outcome(kind="refuse", line=f"I can't find order {order_id} on your account, so "
                                           "I can't change it. Please check the order id.")
    intent = request.intent
    if order["status"] != _WANTS[intent]:
        return _refusal(order, intent)
    paid = [p for p in order["payment_history"] if p["transaction_type"] == "payment"]
    original = paid[0]["payment_method_id"] if paid else None
    if intent == "cancel":
        partial = _partial_cancel(request, order, text)
        if partial is not None:
            return partial
        # The request's own reason; the message's words only when the model gave none.
        said = (request.reason or text).lower()
        reason = "ordered by mistake" if "mistake" in said else "no longer needed"
        total = sum(p["amount"] for p in paid)
        method = records.user["payment_methods"].get(original or "", {})
        # The method the request names, else one its reason (a fallback's clause) or a
        # sentence that asks to cancel names for the refund ("... cancel the whole order
        # and refund to gift card").
        wish = request.payment or refund_named(request.reason) or refund_named(" ".join(
            s for s in sentences(text) if "cancel" in s.lower()))
        try:
            named = pick_method(records.user, wish, original)
        except PaymentChoiceError:
            named = None
        if wish and named is not None and method and named["id"] != method["id"]:
            # Policy: a cancellation refunds the original payment; a wish for another is
            # told, not overruled silently (the customer may not want it then).
            return Outcome(kind="refuse", line=(
                f"I have not cancelled order {order_id}: its refund can only go back to the "
                f"original payment method, {method_label(method)}, not to "
                f"{method_label(named)}. Tell me if you want it cancelled anyway."))
        when = "right away" if method.get("source") == "gift_card" else "in 5-7 business days"
        return Outcome(kind="change", amount=total, call=PlannedCall(
            tool="cancel_pending_order", arguments={"order_id": order_id, "reason": reason}),
            line=f"Cancel order {order_id} (reason: {reason}); {money(total)} is refunded to "
                 f"{method_label(method) if method else 'the original payment method'} {when}.")
    if intent == "modify_address":
        return _order_address(request, records, order, text)
    try:
        method = pick_method(records.user, request.payment, original)
    except PaymentChoiceError:
        return Outcome(kind="refuse", line=f"The payment method {request.payment!r} is not on "
                                           "your account; I can only use your own methods.")
    if method is None:
        return Outcome(kind="missing", missing=["payment"],
                       line=f"Which payment method should I use for order {order_id}?")
    if intent == "modify_payment":
        return _payment(order, method, original)
    lines = match_items(order, request.items) if request.items else []
    if _asks_all(text, intent):  # "upgrade all my items": every line, whatever was named
        lines = list(order["items"])
    lines = lines or named_in(order, text) or (
        list(order["items"]) if _ALL_ITEMS.search(text.lower()) else [])
    if _ALL_BUT.search(text.lower()):  # "return everything except the coffee machine"
        kept = kept_in(order, text)
        lines = [i for i in order["items"] if i not in kept] if kept else lines
    if not lines:
        names = ", ".join(sorted({i["name"] for i in order["items"]}))
        return Outcome(kind="missing", missing=["items"],
                       line=f"Which items of order {order_id} do you mean? It has: {names}.")
    lines, which = _one_of_each(lines, text, by_options=intent == "return")
    if which:
        return Outcome(kind="missing", missing=["items"], line=" ".join(
            f"Order {order_id} has {len(group)} {group[0]['name']} items: "
            + "; ".join(f"{i['item_id']} ({describe_options(i.get('options', {}))})"
                        for i in group) + ". Which one do you mean?" for group in which))
    if intent == "return":
        why = ""
        if not _refundable(method, original):
            allowed = [m for m in fallback_methods(records.user, text, original)
                       if _refundable(m, original)]
            rule = (f"A return can't be refunded to {method_label(method)}: only to the "
                    "original payment method or a gift card.")
            if not allowed:
                options = [m for m in records.user["payment_methods"].values()
                           if _refundable(m, original)]
                return Outcome(kind="missing", missing=["payment"], line=(
                    f"{rule} Which should I use for order {order_id}: "
                    f"{' or '.join(method_label(m) for m in options)}?"))
            method, why = allowed[0], f"{rule} As you asked for that case: "
            if _ALL_ITEMS.search(fallback_clause(text)):
                lines = list(order["items"])  # "... return everything and refund to GC"
        refund = sum(i["price"] for i in lines)
        return Outcome(kind="change", amount=refund, call=PlannedCall(
            tool="return_delivered_order_items", arguments={
                "order_id": order_id, "item_ids": [i["item_id"] for i in lines],
                "payment_method_id": method["id"]}),
            line=f"{why}Return {_names(lines)} of order {order_id}; {money(refund)} is "
                 f"refunded to {method_label(method)}.")
    return _swap(request, records, order, lines, method, text)


def after_changes(outcomes: list[Outcome], records: Records) -> list[Outcome]:
    """What each order a proposed change leaves behind holds and costs: after a return,
    the items kept and what they cost ("what did I pay for the rest"); after an item
    change of a pending order, the order's new total ("what will my order cost now")."""
    out = []
    for o in outcomes:
        if o.kind != "change" or o.call is None:
            continue
        args = o.call.arguments
        order = records.order(str(args.get("order_id", "")))
        if order is None:
            continue
        if o.call.tool == "return_delivered_order_items":
            kept = [i for i in order["items"] if i["item_id"] not in args["item_ids"]]
            if kept:
                out.append(Outcome(kind="info", line=(
                    f"After this return, order {order['order_id']} still holds "
                    f"{', '.join(i['name'] for i in kept)}, which cost "
                    f"{money(sum(i['price'] for i in kept))}.")))
        elif o.call.tool == "modify_pending_order_items":
            new = dict(zip(args["item_ids"], args["new_item_ids"], strict=True))
            prices = {v["item_id"]: v["price"] for i in order["items"] if i["item_id"] in new
                      for v in (records.product(i["product_id"]) or {"variants": {}})[
                          "variants"].values()}
            total = sum(prices.get(new.get(i["item_id"], ""), i["price"]) for i in order["items"])
            out.append(Outcome(kind="info", line=(
                f"After this change, order {order['order_id']} costs {money(total)} in all.")))
    return out


def _refundable(method: dict[str, Any], original: str | None) -> bool:
    """Policy: a return is refunded to the original payment method or a gift card."""
    return method["source"] == "gift_card" or method["id"] == original


_MANY = re.compile(r"\b(?:both|all|two|three|four|each|every|these|those)\W+(?:\w+\W+){0,2}$")


def _one_of_each(lines: list[dict[str, Any]], text: str, by_options: bool = False,
                 ) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """Lines of one product the message names in the singular ("return a vacuum cleaner"
    when the order holds two): one line when they are the same item or, with
    ``by_options`` (no new item is wanted, so an option said describes the current one),
    the one line whose own option value the message says ("the robotic one"), or the
    one the message identifies ("which vacuum? the robotic one"); else a question.
    Returns the lines to act on and the groups to ask about."""
    lowered = text.lower()
    way = _by_price(text)
    kept: list[dict[str, Any]] = []
    ask: list[list[dict[str, Any]]] = []
    for name in dict.fromkeys(i["name"] for i in lines):
        group = [i for i in lines if i["name"] == name]
        hits = name_hits(name, lowered)
        singular = _singular(name, lowered)
        # "one Tea Kettle ... and another Tea Kettle": each further one is named so.
        named = 1 + sum(1 for a, _ in hits if _ANOTHER.search(lowered[max(0, a - 20):a]))
        if len(group) >= 2 and way:  # "the more expensive one" of them
            kept.append(sorted(group, key=lambda i: i["price"])[-1 if way > 0 else 0])
        elif len(group) < 2 or not singular or named >= len(group):
            kept += group
        elif len({i["item_id"] for i in group}) == 1:
            kept += group[:named]
        elif len(told := _told_apart(group, lowered if by_options else
                                     _identified(text, name))) == 1:
            kept += told
        else:
            ask.append(group)
    return kept, ask


def _one_order(order_ids: list[str], records: Records, request: CustomerRequest,
               text: str) -> tuple[list[str], str]:
    """Orders for items named in the singular that several orders hold: the one order
    holding every item the request names ("the bookshelf and jigsaw I received in the
    same order"), else a question (which order) when an item named once sits in several.
    Returns the orders to act on and the question ("" when none)."""
    lowered = text.lower()
    held = {oid: (match_items(order, request.items) if request.items else [])
            or named_in(order, text) for oid in order_ids
            if (order := records.order(oid)) is not None}
    names = {line["name"] for lines in held.values() for line in lines}
    plural = [n for n in names if name_hits(n, lowered) and not _singular(n, lowered)]
    if len(names) > 1 and not plural:
        whole = [oid for oid, lines in held.items() if {li["name"] for li in lines} == names]
        if len(whole) == 1:
            return whole, ""
    for name in sorted(names):
        holders = [oid for oid, lines in held.items() if any(li["name"] == name for li in lines)]
        if len(holders) > 1 and _singular(name, lowered):
            return [], (f"You have a {name} in {len(holders)} orders ("
                        + "; ".join(f"{oid}: " + ", ".join(
                            f"{li['item_id']} ({describe_options(li.get('options', {}))})"
                            for li in held[oid] if li["name"] == name) for oid in holders)
                        + "). Which one do you mean?")
    return order_ids, ""


_WHICH = re.compile(r"\bwhich ([a-z][a-z -]*?),?\s+(?:it is|it's|it was|mention|say)\s+"
                    r"([^.;!?]+)")


def _identified(text: str, name: str) -> str:
    """What the message says identifies the customer's own ``name`` item ("if you ask
    which laptop, it is 15-inch, 32GB" -> "15-inch, 32gb"); "" when it says nothing."""
    return " ".join(m.group(2) for m in _WHICH.finditer(text.lower())
                    if name_hits(name, m.group(1)))


def _told_apart(group: list[dict[str, Any]], lowered: str) -> list[dict[str, Any]]:
    """The lines of ``group`` with an option value no other line has that the text says."""
    def values(line: dict[str, Any]) -> set[str]:
        return {str(v).lower() for v in line.get("options", {}).values()}

    told = []
    for line in group:
        others = set().union(*(values(o) for o in group if o is not line))
        if any(mentioned(v, lowered) for v in values(line) - others):
            told.append(line)
    return told


def _singular(name: str, lowered: str) -> bool:
    """Whether the text names ``name`` only in the singular ("the lamp", not "the lamps",
    "both lamps" or "all three lamps")."""
    hits = name_hits(name, lowered)
    head = name.lower().split()[-1] if name.split() else ""
    return bool(hits) and not any(
        (lowered[a:b].endswith("s") and not head.endswith("s"))
        or _MANY.search(lowered[max(0, a - 40):a]) for a, b in hits)


_ANOTHER = re.compile(r"\b(?:another|other|second|third)\W+(?:\w+\W+){0,1}$")


_THE_PRICIER = re.compile(r"\bthe (?:(more|less) expensive|(pricier|costlier)|(cheaper)) "
                          r"(?:one|[a-z]+s?)\b")


def _by_price(text: str) -> int:
    """+1 for "the more expensive one" (or "tablet") of two items the customer has, -1 for "the cheaper
    one" / "the less expensive one", 0 when the words do not choose by price. ("a cheaper
    one" is a wish for the new item, read in ``_support_wish``.)"""
    m = _THE_PRICIER.search(text.lower())
    if not m:
        return 0
    return 1 if m.group(1) == "more" or m.group(2) else -1


def _names(lines: list[dict[str, Any]]) -> str:
    return ", ".join(f"{i['name']} ({i['item_id']})" for i in lines)


def _swap(request: CustomerRequest, records: Records, order: dict[str, Any],
          lines: list[dict[str, Any]], method: dict[str, Any], text: str) -> Outcome:
    new_ids, parts, diff, kept, not_there = [], [], 0.0, [], []
    # Each item's wishes are read from what the message says about it, not about the others.
    names = [i["name"] for o in records.orders() for i in o["items"]]
    for k, line in enumerate(lines):
        product = records.product(line["product_id"])
        must = _required(text, line["name"])
        if must and product and not any(
                v.get("available") and _has_all(v, must) for v in product["variants"].values()):
            # "If there is no keyboard that is clicky, RGB, full size, I'd rather only
            # exchange the thermostat": this one stays as it is.
            not_there.append(f"No available {line['name']} is {', '.join(must)}, so as you "
                             f"asked, the {line['name']} ({line['item_id']}) stays as it is.")
            continue
        wanted = request.wanted
        if product and len(wanted) == len(lines) and wanted[k].strip() in product["variants"]:
            wanted = [wanted[k]]  # ids pair with the items by position
        said = about(text, line["name"], names)
        ids = {i for i in re.findall(r"\b\d{10}\b", said)
               if product and i in product["variants"] and i != line["item_id"]}
        if len(ids) == 1:
            wanted = [ids.pop()]  # "exchange my shoes to item ID 4107812777"
        variant = _like_other(records, line, said) if product else None
        variant = variant or (pick_variant(product, line, wanted, said) if product else None)
        if variant is None:
            choices = [describe_options(v["options"]) for v in (product or {}).get(
                "variants", {}).values() if v.get("available") and v["item_id"] != line["item_id"]]
            other = _other_product(records, line, product, said)
            if other:
                done = "exchanged" if request.intent == "exchange" else "changed"
                return Outcome(kind="refuse", line=(
                    f"I can't change the {line['name']} ({line['item_id']}) for {other}: an "
                    f"item can only be {done} for another option of the same product. The "
                    f"{line['name']} comes in: {'; '.join(choices[:5]) or 'no other option now'}."
                    + (" You can return it instead." if order["status"] == "delivered" else
                       " You can cancel the order instead.")))
            if _fallbacks(text, request.intent) and (wanted or _asks_options(product, said)):
                # What they asked for is not there, and they said what to do then.
                return Outcome(kind="refuse", line=(
                    f"No available {line['name']} has the options you asked for; it comes "
                    f"in: {'; '.join(choices[:5]) or 'no other option now'}."))
            return Outcome(kind="missing", missing=["wanted"], line=(
                f"Which options do you want for the {line['name']} ({line['item_id']})? "
                f"Available: {'; '.join(choices[:5]) or 'none'}."))
        if (unmet := _price_unmet(said, variant)):
            # "If it is less than 200 bucks, exchange it; if not, return it."
            done = "exchanged" if request.intent == "exchange" else "changed"
            return Outcome(kind="refuse", line=(
                f"The {line['name']} {variant['item_id']} ({describe_options(variant['options'])})"
                f" costs {money(variant['price'])}, {unmet}, so as you said the {line['name']} "
                f"({line['item_id']}) is not {done}."))
        new_ids.append(variant["item_id"])
        kept.append(line)
        diff += variant["price"] - line["price"]
        parts.append(f"{line['name']} {line['item_id']} ({describe_options(line['options'])}) "
                     f"for {variant['item_id']} ({describe_options(variant['options'])})")
    if not kept:
        return Outcome(kind="refuse", line=" ".join(not_there))
    if method["source"] == "gift_card" and diff > (method.get("balance") or 0):
        return Outcome(kind="refuse", line=f"Your gift card {method['id']} has "
                                           f"{money(method.get('balance') or 0)}, not enough "
                                           f"for the difference of {money(diff)}.")
    tool = ("exchange_delivered_order_items" if request.intent == "exchange"
            else "modify_pending_order_items")
    verb = "Exchange" if request.intent == "exchange" else "Change"
    pays = (f"you pay {money(diff)} with" if diff > 0 else f"{money(diff)} is refunded to")
    note = "" if request.intent == "exchange" else (
        " Items of an order can be changed only once, so include everything you want changed.")
    return Outcome(kind="change", amount=-round(diff, 2), call=PlannedCall(tool=tool, arguments={
        "order_id": order["order_id"], "item_ids": [i["item_id"] for i in kept],
        "new_item_ids": new_ids, "payment_method_id": method["id"]}),
        line=" ".join([*not_there, f"{verb} in order {order['order_id']}: {'; '.join(parts)}; "
                                   f"{pays} {method_label(method)}.{note}"]))


_PRICE_IF = re.compile(r"\bif (?:it|its price|the price|that|this|that one|the new one)(?: is|'s|"
                       r" costs?)? (less|lower|cheaper|under|below|more|higher|over|above)"
                       r"(?: than)? \$?(\d+(?:\.\d+)?)")


def _price_unmet(said: str, variant: dict[str, Any]) -> str:
    """Why the new item fails a price condition the customer set ("if it is less than 200
    bucks"); "" when it meets it or none is set."""
    m = _PRICE_IF.search(said.lower())
    if not m:
        return ""
    limit, price = float(m.group(2)), variant["price"]
    below = m.group(1) in ("less", "lower", "cheaper", "under", "below")
    if below and price >= limit:
        return f"not less than {money(limit)}"
    if not below and price <= limit:
        return f"not more than {money(limit)}"
    return ""


_IF_NONE = re.compile(r"\bif there (?:is|are) no ([a-z][a-z -]*?) (?:that is|that are|that has|"
                      r"that have|with|in) ([^.;!?]+?),\s*((?:i'd|i would|i'll|i will|i want|"
                      r"then|just|only|please|keep|cancel|return)[^.;!?]*)")
# The consequence leaves the item as it is ("I'd rather only exchange the thermostat"),
# rather than naming other options for it ("I'd go for no backlight").
_LEAVE = re.compile(r"\b(?:only|just)\b|\bkeep (?:it|them|the)\b|\bnot (?:exchange|change|"
                    r"modify)")


def _required(text: str, name: str) -> list[str]:
    """The options this product must have, when the message says to leave it as it is
    otherwise ("if there is no keyboard that is clicky, RGB backlight, full size, I'd
    rather only exchange the thermostat" -> clicky, RGB backlight, full size)."""
    for m in _IF_NONE.finditer(text.lower()):
        then = m.group(3)
        if name_hits(name, m.group(1)) and _LEAVE.search(then) and not (
                re.search(r"\b(?:only|just)\b", then) and name_hits(name, then)):
            return [v.strip() for v in re.split(r",|\band\b", m.group(2)) if v.strip()]
    return []


def _has_all(variant: dict[str, Any], values: list[str]) -> bool:
    """Whether every value's words are among the variant's options ("RGB backlight" is
    backlight RGB)."""
    own = set(re.findall(r"[a-z0-9]+", describe_options(variant["options"]).lower()))
    return all(set(re.findall(r"[a-z0-9]+", v)) <= own for v in values)


def _asks_options(product: dict[str, Any] | None, said: str) -> bool:
    """Whether the words about an item name one of its product's option values."""
    lowered = said.lower()
    return any(mentioned(str(value), lowered)
               for variant in (product or {}).get("variants", {}).values()
               for value in variant["options"].values())


# "for a coat": the last word of what an item is to become; these are not other products.
_INTO = re.compile(r"\b(?:for|to|into|with)\s+(?:a|an|some)\s+((?:[\w-]+\s+){0,2}?)([a-z]+)"
                   r"\s*(?=[.,;!?]|$|\band\b|\binstead\b|\bif\b)")
_NOT_A_PRODUCT = {"one", "ones", "version", "variant", "option", "model", "type", "kind",
                  "size", "color", "colour", "pair", "item", "product", "refund", "replacement",
                  "different", "new", "better", "cheaper", "bigger", "smaller", "discount"}


def _other_product(records: Records, line: dict[str, Any], product: dict[str, Any] | None,
                   said: str) -> str:
    """What the customer wants this item to become when that is another product ("change
    the luggage set for a coat"), read after the item's own mention; "" when nothing is."""
    lowered = said.lower()
    own = name_hits(line["name"], lowered)
    start = own[0][1] if own else 0
    for name in records.catalog():
        if name != line["name"] and any(a >= start and (a, b) not in own
                                        for a, b in name_hits(name, lowered)):
            return f"the {name}"
    own_words = set(re.findall(r"[a-z0-9]+", line["name"].lower()))
    for variant in (product or {}).get("variants", {}).values():
        for value in variant["options"].values():
            own_words |= set(re.findall(r"[a-z0-9]+", str(value).lower()))
    for m in _INTO.finditer(lowered, start):
        head = m.group(2)
        stem = head[:-1] if head.endswith("s") else head
        if head not in _NOT_A_PRODUCT and head not in own_words and stem not in own_words:
            return f"a {head}"
    return ""


_LIKE_OTHER = re.compile(
    r"\b(?:same\b[^.;]{0,30}?\bas|like|that is in)\b[^.;]{0,12}?\b(?:the one|one|my other|"
    r"the other|your|my)\b[^.;]{0,40}?\b(?:received|have|had|got|bought|ordered|order)\b")


def _like_other(records: Records, line: dict[str, Any], said: str) -> dict[str, Any] | None:
    """"the same type as the one I already received", "the type that is in my pending
    order": the variant of this product that the customer's other order holds, when
    exactly one other is there (and it can be had)."""
    found = _LIKE_OTHER.search(said.lower())
    if not found:
        return None
    product = records.product(line["product_id"])
    named = re.match(r"same (\w+(?: \w+)?) as", found.group(0))
    if named and named.group(1) != "type" and named.group(1) in line.get("options", {}):
        return None  # "the same size as my other pair": one option, read as a wish
    others = {i["item_id"] for o in records.orders() for i in o["items"]
              if i["product_id"] == line["product_id"] and i["item_id"] != line["item_id"]}
    if len(others) != 1 or product is None:
        return None
    variant = product["variants"].get(others.pop())
    return variant if variant and variant.get("available") else None


def _payment(order: dict[str, Any], method: dict[str, Any], original: str | None) -> Outcome:
    if method["id"] == original:
        return Outcome(kind="missing", missing=["payment"], line=(
            f"Order {order['order_id']} is already paid with {method_label(method)}; which "
            "other payment method should I use?"))
    total = sum(p["amount"] for p in order["payment_history"]
                if p["transaction_type"] == "payment")
    if method["source"] == "gift_card" and (method.get("balance") or 0) < total:
        return Outcome(kind="refuse", line=f"Your gift card {method['id']} has "
                                           f"{money(method.get('balance') or 0)}, less than the "
                                           f"order total of {money(total)}.")
    return Outcome(kind="change", call=PlannedCall(tool="modify_pending_order_payment",
                                                   arguments={"order_id": order["order_id"],
                                                              "payment_method_id": method["id"]}),
                   line=f"Pay order {order['order_id']} ({money(total)}) with "
                        f"{method_label(method)}; the original payment is refunded.")


def _address_of(request: CustomerRequest, records: Records, text: str,
                current: dict[str, str]) -> dict[str, str] | None:
    # The address as written, read by code, before the model's copy of it.
    written = written_address(text)
    if written is not None and written != current:
        return written
    given = request.address
    if given is not None and given.complete():
        return {"address1": given.address1, "address2": given.address2, "city": given.city,
                "state": given.state, "country": given.country or "USA", "zip": given.zip}
    other = [o for o in (order_id_of(m.group(0)) for m in _ORDER_ID.finditer(text))
             if o and o != order_id_of(request.order_id)]
    lowered = text.lower()
    if other and "same" in lowered:
        source = records.order(other[0])
        if source is not None:
            return dict(source["address"])
    named = _named_address(records, lowered, current)
    if named is not None:
        return named
    if any(w in lowered for w in ("default address", "my profile", "profile address",
                                  "home address", "default")):
        return dict(records.user["address"])
    return None


_STREET = (r"Street|St|Avenue|Ave|Drive|Dr|Lane|Ln|Road|Rd|Boulevard|Blvd|Way|Court|Ct|"
           r"Place|Pl|Broadway|Parkway|Pkwy|Terrace|Circle")
_WRITTEN = re.compile(rf"\b(\d+ (?:[A-Z][\w.]* )*?(?:{_STREET})\b)\.?,?\s*"
                      r"(?:((?:Suite|Apt|Apartment|Unit) \w+),?\s*)?"
                      r"([A-Z][A-Za-z.]*(?: [A-Z][A-Za-z.]*)*),\s*"
                      r"([A-Z]{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?),?\s*(\d{5})\b")
_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV", "new hampshire": "NH",
    "new jersey": "NJ", "new mexico": "NM", "new york": "NY", "north carolina": "NC",
    "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
    "district of columbia": "DC"}


def written_address(text: str) -> dict[str, str] | None:
    """A whole US address the message writes out ("445 Maple Drive, Suite 394, Fort
    Worth, Texas, 76165"), in the store's form (two-letter state); None when it has none
    (a city alone is not an address)."""
    m = _WRITTEN.search(text)
    if not m:
        return None
    state = m.group(4)
    state = state if len(state) == 2 else _STATES.get(state.lower(), "")
    if not state:
        return None
    return {"address1": m.group(1), "address2": m.group(2) or "", "city": m.group(3),
            "state": state, "country": "USA", "zip": m.group(5)}


def _named_address(records: Records, lowered: str,
                   current: dict[str, str] | None = None) -> dict[str, str] | None:
    """"the Washington DC address (it is in one of my orders)": the one address among the
    customer's orders and profile whose city the message names (None unless exactly one),
    other than ``current``, the address being changed ("I live in Denver, change it to
    the Chicago one")."""
    known = [dict(o["address"]) for o in records.orders()] + [dict(records.user["address"])]
    known = [a for a in known if a != current]
    found = [a for a in known if _says_city(str(a.get("city", "")), lowered)]
    found = [a for k, a in enumerate(found) if a not in found[:k]]
    return found[0] if len(found) == 1 else None


# What people call a city instead of its name ("my NYC address", "the LA order").
_CITY_SHORT = {"new york": ("nyc", "new york city"), "los angeles": ("la", "l.a."),
               "san francisco": ("sf",), "washington": ("dc", "d.c.")}


def _says_city(city: str, lowered: str, after: str = "") -> bool:
    """Whether ``lowered`` names ``city`` (or its usual short name), followed by
    ``after`` ("order": "my LA order")."""
    city = city.lower()
    return bool(city) and any(re.search(rf"(?<!\w){re.escape(n)}{after}(?!\w)", lowered)
                              for n in (city, *_CITY_SHORT.get(city, ())))


def _format(address: dict[str, str]) -> str:
    parts = [address["address1"], address.get("address2", ""), address["city"],
             f"{address['state']} {address['zip']}", address.get("country", "")]
    return ", ".join(p for p in parts if p)


def _order_address(request: CustomerRequest, records: Records, order: dict[str, Any],
                   text: str) -> Outcome:
    address = _address_of(request, records, text, dict(order["address"]))
    if address == dict(order["address"]):
        address = None  # the message named where it already goes (their own city)
    if address is None:
        return Outcome(kind="missing", missing=["address"], line=(
            f"What is the new address for order {order['order_id']} (street, city, state, "
            "zip)?"))
    return Outcome(kind="change", call=PlannedCall(
        tool="modify_pending_order_address", arguments={"order_id": order["order_id"],
                                                        **address}),
        line=f"Ship order {order['order_id']} to {_format(address)}.")


def _user_address(request: CustomerRequest, records: Records, text: str) -> Outcome:
    given = request.address
    written = written_address(text)
    if written is not None and written != dict(records.user["address"]):
        address = written
    elif given is not None and given.complete():
        address = {"address1": given.address1, "address2": given.address2, "city": given.city,
                   "state": given.state, "country": given.country or "USA", "zip": given.zip}
    else:
        found = _named_address(records, text.lower(), dict(records.user["address"]))
        if found is None:
            return Outcome(kind="missing", missing=["address"],
                           line="What is your new default address (street, city, state, zip)?")
        address = found
    return Outcome(kind="change", call=PlannedCall(tool="modify_user_address", arguments={
        "user_id": records.user["user_id"], **address}),
        line=f"Change your default address to {_format(address)}.")


def _status(request: CustomerRequest, records: Records) -> list[Outcome]:
    oid = order_id_of(request.order_id)
    orders = [records.order(oid)] if oid else records.orders()[-3:]
    found = [o for o in orders if o is not None]
    if not found:
        return [Outcome(kind="refuse", line=f"I can't find order {oid or ''} on your account.")]
    return [order_facts(o) for o in found]


def order_facts(order: dict[str, Any]) -> Outcome:
    """One order's status, items, amount paid, tracking numbers and address (one line per order,
    so the same order asked about twice is said once)."""
    total = sum(p["amount"] for p in order["payment_history"]
                if p["transaction_type"] == "payment")
    tracking = [t for f in order["fulfillments"] for t in f["tracking_id"]]
    return Outcome(kind="info", line=(
        f"Order {order['order_id']} is {order['status']}: "
        f"{', '.join(i['name'] for i in order['items'])}; paid {money(total)}"
        + (f"; tracking number {', '.join(tracking)}" if tracking else "; not shipped yet, "
           "so no tracking number") + f"; shipping address {_format(dict(order['address']))}."))
