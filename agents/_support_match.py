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

from ._support_wish import fit, read_wishes

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


def said_words(text: str) -> set[str]:
    """``words`` plus each pair of adjacent words run together: "book shelf" names the
    Bookshelf, "t shirt" the T-Shirt."""
    raw = _WORD.findall(text.lower())
    return words(text) | {_stem(a + b) for a, b in zip(raw, raw[1:], strict=False)}


def _stem(w: str) -> str:
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


# Sizes as customers say them, as the catalog writes them.
_SIZE_WORDS = {"small": "s", "medium": "m", "large": "l", "xs": "xs", "xl": "xl", "xxl": "xxl"}


def means_all(descriptions: list[str]) -> bool:
    return any(words(d) & _ALL or d.strip().lower() in _ALL for d in descriptions)


def match_items(order: dict[str, Any], descriptions: list[str]) -> list[dict[str, Any]]:
    """The order lines the descriptions name: by item (or product) id, else by the best word overlap
    with the product name (options break ties). Each line once; duplicates kept."""
    lines: list[dict[str, Any]] = order["items"]
    if means_all(descriptions):
        return list(lines)
    picked: list[int] = []
    for description in descriptions:
        # A product id where an item id was meant names that product's line.
        exact = [i for i, line in enumerate(lines) if description.strip() in
                 (line["item_id"], line.get("product_id")) and i not in picked]
        if exact:
            picked.append(exact[0])
            continue
        wanted = said_words(description)
        sizes = {_SIZE_WORDS[w] for w in wanted if w in _SIZE_WORDS}
        wanted |= sizes
        scored = []
        for i, line in enumerate(lines):
            name = words(line["name"])
            hits = sum(1 for n in name if any(_same(n, w) for w in wanted))
            if _run_together(line["name"]) in wanted:  # "tshirt" names the T-Shirt
                hits = max(hits, len(name))
            size = str(line.get("options", {}).get("size", "")).lower()
            if not hits or (sizes and size in _SIZE_WORDS.values() and size not in sizes):
                continue  # "the small t-shirt" is not the XXL one
            options = words(" ".join(str(v) for v in line.get("options", {}).values()))
            scored.append((2 * hits + len(wanted & options), i))
        if scored:
            best = max(s for s, _ in scored)
            picked.extend(i for s, i in scored if s == best and i not in picked)
    return [lines[i] for i in picked]  # in the customer's order: pairs with ``wanted``


def _same(a: str, b: str) -> bool:
    # "bookshelves" is a "bookshelf": a shared stem of five letters counts as the word.
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])


def _run_together(name: str) -> str:
    """The product name as one word: "T-Shirt" -> "tshirt"."""
    return "".join(_WORD.findall(name.lower()))


def named_in(order: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """The order lines whose product the text names: the whole name ("desk lamp") or its
    head noun ("the keyboard" for a Mechanical Keyboard), plurals included."""
    said = said_words(text)
    found = []
    for line in order["items"]:
        name = [w for w in (words(line["name"])) if w]
        head = words(line["name"].split()[-1]) if line["name"].split() else set()
        if (name and all(any(_same(n, w) for w in said) for n in name)) or any(
                _same(h, w) for h in head for w in said) or _run_together(line["name"]) in said:
            found.append(line)
    return found


# How much each source of wanted options counts: the model's per-request slots, then the
# customer's whole message (which may also describe the item they have, or another one).
_SLOT_WEIGHT, _MESSAGE_WEIGHT = 3.0, 1.5


def mentioned(value: str, text: str) -> bool:
    """``value`` said as whole words ("S" is not in "shoes"; "crew neck" is in "crew-neck")."""
    tokens = _WORD.findall(value.lower())
    return bool(tokens) and re.search(r"\b" + r"\W+".join(map(re.escape, tokens)) + r"\b",
                                      text) is not None


def _evidence(variant: dict[str, Any], current: dict[str, Any], text: str,
              others: dict[str, set[str]], skip: set[str]) -> float:
    """How strongly ``text`` asks for ``variant``'s options over the current ones: a
    changed option it names counts 1 (a partial name partly), one for which it names a
    different value of that option counts -1. Options in ``skip`` are scored elsewhere
    (a stated preference order)."""
    said_words = words(text)
    score = 0.0
    for key, value in variant["options"].items():
        v = str(value).lower()
        if key in skip or str(current["options"].get(key, "")).lower() == v:
            continue
        if mentioned(v, text):
            score += 1
        elif any(mentioned(o, text) for o in others.get(key, set()) - {v}):
            score -= 1  # the customer named another value of this option
        elif (value_words := words(v)) and value_words & said_words:
            # "Google Home" for "Google Assistant": a partial match counts partly.
            score += 0.5 * len(value_words & said_words) / len(value_words)
    return score


def pick_variant(product: dict[str, Any], current: dict[str, Any], wanted: list[str],
                 message: str = "") -> dict[str, Any] | None:
    """The available variant the wanted options describe, nearest to the current item
    (options not mentioned stay as they are); None when nothing asked matches.

    ``message`` is what the customer said about this item. The model's ``wanted``
    slots count most; the message adds its evidence (a small model drops or garbles
    options: "size XXL, crew neck"), and a value of the current item that either names
    ("instead of Apple HomeKit") is what is there, not what is wanted. Wishes relative
    to the current item ("bigger", "less bright", "prefer A > B", "the cheapest", "the
    same size") are read in code (``_support_wish``): a variant that breaks one is not
    taken; among the rest, more of what was asked wins, then (unless a price was asked
    for) more options kept and the smallest move along ordered options."""
    variants: dict[str, dict[str, Any]] = product["variants"]
    for w in wanted:
        if w.strip() in variants and w.strip() != current["item_id"]:
            exact = variants[w.strip()]
            return exact if exact.get("available") else None
    slots, said = " ".join(wanted).lower(), message.lower()
    # The values each option takes in this product, as the customer may name them.
    options: dict[str, list[str]] = {}
    for variant in variants.values():
        for key, value in variant["options"].items():
            if str(value) not in options.setdefault(key, []):
                options[key].append(str(value))
    wishes = read_wishes(f"{slots} ; {said}", options, current["options"])
    # Options with a preference order or a bound are scored by it, not by the mention.
    preferred = {k for k, w in wishes.options.items() if w.prefer or w.bound}
    current_values = {k: str(v).lower() for k, v in current["options"].items()}
    others = {k: {v.lower() for v in values} - {current_values.get(k, "")}
              for k, values in options.items()}
    best: tuple[tuple[float, ...], dict[str, Any]] | None = None
    for variant in variants.values():
        if variant["item_id"] == current["item_id"] or not variant.get("available"):
            continue
        met = fit(wishes, variant["options"], current["options"], options)
        if met is None:
            continue
        asked = (_SLOT_WEIGHT * _evidence(variant, current, slots, others, preferred)
                 + _MESSAGE_WEIGHT * _evidence(variant, current, said, others, preferred)
                 + _MESSAGE_WEIGHT * met.asked)
        if asked <= 0 and not wishes.price:
            continue
        kept = sum(1 for k, v in variant["options"].items()
                   if current_values.get(k) == str(v).lower())
        score = ((round(asked, 6), wishes.price * variant["price"]) if wishes.price
                 else (round(asked, 6), kept, -met.distance))
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
    if re.search(r"\bgc\b", said):
        kinds.insert(0, ("gc", "gift_card"))
    digits = set(re.findall(r"\b\d{4}\b", said))
    for method in methods.values():
        if method.get("last_four") and method["last_four"] in digits:
            return method
    for method in methods.values():  # "the visa card": that brand, not the first card
        if method.get("brand") and re.search(rf"\b{re.escape(method['brand'].lower())}\b", said):
            return method
    for word, source in kinds:
        if word in said:
            found = [m for m in methods.values() if m["source"] == source]
            if found:
                return found[0]
    return methods.get(original or "")


_METHOD_NAMED = re.compile(r"\b(?:gift ?cards?|gc|paypal|(?:credit|debit) cards?|visa|mastercard|"
                           r"amex|card ending (?:in )?\d{4}|original (?:payment )?method)\b")
# Words that make a later method the fallback of an earlier one ("PayPal, but otherwise a
# credit card is fine"; "to my card; if that is not possible, to the GC").
_OTHERWISE = re.compile(r"\b(?:if|otherwise|else|instead|alternatively)\b")


def refund_named(text: str) -> str:
    """The payment method the text names for a refund ("... cancel the whole order and
    refund to gift card"), as written; "" when none."""
    lowered = text.lower()
    for m in re.finditer(r"\brefund", lowered):
        method = _METHOD_NAMED.search(lowered, m.end(), m.end() + 40)
        if method:
            return method.group(0)
    return ""


def sentences(text: str) -> list[str]:
    """The text's sentences, split after ``.``, ``?`` and ``!``."""
    return re.split(r"(?<=[.?!])\s+", text)


def fallback_clause(text: str) -> str:
    """The clause (lower case, to the end of its sentence) that gives what to do when the
    first method named is not allowed: "if refund to credit card is not possible, return
    everything on that order and refund to gc"; "" when there is none."""
    lowered = text.lower()
    first = _METHOD_NAMED.search(lowered)
    if first is None:
        return ""
    for m in _OTHERWISE.finditer(lowered, first.end()):
        end = re.search(r"[.!?]|$", lowered[m.start():])
        clause = lowered[m.start():m.start() + (end.start() if end else 0)]
        if _METHOD_NAMED.search(clause):
            return clause
    return ""


def fallback_methods(user: dict[str, Any], text: str,
                     original: str | None) -> list[dict[str, Any]]:
    """The customer's methods the message names after a fallback word, in its order: what
    to use when the method asked for first is not allowed."""
    lowered = text.lower()
    named = list(_METHOD_NAMED.finditer(lowered))
    if not named:
        return []
    found: list[dict[str, Any]] = []
    for m in named[1:]:
        if not _OTHERWISE.search(lowered, named[0].end(), m.start()):
            continue
        try:
            method = pick_method(user, m.group(0), original)
        except PaymentChoiceError:
            continue
        if method is not None and method not in found:
            found.append(method)
    return found


_GENERIC_HEADS = {"set", "kit", "machine", "maker", "cleaner", "puzzle"}  # "the jigsaw"
_BOUNDARY = re.compile(r"[.;,(!?]|\band\b|\balso\b")


def name_hits(name: str, text: str) -> list[tuple[int, int]]:
    """Where ``text`` (lower case) names the product ``name``: its head noun ("the
    lamp", "boots"), or the name run together ("tshirt" for T-Shirt)."""
    parts = _WORD.findall(name.lower())
    if not parts:
        return []
    heads, joined = {_stem(parts[-1])}, _run_together(name)
    if len(parts) > 1 and parts[-1] in _GENERIC_HEADS:
        heads.add(_stem(parts[-2]))  # "the luggage" is the Luggage Set
    hits = []
    found = list(_WORD.finditer(text))
    for k, m in enumerate(found):
        w = m.group(0)
        stem = _stem(w)
        if any(_same(stem, h) or _same(w, h) for h in heads) or (
                len(parts) > 1 and w in (joined, joined + "s")):
            hits.append((m.start(), m.end()))
        elif k + 1 < len(found) and len(parts) == 1 and (
                w + found[k + 1].group(0) in (joined, joined + "s")):
            hits.append((m.start(), found[k + 1].end()))  # "book shelf" for Bookshelf
    return hits


def about(text: str, name: str, names: list[str]) -> str:
    """What ``text`` says about the item called ``name``, when it names several products
    (``names``): from each mention (back to the clause it opens) to the next mention of
    another product, or past it when the two are joined by "and" alone ("exchange the pet
    bed and office chair to the cheapest version": both get the wish). The whole text
    when it names this product alone or not at all."""
    lowered = text.lower()
    own = name_hits(name, lowered)
    other = sorted((*h, n) for n in dict.fromkeys(names) if n.lower() != name.lower()
                   for h in name_hits(n, lowered) if h not in own)
    if not own or not other:
        return text
    pieces = []
    for start, end in own:
        floor = max([e for _, e, _ in other if e <= start], default=0)
        cuts = [m.end() for m in _BOUNDARY.finditer(lowered, floor, start)]
        begin = max([floor, *cuts])
        after = [h for h in other if h[0] >= start]
        while after and _joined(lowered[end:after[0][0]], after[0][2]):
            end, after = after[0][1], after[1:]
        pieces.append(text[begin:after[0][0] if after else len(text)].strip())
    return " ; ".join(dict.fromkeys(pieces))


_AND = re.compile(r"\s*,?\s*(?:and|&|or|plus|as well as)\b(.*)", re.DOTALL)


def _joined(between: str, other_name: str) -> bool:
    """Whether the words between two mentions only join them: "and", an article and the
    rest of the second product's name ("[bed] and office [chair]")."""
    m = _AND.fullmatch(between)
    return m is not None and set(_WORD.findall(m.group(1))) <= {
        "the", "my", "a", "an", *_WORD.findall(other_name.lower())}


_KEEP = re.compile(r"\b(?:keep|keeping|not cancel|don'?t cancel|do not cancel|except|"
                   r"everything but|all but|other than|apart from)\b")


def kept_in(order: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """The order lines the text says to keep ("cancel the boots and keep the kettle"): a
    mention whose clause, before the name, says keep."""
    lowered = text.lower()
    kept = []
    for line in order["items"]:
        for start, _ in name_hits(line["name"], lowered):
            cuts = [m.end() for m in _BOUNDARY.finditer(lowered, 0, start)]
            if _KEEP.search(lowered, cuts[-1] if cuts else 0, start):
                kept.append(line)
                break
    return kept
