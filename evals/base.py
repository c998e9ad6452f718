"""What every evaluation suite is: cases in, one ``CaseResult`` per case out.

A suite module (``evals/support.py``, ``evals/analyst.py``, ``evals/order.py``)
provides a ``Suite``: it loads its cases from a file (so any task set in the
same format can be given with ``--tasks PATH``), runs one case against the
agents of an ``EvalWorld`` and scores it, and sums the results up. The runner
(``evals/runner.py``) gives each case a world, shows progress, prints a table
per category and writes ``benchmarks/results/eval_<suite>_<model>.json``.

Scoring never depends on how the agent got there: ``score`` functions take the
agent's ``AgentResult`` (and the store), so the harness is tested by handing
them gold and wrong results, without a model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from agents.service import Agents
from tools import Store, ToolRegistry


class CaseResult(BaseModel):
    """One case's outcome. ``passed`` is the suite's headline metric for the case."""

    suite: str
    case_id: str
    category: str  # the row of the per-category table (intent, question family, event kind)
    passed: bool
    # Other per-case figures, each a number (a 0/1 flag or a count): the runner
    # reports their mean (flags) per category and overall.
    scores: dict[str, float] = Field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""  # the agent or the harness failed on this case (counts as not passed)
    detail: dict[str, Any] = Field(default_factory=dict)  # what the agent did, for reading


@dataclass
class EvalWorld:
    """A seeded store with its tools and the agents over the endpoint under test."""

    store: Store
    registry: ToolRegistry
    agents: Agents


# A fresh world (a newly seeded store) for a case that changes data; closed after it.
WorldFactory = Callable[[], AbstractContextManager[EvalWorld]]


class Suite(Protocol):
    name: str  # support | analyst | order
    default_tasks: Path
    # Whether cases change the store: then each case gets a fresh world.
    mutates: bool

    def load(self, path: Path) -> Sequence[Any]:
        """The cases of a task file (raises ValueError naming the bad entry)."""
        ...

    def prepare(self, store: Store) -> None:
        """Write what the cases need into the template store, once, before any world
        opens: agents built with a world read the store's catalog then."""
        ...

    def run_case(self, case: Any, world: EvalWorld) -> CaseResult:
        """Run the agent on one case and score it; never raises for an agent failure."""
        ...

    def summary(self, results: Sequence[CaseResult]) -> dict[str, float]:
        """The suite's headline figures (e.g. execution accuracy, invented figures)."""
        ...
