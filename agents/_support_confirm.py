"""Confirmation: a rule set that reads a reply as yes / no / question / other, and the
proposal a "yes" is bound to.

Rules, not the model: a 0.5B model misreads negation ("No, do not proceed"),
and a classification that executes changes must be testable exhaustively.
The rules lean to "not yes": only an affirmative with no negation, no
question and no hedge counts. A yes also binds to exactly one proposal: the
one shown in the previous reply (its digest is kept in the thread), and a
yes that names another order is not a yes to it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, Field

from .state import PlannedCall

Answer = Literal["yes", "no", "question", "other"]

_AFFIRM = re.compile(
    r"^(?:yes|yeah|yep|yup|ya|sure|ok|okay|alright|all right|confirm(?:ed)?|i confirm|"
    r"correct|right|absolutely|definitely|certainly|of course|please do|please proceed|"
    r"go ahead|proceed|do it|sounds good|that's right|that is right|that's correct|"
    r"that is correct|please go ahead|yes please|perfect)\b")
_NEGATION = re.compile(
    r"\b(?:no|nope|nah|not|never|don'?t|do not|doesn'?t|didn'?t|can'?t|cannot|won'?t|"
    r"wouldn'?t|shouldn'?t|isn'?t|aren'?t|stop|wait|hold on|hold off|abort|cancel that|"
    r"changed my mind|rather not|instead|but|unless|except|without|neither|nor|regret|"
    r"(?:want|like|prefer) to keep (?:it|them))\b")
_QUESTION_START = re.compile(
    r"^(?:should|shall|can|could|would|will|is|are|am|do|does|did|what|why|how|when|"
    r"where|which|who|may|might|must)\b")
_HEDGE = re.compile(r"\b(?:maybe|perhaps|probably|might|not sure|unsure|i guess|i think|"
                    r"if|whether)\b")
_ORDER = re.compile(r"#?w\d{7}\b", re.IGNORECASE)
MAX_CONFIRM_CHARS = 200  # a go-ahead is short; a long message is a new request


def normalise(text: str) -> str:
    """Lower case, compatibility-folded (full-width letters, ligatures), controls and
    zero-width characters gone, quotes straightened, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C" or c in "\n\t")
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def classify(text: str) -> Answer:
    """What a customer's reply to a proposal says: only ``yes`` lets it run."""
    said = normalise(text)
    if not said or len(said) > MAX_CONFIRM_CHARS:
        return "other"
    if "?" in said or _QUESTION_START.match(said):
        return "question"
    if re.match(r"^(?:no|nope|nah|negative|don'?t|do not|stop|cancel that|wait)\b", said):
        return "no"
    if _AFFIRM.match(said):
        # "yes" followed by a negation, a hedge or a condition is not a go-ahead.
        rest = _AFFIRM.sub("", said, count=1)
        if _NEGATION.search(rest) or _HEDGE.search(rest):
            return "other"
        return "yes"
    if _NEGATION.search(said):
        return "no"
    return "other"


def names_other_order(text: str, order_ids: list[str]) -> bool:
    """Whether the reply names an order the proposal does not touch."""
    named = {m.upper().lstrip("#") for m in _ORDER.findall(text)}
    return bool(named - {o.upper().lstrip("#") for o in order_ids})


class Proposal(BaseModel):
    """The change shown to the customer; a "yes" on the next turn runs exactly these calls."""

    calls: list[PlannedCall] = Field(min_length=1)
    summary: list[str]  # one line per change, as shown
    digest: str = ""
    turn: str  # the event id of the turn that showed it

    def sealed(self) -> Proposal:
        return self.model_copy(update={"digest": digest(self.calls, self.summary)})

    def intact(self) -> bool:
        return bool(self.digest) and self.digest == digest(self.calls, self.summary)

    def order_ids(self) -> list[str]:
        return [str(c.arguments["order_id"]) for c in self.calls if "order_id" in c.arguments]

    def has_call(self, tool: str, arguments: dict[str, Any]) -> bool:
        return any(c.same_call(tool, arguments) for c in self.calls)


def digest(calls: list[PlannedCall], summary: list[str]) -> str:
    # Over what the customer was shown (a call's loop index is not): the same digest as
    # before the index existed, so a proposal shown by an older version still seals.
    body = json.dumps({"calls": [c.model_dump(include={"tool", "arguments"}) for c in calls],
                       "summary": summary}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]
