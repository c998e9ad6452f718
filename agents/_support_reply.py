"""The support reply, written by code from the turn's facts (templates).

Every id and amount in a reply comes from a record or a tool result (the
planner's lines, the calls' outcomes); the customer's message is never
quoted back. The ``decision`` tells a channel (and the ticket evaluation)
what the reply does: ``confirm`` (a proposal waits for a yes), ``need_info``
(``details["missing"]`` names the slots), ``done``, ``refuse``, ``transfer``,
``reply``.
"""

from __future__ import annotations

import json
from typing import Any

from tools import ToolRegistry

from ._support_confirm import Proposal
from ._support_plan import Outcome
from ._support_state import SupportState, SupportTurn
from .contracts import AgentOutput, AgentRequest

TRANSFER_MESSAGE = "YOU ARE BEING TRANSFERRED TO A HUMAN AGENT. PLEASE HOLD ON."
_ASK_IDENTITY = ("To help with your orders I first need to find your account: please give "
                 "me your email address, or your first name, last name and zip code.")
_IDENTITY = {
    "none_given": _ASK_IDENTITY,
    "not_found": "I could not find an account with those details. " + _ASK_IDENTITY,
    "ambiguous": ("Your message names more than one customer; I can help one account per "
                  "conversation. Please give only your own email, or your name and zip code."),
}
_REFUSED = {
    "author": ("This conversation belongs to another customer's account, so I can't act on "
               "it from yours. Please open a new ticket from your own account."),
    "unknown_author": ("I could not match this ticket to a customer account. Please write to "
                       "us from the email address on your account."),
}


def _args(arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, str):
        try:
            parsed = json.loads(arguments)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return dict(arguments or {})


def compose(state: SupportState, request: AgentRequest,
            registry: ToolRegistry) -> dict[str, Any]:
    """The ``AgentResult`` fields of the turn."""
    final = state.final or {}
    context: SupportTurn = state.context
    trace = state.trace
    missing: list[str] = []
    if state.outcome == "step_limit":
        message, decision = "I'm sorry, I could not finish this. A colleague will follow up.", \
            "transfer"
    elif "confirmed" in final and context.confirmed is not None:
        message, decision = _executed(context.confirmed, trace)
    elif final.get("declined"):
        message, decision = ("All right, I have not changed anything. Tell me if you want "
                             "something else."), "reply"
    elif final.get("refused"):
        message, decision = _REFUSED[str(final["refused"])], "refuse"
    elif context.identity:
        message, decision = _IDENTITY.get(context.identity, _ASK_IDENTITY), "need_info"
        missing = ["email"]
    else:
        message, decision, missing = _planned(context.outcomes, context.notes)
    done = [t for t in trace if t.get("kind") == "tool" and t.get("status") == "ok"]
    transferred = any(t["name"] == "transfer_to_human_agents" for t in done)
    if transferred:
        message, decision = TRANSFER_MESSAGE, "transfer"
    outputs = [
        AgentOutput(kind="action", subject_id=str(_args(t["arguments"]).get("order_id")
                                                  or request.subject_id),
                    action=t["name"], message=f"{t['name']} for the customer",
                    details={"arguments": _args(t["arguments"]),
                             "idempotency_key": t.get("idempotency_key")})
        for t in done if t["name"] in registry and registry.get(t["name"]).side_effect]
    details: dict[str, Any] = {"missing": missing} if missing else {}
    outputs.append(AgentOutput(kind="reply", subject_id=request.subject_id, message=message,
                               transferred_to_human=transferred, details=details))
    status = "step_limit" if state.outcome == "step_limit" else "done"
    return {"status": status, "decision": decision, "message": message,
            "outputs": [o.model_dump(mode="json") for o in outputs]}


def _executed(proposal: Proposal, trace: list[dict[str, Any]]) -> tuple[str, str]:
    """What happened to each confirmed change: done, refused by a tool, or by a reviewer."""
    lines, ok = [], 0
    approvals = {json.dumps(_args(t.get("arguments")), sort_keys=True): t for t in trace
                 if t.get("kind") == "approval"}
    for call, line in zip(proposal.calls, proposal.summary, strict=False):
        key = json.dumps(call.arguments, sort_keys=True)
        record = next((t for t in reversed(trace) if t.get("kind") == "tool"
                       and t.get("name") == call.tool
                       and json.dumps(_args(t.get("arguments")), sort_keys=True) == key), None)
        approval = approvals.get(key)
        if approval is not None and approval.get("status") == "rejected":
            lines.append(f"Not done, a reviewer did not approve it: {line}")
        elif record is not None and record.get("status") == "ok":
            ok += 1
            reviewed = "Approved by a reviewer and done" if approval else "Done"
            lines.append(f"{reviewed}: {line}")
        else:
            error = _error_text(record)
            lines.append(f"Not done: {line} The system said: {error}")
    return "\n".join(lines), "done" if ok else "refuse"


def _error_text(record: dict[str, Any] | None) -> str:
    if record is None:
        return "it did not run."
    raw = record.get("error") or ""
    try:
        body = json.loads(raw)
        return str(body.get("message") or raw)
    except (ValueError, AttributeError):
        return str(raw) or "it did not run."


def _total(changes: list[Outcome]) -> str:
    """The sum of what several changes refund and charge (customers ask "how much in
    total"); nothing for a single change, whose line says it."""
    refunds = sum(o.amount for o in changes if o.amount > 0)
    charges = -sum(o.amount for o in changes if o.amount < 0)
    if len([o for o in changes if o.amount]) < 2:
        return ""
    said = [f"${refunds:,.2f} refunded to you" if refunds else "",
            f"${charges:,.2f} for you to pay" if charges else ""]
    net = refunds - charges
    both = (f"; net, {'you get' if net >= 0 else 'you pay'} ${abs(net):,.2f}"
            if refunds and charges else "")
    return "In total: " + " and ".join(s for s in said if s) + both + "."


def _planned(outcomes: list[Outcome], notes: list[str]) -> tuple[str, str, list[str]]:
    changes = [o for o in outcomes if o.kind == "change"]
    refusals = [o.line for o in outcomes if o.kind == "refuse"]
    missing = [o for o in outcomes if o.kind == "missing"]
    info = [o.line for o in outcomes if o.kind == "info"]
    parts: list[str] = []
    if "other_customer" in notes:
        parts.append("I can only help with the account of this conversation, so I will not "
                     "look up or change another customer's account.")
    parts += info + refusals
    if changes:
        listed = "\n".join(f"{n}. {o.line}" for n, o in enumerate(changes, 1))
        parts.append(f"Here is what I will do:\n{listed}")
        total = _total(changes)
        if total:
            parts.append(total)
    parts += [o.line for o in missing]
    slots = list(dict.fromkeys(s for o in missing for s in o.missing))
    if changes:
        parts.append('Reply "yes" to confirm all of the above, or tell me what to change.')
        return "\n".join(parts), "confirm", slots
    if slots:
        return "\n".join(parts), "need_info", slots
    if refusals:
        return "\n".join(parts), "refuse", []
    if info:
        return "\n".join(parts), "reply", []
    parts.append("How can I help? Tell me what you would like done (cancel, return, exchange "
                 "or change an order) and the order id.")
    return "\n".join(parts), "need_info", ["request"]
