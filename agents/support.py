"""The support agent (τ²-bench retail under data/policy.md): the model understands, code
decides.

One turn, on the shared loop:

- ``prepare`` (code): fixes the thread's customer (``_support_identity``);
  a reply to a pending proposal is read by rules (``_support_confirm``): a
  "yes" to *that* proposal skips the model and runs exactly its calls; "no"
  drops it.
- ``model``: one structured extraction of the message (``respond`` with the
  ``_support_schema`` JSON schema; the only tool offered).
- ``decide`` (code): authenticates from the conversation when the channel
  named nobody, resolves each request against the customer's own records and
  applies policy (``_support_plan``), and either proposes the changes (kept,
  sealed by a digest, for the next message's yes) or plans what needs no yes
  (a transfer).
- ``act`` (the loop): runs the planned calls as the turn's identity; refunds
  above the limit pause for a person.
- ``finish`` (code): the reply, from templates over these facts only
  (``_support_reply``); it never repeats the customer's message.

Every side-effecting call must pass ``guard``: it runs only when it is one of
the calls of the proposal this turn's "yes" confirmed, with the same arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.utils.json import parse_partial_json

from retrieval.models import Filters, Hit
from tools import Actor, ToolRegistry

from ._customer import clean, intent_said, intents_in, mentioned_orders
from ._support_clauses import (
    amends,
    asks_change,
    complete,
    only,
    only_asked,
    refer_back,
    without,
)
from ._support_confirm import Proposal, classify, names_other_order
from ._support_identity import channel_user, from_conversation, names_someone_else
from ._support_info import allowed_info, item_info, order_info, product_info
from ._support_match import name_hits, words
from ._support_plan import Outcome, Records, after_changes, plan
from ._support_reply import TRANSFER_MESSAGE, compose
from ._support_schema import (
    EXTRACT_PROMPT,
    CustomerRequest,
    Extraction,
    extraction_schema,
    parse_extraction,
)
from ._support_state import SupportMemory, SupportState, SupportTurn
from .contracts import AgentRequest
from .errors import RequestError
from .loop import RESPOND, AgentSpec, Toolbox, last_ai
from .state import PlannedCall

Retriever = Callable[[str, int, Filters | None], Sequence[Hit]]

__all__ = ["CHANGE_TOOLS", "SUPPORT_TOOLS", "TRANSFER_MESSAGE", "Retriever", "SupportAgent",
           "SupportMemory", "SupportState", "SupportTurn"]

CHANGE_TOOLS = (
    "cancel_pending_order", "modify_pending_order_address", "modify_pending_order_items",
    "modify_pending_order_payment", "modify_user_address", "return_delivered_order_items",
    "exchange_delivered_order_items",
)
SUPPORT_TOOLS = ("get_user_details", "get_order_details", "get_product_details",
                 "transfer_to_human_agents", *CHANGE_TOOLS)
# Within one order, an address change must come before the one-time item change.
_LAST = {"modify_pending_order_items": 1}


class SupportAgent(AgentSpec[SupportState]):
    name = "support"
    state_schema = SupportState
    # The model calls no tool: code calls these (guard() checks every one).
    tool_names = SUPPORT_TOOLS
    respond_description = "Record what the customer asks for."

    def __init__(self, registry: ToolRegistry, retriever: Retriever | None = None) -> None:
        self.registry = registry
        self.retriever = retriever

    # ------------------------------------------------------------------ the model's part

    def respond_parameters(self) -> dict[str, Any]:
        return extraction_schema()

    def system_prompt(self, state: SupportState) -> str:
        return EXTRACT_PROMPT

    def constant_prompts(self) -> list[str]:
        return [EXTRACT_PROMPT]

    def offered(self, state: SupportState | None) -> list[str]:
        return [RESPOND]

    # The prompt is the same on a retry (this message only), so a second call would fail
    # as the first did.
    answer_tries = 1

    def fallback_answer(self, state: SupportState) -> dict[str, Any]:
        """The model's extraction as far as it goes when it was cut off (a long message can
        run past the token limit), else none: code reads the message by its own rules."""
        ai = last_ai(state.messages)
        raw = [str(bad.get("args") or "") for bad in (ai.invalid_tool_calls if ai else [])
               if bad.get("name") == RESPOND]
        for text in raw:
            try:
                parsed = parse_partial_json(text)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                return parsed
        return {"message": ""}

    def prompt(self, state: SupportState) -> list[BaseMessage]:
        # Only this message: the thread's history is in code (memory), not in the prompt.
        return [SystemMessage(EXTRACT_PROMPT), HumanMessage(state.context.text)]

    def actor(self, state: SupportState) -> Actor:
        user = state.memory.user_id
        return Actor(role="customer", user_id=user) if user else Actor(role="support")

    # ------------------------------------------------------------------ code's part

    def prepare(self, request: AgentRequest, state: SupportState,
                box: Toolbox) -> dict[str, Any]:
        if request.kind != "message":
            raise RequestError(f"the support agent answers messages, not {request.kind}")
        memory = state.memory.model_copy()
        text = clean(request.text)
        context = SupportTurn(text=text or "(empty message)")
        final: dict[str, Any] | None = None
        if request.author_user_id or request.author_email:
            author = channel_user(self.registry, request, box)
            if memory.user_id and author != memory.user_id:
                final = {"refused": "author"}
            elif not memory.user_id and author:
                memory.user_id, memory.identity = author, "channel"
            elif not author:
                final = {"refused": "unknown_author"}
        proposal, memory.proposal = memory.proposal, None
        if final is None and proposal is not None:
            answer = classify(text)
            if answer == "yes" and proposal.intact() and proposal.turn == memory.last_turn \
                    and not names_other_order(text, proposal.order_ids()):
                context.confirmed = proposal
                final = {"confirmed": proposal.digest}
            elif amending := amends(text):
                # "Only the lamp": the proposal's requests are planned again, narrowed;
                # "I also want to return the watch": its changes stay and the reply's are
                # added (``decide``). Either way a new proposal waits for a new yes.
                context.amending = amending
            else:
                if answer == "no":
                    # A short no ends it; a longer one ("no, return the lamp instead") may
                    # carry a new request: the model reads it, the old one is not kept.
                    memory.requests, memory.leftover = [], []
                    if len(text.split()) <= 6 or not asks_change(text):
                        final = {"declined": True}
                if final is None and asks_change(text):
                    # "I change my mind and return the more expensive one": a new request,
                    # about the proposal's items when it names none (``decide``).
                    context.amending = "instead"
        memory.last_turn = request.event_id
        return {"memory": memory, "context": context, "final": final, "must_respond": True,
                "messages": [HumanMessage(text or "(empty message)")]}

    def decide(self, state: SupportState, box: Toolbox) -> dict[str, Any]:
        final = state.final or {}
        memory = state.memory.model_copy()
        context = state.context.model_copy()
        if "confirmed" in final:
            assert context.confirmed is not None  # prepare sets both
            # What still lacks a fact stays, for "please handle the rest".
            memory.requests, memory.leftover = memory.leftover, []
            calls = sorted(enumerate(context.confirmed.calls),
                           key=lambda ic: (_LAST.get(ic[1].tool, 0), ic[0]))
            return {"memory": memory, "planned": [c for _, c in calls]}
        if final.get("declined") or final.get("refused"):
            return {}
        reply = text = context.text
        extraction = parse_extraction(final if "message" not in final else {})
        shown: list[Outcome] = []
        if context.amending == "also":
            # The changes shown stay as they were resolved; the reply's requests are added.
            shown = [o.model_copy(deep=True) for o in memory.shown]
            payment = next((r.payment for r in memory.requests if r.payment), "")
            requests = [r if r.payment else r.model_copy(update={"payment": payment})
                        for r in _requests(extraction, reply)]
        elif context.amending == "only":
            requests, text = memory.requests, memory.said
        else:
            requests = _requests(extraction, text) or memory.requests
        memory.requests = []
        if not memory.user_id:
            found = from_conversation(self.registry, box.request, text, extraction, box)
            if not found.user_id:
                memory.requests = requests
                context.identity = found.problem
                return {"memory": memory, "context": context}
            memory.user_id, memory.identity = found.user_id, "conversation"
        # The customer's own records, read as the customer (effective from this step).
        own = Toolbox(self.registry, box.request, Actor(role="customer",
                                                        user_id=memory.user_id))
        user = own.call("get_user_details", {"user_id": memory.user_id}, step="decide")
        if not user.ok or user.output is None:
            context.identity = "not_found"
            return {"memory": SupportMemory(), "context": context}
        details = user.output.model_dump(mode="json")
        if names_someone_else(self.registry, box.request, text, extraction, details["user_id"]):
            context.notes = [*context.notes, "other_customer"]
        records = Records(own, details)
        # What the message's own verbs ask for, beside the model's reading of it.
        names = [i["name"] for o in records.orders() for i in o["items"]]
        requests = complete(requests, text, names)
        asked = only_asked(text, names)
        requests = without(requests, asked)
        if context.amending == "only":
            requests = _pinned(only(requests, reply, names, _requests(extraction, reply)),
                               memory.shown, records)
        elif context.amending == "instead":
            requests = refer_back(requests, reply, names, memory.said)
        answered = (order_info(records, text) + item_info(records, text)
                    + allowed_info(records, asked))
        # A question answered for the order or item it names is not also a status dump
        # of the latest orders.
        planned_for = [(r, plan(r, records, text)) for r in requests
                       if not (answered and r.intent == "status" and not r.order_id)]
        outcomes = _merge(product_info(records, text) + answered + shown
                          + [o for _, found in planned_for for o in found])
        outcomes += after_changes(outcomes, records)
        leftover = [r for r, found in planned_for if any(o.kind == "missing" for o in found)]
        box.trace.extend(own.trace)
        changes = [o.call for o in outcomes if o.kind == "change" and o.call]
        planned = [o.call for o in outcomes if o.kind == "transfer" and o.call]
        if changes and not planned:
            memory.proposal = Proposal(calls=changes, turn=box.request.event_id, summary=[
                o.line for o in outcomes if o.kind == "change"]).sealed()
            # Kept to show the proposal again after a question, and what is left after it.
            memory.requests, memory.leftover, memory.said = requests, leftover, text
            memory.shown = [o for o in outcomes if o.kind == "change"]
        else:
            memory.requests, memory.leftover = leftover, []
        context.outcomes = outcomes
        context.customer = details["name"]["first_name"]
        return {"memory": memory, "context": context, "planned": planned}

    def guard(self, state: SupportState, name: str, arguments: dict[str, Any]) -> str | None:
        if name not in self.registry:
            return f"{name} is not a tool of this deployment"
        if not self.registry.get(name).side_effect:
            return None
        if not state.memory.user_id:
            return "no customer is authenticated in this thread"
        shown = state.context.confirmed
        if shown is None or (state.final or {}).get("confirmed") != shown.digest:
            return "the customer has not confirmed this change with a yes to its summary"
        if not shown.has_call(name, arguments):
            return "this call is not one the customer confirmed"
        return None

    def finish(self, state: SupportState, box: Toolbox) -> dict[str, Any]:
        return compose(state, box.request, self.registry)


def _grounded(request: CustomerRequest, text: str, said: set[str]) -> CustomerRequest:
    """The request without what the message does not say: a small model fills empty
    slots with made-up ids, options and addresses (often its prompt's own examples)."""
    ids = mentioned_orders(text)
    order = next((o for o in ids if request.order_id.strip().upper().lstrip("#")
                  == o.lstrip("#")), "")

    def said_it(phrase: str) -> bool:
        return bool(words(phrase) & said)

    address = request.address
    if address is not None and not (address.address1 and address.address1.lower()
                                    in text.lower() and address.zip in text):
        address = None
    return request.model_copy(update={
        "order_id": order, "items": [i for i in request.items if said_it(i)],
        "wanted": [w for w in request.wanted if said_it(w)],
        "payment": request.payment if said_it(request.payment) else "",
        "reason": request.reason if said_it(request.reason) else "", "address": address})


def _requests(extraction: Extraction, text: str) -> list[CustomerRequest]:
    """The model's requests, grounded in the text, with order ids the text gives;
    keyword intents when the model gave none."""
    said = words(text)
    requests = [_grounded(r, text, said) for r in extraction.requests
                if intent_said(r.intent, text)]
    orders = mentioned_orders(text)
    if not requests:
        intents = [i for i in intents_in(text) if i not in ("status",)] or intents_in(text)
        requests = [CustomerRequest.model_validate({"intent": i}) for i in intents[:1]]
    if len(orders) == 1:
        requests = [r if r.order_id else r.model_copy(update={"order_id": orders[0]})
                    for r in requests]
    return [r for r in requests if r.intent != "other"]


def _pinned(requests: list[CustomerRequest], shown: list[Outcome],
            records: Records) -> list[CustomerRequest]:
    """Each narrowed request in the order its items were shown in: "only the backpack" of
    the lamp-and-backpack order stays that order's, though other orders hold a backpack."""
    out = []
    for r in requests:
        orders = {str(o.call.arguments["order_id"]) for o in shown
                  if o.call and "item_ids" in o.call.arguments
                  for line in (records.order(str(o.call.arguments["order_id"])) or {}).get(
                      "items", [])
                  if line["item_id"] in o.call.arguments["item_ids"]
                  and any(name_hits(line["name"], i.lower()) for i in r.items)}
        pin = not r.order_id and len(orders) == 1
        out.append(r.model_copy(update={"order_id": orders.pop()}) if pin else r)
    return out


def _merge(outcomes: list[Outcome]) -> list[Outcome]:
    """One item change per order (policy: once per order), and no request twice."""
    merged: list[Outcome] = []
    for o in outcomes:
        call = o.call
        twin = next((m for m in merged if call and m.call and m.call.tool == call.tool
                     and m.call.arguments.get("order_id") == call.arguments.get("order_id")
                     and "item_ids" in call.arguments), None)
        if twin is not None and twin.call is not None and call is not None:
            args = dict(twin.call.arguments)
            pairs = [(i, n) for i, n in zip(call.arguments["item_ids"],
                                             call.arguments.get("new_item_ids", []) or
                                             call.arguments["item_ids"], strict=False)
                     if i not in args["item_ids"]]
            args["item_ids"] = [*args["item_ids"], *(i for i, _ in pairs)]
            if "new_item_ids" in args:
                args["new_item_ids"] = [*args["new_item_ids"], *(n for _, n in pairs)]
            if pairs:  # the same items twice (two readings of one wish) change nothing
                twin.call = PlannedCall(tool=call.tool, arguments=args)
                twin.line = f"{twin.line} {o.line}"
                twin.amount += o.amount
            continue
        if any(m.model_dump() == o.model_dump() for m in merged):
            continue
        merged.append(o)
    return merged
