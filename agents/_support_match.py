"""Descriptions to concrete records, in code: items of an order, variants of a product,
payment methods of a customer.

The model copies what the customer said ("the water bottle", "size 8, red",
"my gift card"); these functions find what it names among the customer's own
records (never among anyone else's). An exact id is taken as it is, so a
request can also be written with ids (the gold replay does that).
"""

from __future__ import annotations

import re
from typing import Any

_WORD = re.compile(r"[a-z0-9]+")
_ALL = {"all", "everything", "every", "entire", "whole"}
_STOP = {"the", "a", "an", "my", "one", "item", "items", "order", "and", "of", "to", "for",
         "with", "in", "on", "i", "it", "that", "this", "new", "same", "please"}


def words(text: str) -> set[str]:
    """Lower-case word stems (a trailing plural 's' dropped) without filler words."""
    found = set()
    for w in _WORD.findall(text.lower()):
        if w in _STOP:
            continue
        found.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return found


def means_all(descriptions: list[str]) -> bool:
    return any(words(d) & _ALL or d.strip().lower() in _ALL for d in descriptions)


def match_items(order: dict[str, Any], descriptions: list[str]) -> list[dict[str, Any]]:
    """The order lines the descriptions name: by item id, else by the best word overlap
    with the product name (options break ties). Each line once; duplicates kept."""
    lines: list[dict[str, Any]] = order["items"]
    if means_all(descriptions):
        return list(lines)
    picked: list[int] = []
    for description in descriptions:
        exact = [i for i, line in enumerate(lines)
                 if line["item_id"] == description.strip() and i not in picked]
        if exact:
            picked.append(exact[0])
            continue
        wanted = words(description)
        scored = []
        for i, line in enumerate(lines):
            name = words(line["name"])
            hits = sum(1 for n in name if any(_same(n, w) for w in wanted))
            if not hits:
                continue
            options = words(" ".join(str(v) for v in line.get("options", {}).values()))
            scored.append((2 * hits + len(wanted & options), i))
        if scored:
            best = max(s for s, _ in scored)
            picked.extend(i for s, i in scored if s == best and i not in picked)
    return [lines[i] for i in picked]  # in the customer's order: pairs with ``wanted``


def _same(a: str, b: str) -> bool:
    # "bookshelves" is a "bookshelf": a shared stem of five letters counts as the word.
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])


def named_in(order: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """The order lines whose product the text names: the whole name ("desk lamp") or its
    head noun ("the keyboard" for a Mechanical Keyboard), plurals included."""
    said = words(text)
    found = []
    for line in order["items"]:
        name = [w for w in (words(line["name"])) if w]
        head = words(line["name"].split()[-1]) if line["name"].split() else set()
        if (name and all(any(_same(n, w) for w in said) for n in name)) or any(
                _same(h, w) for h in head for w in said):
            found.append(line)
    return found


# How much each source of wanted options counts: the model's per-request slots, then the
# customer's whole message (which may also describe the item they have, or another one).
_SLOT_WEIGHT, _MESSAGE_WEIGHT = 3.0, 1.5


def _mentioned(value: str, text: str) -> bool:
    """``value`` said as whole words ("S" is not in "shoes"; "crew neck" is in "crew-neck")."""
    tokens = _WORD.findall(value.lower())
    return bool(tokens) and re.search(r"\b" + r"\W+".join(map(re.escape, tokens)) + r"\b",
                                      text) is not None


def _evidence(variant: dict[str, Any], current: dict[str, Any], text: str,
              others: dict[str, set[str]]) -> float:
    """How strongly ``text`` asks for ``variant``'s options over the current ones: a
    changed option it names counts 1 (a partial name partly), one for which it names a
    different value of that option counts -1."""
    said_words = words(text)
    score = 0.0
    for key, value in variant["options"].items():
        v = str(value).lower()
        if str(current["options"].get(key, "")).lower() == v:
            continue
        if _mentioned(v, text):
            score += 1
        elif any(_mentioned(o, text) for o in others.get(key, set()) - {v}):
            score -= 1  # the customer named another value of this option
        elif (value_words := words(v)) and value_words & said_words:
            # "Google Home" for "Google Assistant": a partial match counts partly.
            score += 0.5 * len(value_words & said_words) / len(value_words)
    return score


def pick_variant(product: dict[str, Any], current: dict[str, Any], wanted: list[str],
                 message: str = "") -> dict[str, Any] | None:
    """The available variant the wanted options describe, nearest to the current item
    (options not mentioned stay as they are); None when nothing asked matches.

    The model's ``wanted`` slots count most; the customer's own ``message`` adds its
    evidence (a small model drops or garbles options: "size XXL, crew neck"), and a
    value of the current item that either names ("instead of Apple HomeKit") is what
    is there, not what is wanted."""
    variants: dict[str, dict[str, Any]] = product["variants"]
    for w in wanted:
        if w.strip() in variants and w.strip() != current["item_id"]:
            exact = variants[w.strip()]
            return exact if exact.get("available") else None
    slots, said = " ".join(wanted).lower(), message.lower()
    cheapest = any(c in f"{slots} {said}" for c in ("cheap", "lowest price"))
    # The values each option takes in this product, as the customer may name them.
    others: dict[str, set[str]] = {}
    for variant in variants.values():
        for key, value in variant["options"].items():
            others.setdefault(key, set()).add(str(value).lower())
    current_values = {k: str(v).lower() for k, v in current["options"].items()}
    for key in others:
        others[key].discard(current_values.get(key, ""))
    best: tuple[float, dict[str, Any]] | None = None
    for variant in variants.values():
        if variant["item_id"] == current["item_id"] or not variant.get("available"):
            continue
        asked = (_SLOT_WEIGHT * _evidence(variant, current, slots, others)
                 + _MESSAGE_WEIGHT * _evidence(variant, current, said, others))
        if asked <= 0 and not cheapest:
            continue
        kept = sum(1 for k, v in variant["options"].items()
                   if current_values.get(k) == str(v).lower())
        score = asked + kept
        if cheapest:
            score = asked - variant["price"] / 1e4
        if best is None or score > best[0]:
            best = (score, variant)
    return best[1] if best else None


def describe_options(options: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in options.items())


def method_label(method: dict[str, Any]) -> str:
    """How a payment method is named to the customer (no full ids of cards)."""
    if method["source"] == "gift_card":
        return f"gift card {method['id']}"
    if method["source"] == "paypal":
        return f"PayPal {method['id']}"
    brand = (method.get("brand") or "credit card").title()
    return f"{brand} credit card ending {method.get('last_four')} ({method['id']})"


class PaymentChoiceError(ValueError):
    """The named method is not one of the customer's."""


def pick_method(user: dict[str, Any], mention: str,
                original: str | None) -> dict[str, Any] | None:
    """The customer's payment method a mention names; the original one when nothing is
    named ("original", "", "same"); raises when the mention names an id that is not theirs."""
    methods: dict[str, dict[str, Any]] = user["payment_methods"]
    said = mention.strip().lower()
    for method_id, method in methods.items():
        if method_id.lower() in said:
            return method
    if re.search(r"\b(?:gift_card|credit_card|paypal)_\d+", said):
        raise PaymentChoiceError(mention)
    if not said or any(w in said for w in ("original", "same", "default")):
        return methods.get(original or "")
    kinds = [("gift", "gift_card"), ("paypal", "paypal"), ("credit", "credit_card"),
             ("card", "credit_card"), ("visa", "credit_card"), ("mastercard", "credit_card")]
    digits = set(re.findall(r"\b\d{4}\b", said))
    for method in methods.values():
        if method.get("last_four") and method["last_four"] in digits:
            return method
    for word, source in kinds:
        if word in said:
            found = [m for m in methods.values() if m["source"] == source]
            if found:
                return found[0]
    return methods.get(original or "")
