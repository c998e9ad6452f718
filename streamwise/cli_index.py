"""``streamwise index ...``: build, search, stats and evaluate the retrieval index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from retrieval import Filters, Retriever
from retrieval.evaluate import QUERIES, format_report, run

from .settings import ROOT, Settings, load_settings

index_app = typer.Typer(no_args_is_help=True,
                        help="The retrieval index: build it, search it, measure it.")
console = Console()

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file")]


def open_retriever(settings: Settings) -> Retriever:
    """A Retriever on the configured index; a relative index_dir is under the project root."""
    rs = settings.retrieval
    index_dir = Path(rs.index_dir)
    if not index_dir.is_absolute():
        index_dir = ROOT / index_dir
    return Retriever(rs.model_copy(update={"index_dir": str(index_dir)}))


def _open(config: Path | None) -> Retriever:
    settings = load_settings(config)
    with console.status("loading the embedding model"):
        return open_retriever(settings)


@index_app.command()
def build(config: ConfigOpt = None,
          data_dir: Annotated[Path | None, typer.Option(help="default: settings data_dir")] = None
          ) -> None:
    """Index the catalog, policy sections and FAQ (resolved tickets are kept)."""
    settings = load_settings(config)
    source = data_dir or Path(settings.data_dir)
    r = _open(config)
    with Progress(TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("embed", total=None)
        counts = r.build(source, progress=lambda done, total: bar.update(task, completed=done,
                                                                         total=total))
    stats = r.stats()
    r.close()
    console.print(f"indexed {sum(counts.values())} documents {counts} "
                  f"into a [bold]{stats.index_type}[/bold] index on {stats.device} "
                  f"({stats.index_bytes / 1024:.0f} KiB) at {r.dir}")


@index_app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("-k")] = 5,
    kind: Annotated[str | None, typer.Option(help="product, policy, faq or resolution")] = None,
    category: Annotated[str | None, typer.Option()] = None,
    in_stock: Annotated[bool | None, typer.Option("--in-stock/--out-of-stock")] = None,
    mode: Annotated[str | None, typer.Option(help="dense, bm25 or hybrid")] = None,
    config: ConfigOpt = None,
) -> None:
    """Search the index and print the hits."""
    r = _open(config)
    filters = Filters.model_validate({"kind": kind, "category": category, "in_stock": in_stock})
    hits = r.search(query, k, filters, mode=mode)  # type: ignore[arg-type]
    r.close()
    table = Table("doc id", "score", "text")
    for h in hits:
        table.add_row(h.doc_id, f"{h.score:.3f}", h.text[:120].replace("\n", " "))
    console.print(table)


@index_app.command()
def stats(config: ConfigOpt = None) -> None:
    """Print the index type, device, sizes and document counts."""
    r = _open(config)
    console.print_json(r.stats().model_dump_json())
    r.close()


@index_app.command("eval")
def evaluate(
    config: ConfigOpt = None,
    k: Annotated[int, typer.Option("-k")] = 10,
    queries: Annotated[Path, typer.Option(help="labelled queries (jsonl)")] = QUERIES,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the report")] = None,
) -> None:
    """nDCG@k and recall@k of dense, BM25 and hybrid search on the labelled query set."""
    r = _open(config)
    if not r.stats().vectors:
        console.print("[yellow]the index is empty: run `streamwise index build` first[/yellow]")
        raise typer.Exit(1)
    with console.status(f"evaluating {queries.name}"):
        report = run(r, queries, k=k)
    r.close()
    console.print(format_report(report), highlight=False)
    if json_out:
        json_out.write_text(json.dumps(report.model_dump(), indent=2))
