"""What ``streamwise run`` prints while it works: a line per handled event, or one JSON
object per event and per log record (``--json-logs``, for a log collector), or nothing
but errors (``--quiet``)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

from agents.contracts import AgentResult

Mode = Literal["lines", "json", "quiet"]


def event_record(result: AgentResult, seconds: float) -> dict[str, object]:
    return {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "kind": "event",
            "event_id": result.event_id, "agent": result.agent, "status": result.status,
            "decision": result.decision, "latency_s": round(seconds, 3),
            "input_tokens": result.usage.input_tokens,
            "output_tokens": result.usage.output_tokens, "outputs": len(result.outputs),
            "approvals": len(result.approvals)}


def event_line(result: AgentResult, seconds: float) -> str:
    r = event_record(result, seconds)
    waiting = f" (awaiting {r['approvals']} approval)" if result.approvals else ""
    return (f"{datetime.now().strftime('%H:%M:%S')} {result.agent:<8} {result.event_id:<28} "
            f"{result.decision or result.status:<22} {seconds:6.1f} s "
            f"{r['input_tokens']}+{r['output_tokens']} tok {r['outputs']} out{waiting}")


class EventPrinter:
    """The router's ``on_result``: prints each handled event as ``mode`` says."""

    def __init__(self, mode: Mode) -> None:
        self.mode = mode

    def __call__(self, result: AgentResult, seconds: float) -> None:
        if self.mode == "json":
            print(json.dumps(event_record(result, seconds)), flush=True)
        elif self.mode == "lines":
            print(event_line(result, seconds), flush=True)


class JsonLogFormatter(logging.Formatter):
    """Log records as one JSON object a line, beside the event records."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
               "kind": "log", "level": record.levelname.lower(), "logger": record.name,
               "message": record.getMessage()}
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out)


def use_json_logs() -> None:
    """Every log record of the process as JSON on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
