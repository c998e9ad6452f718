"""The support suite: τ² retail tasks as support chats, scored as the τ² reference scores.

A case is one task (times ``k`` trials). The customer opens a support thread
(protocol ``ticket``: the scripted customer; ``simulated``: a second model
plays the customer), approvals are granted as a supervisor would, and at the
end the store's retail records must equal the records the task's gold actions
reach from the same start (``db``), and every string the task requires must
appear in the agent's replies (``communicate``). Both: the case passes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from math import comb
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict

from agents.contracts import AgentResult, ApprovalDecision, MessageRequest
from tools import Store

from ._customer import ScriptedCustomer, SimulatedCustomer
from ._tau2 import (
    Task,
    communicated,
    differences,
    expected_state,
    intent,
    load_tasks,
    retail_state,
)
from .base import CaseResult, EvalWorld

CustomerProtocol = Literal["ticket", "simulated"]
DATA = Path(__file__).resolve().parents[1] / "data"
# Approvals granted per customer message: a loop of approvals is the agent's failure.
MAX_APPROVALS = 3


class SupportCase(BaseModel):
    model_config = ConfigDict(frozen=True)

    task: Task
    trial: int = 0

    @property
    def case_id(self) -> str:
        return self.task.id if self.trial == 0 else f"{self.task.id}#{self.trial}"


class SupportSuite:
    name = "support"
    default_tasks = DATA / "tasks_train.json"
    mutates = True

    def __init__(self, protocol: CustomerProtocol = "ticket", *, k: int = 1, max_turns: int = 6,
                 user_model: BaseChatModel | None = None) -> None:
        if k < 1 or max_turns < 1:
            raise ValueError(f"k and max_turns must be at least 1 (got k={k}, "
                             f"max_turns={max_turns})")
        self.protocol, self.k, self.max_turns, self.user_model = protocol, k, max_turns, user_model

    def prepare(self, store: Store) -> None:
        """Nothing: the seeded store is what the cases start from."""

    def load(self, path: Path) -> list[SupportCase]:
        return [SupportCase(task=t, trial=i) for t in load_tasks(path) for i in range(self.k)]

    def _customer(self, task: Task) -> ScriptedCustomer | SimulatedCustomer:
        if self.protocol == "simulated":
            # Set once the endpoint is up (the cases are loaded, and checked, before).
            if self.user_model is None:
                raise ValueError("protocol 'simulated' needs a model to play the customer")
            return SimulatedCustomer(task, self.user_model)
        return ScriptedCustomer(task)

    def run_case(self, case: SupportCase, world: EvalWorld) -> CaseResult:
        started = time.perf_counter()
        task = case.task
        thread = f"eval:support:{case.case_id}"
        # The reference's end state, from the very state this agent starts in.
        start = retail_state(world.store)
        want = expected_state(start, task.actions, world.registry.settings, key=thread)
        transcript: list[dict[str, Any]] = []
        replies: list[str] = []
        error = ""
        try:
            converse(self._customer(task), world, thread, case.case_id, self.max_turns,
                     transcript, replies)
        except Exception as exc:  # noqa: BLE001 - the agent (or customer model) failed: scored as such
            error = f"{type(exc).__name__}: {exc}"
        got = retail_state(world.store)
        passed, scores = score(task, got, want, replies)
        scores["turns"] = float(len(transcript))
        # The baseline, measured on the same case: an agent that changes nothing, says nothing.
        scores["baseline_passed"] = float(start == want and not task.communicate_info)
        return CaseResult(
            suite=self.name, case_id=case.case_id, category=intent(task.actions),
            passed=passed and not error, scores=scores, error=error,
            seconds=time.perf_counter() - started,
            detail={"task_id": task.id, "trial": case.trial, "protocol": self.protocol,
                    "transcript": transcript, "differences": differences(got, want),
                    "communicate_info": task.communicate_info})

    def summary(self, results: Sequence[CaseResult]) -> dict[str, float]:
        if not results:
            return {}
        by_task: dict[str, list[bool]] = defaultdict(list)
        for r in results:
            by_task[str(r.detail.get("task_id", r.case_id))].append(r.passed)
        out = {"tasks": float(len(by_task)),
               "db_match": _mean([r.scores.get("db", 0.0) for r in results]),
               "baseline_pass^1": _mean([r.scores.get("baseline_passed", 0.0)
                                         for r in results])}
        told = [r.scores["communicate"] for r in results if "communicate" in r.scores]
        if told:
            out["communicate_info"] = _mean(told)
        out.update(pass_hat_k(list(by_task.values()), self.k))
        return out


def score(task: Task, got: dict[str, Any], want: dict[str, Any],
          replies: Sequence[str]) -> tuple[bool, dict[str, float]]:
    """The reference's verdict: the end state equals the gold one (``db``) and, when the
    task requires it, every required string was said (``communicate``)."""
    db = got == want
    scores = {"db": float(db)}
    if not task.communicate_info:
        return db, scores
    told = communicated(task.communicate_info, replies)
    scores["communicate"] = float(told)
    return db and told, scores


def converse(customer: ScriptedCustomer | SimulatedCustomer, world: EvalWorld, thread: str,
             subject: str, max_turns: int, transcript: list[dict[str, Any]],
             replies: list[str]) -> None:
    """One support thread: at most ``max_turns`` customer messages; approvals granted."""
    text: str | None = customer.opening()
    while text is not None and len(transcript) < max_turns:
        request = MessageRequest(agent="support", text=text,
                               event_id=f"{thread}:{len(transcript) + 1}", thread_id=thread,
                               subject_id=subject)
        result = world.agents.run_sync(request)
        result, approvals = _approve(world, result)
        said = [o.message for o in result.outputs if o.kind == "reply" and o.message]
        replies.extend(said or [result.message])
        transcript.append({"customer": text, "agent": result.message, "status": result.status,
                           "decision": result.decision, "approvals": approvals,
                           "actions": [o.action for o in result.outputs if o.kind == "action"]})
        text = customer.reply(result)


def _approve(world: EvalWorld, result: AgentResult) -> tuple[AgentResult, int]:
    """Approve what the agent waits for, as a supervisor would (bounded)."""
    approvals = 0
    while result.status == "awaiting_approval" and approvals < MAX_APPROVALS:
        approvals += 1
        result = world.agents.resume_sync(
            result.thread_id, ApprovalDecision(approved=True, reviewer="eval"))
    return result, approvals


def pass_hat_k(trials: Sequence[Sequence[bool]], k: int) -> dict[str, float]:
    """τ²'s pass^j for j = 1..k: per task, the chance that j trials drawn from its n
    all pass (C(c, j) / C(n, j)), averaged over tasks."""
    out = {}
    for j in range(1, k + 1):
        usable = [t for t in trials if len(t) >= j]
        if usable:
            out[f"pass^{j}"] = _mean([comb(sum(t), j) / comb(len(t), j) for t in usable])
    return out


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
