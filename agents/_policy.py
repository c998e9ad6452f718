"""The support policy (data/policy.md) cut into sections, and picking the ones a message needs.

With a retriever the sections come from the index (``kind="policy"``); without
one, a keyword match on the section headings keeps the prompt short enough for
a small model's context.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

POLICY_PATH = Path(__file__).resolve().parent.parent / "data" / "policy.md"

# What every turn needs, whatever the message: the rules the tools cannot enforce.
CORE_RULES = """\
You are a retail customer-service agent. Follow these rules:
- First authenticate the user: find their user id by email, or by first name + last name + \
zip code, even if they give a user id. Until then only product questions can be answered.
- Help only the authenticated user; refuse requests about other users.
- Before any change (cancel, modify, return, exchange, address), list the details and get an \
explicit "yes" from the user, then call the tool.
- Make at most one tool call at a time. Never invent information; use the tools.
- Deny requests that are against policy. Transfer to a human (transfer_to_human_agents) only \
when the request cannot be handled with your tools, then say \
'YOU ARE BEING TRANSFERRED TO A HUMAN AGENT. PLEASE HOLD ON.'
- Answer the user with the respond tool."""

_KEYWORDS = {
    "cancel": ("cancel",),
    "modify": ("modify", "change", "update", "address", "payment", "switch"),
    "return": ("return", "refund", "send back"),
    "exchange": ("exchange", "swap", "replace", "different"),
}


@lru_cache(maxsize=1)
def policy_sections(path: Path = POLICY_PATH) -> dict[str, str]:
    """Level-2 sections of the policy by lower-case heading ("cancel pending order", ...)."""
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.MULTILINE)
    return {p.splitlines()[0].strip().lower(): "## " + p.strip() for p in parts[1:]}


def sections_for(message: str, limit: int = 2) -> list[str]:
    """The policy sections whose topic the message mentions (by keyword), at most ``limit``."""
    words = message.lower()
    found = []
    for heading, body in policy_sections().items():
        topic = heading.split()[0]
        if any(k in words for k in _KEYWORDS.get(topic, ())):
            found.append(body)
    return found[:limit]
