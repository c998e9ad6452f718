"""Agent commands: ``run`` (workers), ``chat`` (support), ``ask`` (analyst), ``trace``, ``approve``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agents.checkpoint import sqlite_checkpointer
from agents.contracts import ApprovalDecision, MessageRequest, QuestionRequest
from agents.errors import UnknownThread
from agents.trace import load_trace
from streams.admin import check_broker
from streams.broker import EmbeddedBroker
from streams.events import OutputEvent
from streams.producer import Producer
from streams.runtime import Worker
from tools import open_store

from .cli_ops import split_servers
from .errors import StreamwiseError
from .live import EventPrinter, use_json_logs
from .render import answer_panel, trace_panel
from .settings import Settings, store_name, var_path
from .wiring import CATALOG_TOPIC, WORKER_TOPICS, EventRouter, open_platform

console = Console()
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file")]


def _settings(config: Path | None) -> Settings:
    from .cli import settings_or_exit

    return settings_or_exit(config)


@contextlib.contextmanager
def _broker(settings: Settings) -> Iterator[None]:
    """The configured broker, or an embedded one for the life of the command."""
    if settings.broker.bootstrap_servers or not settings.broker.embedded:
        yield
        return
    with EmbeddedBroker(log_path=var_path(settings, "var/log/tansu.log")) as broker:
        settings.broker.bootstrap_servers = [broker.bootstrap]
        console.print(f"embedded broker on [bold]{broker.bootstrap}[/bold] "
                      "(produce to it with: streamwise simulate --bootstrap "
                      f"{broker.bootstrap})")
        yield


def run(
    topics: Annotated[str, typer.Option(help="comma-separated input topics")] = ",".join(WORKER_TOPICS),
    bootstrap: Annotated[str | None, typer.Option(help="host:port of the broker")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, max=64,
        help="worker processes in the consumer group (more than 1 needs store.backend: "
             "postgres)")] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no line per event")] = False,
    json_logs: Annotated[bool, typer.Option(
        "--json-logs", help="events and log records as JSON lines, for a log collector")] = False,
    serve: Annotated[bool, typer.Option(
        "--serve", help="also serve the HTTP API and console (api.host:api.port)")] = False,
    config: ConfigOpt = None,
) -> None:
    """Start a worker (one member of the consumer group) on the input topics until Ctrl-C;
    prints a line per handled event: time, agent, event id, decision, latency, tokens.
    With --workers N, N worker processes share the model server and the store."""
    if json_logs:
        use_json_logs()
    say = logging.getLogger("streamwise.run").warning if json_logs else console.print
    settings = _settings(config)
    if workers > 1 and settings.store.backend != "postgres":
        raise StreamwiseError("--workers needs store.backend: postgres: DuckDB allows one "
                              "writing process (set it in the config, or "
                              "STREAMWISE_STORE__BACKEND=postgres)")
    if serve:
        from .cli_serve import api_tokens

        api_tokens(settings)  # before anything starts
    if bootstrap:
        settings.broker.bootstrap_servers = split_servers(bootstrap)
    if settings.broker.bootstrap_servers:  # before the model starts, which takes a while
        check_broker(settings.broker)
    names = [t.strip() for t in topics.split(",") if t.strip()]
    # The retrieval index is a DuckDB file: one process can hold it. Only a worker that
    # reads the catalog topic (whose events update the index) opens it; the other
    # workers of --workers N (and a `streamwise run --topics` without catalog) do not.
    others = [t for t in names if t != CATALOG_TOPIC]
    if workers > 1 and not others:
        raise StreamwiseError(f"--workers {workers} on the {CATALOG_TOPIC} topic alone: its "
                              "events update the retrieval index, which one process holds")
    with _broker(settings), open_platform(settings, with_retriever=CATALOG_TOPIC in names) \
            as platform, _more_workers(workers - 1, ",".join(others), config, settings,
                                       platform.llm_base_url):
        platform.warm(["order", "support"])
        router = EventRouter(platform, on_result=EventPrinter(
            "json" if json_logs else "quiet" if quiet else "lines"))
        worker = Worker(names, router.handle, settings.worker, broker=settings.broker)
        port = settings.worker.metrics_port
        say(f"worker {worker.worker_id} in group {settings.worker.group_id} on "
            f"{', '.join(worker.topics)}; model at {platform.llm_base_url}; "
            + (f"metrics on {settings.worker.metrics_host}:{port}/metrics" if port
               else "metrics off") + "; Ctrl-C stops")
        if serve:
            # One process holds the store: the API decides approvals while the worker runs.
            from .cli_serve import build_api, console_url, serve_forever

            say(f"console at {console_url(settings)}")
            serve_forever(build_api(settings, platform), settings, worker)
        else:
            worker.run_forever()
    say(f"stopped after {len(router.results)} agent runs")


@contextlib.contextmanager
def _more_workers(n: int, topics: str, config: Path | None, settings: Settings,
                  llm_base_url: str | None) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``n`` more ``streamwise run`` processes in the same group, on the same broker, model
    server and store; stopped (SIGTERM, then SIGKILL) when this one stops. Each serves
    its metrics on the next port (9401, 9402, ... after this one's 9400)."""
    env = dict(os.environ)
    if llm_base_url:  # one model server for all: the children do not start their own
        env["STREAMWISE_LLM__BASE_URL"] = llm_base_url
    cmd = [sys.executable, "-c", "from streamwise.cli import app; app()", "run",
           "--topics", topics, "--bootstrap", ",".join(settings.broker.bootstrap_servers), "--quiet"]
    if config is not None:
        cmd += ["--config", str(config)]
    children = [subprocess.Popen(cmd, env=_child_env(env, settings, k)) for k in range(n)]
    try:
        yield children
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _child_env(env: dict[str, str], settings: Settings, k: int) -> dict[str, str]:
    """The environment of the ``k``-th extra worker: its own metrics port (one port per
    process: a second bind would fail and leave that worker unscraped)."""
    port = settings.worker.metrics_port
    return {**env, "STREAMWISE_WORKER__METRICS_PORT": str(port + k + 1)} if port else env


def chat(
    session: Annotated[str | None, typer.Option(help="resume this chat session")] = None,
    config: ConfigOpt = None,
) -> None:
    """A terminal chat with the support agent; a session survives restarts (--session).
    Each line is a turn of the same agent that answers tickets (the model reads the
    message; the reply is written by code from facts, so it is printed whole)."""
    settings = _settings(config)
    session = session or f"chat-{uuid.uuid4().hex[:8]}"
    with open_platform(settings) as platform:
        platform.warm(["support"])  # while the user types
        console.print(f"session [bold]{session}[/bold] (resume with --session {session}); "
                      "empty line or Ctrl-D quits")
        while True:
            try:
                text = console.input("[bold cyan]you>[/bold cyan] ").strip()
            except (EOFError, KeyboardInterrupt):
                break
            if not text:
                break
            request = MessageRequest(agent="support", text=text,
                                   event_id=f"{session}:{uuid.uuid4().hex[:8]}",
                                   thread_id=f"chat:{session}", subject_id=session)
            try:
                with console.status("reading your message ..."):
                    result = platform.agents.run_sync(request)
            except Exception as exc:  # the chat goes on; the trace keeps the details
                console.print(f"[red]the agent failed: {type(exc).__name__}: {exc} "
                              f"(streamwise trace {request.event_id})[/red]")
                continue
            console.print("[bold green]agent>[/bold green] ", end="")
            console.print(result.message, markup=False, highlight=False)
            for approval in result.approvals:
                console.print(f"[yellow]waiting for approval {approval.approval_id}: "
                              f"{approval.reason} (streamwise approve chat:{session})[/yellow]")


def ask(
    question: Annotated[str, typer.Argument(help="a question in plain language")],
    chart: Annotated[Path | None, typer.Option(
        "--chart", help="save the answer's Vega-Lite chart spec (JSON) to this file")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="print the whole AgentResult as JSON instead of the panel")] = False,
    config: ConfigOpt = None,
) -> None:
    """Ask the analyst agent; prints the answer, the SQL and the table."""
    settings = _settings(config)
    request = QuestionRequest(agent="analyst", text=question,  # bad input fails before the model
                              event_id=f"ask-{uuid.uuid4().hex[:12]}")
    with open_platform(settings, with_retriever=False) as platform:
        if as_json:
            result = platform.agents.run_sync(request)
        else:
            with console.status("the analyst is working ..."):
                result = platform.agents.run_sync(request)
    if chart is not None:
        spec = result.answer.chart if result.answer else None
        if spec is None:
            # Said on stderr, so that --json output stays one JSON document.
            typer.echo(f"no chart: the result has no shape a chart helps with ({chart} not "
                       "written)", err=True)
        else:
            chart.parent.mkdir(parents=True, exist_ok=True)
            chart.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    console.print(answer_panel(result))
    if chart is not None and result.answer is not None and result.answer.chart is not None:
        console.print(f"[dim]chart: {chart}[/dim]")
    console.print(f"[dim]trace: streamwise trace {result.event_id}[/dim]")


def trace(
    event_id: Annotated[str, typer.Argument(help="the event (or ask/chat turn) id")],
    config: ConfigOpt = None,
) -> None:
    """Print the audit trace of one agent run: model calls, tool calls, approvals, outputs."""
    settings = _settings(config)
    run = None
    if settings.store.backend == "postgres" or var_path(settings, settings.store.db_path).exists():
        store = open_store(settings.store, read_only=True)
        try:
            run = load_trace(store, event_id)
        finally:
            store.close()
    if run is None:
        raise StreamwiseError(f"no trace for {event_id!r} in {store_name(settings)} (the id is "
                              "in the worker's output, `streamwise ask`'s last line or the "
                              "API's decision feed)")
    console.print(trace_panel(run))


def approve(
    thread_id: Annotated[str, typer.Argument(help="the thread waiting for approval")],
    reject: Annotated[bool, typer.Option("--reject", help="reject instead of approve")] = False,
    reviewer: Annotated[str, typer.Option(help="who decides")] = "cli",
    note: Annotated[str, typer.Option(help="a note for the trace")] = "",
    config: ConfigOpt = None,
) -> None:
    """Approve (or --reject) the action a paused agent thread waits for, and resume it.
    The thread's reply says what happened; on a ticket thread it is also published as a
    TicketReply when a broker is configured."""
    settings = _settings(config)
    decision = ApprovalDecision(approved=not reject, reviewer=reviewer, note=note)
    _check_thread(settings, thread_id)  # before the model is loaded
    # No retriever: resuming a thread does not search, and its index is a DuckDB file the
    # running worker holds (a second process could not open it).
    with open_platform(settings, with_retriever=False) as platform:
        result, events = asyncio.run(EventRouter(platform).resolve(thread_id, decision))
        console.print(f"{result.status}: {result.message}", markup=False, highlight=False)
        if thread_id.startswith("ticket:") and settings.broker.bootstrap_servers:
            asyncio.run(_publish(settings, events))
            console.print(f"published {len(events)} events (the reply to the ticket included)")


def _check_thread(settings: Settings, thread_id: str) -> None:
    """``UnknownThread`` when the (SQLite) checkpoint store has no such thread; a PostgreSQL
    store is asked by the platform itself."""
    if settings.agents.checkpoint_backend != "sqlite":
        return
    path = Path(settings.agents.checkpoint_path)
    if str(path) != ":memory:" and not path.exists():
        raise UnknownThread(f"no thread {thread_id!r}: no checkpoint store at {path} yet")
    saver = sqlite_checkpointer(path)
    try:
        found = saver.get_tuple({"configurable": {"thread_id": thread_id}})
    finally:
        saver.conn.close()
    if found is None:
        raise UnknownThread(f"no thread {thread_id!r} in the checkpoint store ({path}); "
                            "the API's approvals list or the agent's reply names it")


async def _publish(settings: Settings, events: list[OutputEvent]) -> None:
    producer = Producer(settings.broker)
    try:
        for event in events:
            await producer.send(event)
    finally:
        producer.close()
