"""Every command, given bad input, fails with one ``error: ...`` line and a non-zero exit,
never a traceback. Run in one process through the real CLI (``streamwise.cli.app``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from streamwise.cli import app

MISSING = "/nonexistent/streamwise.yaml"
# (command path, arguments, extra environment, what the line must say)
CASES: list[tuple[str, list[str], dict[str, str], str]] = [
    ("config", ["config", "-c", MISSING], {}, "config file not found"),
    ("init", ["init"], {"STREAMWISE_HOME": "{tmp}"}, "streamwise.yaml exists"),  # made below
    ("broker", ["broker", "--port", "many"], {}, "Invalid value for '--port'"),
    ("demo", ["demo", "-c", MISSING], {}, "config file not found"),
    ("simulate", ["simulate", "--bootstrap", "127.0.0.1:1"], {}, "no Kafka broker answers"),
    ("llm assemble", ["llm", "assemble", "--model", "gpt-9"], {}, "unknown model 'gpt-9'"),
    ("llm serve", ["llm", "serve", "--model", "gpt-9"], {}, "unknown model 'gpt-9'"),
    ("seed", ["seed", "-c", MISSING], {}, "config file not found"),
    ("index build", ["index", "build", "-c", MISSING], {}, "config file not found"),
    ("index search", ["index", "search", "q", "-c", MISSING], {}, "config file not found"),
    ("index stats", ["index", "stats", "-c", MISSING], {}, "config file not found"),
    ("index eval", ["index", "eval", "-c", MISSING], {}, "config file not found"),
    ("replay", ["replay", "/nonexistent/events.jsonl"], {}, "No such file or directory"),
    ("run", ["run", "--bootstrap", "127.0.0.1:1"], {}, "no Kafka broker answers at 127.0.0.1:1"),
    ("chat", ["chat", "-c", MISSING], {}, "config file not found"),
    ("ask", ["ask", ""], {}, "a question request needs text"),
    ("trace", ["trace", "no-such-event"], {}, "no trace for 'no-such-event'"),
    ("approve", ["approve", "no-such-thread"], {}, "no thread 'no-such-thread'"),
    ("serve", ["serve", "-c", MISSING], {}, "config file not found"),
    ("topics list", ["topics", "list"], {}, "no broker address"),
    ("topics create", ["topics", "create", "--bootstrap", "127.0.0.1:1"], {},
     "no Kafka broker answers"),
    ("topics tail", ["topics", "tail", "orders", "--limit", "0"], {}, "Invalid value for '--limit'"),
    ("dlq list", ["dlq", "list", "--bootstrap", "127.0.0.1:1"], {}, "no Kafka broker answers"),
    ("dlq show", ["dlq", "show", "orders", "7"], {}, "PARTITION:OFFSET"),
    ("dlq redrive", ["dlq", "redrive", "orders"], {}, "give PARTITION:OFFSET ... or --all"),
    ("eval", ["eval", "no-such-suite"], {}, "unknown suite 'no-such-suite'"),
    # the configuration, through any command
    ("config", ["config"], {"STREAMWISE_WORKER__MAX_IN_FLIGHT": "[red]many"},
     "[yaml key worker.max_in_flight / env STREAMWISE_WORKER__MAX_IN_FLIGHT]"),
    ("config", ["config"], {"STREAMWISE_FOO__BAR": "1"},
     "unknown environment variable(s) STREAMWISE_FOO__BAR"),
    ("", ["no-such-command"], {}, "No such command 'no-such-command'"),
]


def _commands(group: typer.Typer) -> set[str]:
    """Every leaf command's path, e.g. ``llm serve``."""
    root = typer.main.get_command(group)
    out: set[str] = set()

    def walk(cmd: object, path: str) -> None:
        subs = getattr(cmd, "commands", None)
        if subs is None:
            out.add(path)
            return
        for name, sub in subs.items():
            walk(sub, f"{path} {name}".strip())

    walk(root, "")
    return out


def test_the_cases_cover_every_command() -> None:
    assert _commands(app) - {name for name, *_ in CASES} == set()


@pytest.mark.parametrize(("name", "args", "env", "says"), CASES,
                         ids=[" ".join(c[1])[:40] for c in CASES])
def test_bad_input_is_one_line_and_a_nonzero_exit(name: str, args: list[str], env: dict[str, str],
                                                  says: str, tmp_path: Path) -> None:
    base = {"STREAMWISE_STORE__DB_PATH": str(tmp_path / "store.duckdb"),
            "STREAMWISE_AGENTS__CHECKPOINT_PATH": str(tmp_path / "checkpoints.sqlite"),
            "STREAMWISE_WORKER__LEDGER_PATH": str(tmp_path / "ledger.sqlite"),
            "STREAMWISE_BROKER__BOOTSTRAP_SERVERS": "", "COLUMNS": "300"}
    (tmp_path / "streamwise.yaml").write_text("profile: existing\n")  # for `init`
    env = {k: v.replace("{tmp}", str(tmp_path)) for k, v in env.items()}
    result = CliRunner().invoke(app, args, env={**base, **env})
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code not in (0, None), result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(
        result.exception, SystemExit), result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert says in lines[0]
