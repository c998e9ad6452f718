"""Who a support thread is for, decided in code.

The choice, in order:

1. **The channel's author.** A ticket carries the ``user_id`` (else the
   verified ``customer_email``) its channel authenticated; an API call its
   principal. The wiring puts it in ``AgentRequest.author_user_id`` /
   ``author_email``, never in the text. It fixes the thread's customer for
   good: emails or names in the text do not change it, and a later message
   whose channel author differs is refused.
2. **Without a channel author** (the terminal chat): τ² authentication from
   the conversation, an email or a first name + last name + zip code, as
   policy.md asks. An email is no secret, but this channel has nothing
   better; the look-up takes effect from the next step of the turn and then
   stays fixed for the thread. A message naming two different customers
   authenticates nobody.
3. Once fixed, a message that names another customer's email is refused for
   that part; the customer's own records stay the only ones read.
"""

from __future__ import annotations

from pydantic import BaseModel

from tools import Actor, ToolRegistry

from ._customer import emails, identity_lookups
from ._support_schema import Extraction
from .contracts import AgentRequest, MessageRequest
from .loop import Toolbox


class Identified(BaseModel):
    user_id: str = ""
    problem: str = ""  # "" | none_given | not_found | ambiguous


def _lookup_box(registry: ToolRegistry, request: AgentRequest) -> Toolbox:
    # Look-ups before anyone is known run as the support desk: they only find ids.
    return Toolbox(registry, request, Actor(role="support"))


def channel_user(registry: ToolRegistry, request: MessageRequest, box: Toolbox) -> str | None:
    """The user the channel authenticated, or None when the channel names nobody (or
    names a user that does not exist)."""
    desk = _lookup_box(registry, request)
    user = None
    if request.author_user_id:
        found = desk.call("get_user_details", {"user_id": request.author_user_id},
                          step="identity")
        user = request.author_user_id if found.ok else None
    elif request.author_email:
        found = desk.call("find_user_id_by_email", {"email": request.author_email},
                          step="identity")
        user = found.output.model_dump()["user_id"] if found.ok and found.output else None
    box.trace.extend(t for t in desk.trace if t["status"] == "ok")
    return user


def from_conversation(registry: ToolRegistry, request: AgentRequest, text: str,
                      extraction: Extraction, box: Toolbox) -> Identified:
    """τ² authentication from what the message (and the model's reading of it) gives."""
    tries = list(identity_lookups(text))
    # Only what the message says: a model's made-up email must not authenticate anyone.
    lowered = text.lower()
    if extraction.email and extraction.email.lower() in lowered:
        tries.append(("find_user_id_by_email", {"email": extraction.email}))
    if extraction.first_name and extraction.last_name and extraction.zip and all(
            v.lower() in lowered for v in (extraction.first_name, extraction.last_name,
                                           extraction.zip)):
        tries.append(("find_user_id_by_name_zip", {
            "first_name": extraction.first_name, "last_name": extraction.last_name,
            "zip": extraction.zip}))
    if not tries:
        return Identified(problem="none_given")
    desk = _lookup_box(registry, request)
    found: list[str] = []
    for i, (name, arguments) in enumerate(dict.fromkeys(
            (n, tuple(sorted(a.items()))) for n, a in tries)):
        result = desk.call(name, dict(arguments), step="identity", index=i,
                           trace_failure=False)
        if result.ok and result.output is not None:
            found.append(result.output.model_dump()["user_id"])
    box.trace.extend(desk.trace)
    users = list(dict.fromkeys(found))
    if len(users) > 1:
        return Identified(problem="ambiguous")
    return Identified(user_id=users[0]) if users else Identified(problem="not_found")


def names_someone_else(registry: ToolRegistry, request: AgentRequest, text: str,
                       extraction: Extraction, user_id: str) -> bool:
    """Whether the message gives the email of a customer other than the thread's (a
    customer's second, unknown email is no one's: not refused)."""
    given = dict.fromkeys([*emails(text), *([extraction.email] if extraction.email else [])])
    desk = _lookup_box(registry, request)
    for i, email in enumerate(given):
        found = desk.call("find_user_id_by_email", {"email": email}, step="identity",
                          index=i, trace_failure=False)
        if found.ok and found.output is not None and \
                found.output.model_dump()["user_id"] != user_id:
            return True
    return False
