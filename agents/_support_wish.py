"""What the customer's words ask of a product's options, relative to the item they have.

A small model copies option values ("size 8", "red") well enough, but not
wishes that only make sense against the current item: "a bigger one", "less
bright", "one size smaller", "1000 more pieces", "the cheapest", "prefer AC
adapter > battery > USB", "i7 or above", "the same size". Code reads them here:

- ``order_of`` ranks the values an option takes in a product: numbers with
  units (500ml < 1.5L, 256GB < 1TB, 13-inch < 15-inch, 1080p < 4K), and known
  scales (XS < S < M < L < XL, low < medium < high, beginner < expert, i5 < i7);
  "easier"/"the easiest" name the difficulty, "the brightest" the brightness;
  an option whose values fit neither has no order, and no relative wish about it
  is read;
- ``read_wishes`` finds, in the words about one item, the options they rank
  (direction, an amount, an extreme, a bound), keep, prefer in an order, and
  whether the price should be lowest or highest.

``pick_variant`` (``_support_match``) uses these as constraints and scores;
the model's slots are read the same way as the message.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

_TOKEN = re.compile(r"[a-z0-9%]+(?:\.[0-9]+)?|>")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*([a-z%]*)")
# Units: (dimension, factor to the dimension's base). Unknown units compare only alike.
_UNITS: dict[str, tuple[str, float]] = {
    "ml": ("volume", 1), "l": ("volume", 1000), "liter": ("volume", 1000),
    "liters": ("volume", 1000), "litre": ("volume", 1000), "litres": ("volume", 1000),
    "mb": ("bytes", 1 / 1024), "gb": ("bytes", 1), "tb": ("bytes", 1024),
    "in": ("length", 1), "inch": ("length", 1), "inches": ("length", 1),
    "ft": ("length", 12), "foot": ("length", 12), "feet": ("length", 12),
    "cm": ("length", 1 / 2.54), "mm": ("mm", 1),
    "p": ("pixels", 16 / 9), "k": ("pixels", 1000),  # 1080p is ~1920 wide, 4K ~4000
    "cup": ("cup", 1), "cups": ("cup", 1), "hour": ("hour", 1), "hours": ("hour", 1),
    "piece": ("piece", 1), "pieces": ("piece", 1), "%": ("%", 1),
}
_SCALES: tuple[tuple[str, ...], ...] = (
    ("xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"),
    ("extra small", "small", "medium", "large", "extra large"),
    ("portable", "small", "medium", "large"),
    ("low", "medium", "high"),
    ("beginner", "intermediate", "expert"),
    ("basic", "standard", "professional"),
    ("i3", "i5", "i7", "i9"),
)
_SAYS_FULL = {"full size": "100%", "full-size": "100%"}
# Comparatives: the dimension they name when no option is named beside them, and the way.
_COMPARATIVE: dict[str, tuple[str, int]] = {
    "bigger": ("size", 1), "larger": ("size", 1), "greater": ("size", 1),
    "smaller": ("size", -1), "longer": ("length", 1), "shorter": ("length", -1),
    "taller": ("height", 1), "higher": ("", 1), "lower": ("", -1),
    "brighter": ("bright", 1), "dimmer": ("bright", -1), "thicker": ("thick", 1),
    "thinner": ("thick", -1), "faster": ("speed", 1), "slower": ("speed", -1),
    "more": ("", 1), "less": ("", -1), "fewer": ("", -1),
    "easier": ("difficult", -1), "harder": ("difficult", 1),
}
_MOST = {"maximized": 1, "maximize": 1, "maximum": 1, "max": 1, "highest": 1, "largest": 1,
         "biggest": 1, "longest": 1, "minimized": -1, "minimize": -1, "minimum": -1,
         "min": -1, "lowest": -1, "smallest": -1, "shortest": -1, "fewest": -1,
         "easiest": -1, "hardest": 1, "brightest": 1, "dimmest": -1}
# Superlatives and comparatives that name their option themselves ("the easiest one").
_IMPLIED = {"easiest": "difficult", "hardest": "difficult", "brightest": "bright",
            "dimmest": "bright", "largest": "size", "biggest": "size", "smallest": "size"}
_SIZE_KEYS = ("size", "capacity", "piece", "pieces", "diameter", "length", "height")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "a": 1}
_WINDOW = 3  # words either side of a comparative that may name its option


class Wish(BaseModel):
    """What the words ask of one option (``key``), against the current item's value."""

    key: str
    direction: int = 0  # +1 a higher value, -1 a lower one (than the current)
    delta: float | None = None  # "1000 more pieces": the value moves by this much
    steps: int | None = None  # "one size smaller": this many places on the order
    extreme: int = 0  # +1 the highest value there is, -1 the lowest
    bound: tuple[int, float] | None = None  # "i7 or above": (+1, rank of i7)
    keep: bool = False  # "the same size"
    prefer: list[str] = Field(default_factory=list)  # values, most wanted first


class Wishes(BaseModel):
    options: dict[str, Wish] = Field(default_factory=dict)
    price: int = 0  # -1 the cheapest, +1 the most expensive

    def of(self, key: str) -> Wish:
        return self.options.setdefault(key, Wish(key=key))


def _magnitude(value: str) -> tuple[str, float] | None:
    said = _SAYS_FULL.get(value.lower(), value.lower())
    m = _NUMBER.match(said.strip())
    if not m:
        return None
    unit = m.group(2)
    dimension, factor = _UNITS.get(unit, (unit, 1.0))
    return dimension, float(m.group(1)) * factor


def order_of(values: list[str]) -> dict[str, float] | None:
    """The rank of each value (comparable numbers), or None when the values have no order."""
    lowered = {v: v.lower() for v in values}
    for scale in _SCALES:
        if all(v in scale for v in lowered.values()):
            return {v: float(scale.index(low)) for v, low in lowered.items()}
    found = {v: _magnitude(v) for v in values}
    dimensions = {f[0] for f in found.values() if f is not None}
    if len(dimensions) != 1 or any(f is None for f in found.values()):
        return None
    return {v: f[1] for v, f in found.items() if f is not None}


def _stem(token: str) -> str:
    return token[:-1] if len(token) > 3 and token.endswith("s") and not token.endswith("ss") \
        else token


def _names_key(token: str, key: str) -> bool:
    """Whether a word of the message names the option ``key`` ("bright" is brightness)."""
    t = _stem(token)
    for part in (_stem(w) for w in re.findall(r"[a-z]+", key.lower())):
        if t == part or (len(t) >= 5 and len(part) >= 5 and t[:5] == part[:5]):
            return True
    return False


def _value_at(tokens: list[str], i: int, value: str) -> int:
    """How many tokens from ``i`` spell ``value`` (0: not there); plurals match."""
    want = [_stem(t) for t in _TOKEN.findall(value.lower())]
    if not want:
        return 0
    got = [_stem(t) for t in tokens[i:i + len(want)]]
    if got == want:
        return len(want)
    # "AC" for "AC adapter": the first word alone, when it is a distinctive one.
    return 1 if len(want) > 1 and len(want[0]) >= 2 and tokens[i] == want[0] and \
        want[0] not in ("no", "the", "a") else 0


def _key_near(tokens: list[str], i: int, keys: list[str]) -> str:
    """The option named within a few words of position ``i``, nearest first, after first."""
    for d in range(1, _WINDOW + 1):
        for j in (i + d, i - d):
            if 0 <= j < len(tokens):
                found = next((k for k in keys if _names_key(tokens[j], k)), "")
                if found:
                    return found
    return ""


def _default_key(dimension: str, keys: list[str], ordered: dict[str, dict[str, float]]) -> str:
    if not dimension:
        return ""
    if dimension == "size":
        for family in _SIZE_KEYS:
            found = next((k for k in keys if k in ordered and family in k.lower().split()), "")
            if found:
                return found
        return ""
    return next((k for k in keys if k in ordered and _names_key(dimension, k)), "")


def _amount(tokens: list[str], i: int) -> tuple[float | None, int | None]:
    """The amount before a comparative: "1000 more" (a value), "one size smaller" (steps)."""
    for j in (i - 1, i - 2):
        if 0 <= j < len(tokens):
            t = tokens[j]
            if re.fullmatch(r"\d+(?:\.\d+)?", t):
                return float(t), None
            if t in _NUMBER_WORDS and t != "a":
                return None, _NUMBER_WORDS[t]
    return None, None


def read_wishes(text: str, options: dict[str, list[str]],
                current: dict[str, Any]) -> Wishes:
    """The wishes ``text`` states about a product whose options take ``options`` values."""
    tokens = _TOKEN.findall(text.lower().replace("-", " ").replace("'", ""))
    keys = list(options)
    ordered = {k: o for k in keys if (o := order_of(options[k])) is not None}
    wishes = Wishes()
    joined = " ".join(tokens)
    if re.search(r"\b(?:cheapest|cheaper|least expensive|lowest price|less expensive)\b",
                 joined):
        wishes.price = -1
    elif re.search(r"\b(?:most expensive|priciest|highest price|more expensive)\b", joined):
        wishes.price = 1
    for i, t in enumerate(tokens):
        if t in _COMPARATIVE and not (t == "more" and i + 1 < len(tokens)
                                      and tokens[i + 1] == "expensive") \
                and not (t == "less" and i + 1 < len(tokens) and tokens[i + 1] == "expensive"):
            dimension, way = _COMPARATIVE[t]
            key = _key_near(tokens, i, [k for k in keys if k in ordered]) \
                or _default_key(dimension, keys, ordered)
            if key:
                wish = wishes.of(key)
                wish.direction = way
                delta, steps = _amount(tokens, i)
                wish.delta, wish.steps = delta, steps
        elif t in _MOST:
            key = _key_near(tokens, i, [k for k in keys if k in ordered]) or (
                _default_key(_IMPLIED[t], keys, ordered) if t in _IMPLIED else "")
            if key:
                wishes.of(key).extreme = _MOST[t]
        elif t == "same" or t == "keep":
            # "the same size and material", "keep the capacity and type": until a stop.
            for j in range(i + 1, min(i + 7, len(tokens))):
                if tokens[j] in (">", "but", "except", "with", "for", "to", "as"):
                    break
                key = next((k for k in keys if _names_key(tokens[j], k)), "")
                if key:
                    wishes.of(key).keep = True
        elif t == "no" and i + 1 < len(tokens):
            # "no backlight": the option's value "none" (or "no").
            key = next((k for k in keys if _names_key(tokens[i + 1], k)), "")
            none = next((v for v in options.get(key, []) if v.lower() in ("none", "no")), "")
            if key and none:
                wishes.of(key).prefer = [none]
    _bounds(tokens, options, ordered, wishes)
    _preferences(tokens, options, wishes)
    if _OTHERS_KEPT.search(joined):
        # "a lower resolution, without changing the other options": every option the
        # words neither wish for nor name a new value of stays as it is.
        for key in keys:
            wish = wishes.of(key)
            new = [v for v in options[key] if v.lower() != str(current.get(key, "")).lower()]
            if not (wish.direction or wish.extreme or wish.delta or wish.steps or wish.prefer
                    or wish.bound or _mentions(tokens, new)):
                wish.keep = True
    for key, wish in list(wishes.options.items()):
        if wish.keep and (wish.direction or wish.extreme or wish.delta or wish.prefer):
            wish.keep = False  # "the same X but bigger": the wish wins
        if key not in current:
            del wishes.options[key]
    return wishes


_OTHERS_KEPT = re.compile(r"\b(?:without chang\w* (?:the |any )?other|keep\w* (?:all )?(?:the )?"
                          r"other (?:options|specs|features)|(?:everything|all) else (?:the )?"
                          r"same|other (?:options|specs|features) (?:the )?same|otherwise the "
                          r"same)")


def _mentions(tokens: list[str], values: list[str]) -> list[tuple[int, str]]:
    found = []
    for i in range(len(tokens)):
        for v in values:
            if _value_at(tokens, i, v):
                found.append((i, v))
                break
    return found


def _bounds(tokens: list[str], options: dict[str, list[str]],
            ordered: dict[str, dict[str, float]], wishes: Wishes) -> None:
    """"i7 or above", "at least 16GB", "8GB or less"."""
    for key, ranks in ordered.items():
        for i, value in _mentions(tokens, options[key]):
            before = " ".join(tokens[max(0, i - 2):i])
            after = " ".join(tokens[i + 1:i + 3])
            if re.search(r"\bor (?:above|higher|more|better|bigger|larger)\b", f" {after}") or \
                    before.endswith("at least"):
                wishes.of(key).bound = (1, ranks[value])
            elif re.search(r"\bor (?:below|lower|less|smaller)\b", f" {after}") or \
                    before.endswith("at most"):
                wishes.of(key).bound = (-1, ranks[value])


def _preferences(tokens: list[str], options: dict[str, list[str]], wishes: Wishes) -> None:
    """"prefer A > B > C", "prefer A over B", "A rather than B": values in the order said."""
    for k, t in enumerate(tokens):
        if t not in ("prefer", "prefers", "preferably", "preferred", ">", "rather", "over"):
            continue
        start = k if t == ">" else k + 1
        window = tokens[max(0, k - 4):start + 10] if t in (">", "rather", "over") \
            else tokens[start:start + 12]
        for key, values in options.items():
            said = []
            for _, v in _mentions(window, values):
                if v not in said:
                    said.append(v)
            if said and (len(said) > 1 or t.startswith("prefer")):
                wish = wishes.of(key)
                if len(said) >= len(wish.prefer):
                    wish.prefer = said


class Fit(BaseModel):
    """How a variant meets the wishes: ``asked`` wishes met (a preference partly, by its
    place), and ``distance``, the places moved on ordered options (nearer is meant)."""

    asked: float = 0.0
    distance: float = 0.0


def fit(wishes: Wishes, variant: dict[str, Any], current: dict[str, Any],
        options: dict[str, list[str]]) -> Fit | None:
    """None when the variant breaks a wish ("bigger" and it is not, "same size" and it is
    not); else how well it meets them."""
    got = Fit()
    for key, wish in wishes.options.items():
        value, now = str(variant.get(key, "")), str(current.get(key, ""))
        if wish.keep and value.lower() != now.lower():
            return None
        ranks = order_of(options.get(key, []))
        if wish.prefer:
            said = [p.lower() for p in wish.prefer]
            if value.lower() in said:
                got.asked += (len(said) - said.index(value.lower())) / len(said)
        if ranks is None or value not in ranks or now not in ranks:
            continue
        v, c = ranks[value], ranks[now]
        places = sorted(set(ranks.values()))
        if wish.bound is not None and (v - wish.bound[1]) * wish.bound[0] < 0:
            return None
        if wish.direction:
            if (v - c) * wish.direction <= 0:
                return None
            target: float | None = None
            if wish.delta is not None:
                target = c + wish.direction * wish.delta
            elif wish.steps is not None:
                i = places.index(c) + wish.direction * wish.steps
                target = places[i] if 0 <= i < len(places) else None
            if target is not None and target in places and v != target:
                return None
            got.asked += 1
            got.distance += abs(places.index(v) - places.index(c))
        if wish.extreme and len(places) > 1:
            low, high = places[0], places[-1]
            got.asked += ((v - low) if wish.extreme > 0 else (high - v)) / (high - low)
        if wish.bound is not None:
            got.asked += 1
    return got
