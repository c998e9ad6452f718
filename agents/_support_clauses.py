"""Which item each request verb of a message governs, read in code.

A small model often records one request of a message that makes three ("exchange
the helmet …, and exchange the luggage set …. Lastly, modify the grill …"), or
puts every item under one intent. Once the customer is known, code knows the
names of the items in their orders, so it reads the message's own structure: an
item named after a request verb (exchange, return, cancel, modify …) in the same
clause list is what that verb asks for; "keep the kettle", "do not cancel", a
new sentence, "because", "if" end what a verb governs. The model's requests are
completed with what this finds (``complete``), never replaced.
"""

from __future__ import annotations

import re
from typing import Literal

from ._support_match import name_hits, sentences
from ._support_schema import CustomerRequest

_VERBS = (
    ("exchange", r"exchang\w*|swap\w*|replac\w*"),
    ("return", r"return\w*|send (?:it |them )?back|refund\w*"),
    ("cancel", r"cancel\w*"),
    ("modify_items", r"modify\w*|modif\w*|chang\w*|switch\w*|upgrad\w*"),
)
_VERB = re.compile("|".join(f"(?P<{intent}>\\b(?:{p}))" for intent, p in _VERBS))
# What ends the reach of a verb: a new sentence or clause of another kind.
_STOP = re.compile(r"[.;!?]|\b(?:because|since|if|but|unless|keep|keeping|except|although|"
                   r"though|so that)\b")
_MIND = re.compile(r"\s+(?:my|your|his|her|our|their) minds?\b")  # "I changed my mind"
_NEGATED = re.compile(r"\b(?:not|never|n't|don'?t|no longer want to)\s+(?:\w+\s+)?$")


# Address changes, named by what they change: an order's address or the profile's.
_ADDRESSES = (
    ("modify_address", re.compile(r"\b(?:order(?:'s)? (?:shipping )?address|address of (?:the |"
                                  r"my |this )?order|shipping address|order\b[^.!?]{0,40}?\bto "
                                  r"(?:my|the|our|her|his) (?:[\w.]+ ){0,2}address)")),
    ("user_address", re.compile(r"\b(?:default|profile|user|home) address")),
)
_CHANGE = re.compile(r"\b(?:chang|modif|updat|switch|mov|set)\w*")
_TO = re.compile(r"\bto (?:my|the|your|our|his|her) (?:\w+ )?$")


def _default_as_target(lowered: str) -> bool:
    """Whether the message names the default address only as where something goes ("change
    it to my default address"), never as what to change ("change my default address")."""
    said = list(_ADDRESSES[1][1].finditer(lowered))
    return bool(said) and all(_TO.search(lowered, max(0, m.start() - 24), m.start())
                              for m in said)


def request_verbs(lowered: str) -> list[tuple[int, int, str]]:
    """(start, end, intent) of each request verb the text says, not negated ("don't
    cancel")."""
    return [(m.start(), m.end(), m.lastgroup or "") for m in _VERB.finditer(lowered)
            if not _NEGATED.search(lowered[max(0, m.start() - 24):m.start()])
            and not _MIND.match(lowered, m.end())]


def governed(text: str, names: list[str]) -> list[tuple[str, str]]:
    """(intent, item name) for each item named within a request verb's reach, in order."""
    lowered = text.lower()
    verbs = request_verbs(lowered)
    found: list[tuple[int, str, str]] = []
    for name in dict.fromkeys(names):
        for start, _ in name_hits(name, lowered):
            before = [v for v in verbs if v[1] <= start]
            if not before:
                continue
            _, end, intent = before[-1]
            if _STOP.search(lowered, end, start):
                continue
            found.append((start, intent, name))
    return [(intent, name) for _, intent, name in sorted(found)]


_ORDER_ID = re.compile(r"#?\bw(\d{7})\b")


def cancelled_orders(lowered: str) -> list[str]:
    """The order ids a cancel verb governs ("finally, cancel order #W5995614 because
    ..."), in order."""
    found: list[str] = []
    verbs = request_verbs(lowered)
    for k, (_, end, intent) in enumerate(verbs):
        if intent != "cancel":
            continue
        stop = _STOP.search(lowered, end)
        reach = min(stop.start() if stop else len(lowered),
                    verbs[k + 1][0] if k + 1 < len(verbs) else len(lowered))
        for m in _ORDER_ID.finditer(lowered, end, reach):
            if f"#W{m.group(1)}" not in found:
                found.append(f"#W{m.group(1)}")
    return found


def complete(requests: list[CustomerRequest], text: str,
             names: list[str]) -> list[CustomerRequest]:
    """The model's requests, with the items the message's verbs govern added: to the
    request of the same intent, or as a new request when the model gave none."""
    found = governed(text, names)
    out = []
    for r in requests:
        # An item the message puts under another verb is not this request's.
        own = {n for i, n in found if i == r.intent}
        elsewhere = [n for i, n in found if i != r.intent and n not in own]
        items = [d for d in r.items if not any(name_hits(n, d.lower()) for n in elsewhere)]
        out.append(r.model_copy(update={"items": items}))
    payment = next((r.payment for r in requests if r.payment), "")
    lowered = text.lower()
    if _default_as_target(lowered):
        # "modify it to my default address": an order goes there; the profile stays.
        out = [r for r in out if r.intent != "user_address"]
        if not any(r.intent == "modify_address" for r in out):
            out.append(CustomerRequest(intent="modify_address"))
    for intent, said in _ADDRESSES:
        if intent == "user_address" and _default_as_target(lowered):
            continue
        if said.search(lowered) and _CHANGE.search(lowered) and \
                not any(r.intent == intent for r in out):
            out.append(CustomerRequest(intent=intent))  # type: ignore[arg-type]
    for oid in cancelled_orders(lowered):
        if any(r.intent == "cancel" and r.order_id.upper().lstrip("#") == oid.lstrip("#")
               for r in out):
            continue
        bare = next((r for r in out if r.intent == "cancel" and not r.order_id
                     and not r.items), None)
        if bare is not None:
            bare.order_id = oid
        else:
            out.append(CustomerRequest(intent="cancel", order_id=oid))
    for intent, name in found:
        same = next((r for r in out if r.intent == intent), None)
        if same is None:
            out.append(CustomerRequest(intent=intent, items=[name],  # type: ignore[arg-type]
                                       payment=payment))
        elif not any(name.lower() == i.lower() or name_hits(name, i.lower())
                     for i in same.items):  # "the small tshirt" already names T-Shirt
            same.items = [*same.items, name][:12]
    return out


# A sentence that asks whether something could be done, and says not to do it yet.
_NOT_YET = re.compile(r"\b(?:don'?t|do not) (?:process|proceed|do (?:it|anything|that)|make "
                      r"(?:any|the|that) change)|\bnot sure yet\b|"
                      r"\bjust (?:want to )?(?:check|ask|know)\b")


def only_asked(text: str, names: list[str]) -> list[str]:
    """The items named in a sentence that asks about them without asking for the change
    ("check whether I can return the vacuum cleaner, but I am not sure yet so don't
    process anything"): a question to answer, not a request to act on."""
    return [n for n in dict.fromkeys(names)
            if any(_NOT_YET.search(s) and name_hits(n, s) for s in sentences(text.lower()))]


def without(requests: list[CustomerRequest], names: list[str]) -> list[CustomerRequest]:
    """The requests without the items ``names`` name; an item request left with no item
    is dropped."""
    out = []
    for r in requests:
        items = [i for i in r.items if not any(name_hits(n, i.lower()) for n in names)]
        if r.intent in _ITEM_INTENTS and r.items and not items:
            continue
        out.append(r.model_copy(update={"items": items}))
    return out


_ONLY = re.compile(r"\b(?:only|just)\b")
_ALSO = re.compile(r"\b(?:also|as well|too|in addition|another request)\b")


def asks_change(text: str) -> bool:
    """Whether the text has a request verb ("I regret and want to keep it" has none)."""
    return _VERB.search(text.lower()) is not None


def amends(text: str) -> Literal["", "only", "also"]:
    """How a reply to a proposal amends it: "only the lamp" narrows it to some of its
    items, "I also want to return the watch" adds to it; "" when it does neither."""
    lowered = text.lower()
    if _ONLY.search(lowered):
        return "only"
    if _ALSO.search(lowered) and asks_change(lowered):
        return "also"
    return ""


def only(requests: list[CustomerRequest], reply: str, names: list[str],
         said: list[CustomerRequest]) -> list[CustomerRequest]:
    """The item requests narrowed to the items ``reply`` names ("only exchange the desk
    lamp"); a request left without items is dropped, others (an address) stay. A payment
    method the reply names (``said``, its own reading) replaces the earlier one."""
    lowered = reply.lower()
    named = [n for n in dict.fromkeys(names) if name_hits(n, lowered)]
    if not named:
        return requests
    payment = next((r.payment for r in said if r.payment), "")
    out = []
    for r in requests:
        if r.intent in _ITEM_INTENTS:
            items = [i for i in r.items if any(name_hits(n, i.lower()) for n in named)
                     ] if r.items else named
            if not items:
                continue
            r = r.model_copy(update={"items": items})
        out.append(r.model_copy(update={"payment": payment}) if payment else r)
    return out


_ITEM_INTENTS = {intent for intent, _ in _VERBS}


def refer_back(requests: list[CustomerRequest], reply: str, names: list[str],
               said: str) -> list[CustomerRequest]:
    """A reply to a proposal that asks for another change without naming an item or an
    order ("I change my mind and return the more expensive one"): its item requests are
    about the items the proposal's message (``said``) named."""
    lowered = reply.lower()
    if any(name_hits(n, lowered) for n in names) or _ORDER_ID.search(lowered):
        return requests
    earlier = [n for n in dict.fromkeys(names) if name_hits(n, said.lower())]
    # Only the item changes the reply's own verbs ask for ("... return the more expensive
    # one": not an exchange a model read into "more expensive").
    said_verbs = [v for _, _, v in request_verbs(lowered)]
    verbs = set(said_verbs)
    verbs |= {"exchange", "modify_items"} if verbs & {"exchange", "modify_items"} else set()
    kept = [r for r in requests if r.intent not in _ITEM_INTENTS or not verbs or r.intent in verbs]
    payment = next((r.payment for r in requests if r.payment), "")
    for verb in dict.fromkeys(said_verbs):
        if verb in _ITEM_INTENTS and not any(r.intent in verbs for r in kept):
            kept.append(CustomerRequest(intent=verb, payment=payment))  # type: ignore[arg-type]
    return [r.model_copy(update={"items": earlier})
            if r.intent in _ITEM_INTENTS and earlier
            and not any(name_hits(n, i.lower()) for i in r.items for n in names) else r
            for r in kept]
