"""The support agent: τ²-bench retail customer service under data/policy.md.

Authentication is enforced in code, not only in the prompt: until a
``find_user_id_*`` call succeeds only product look-ups, ``calculate`` and a
transfer are allowed; after it, every call runs as ``Actor(role="customer",
user_id=...)``, so the tools refuse other users' records. When the message
names the customer (an email, or a name and zip code) that look-up runs in
code before the model is asked, and the customer's records ride in the
turn's first message. A change (cancel, modify, return, exchange) runs only
in a turn whose customer message confirms it ("yes", "go ahead"). Refunds above the
limit come back ``needs_approval`` and pause the chat for a person. A chat is
one thread: its messages and the authenticated user survive a restart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import HumanMessage

from retrieval.models import Filters, Hit
from tools import Actor, ToolRegistry, ToolResult

from ._customer import confirms, describe_user, identity_lookups, mentioned_orders
from ._policy import CORE_RULES, sections_for
from .contracts import AgentOutput, AgentRequest
from .errors import RequestError
from .loop import RESPOND, AgentSpec, LoopState, Toolbox

_ORDERS_SHOWN = 5  # orders described in full when the message names none
Retriever = Callable[[str, int, Filters | None], Sequence[Hit]]

TRANSFER_MESSAGE = "YOU ARE BEING TRANSFERRED TO A HUMAN AGENT. PLEASE HOLD ON."
AUTH_TOOLS = ("find_user_id_by_email", "find_user_id_by_name_zip")
OPEN_TOOLS = (*AUTH_TOOLS, "get_product_details", "get_item_details",
              "list_all_product_types", "calculate", "transfer_to_human_agents")
READ_TOOLS = ("get_user_details", "get_order_details", "get_product_details", "get_item_details",
              "list_all_product_types", "shipping_eta", "calculate", "transfer_to_human_agents")
CHANGE_TOOLS = (
    "cancel_pending_order", "modify_pending_order_address", "modify_pending_order_items",
    "modify_pending_order_payment", "modify_user_address", "return_delivered_order_items",
    "exchange_delivered_order_items",
)
SUPPORT_TOOLS = (*READ_TOOLS, *AUTH_TOOLS, *CHANGE_TOOLS)


class SupportAgent(AgentSpec):
    name = "support"
    tool_names = SUPPORT_TOOLS
    respond_description = "Send your reply to the customer and end this turn."

    def respond_parameters(self) -> dict[str, Any]:
        # Bounded, so a small model that starts echoing the message must close the
        # string (the server's grammar holds it) before max_tokens cuts the call off.
        return {"type": "object", "properties": {"message": {
            "type": "string", "description": "the reply to the customer", "maxLength": 600}},
            "required": ["message"]}

    def __init__(self, registry: ToolRegistry, retriever: Retriever | None = None) -> None:
        self.registry = registry
        self.retriever = retriever

    def system_prompt(self, state: LoopState) -> str:
        # Constant on purpose: the server keeps the KV cache of the longest shared
        # prefix, and the system prompt plus the tool schemas are most of every prompt.
        # What varies (policy sections, products) rides in the turn's first message.
        return CORE_RULES

    def constant_prompts(self) -> list[str]:
        return [CORE_RULES]

    def offered(self, state: LoopState | None) -> list[str]:
        # Look-ups first and always; the look-ups that authenticate only until someone
        # is; changes only in a turn whose message confirms them (the guard refuses
        # them otherwise). The usual turn, authenticated in code with nothing to
        # confirm, is a prefix of every other: they share its cached prompt.
        names = [*READ_TOOLS, RESPOND]
        if state is None:
            return names
        if not (state.get("memory") or {}).get("user_id"):
            names += AUTH_TOOLS
        if confirms(state["request"]["text"]):
            names += CHANGE_TOOLS
        return names

    def actor(self, state: LoopState) -> Actor:
        user = (state.get("memory") or {}).get("user_id")
        return Actor(role="customer", user_id=user) if user else Actor(role="support")

    def prepare(self, request: AgentRequest, state: LoopState, box: Toolbox) -> dict[str, Any]:
        if request.kind != "message":
            raise RequestError(f"the support agent answers messages, not {request.kind}")
        policy, products = sections_for(request.text), []
        if self.retriever is not None:
            hits = self.retriever(request.text, 2, Filters(kind="policy"))
            policy = [h.text for h in hits] or policy
            products = [h.text[:300] for h in self.retriever(request.text, 3,
                                                             Filters(kind="product"))]
        parts = [*policy]
        if products:
            parts.append("Possibly relevant products:\n" + "\n".join(products))
        update: dict[str, Any] = {}
        if not (state.get("memory") or {}).get("user_id"):
            customer, update = self._identify(request, box)
            if customer:
                parts.append(customer)
        text = request.text
        if parts:
            text = "\n\n".join([*parts, f'The customer wrote: "{request.text}"\n'
                                           "Answer them in your own words; do not repeat "
                                           "their message."])
        return {**update, "messages": [HumanMessage(text)],
                "context": {"policy": policy, "products": products}}

    def _identify(self, request: AgentRequest, box: Toolbox) -> tuple[str, dict[str, Any]]:
        """Authenticate from what the message says; the customer's records, or ("", {})."""
        for i, (name, arguments) in enumerate(identity_lookups(request.text)):
            # Only the look-up that finds the customer is traced: the others are guesses.
            found = box.call(name, arguments, step="prep", index=i, trace_failure=False)
            if not found.ok:
                continue
            user_id = found.output.model_dump()["user_id"]  # type: ignore[union-attr]
            own = Toolbox(self.registry, request, Actor(role="customer", user_id=user_id))
            user = own.call("get_user_details", {"user_id": user_id}, step="prep")
            if not user.ok or user.output is None:
                break
            details = user.output.model_dump(mode="json")
            wanted = [o for o in mentioned_orders(request.text) if o in details["orders"]]
            orders = []
            for i, order_id in enumerate(wanted or details["orders"][:_ORDERS_SHOWN]):
                order = own.call("get_order_details", {"order_id": order_id}, step="prep",
                                 index=i)
                if order.ok and order.output is not None:
                    orders.append(order.output.model_dump(mode="json"))
            return describe_user(details, orders), {"memory": {"user_id": user_id},
                                                    "trace": own.trace}
        return "", {}

    def guard(self, state: LoopState, name: str, arguments: dict[str, Any]) -> str | None:
        if name in OPEN_TOOLS:
            return None
        if not (state.get("memory") or {}).get("user_id"):
            return ("the user is not authenticated: ask for their email, or first name, last "
                    "name and zip code, and call find_user_id_by_email or "
                    "find_user_id_by_name_zip")
        if self.registry.get(name).side_effect and not confirms(state["request"]["text"]):
            return ("the customer has not confirmed this change: list its details with "
                    "respond and ask them to reply 'yes' to proceed")
        return None

    def after_tool(self, state: LoopState, name: str, result: ToolResult) -> dict[str, Any]:
        memory = state.get("memory") or {}
        if name in AUTH_TOOLS and result.ok and not memory.get("user_id"):
            assert result.output is not None
            return {"user_id": result.output.model_dump()["user_id"]}
        return {}

    def finish(self, state: LoopState, box: Toolbox) -> dict[str, Any]:
        request = box.request
        trace = state.get("trace") or []
        done = [t for t in trace if t.get("kind") == "tool" and t.get("status") == "ok"]
        transferred = any(t["name"] == "transfer_to_human_agents" for t in done)
        outputs = [
            AgentOutput(kind="action", subject_id=_subject(t["arguments"], request),
                        action=t["name"], message=f"{t['name']} for the customer",
                        details={"arguments": _args(t["arguments"]),
                                 "idempotency_key": t.get("idempotency_key")})
            for t in done if self.registry.get(t["name"]).side_effect
        ]
        final = state.get("final") or {}
        if state.get("outcome") == "step_limit":
            message, status, decision = (
                "I'm sorry, I could not finish this. A colleague will follow up.",
                "step_limit", "step_limit")
            transferred = True
        else:
            message, status = str(final.get("message", "")), "done"
            decision = "transfer" if transferred else "reply"
        if transferred:
            message = message if TRANSFER_MESSAGE in message else TRANSFER_MESSAGE
        outputs.append(AgentOutput(kind="reply", subject_id=request.subject_id,
                                   message=message, transferred_to_human=transferred))
        return {"status": status, "decision": decision, "message": message,
                "outputs": [o.model_dump(mode="json") for o in outputs]}


def _args(arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, str):
        try:
            parsed = json.loads(arguments)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return dict(arguments or {})


def _subject(arguments: Any, request: AgentRequest) -> str:
    args = _args(arguments)
    return str(args.get("order_id") or args.get("user_id") or request.subject_id)
