"""The demo's example traces: one per agent first, then other decisions."""

from types import SimpleNamespace

from agents.contracts import AgentResult
from streamwise.demo import _examples


def result(n: int, agent: str, decision: str, status: str = "done") -> AgentResult:
    return AgentResult(agent=agent, event_id=f"e{n}", thread_id=f"t{n}", trace_id=f"e{n}",  # type: ignore[arg-type]
                       status=status, decision=decision, message="")  # type: ignore[arg-type]


def test_examples_show_every_agent_before_a_second_decision() -> None:
    runs = [result(1, "order", "confirm"), result(2, "order", "backorder"),
            result(3, "order", "confirm"), result(4, "support", "reply", status="failed"),
            result(5, "support", "transfer")]
    router = SimpleNamespace(results=[(r, []) for r in runs])
    assert [r.event_id for r in _examples(router)] == ["e1", "e5", "e2"]  # type: ignore[arg-type]
