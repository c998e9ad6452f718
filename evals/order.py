"""The order suite: events with the decision the independent oracle (``evals.oracle``) gives.

A case (one line of ``evals/sets/order_events.jsonl``, written by
``evals/sets/make_order_events.py``) is ``{id, kind, payload, expected:
{decision, alerts}, rule}``; ``payload`` is the ``agents.contracts`` model of
the kind (OrderData, ShipmentDelay, InventoryChange, PriceChange) as JSON.
Each case runs on a freshly seeded store (``mutates``), as the labels assume.

Scoring (``score``):

* **passed**: the agent's decision equals the expected one.
* **alerts_match**: the set of alert kinds the agent published equals the
  expected set (how many of one kind is not compared).
* **disallowed_choice**: the run shows the model chose a decision the facts
  do not allow: a message carrying the agent's note "[the model chose ...,
  which the facts do not allow ...]", or a ``model_choice`` outside
  ``allowed`` in an output's ``details`` or in a step of the trace.
* **faithful**: every id, number and status the explanation names (the run's
  message and every output's message) is found in the facts: the event
  payload, the results of the run's successful tool calls, and the rule
  settings (the thresholds the rules quote). Ids (and dates) must appear
  verbatim (case-insensitive) in the facts' text; numbers must be supported by
  a fact number at the precision stated (``evals._figures``); statuses are the
  store's order statuses (pending, processed, ...) and must appear in the
  facts' text ("pending review" or "pending approval" is not a status).
  Decision and alert words are the agent's own, not checked.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from agents.contracts import (
    AgentRequest,
    AgentResult,
    InventoryChange,
    OrderData,
    PriceChange,
    ShipmentDelay,
    parse_request,
)
from agents.trace import TraceStep
from tools import Store

from . import _figures
from .base import CaseResult, EvalWorld
from .oracle import DECISIONS, PAYLOAD_MODELS, EventKind, Rules

SETS = Path(__file__).resolve().parent / "sets"
STATUSES = ("pending", "processed", "delivered", "cancelled")  # the store's order statuses
_REQUEST_FIELD = {"order_placed": "order", "shipment_delayed": "shipment",
                  "inventory_adjusted": "inventory", "price_changed": "price"}
_DISALLOWED_NOTE = re.compile(r"the model chose\b.{0,200}?\bnot allow", re.IGNORECASE | re.DOTALL)


class Expected(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: str
    alerts: list[str] = []


class OrderCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: EventKind
    payload: OrderData | ShipmentDelay | InventoryChange | PriceChange
    expected: Expected
    rule: str = ""

    @model_validator(mode="before")
    @classmethod
    def _payload_of_kind(cls, data: Any) -> Any:
        # Validate the payload as its kind's model (the union alone would guess).
        if isinstance(data, dict) and data.get("kind") in PAYLOAD_MODELS \
                and isinstance(data.get("payload"), dict):
            model = PAYLOAD_MODELS[data["kind"]]
            data = {**data, "payload": model.model_validate(data["payload"])}
        return data

    @model_validator(mode="after")
    def _decision_allowed(self) -> OrderCase:
        if self.expected.decision not in DECISIONS[self.kind]:
            raise ValueError(f"expected decision {self.expected.decision!r} is not one of "
                             f"{DECISIONS[self.kind]} for {self.kind}")
        return self

    def request(self, event_id: str) -> AgentRequest:
        return parse_request({"agent": "order", "kind": self.kind,
                                            "event_id": event_id,
                                            _REQUEST_FIELD[self.kind]: self.payload})


def load_cases(path: Path) -> list[OrderCase]:
    """The events of a JSONL file; a bad line raises ValueError naming it."""
    cases: list[OrderCase] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = OrderCase.model_validate_json(line)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ValueError(f"{path}:{n}: not an order event case ({err['msg']} at {err['loc']}); "
                             "each line needs id, kind, payload (the kind's model), expected "
                             "{decision, alerts}") from exc
        if case.id in seen:
            raise ValueError(f"{path}:{n}: the id {case.id!r} is used twice")
        seen.add(case.id)
        cases.append(case)
    return cases


# --- checks ------------------------------------------------------------------------------

def _dicts(value: Any) -> Iterable[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _dicts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _dicts(v)


def disallowed_choices(result: AgentResult, steps: Sequence[TraceStep] = ()) -> list[str]:
    """Where the run shows a model choice the facts do not allow (empty when none)."""
    found = [m.group(0) for text in _texts(result) for m in _DISALLOWED_NOTE.finditer(text)]
    sources: list[Any] = [o.details for o in result.outputs] + [s.result for s in steps]
    for d in _dicts(sources):
        choice, allowed = d.get("model_choice"), d.get("allowed")
        if choice is not None and isinstance(allowed, list) and choice not in allowed:
            found.append(f"model_choice {choice!r} not in {allowed}")
    return found


def _texts(result: AgentResult) -> list[str]:
    return [t for t in [result.message, *(o.message for o in result.outputs)] if t]


def facts_of(case: OrderCase, steps: Sequence[TraceStep], rules: Rules) -> list[Any]:
    """The facts an explanation may quote: payload, successful tool results, rule settings."""
    settings = rules.model_dump()
    settings["margin_floor_pct"] = rules.margin_floor * 100
    return [case.payload.model_dump(mode="json"), settings,
            *(s.result for s in steps if s.kind == "tool" and s.status == "ok")]


def unfaithful(texts: Sequence[str], facts: Sequence[Any],
               statuses: Sequence[str] = STATUSES) -> list[str]:
    """The ids, numbers and statuses in ``texts`` that the facts do not hold."""
    fact_text = _figures.text_of(list(facts))
    numbers = _figures.numbers_in(list(facts))
    out: list[str] = []
    for text in texts:
        out += [t for t in _figures.ids(text) if t.lower() not in fact_text]
        out += [f.text for f in _figures.figures(text) if not _figures.supported(f, numbers)]
        lowered = text.lower()
        out += [s for s in statuses if s not in fact_text and re.search(
            rf"\b{re.escape(s)}\b(?!\s+(?:review|approval|further|manual|a\b))", lowered)]
    return out


# The baseline measured beside the agent: a pass-through that confirms every order,
# sends every delay notice and acts on no stock or price change.
BASELINE_DECISION: dict[str, str] = {"order_placed": "confirm",
                                     "shipment_delayed": "notify_customer",
                                     "inventory_adjusted": "no_action",
                                     "price_changed": "no_action"}


def score(case: OrderCase, result: AgentResult, steps: Sequence[TraceStep] = (),
          rules: Rules | None = None, statuses: Sequence[str] = STATUSES) -> CaseResult:
    """Score one run of the order agent on ``case`` (no model, no store)."""
    rules = rules or Rules()
    alerts = {o.alert for o in result.outputs if o.kind == "alert" and o.alert}
    disallowed = disallowed_choices(result, steps)
    unsupported = unfaithful(_texts(result), facts_of(case, steps, rules), statuses)
    return CaseResult(
        suite="order", case_id=case.id, category=case.kind,
        passed=result.decision == case.expected.decision,
        scores={"alerts_match": float(alerts == set(case.expected.alerts)),
                "disallowed_choice": float(bool(disallowed)),
                "faithful": float(not unsupported),
                "baseline_passed": float(BASELINE_DECISION[case.kind] == case.expected.decision)},
        detail={"rule": case.rule, "expected": case.expected.model_dump(),
                "decision": result.decision, "alerts": sorted(alerts), "status": result.status,
                "message": result.message, "disallowed": disallowed, "unsupported": unsupported})


# --- the suite --------------------------------------------------------------------------------

class OrderSuite:
    name = "order"
    default_tasks = SETS / "order_events.jsonl"
    mutates = True

    def prepare(self, store: Store) -> None:
        """Nothing: the seeded store is what the cases start from."""

    def load(self, path: Path) -> Sequence[OrderCase]:
        return load_cases(path)

    def run_case(self, case: OrderCase, world: EvalWorld) -> CaseResult:
        started = time.perf_counter()
        rules = Rules(margin_floor=world.registry.settings.margin_floor,
                      max_price_change_pct=world.registry.settings.max_price_change_pct)
        try:
            result = world.agents.run_sync(case.request(f"eval-order-{case.id}-{uuid.uuid4().hex[:8]}"))
            trace = world.agents.trace(result.event_id)
        except Exception as exc:  # noqa: BLE001 - an agent failure is a failed case, not a crash
            return CaseResult(suite=self.name, case_id=case.id, category=case.kind, passed=False,
                              error=f"{type(exc).__name__}: {exc}",
                              seconds=time.perf_counter() - started,
                              scores={"alerts_match": 0.0, "disallowed_choice": 0.0,
                                      "faithful": 0.0, "baseline_passed": float(
                                          BASELINE_DECISION[case.kind]
                                          == case.expected.decision)})
        out = score(case, result, trace.steps if trace else [], rules)
        out.seconds = time.perf_counter() - started
        return out

    def summary(self, results: Sequence[CaseResult]) -> dict[str, float]:
        n = max(1, len(results))

        def rate(key: str) -> float:
            return sum(r.scores.get(key, 0.0) for r in results) / n

        return {"decision_accuracy": sum(r.passed for r in results) / n,
                "disallowed_choice_rate": rate("disallowed_choice"),
                "faithful_rate": rate("faithful"), "alerts_match_rate": rate("alerts_match"),
                "baseline_decision_accuracy": rate("baseline_passed")}

