"""``streamwise topics`` and ``streamwise dlq``: look at what the broker holds, like
``kcat -C -f '%h %k %s'``, and send dead letters back (``streams.admin`` does the work)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from streams.admin import (
    DeadLetter,
    Record,
    RecordRef,
    check_broker,
    get_dead_letter,
    list_dead_letters,
    list_topics,
    read_topic,
    redrive,
)
from streams.broker import create_topics
from streams.config import BrokerSettings
from streams.ledger import open_ledger
from streams.topics import all_topic_specs

from .errors import ConfigError
from .settings import load_settings

console = Console()
topics_app = typer.Typer(no_args_is_help=True, help="List topics and read their records.")
dlq_app = typer.Typer(no_args_is_help=True,
                      help="Dead letters: list, show (with the dlq.* reason), redrive.")

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file")]
BootstrapOpt = Annotated[str | None, typer.Option(
    help="host:port[,host:port] of the broker (default: from the config)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="one JSON object per line")]
TopicArg = Annotated[str, typer.Argument(help="an input topic (orders) or its DLQ (orders.dlq)")]


def split_servers(text: str) -> list[str]:
    """``a:9092, b:9092`` -> ``["a:9092", "b:9092"]``."""
    return [s.strip() for s in text.split(",") if s.strip()]


def broker_for(config: Path | None, bootstrap: str | None) -> BrokerSettings:
    """The configured broker, ``--bootstrap`` first; an embedded broker has no address
    outside the command that starts it, so one must be given."""
    broker = load_settings(config).broker
    if bootstrap:
        broker = broker.model_copy(update={"bootstrap_servers": split_servers(bootstrap)})
    if not broker.bootstrap_servers:
        raise ConfigError("no broker address: the embedded broker lives only as long as the "
                          "command that starts it; run `streamwise broker` and pass --bootstrap "
                          "127.0.0.1:PORT (or set STREAMWISE_BROKER__BOOTSTRAP_SERVERS)")
    return broker


@topics_app.command("create")
def topics_create(bootstrap: BootstrapOpt = None, config: ConfigOpt = None) -> None:
    """Create the streamwise topics (and the input topics' dead-letter topics) that do not
    exist yet, with their partition counts and broker.replication_factor: for a real Kafka
    cluster, once, before the workers start (the embedded broker creates them itself)."""
    broker = broker_for(config, bootstrap)
    check_broker(broker)
    created = create_topics(broker.bootstrap_servers, all_topic_specs(),
                            replication_factor=broker.replication_factor,
                            **{k: v for k, v in broker.client_kwargs().items()
                               if k != "bootstrap_servers"})
    typer.echo(f"created {len(created)} topics" + (f": {', '.join(created)}" if created else
                                                   " (all exist)"))


@topics_app.command("list")
def topics_list(bootstrap: BootstrapOpt = None, as_json: JsonOpt = False,
                config: ConfigOpt = None) -> None:
    """Every topic on the broker: kind, partitions, records held."""
    infos = list_topics(broker_for(config, bootstrap))
    if as_json:
        for info in infos:
            typer.echo(info.model_dump_json())
        return
    table = Table("topic", "kind", "partitions", "records")
    for info in infos:
        table.add_row(info.name, info.kind, str(info.partitions), str(info.records))
    console.print(table)


def _line(record: Record, headers: bool) -> str:
    parts = [f"{record.topic}/{record.partition}@{record.offset}", f"key={record.key}"]
    if headers:
        parts.append(" ".join(f"{k}={v}" for k, v in record.headers) or "(no headers)")
    parts.append(record.value if record.value is not None else "(null)")
    return " ".join(parts)


@topics_app.command("tail")
def topics_tail(
    topic: Annotated[str, typer.Argument(help="topic name")],
    from_beginning: Annotated[bool, typer.Option("--from-beginning",
                                                 help="start at the oldest record, not the end")]
    = False,
    headers: Annotated[bool, typer.Option("--headers", help="print each record's headers")] = False,
    exit_at_end: Annotated[bool, typer.Option("--exit", "-e",
                                              help="stop at the end of the topic instead of "
                                                   "waiting for new records")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="stop after this many records")] = None,
    as_json: JsonOpt = False,
    bootstrap: BootstrapOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print a topic's records as they arrive (partition@offset, key, headers, value); Ctrl-C stops."""
    records = read_topic(broker_for(config, bootstrap), topic, from_beginning=from_beginning,
                         follow=not exit_at_end, limit=limit)
    try:
        for record in records:
            typer.echo(record.model_dump_json() if as_json else _line(record, headers))
    except KeyboardInterrupt:
        pass


def _dlq_row(letter: DeadLetter) -> tuple[str, ...]:
    r = letter.reason
    return (f"{letter.record.partition}:{letter.record.offset}", letter.record.key or "",
            letter.event_id or "(not an event)",
            f"{r.origin_topic}/{r.origin_partition}@{r.origin_offset}" if r else "?",
            r.error_type if r else "?", str(r.attempts) if r else "?",
            (r.error_message if r else "no dlq.* headers")[:120])


@dlq_app.command("list")
def dlq_list(topic: TopicArg = "orders", limit: Annotated[int | None, typer.Option(min=1)] = None,
             as_json: JsonOpt = False, bootstrap: BootstrapOpt = None,
             config: ConfigOpt = None) -> None:
    """The dead letters of a topic, oldest first, with why each was dead-lettered."""
    letters = list_dead_letters(broker_for(config, bootstrap), topic, limit=limit)
    if as_json:
        for letter in letters:
            typer.echo(letter.model_dump_json())
        return
    table = Table("record", "key", "event id", "from", "error", "attempts", "message",
                  title=f"{topic.removesuffix('.dlq')}.dlq: {len(letters)} dead letters")
    for letter in letters:
        table.add_row(*(escape(cell) for cell in _dlq_row(letter)))
    console.print(table)


def _parse_refs(texts: list[str]) -> list[RecordRef]:
    try:
        return [RecordRef.parse(t) for t in texts]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@dlq_app.command("show")
def dlq_show(topic: TopicArg, record: Annotated[str, typer.Argument(help="PARTITION:OFFSET")],
             bootstrap: BootstrapOpt = None, config: ConfigOpt = None) -> None:
    """One dead letter in full: the dlq.* reason, its other headers, key and value (JSON)."""
    (ref,) = _parse_refs([record])
    typer.echo(get_dead_letter(broker_for(config, bootstrap), topic, ref).model_dump_json(indent=2))


@dlq_app.command("redrive")
def dlq_redrive(
    topic: TopicArg,
    records: Annotated[list[str] | None, typer.Argument(help="PARTITION:OFFSET ... (or --all)")]
    = None,
    all_records: Annotated[bool, typer.Option("--all", help="every dead letter of the topic")]
    = False,
    bootstrap: BootstrapOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Send dead letters back to their topic as they were, to be handled again (the
    idempotency ledger forgets them first; effects that did happen are not repeated)."""
    if bool(records) == all_records:
        raise typer.BadParameter("give PARTITION:OFFSET ... or --all (not both)")
    refs = None if all_records else _parse_refs(records or [])
    broker = broker_for(config, bootstrap)
    ledger = open_ledger(load_settings(config).worker)
    try:
        done = redrive(broker, ledger, topic, refs)
    finally:
        ledger.close()
    for r in done:
        typer.echo(f"redriven {r.source} -> {r.topic}/{r.partition}@{r.offset} "
                   f"event {r.event_id or '(not an event)'}"
                   + (" (ledger forgot it)" if r.forgotten else ""))
    typer.echo(f"{len(done)} redriven")
