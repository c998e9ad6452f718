"""What code reads from a support message itself: identity look-ups, order ids, intents.

The model's extraction is the main reading; these rules catch what a small
model skips (an email, an order id, "cancel") and clean what nobody should
read (control characters, a message of megabytes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ZIP = re.compile(r"\b\d{5}\b")
# Overlapping pairs of capitalised words ("Hi Yusuf Rossi": "Hi Yusuf", "Yusuf Rossi").
_NAME = re.compile(r"(?=\b([A-Z][a-z]+)\s+([A-Z][a-z]+)\b)")
_USER_ID = re.compile(r"\b([a-z]+)_([a-z]+)_\d{4}\b")
_ORDER = re.compile(r"#?\b[Ww](\d{7})\b")
MAX_TRIES = 8  # look-ups per message: a few names times a zip or two
MAX_CHARS = 4000  # what a message may hold for the model and the rules; the rest is cut
_INTENT_WORDS = (
    ("exchange", ("exchange", "swap")),
    ("return", ("return", "send back", "refund")),
    ("cancel", ("cancel",)),
    ("modify_address", ("shipping address", "address of the order", "address of my order")),
    ("user_address", ("default address", "my address")),
    ("modify_payment", ("payment method",)),
    ("modify_items", ("modify", "change the", "switch")),
    ("human", ("human", "real person", "manager")),
    ("status", ("where is", "tracking", "status", "how much")),
)


# What a message must say for the model's reading of an intent to stand: a small model
# also reports intents nobody asked for (an address change, a payment change).
_SAID = {
    "cancel": r"cancel",
    "return": r"return|refund|send (?:it |them )?back",
    "exchange": r"exchang|swap|chang|modif|switch|replac|upgrad|downgrad|instead|bigger|"
                r"smaller|cheap|expensive|\bsize\b|prefer",
    "modify_items": r"exchang|swap|chang|modif|switch|replac|upgrad|downgrad|instead|bigger|"
                    r"smaller|cheap|expensive|\bsize\b|prefer",
    "modify_address": r"address|\bship|deliver|moved|\bmove\b",
    "user_address": r"address|moved|\bmove\b",
    "modify_payment": r"payment method|pay (?:for )?(?:it |the order |this order )?(?:with|by|"
                      r"using)|(?:chang|switch|updat)\w* (?:\w+ ){0,4}(?:payment|card|paypal)",
    "status": r"where|track|status|arriv|when|how much|total|\bship|deliver|what|which|"
              r"how many|price|cost|\?",
    "human": r"human|person|representative|manager|supervisor|someone",
}


def intent_said(intent: str, text: str) -> bool:
    """Whether the message says anything that asks for ``intent``."""
    pattern = _SAID.get(intent)
    return pattern is None or re.search(pattern, text.lower()) is not None


def clean(text: str) -> str:
    """The message without control or format characters (zero-width, bidi), cut to
    ``MAX_CHARS``."""
    kept = "".join(c for c in unicodedata.normalize("NFC", text)
                   if unicodedata.category(c) not in ("Cc", "Cf", "Co", "Cs") or c in "\n\t")
    return kept[:MAX_CHARS].strip()


def emails(text: str) -> list[str]:
    return [e.rstrip(".") for e in dict.fromkeys(_EMAIL.findall(text))]


def identity_lookups(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The authentication calls a message allows, most specific first (emails, then names)."""
    tries = 0
    for email in emails(text):
        yield "find_user_id_by_email", {"email": email}
        tries += 1
    zips = list(dict.fromkeys(_ZIP.findall(text)))
    names = [m.groups() for m in _NAME.finditer(text)]
    # A user id like "mei_kovacs_8020" spells the name: a name + zip look-up, as policy asks.
    names += [(f.title(), la.title()) for f, la in _USER_ID.findall(text)]
    for first, last in dict.fromkeys(names):
        for zip_code in zips:
            if tries >= MAX_TRIES:
                return
            yield "find_user_id_by_name_zip", {"first_name": first, "last_name": last,
                                               "zip": zip_code}
            tries += 1


def mentioned_orders(text: str) -> list[str]:
    return list(dict.fromkeys(f"#W{m}" for m in _ORDER.findall(text)))


def intents_in(text: str) -> list[str]:
    """Intents named by keyword, in a fixed order: the fallback when the model gives none."""
    lowered = text.lower()
    return [intent for intent, keys in _INTENT_WORDS if any(k in lowered for k in keys)]
