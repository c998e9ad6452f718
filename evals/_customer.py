"""The customer side of a support conversation: scripted (protocol ``ticket``) or a model
playing the customer (protocol ``simulated``).

Both answer an ``AgentResult`` with the customer's next message, or ``None`` when
the customer is done. Approvals are the harness's business, not the customer's.

The scripted customer is deterministic, so a CPU run of a small model is
comparable from run to run; it is keyed on the agent's ``decision``:

- ``confirm`` (a change is proposed, a "yes" is asked for): "Yes, please go ahead.",
  except where the brief scripts that moment ("if the agent asks for confirmation, only
  exchange the desk lamp"): that, once, first;
- ``need_info`` (the agent asks for a fact): every fact the task gives, again
  (it cannot tell which one is wanted);
- anything else ends the conversation, unless the task has several requests
  and changes the agent has not made yet: then it asks for the rest (once per
  missing change; the harness bounds the turns).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from agents.contracts import AgentResult
from streams.simulator import customer_voice

from ._tau2 import Task, changes, requests

YES = "Yes, please go ahead."
REST = "Thanks. Please also handle the rest of my request."
STOP = "###STOP###"
# The agent's first words in a τ² conversation: the simulated customer answers them.
GREETING = "Hi! How can I help you today?"

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


# What the task keeps from the agent ("do not reveal it to the agent"): never said.
_SECRET = re.compile(r"\b(?:do not|don't|not want to) (?:reveal|share|mention)\b", re.I)
_ASIDE = re.compile(r"\s*\(([^()]*)\)")


def _unsaid(sentence: str) -> str:
    """The sentence without what the task keeps from the agent: an aside that says so
    ("the DC address (which you do not want to reveal ...)") goes, unless what it guards
    is a number the sentence states ("the item id is 5206946487 (do not share this)");
    a sentence that says so itself goes whole."""
    def aside(m: re.Match[str]) -> str:
        return "" if _SECRET.search(m.group(1)) else m.group(0)

    kept = _ASIDE.sub(aside, sentence)
    if kept != sentence and re.search(r"\d{4,}", kept):
        return ""
    return "" if _SECRET.search(kept) else kept
# The brief speaks of the agent in the third person; the customer speaks to it.
_ASK_AGENT = re.compile(r"(?:\bI )?\b[Aa]sk the (?:customer service )?agent (?:explicitly )?"
                        r"(?:(to )|(?=(?:how|what|which|whether|if|about)\b))")
_AGENT = re.compile(r"\bthe (?:customer service )?agent\b", re.I)
# "the agent asks" -> "you ask": the verb loses its third-person s.
_THIRD_PERSON = re.compile(r"\byou (ask|say|tell|propose|confirm|offer|allow)s\b|\byou (has|does|doesn't)\b")
_FIRST_PERSON = {"has": "have", "does": "do", "doesn't": "don't"}


def _to_the_agent(sentence: str) -> str:
    """ "Ask the agent how much I save" -> "Please tell me how much I save";
    "If the agent asks for confirmation, ..." -> "If you ask for confirmation, ..." """
    def ask(m: re.Match[str]) -> str:
        polite = "please " if m.group(1) else "please tell me "
        return polite.capitalize() if m.start() == 0 else polite

    def verb(m: re.Match[str]) -> str:
        return f"you {m.group(1) or _FIRST_PERSON[m.group(2)]}"

    return _THIRD_PERSON.sub(verb, _AGENT.sub("you", _ASK_AGENT.sub(ask, sentence)))


# "If the agent asks for confirmation, only exchange the lamp": what the customer says
# when a change is proposed, not in the opening.
_AT_CONFIRM = re.compile(r"(?:,?\s*\bbut\b)?\s*\b(?:if|when|once) the agent asks (?:you )?"
                         r"(?:for (?:final )?confirmation|to confirm)[^,]*,\s*", re.I)
# The brief's stage directions around what is said then.
_DIRECTION = re.compile(r"^(?:do not say yes immediately, because |mention that )", re.I)


def _at_confirm(sentence: str) -> tuple[str, str]:
    """A sentence split into what the opening says and what is said at the confirmation."""
    m = _AT_CONFIRM.search(sentence)
    if not m:
        return sentence, ""
    said = _DIRECTION.sub("", sentence[m.end():])
    return sentence[:m.start()] + ("." if m.start() else ""), said[:1].upper() + said[1:]


def at_confirmation(task: Task) -> list[str]:
    """What the brief has the customer say when a change is proposed, in their voice."""
    i = task.instructions
    return [_to_the_agent(customer_voice(said))
            for sentence in _SENTENCE.split((i.reason_for_call or "").strip())
            if (said := _at_confirm(_unsaid(sentence))[1])]


def _voiced(*texts: str | None) -> str:
    """Every sentence of the brief in the customer's voice, as a ticket that says it all
    at once. ``customer_voice`` drops conditional sentences (right for the demo's
    tickets); here "If there is no X, I'd take Y" is a wanted option the agent needs, and
    "if the agent asks which laptop, it is the 15-inch one" a fact, so only what the task
    keeps from the agent is left out, sentence by sentence."""
    kept = []
    for text in texts:
        for sentence in _SENTENCE.split((text or "").strip()):
            sentence = _at_confirm(_unsaid(sentence))[0]
            if sentence.strip(" .") and not _SECRET.search(sentence):
                kept.append(_to_the_agent(customer_voice(sentence)))
    return " ".join(kept)


def facts(task: Task) -> str:
    """Who the customer is and what they want, in their voice (never what they don't know)."""
    i = task.instructions
    return _voiced(i.known_info, i.reason_for_call)


def first_message(task: Task) -> str:
    i = task.instructions
    return _voiced(i.reason_for_call, i.known_info, i.task_instructions)


def _changes_made(results: Sequence[AgentResult]) -> int:
    return sum(1 for r in results for o in r.outputs if o.kind == "action")


class ScriptedCustomer:
    """Protocol ``ticket``: the same answers for the same agent decisions."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.requests = requests(task)
        self.changes = changes(task)
        self.results: list[AgentResult] = []
        self._asked_rest = 0
        self._facts_given = 0
        self._at_confirm = at_confirmation(task)

    def opening(self) -> str:
        return first_message(self.task)

    def reply(self, result: AgentResult) -> str | None:
        self.results.append(result)
        if result.decision == "confirm":
            # What the brief says at the first confirmation ("only the lamp"), then yes.
            return self._at_confirm.pop(0) if self._at_confirm else YES
        if result.decision == "need_info":
            # The facts a third time would tell the agent nothing new: the customer gives up.
            self._facts_given += 1
            return f"Here is what I can tell you: {facts(self.task)}" \
                if self._facts_given <= 2 else None
        if result.decision in ("transfer", "refuse"):
            return None
        # Changes still owed: ask once per missing one, so a stuck agent ends the chat.
        owed = self.changes - _changes_made(self.results)
        if self.requests > 1 and owed > 0 and self._asked_rest < owed:
            self._asked_rest += 1
            return REST
        return None


def simulator_prompt(task: Task) -> str:
    """τ²'s user-simulator brief: play the customer, reveal facts only when asked."""
    i = task.instructions
    parts = [f"Reason for the call: {i.reason_for_call}"]
    if i.known_info:
        parts.append(f"What you know: {i.known_info}")
    if i.unknown_info:
        parts.append(f"What you do not know: {i.unknown_info}")
    if i.task_instructions and i.task_instructions.strip(" ."):
        parts.append(f"How you behave: {i.task_instructions}")
    return (
        "You are a customer talking to a retail store's support agent. Stay in character: "
        "write only the customer's next message, short and natural. Reveal a fact only when "
        "the agent asks for it or when it is needed; never invent facts you were not given. "
        f"When your request is handled (or you are transferred to a human), reply with "
        f"{STOP} alone.\n\n" + "\n".join(parts))


class SimulatedCustomer:
    """Protocol ``simulated``: a chat model plays the customer from the task's instructions.

    The conversation is kept from the customer's side: the agent's replies are the
    human turns, the customer's messages the assistant turns.
    """

    def __init__(self, task: Task, model: BaseChatModel) -> None:
        self.task = task
        self.model = model
        self.history: list[BaseMessage] = [SystemMessage(simulator_prompt(task))]

    def _say(self, heard: str) -> str | None:
        self.history.append(HumanMessage(heard))
        answer = self.model.invoke(self.history)
        text = answer.content if isinstance(answer.content, str) else str(answer.content)
        self.history.append(AIMessage(text))
        text = text.strip()
        if not text or STOP in text:
            return None
        return text

    def opening(self) -> str:
        text = self._say(GREETING)
        # A customer who says nothing still has a reason to call.
        return text or first_message(self.task)

    def reply(self, result: AgentResult) -> str | None:
        if result.decision == "transfer":
            return None
        return self._say(result.message)
