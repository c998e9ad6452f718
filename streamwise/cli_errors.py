"""The CLI's one error boundary: any failure of a command is one line on stderr and a
non-zero exit, never a traceback (``--verbose`` keeps the traceback for a bug report).

Commands raise; they do not catch to print. Errors the platform raises on purpose
(configuration, broker, agents, tools, ...) already say what to do and are printed as
they are; input the models reject is summarised; anything else is a bug, printed as
its type and message with a pointer to ``--verbose``.
"""

from __future__ import annotations

import logging
from typing import Any

import typer
from kafka.errors import KafkaError
from pydantic import ValidationError

# typer 0.29 vendors click: its commands raise and catch typer._click's classes, not click's.
from typer._click import ClickException, Context, echo
from typer.core import TyperGroup

from agents.errors import AgentsError
from agents.llm.errors import LLMError
from retrieval.errors import RetrievalError
from streams.errors import StreamsError
from tools.errors import ToolsError

from .errors import BadInputError, StreamwiseError

# Exit codes: 1 the command failed, 2 the input or configuration is wrong (as click's usage errors).
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

_EXPECTED: tuple[type[BaseException], ...] = (StreamwiseError, StreamsError, AgentsError, LLMError,
                                              ToolsError, RetrievalError)


class OneLineError(Exception):
    """What the user sees: ``error: <message>`` on one line (newlines folded), exit ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(" ".join(message.split()))
        self.exit_code = exit_code


def _validation_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"invalid {exc.title}: {loc + ': ' if loc else ''}{first['msg']}{more}"


def one_line(exc: BaseException) -> OneLineError:
    """The one-line error for ``exc``."""
    if isinstance(exc, BadInputError):
        return OneLineError(str(exc), EXIT_BAD_INPUT)
    if isinstance(exc, _EXPECTED):
        return OneLineError(str(exc) or type(exc).__name__)
    if isinstance(exc, OSError):  # a file not found or not readable, a port in use
        return OneLineError(str(exc))
    if isinstance(exc, ValidationError):
        return OneLineError(_validation_line(exc), EXIT_BAD_INPUT)
    if isinstance(exc, KafkaError):
        return OneLineError(f"the Kafka broker failed: {exc} (is it running? --bootstrap host:port "
                            "or STREAMWISE_BROKER__BOOTSTRAP_SERVERS)")
    return OneLineError(f"unexpected {type(exc).__name__}: {exc} (run with --verbose for the "
                        "traceback and report it)")


def _usage_line(exc: ClickException) -> OneLineError:
    usage = getattr(exc, "ctx", None)
    hint = f" (see {usage.command_path} --help)" if usage is not None else ""
    return OneLineError(exc.format_message() + hint, exc.exit_code)


def _is_help(exc: ClickException) -> bool:
    return type(exc).__name__ == "NoArgsIsHelpError"  # `streamwise dlq`: typer shows the help


class ErrorBoundary(TyperGroup):
    """The root command group: what a command (or the parsing of its arguments) raises
    becomes one line on stderr and ``typer.Exit``, so neither a traceback nor typer's
    boxed usage panel is shown."""

    def make_context(self, info_name: str | None, args: list[str], parent: Context | None = None,
                     **extra: Any) -> Context:
        try:  # the root's own options: `streamwise --bogus`
            return super().make_context(info_name, args, parent, **extra)
        except ClickException as exc:
            if _is_help(exc):
                raise
            err = _usage_line(exc)
        echo(f"error: {err}", err=True)
        raise typer.Exit(err.exit_code)

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except ClickException as exc:
            if _is_help(exc):
                raise
            err = _usage_line(exc)
        except Exception as exc:
            if logging.getLogger().isEnabledFor(logging.INFO):  # --verbose
                logging.getLogger("streamwise.cli").exception("command failed")
            err = one_line(exc)
        echo(f"error: {err}", err=True)
        raise typer.Exit(err.exit_code)
