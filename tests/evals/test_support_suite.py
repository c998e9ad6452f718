"""The support suite: the τ² end-state check, communicate_info, intents, the scripted and
simulated customers, pass^k. The agents are stand-ins that do given actions (or the real
graph over a scripted model): no test here depends on a model's quality."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agents.config import AgentSettings
from agents.contracts import AgentOutput, AgentRequest, AgentResult, ApprovalDecision
from agents.scripted import ScriptedChatModel, call, say
from evals._customer import REST, STOP, YES, ScriptedCustomer, facts, first_message
from evals._tau2 import INTENTS, Action, Task, communicated, expected_state, intent
from evals.base import EvalWorld
from evals.support import SupportCase, SupportSuite, pass_hat_k
from evals.world import Worlds
from tools import Actor, ToolContext, ToolRegistry

from .conftest import DATA

MakeWorld = Callable[[Callable[[ToolRegistry], Any]], EvalWorld]


def result(decision: str, message: str = "", status: str = "done",
           outputs: list[AgentOutput] | None = None) -> AgentResult:
    return AgentResult(agent="support", event_id="e", thread_id="t", trace_id="e",
                       status=status, decision=decision, message=message,  # type: ignore[arg-type]
                       outputs=outputs or [])


class ActingAgents:
    """Stands in for the support agent: proposes the change on the first message, waits for
    an approval on the next, and on approval does ``actions`` and says ``message``."""

    def __init__(self, registry: ToolRegistry, actions: list[Action], message: str) -> None:
        self.registry, self.actions, self.message = registry, actions, message
        self.requests: list[AgentRequest] = []
        self.resumed: list[ApprovalDecision] = []

    def run_sync(self, request: AgentRequest, callbacks: Any = None) -> AgentResult:
        self.requests.append(request)
        if len(self.requests) == 1:
            return result("confirm", "I can do that. Shall I go ahead?")
        return result("awaiting_approval", "waiting", status="awaiting_approval")

    def resume_sync(self, thread_id: str, decision: ApprovalDecision) -> AgentResult:
        self.resumed.append(decision)
        outputs = []
        for i, a in enumerate(self.actions):
            ctx = ToolContext(actor=Actor(role="support"), approved=True,
                              idempotency_key=f"fake:{thread_id}:{i}")
            if self.registry.call(a.name, a.arguments, ctx).ok and \
                    self.registry.get(a.name).side_effect:
                outputs.append(AgentOutput(kind="action", subject_id="x", action=a.name))
        return result("done", self.message, outputs=outputs)


def acting(actions: list[Action], message: str) -> Callable[[ToolRegistry], ActingAgents]:
    return lambda registry: ActingAgents(registry, actions, message)


# ------------------------------------------------------------------ the end-state check

@pytest.mark.parametrize("task_id", ["16", "43", "10"])
def test_the_gold_actions_pass(task_id: str, train: dict[str, Task],
                               world_with: MakeWorld) -> None:
    task = train[task_id]
    world = world_with(acting(task.actions, " and ".join(task.communicate_info)))
    got = SupportSuite().run_case(SupportCase(task=task), world)
    assert got.passed and got.error == "", got.detail
    assert got.scores["db"] == 1.0 and got.scores.get("communicate", 1.0) == 1.0
    assert world.agents.resumed and world.agents.requests[1].text == YES


@pytest.mark.parametrize("task_id", ["15", "16"])
def test_a_missing_action_fails(task_id: str, train: dict[str, Task],
                                world_with: MakeWorld) -> None:
    task = train[task_id]
    writes = [i for i, a in enumerate(task.actions) if a.name != "transfer_to_human_agents"
              and a.name.startswith(("cancel", "modify", "return", "exchange"))]
    actions = [a for i, a in enumerate(task.actions) if i != writes[-1]]
    got = SupportSuite().run_case(SupportCase(task=task),
                                  world_with(acting(actions, " ".join(task.communicate_info))))
    assert not got.passed and got.scores["db"] == 0.0
    assert got.detail["differences"]


def test_a_wrong_action_fails(train: dict[str, Task], world_with: MakeWorld) -> None:
    task = train["66"]  # cancel "no longer needed"
    wrong = [a if a.name != "cancel_pending_order" else
             Action(name=a.name, arguments={**a.arguments, "reason": "ordered by mistake"})
             for a in task.actions]
    got = SupportSuite().run_case(SupportCase(task=task), world_with(acting(wrong, "")))
    assert not got.passed and got.detail["differences"] == ["orders:#W3361211"]


def test_doing_nothing_fails_and_an_info_task_needs_the_info(
        train: dict[str, Task], world_with: MakeWorld) -> None:
    assert not SupportSuite().run_case(SupportCase(task=train["0"]),
                                       world_with(acting([], "Done."))).passed
    task = train["2"]  # a return, and "10" (t-shirt options) must be said
    got = SupportSuite().run_case(SupportCase(task=task),
                                  world_with(acting(task.actions, "Your return is done.")))
    assert got.scores == {"db": 1.0, "communicate": 0.0, "turns": 2.0,
                          "baseline_passed": 0.0} and not got.passed


def test_the_do_nothing_baseline_passes_only_a_task_that_changes_and_says_nothing(
        train: dict[str, Task], world_with: MakeWorld) -> None:
    idle = [t for t in train.values() if not t.communicate_info
            and not any(a.name.startswith(("cancel", "modify", "exchange", "return"))
                        for a in t.actions)]
    for task in [*idle[:1], train["0"], train["2"]]:
        got = SupportSuite().run_case(SupportCase(task=task), world_with(acting([], "")))
        assert got.scores["baseline_passed"] == float(task in idle), task.id


def test_expected_state_is_the_reference_state(train: dict[str, Task]) -> None:
    db = json.loads((DATA / "db.json").read_text(encoding="utf-8"))
    reference = {e["task_id"]: e["expected_changes"] for e in
                 json.loads((DATA / "expected_train.json").read_text(encoding="utf-8"))}
    from tools import ToolSettings

    for task_id in ("0", "21", "59"):
        want = expected_state(db, train[task_id].actions, ToolSettings(tau2_compat=True),
                              key=task_id)
        for table, change in reference[task_id].items():
            for key, record in change["changed"].items():
                assert want[table][key] == record, (task_id, table, key)


def test_task_files_in_other_tau2_shapes(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([{"id": 7, "user_scenario": {"instructions": "Cancel #W1."},
                                 "evaluation_criteria": {"actions": None}}]))
    (task,) = SupportSuite().load(path)
    assert task.case_id == "7" and task.task.actions == [] and task.task.communicate_info == []
    assert "Cancel #W1." in first_message(task.task)
    path.write_text(json.dumps([{"id": "1", "user_scenario": {}}]))
    with pytest.raises(ValueError, match=r"task #0 \(id 1\): user_scenario.instructions"):
        SupportSuite().load(path)


def test_communicated_as_tau2_matches() -> None:
    assert communicated(["1,000.50", "Polyester"], ["It costs 1000.50.", "it is polyester"])
    assert not communicated(["10", "cotton"], ["There are 10 options."])
    assert communicated([], [])


@pytest.mark.parametrize(("names", "want"), [
    (["get_order_details", "cancel_pending_order", "cancel_pending_order"], "cancel"),
    (["modify_user_address", "modify_pending_order_address"], "modify_address"),
    (["modify_pending_order_payment"], "modify_payment"),
    (["modify_pending_order_items"], "modify_items"),
    (["return_delivered_order_items"], "return"),
    (["exchange_delivered_order_items"], "exchange"),
    (["transfer_to_human_agents"], "transfer"),
    (["find_user_id_by_email", "get_product_details"], "info"),
    ([], "info"),
    (["return_delivered_order_items", "cancel_pending_order"], "multi"),
])
def test_intent_from_the_gold_write_actions(names: list[str], want: str) -> None:
    assert intent([Action(name=n) for n in names]) == want


# ------------------------------------------------------------------ the customers

def test_the_first_message_carries_every_fact(train: dict[str, Task]) -> None:
    text = first_message(train["1"])
    assert "#W2378156" in text and "Yusuf Rossi" in text and "19122" in text
    assert "I'd rather only exchange the thermostat" in text  # a wanted option, kept
    assert "remember" not in text  # what the customer does not know is not said
    assert " you " not in f" {text.lower()} "
    lamp = first_message(train["6"])  # "If the agent asks for confirmation, only ..."
    assert "desk lamp" in lamp and "agent" not in lamp.lower()


def test_what_the_brief_says_at_the_confirmation_is_said_then(train: dict[str, Task]) -> None:
    lamp = ScriptedCustomer(train["6"])
    assert "only exchange" not in lamp.opening().lower()
    assert lamp.reply(result("confirm")) == "Only exchange the desk lamp."
    assert lamp.reply(result("confirm")) == YES  # once, then the protocol's yes
    grill = ScriptedCustomer(train["24"])  # "... the grill, but if the agent asks you to ..."
    assert grill.opening().startswith("I want to cancel the grill. ")
    assert grill.reply(result("confirm")) == "I regret and want to keep it."
    assert ScriptedCustomer(train["92"]).reply(result("confirm")) == (
        "I also want to return the smart watch and e-reader.")


def test_what_the_brief_says_about_the_agent_is_said_to_it(train: dict[str, Task]) -> None:
    vacuum = first_message(train["46"])
    assert "If you ask me for which vacuum cleaner, mention the robotic one." in vacuum
    assert "Please provide the refund within 3 days" in vacuum  # "Ask the agent explicitly to"
    assert "Please tell me how much money I can save" in first_message(train["19"])
    # "(Everything except a keyboard and a mouse, but do not reveal it to the agent)"
    assert "keyboard" not in first_message(train["13"]).lower()
    assert "5206946487" not in first_message(train["29"])  # "(do not share this with ...)"
    # "... to the Washington DC address (which you do not want to reveal but ...), along
    # with your user default address": the aside goes, the request stays.
    assert ("I want to modify all my pending order address to the Washington DC address, "
            "along with my user default address.") in first_message(train["87"])


_FACT = re.compile(r"#W\d{7}|[\w.+-]+@[\w-]+\.\w+|\b\d{5}\b|\b[a-z]+_[a-z]+_\d{4}\b")


def test_every_train_task_opens_with_all_its_facts(train: dict[str, Task]) -> None:
    for task in train.values():
        i = task.instructions
        opening = first_message(task)
        for fact in _FACT.findall(f"{i.known_info} {i.reason_for_call}"):
            assert fact.rstrip(".") in opening, (task.id, fact, opening)
        assert intent(task.actions) in INTENTS


def test_the_scripted_customer_answers_by_decision(train: dict[str, Task]) -> None:
    task = train["16"]  # two cancellations, a return and a question: several requests
    customer = ScriptedCustomer(task)
    assert customer.reply(result("confirm")) == YES
    assert customer.reply(result("need_info")) == f"Here is what I can tell you: {facts(task)}"
    assert all(w in facts(task) for w in ("Fatima Johnson", "78712", "cancel", "watch"))
    assert customer.reply(result("reply")) == REST  # nothing done yet, turns remain
    one = [AgentOutput(kind="action", subject_id="o", action="cancel_pending_order")]
    assert customer.reply(result("done", outputs=one * 3)) is None  # all three done
    assert ScriptedCustomer(task).reply(result("transfer")) is None
    assert ScriptedCustomer(train["0"]).reply(result("reply")) is None  # one request


def test_a_stuck_agent_ends_the_chat(train: dict[str, Task]) -> None:
    customer = ScriptedCustomer(train["16"])
    answers = [customer.reply(result("reply")) for _ in range(6)]
    assert answers.count(REST) == customer.changes == 3 and answers[-1] is None
    asking = ScriptedCustomer(train["16"])
    assert [asking.reply(result("need_info")) is None for _ in range(3)] == [False, False, True]
    confirming = ScriptedCustomer(train["16"])
    assert [confirming.reply(result("confirm")) for _ in range(4)] == [YES] * 4


def test_the_simulated_customer_with_pass_hat_k(train: dict[str, Task],
                                                world_with: MakeWorld) -> None:
    task = train["66"]
    user = ScriptedChatModel(script=[say("I want to cancel order #W3361211."),
                                     say("Yes, go ahead."), say(STOP)] * 2)
    suite = SupportSuite("simulated", k=2, user_model=user)
    cases = [c for c in suite.load(DATA / "tasks_train.json") if c.task.id == "66"]
    assert [c.case_id for c in cases] == ["66", "66#1"]
    results = [suite.run_case(c, world_with(acting(task.actions, "Cancelled.")))
               for c in cases]
    assert all(r.passed for r in results) and user.remaining == 0
    assert results[0].detail["transcript"][0]["customer"] == "I want to cancel order #W3361211."
    assert suite.summary(results)["pass^2"] == 1.0


def test_pass_hat_k() -> None:
    got = pass_hat_k([[True, True], [True, False]], 2)
    assert got == {"pass^1": 0.75, "pass^2": 0.5}


def test_max_turns_bounds_the_chat(train: dict[str, Task], world_with: MakeWorld) -> None:
    class Asking(ActingAgents):
        def run_sync(self, request: AgentRequest, callbacks: Any = None) -> AgentResult:
            self.requests.append(request)
            return result("need_info", "Which order?")

    world = world_with(lambda r: Asking(r, [], ""))
    got = SupportSuite(max_turns=3).run_case(SupportCase(task=train["0"]), world)
    assert len(world.agents.requests) == 3 and got.scores["turns"] == 3.0 and not got.passed


# ------------------------------------------------------------------ the real graph

def test_a_real_support_thread_over_a_scripted_model(template: Path, tmp_path: Path) -> None:
    """The real graph in a ``Worlds`` world: one thread, every reply scored. What the agent
    makes of the scripted model's answers is its own business: only the harness is checked."""
    task = Task.model_validate({
        "id": "info-1", "user_scenario": {"instructions": {
            "reason_for_call": "You want to know how many t-shirt options there are.",
            "known_info": "You are Yusuf Rossi in zip code 19122."}},
        "evaluation_criteria": {"actions": [], "communicate_info": ["12"]}})
    model = ScriptedChatModel(script=[
        lambda _: call("respond", message="There are 12 t-shirt options.")] * 20)
    with Worlds(tmp_path, template, model,
                agent_settings=AgentSettings(max_steps=2)) as worlds, worlds.open() as world:
        got = SupportSuite(max_turns=2).run_case(SupportCase(task=task), world)
        runs = world.agents.traces.load(f"eval:support:{task.id}:1")
    assert got.error == "" and got.scores["db"] == 1.0 and runs is not None
    turns = got.detail["transcript"]
    assert 1 <= len(turns) <= 2 and turns[0]["customer"] == first_message(task)
    said = " ".join(t["agent"] for t in turns)
    assert got.scores["communicate"] == float("12" in said) and got.passed == ("12" in said)
