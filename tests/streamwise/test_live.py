"""``streamwise run``'s live output, and metrics on fixed ports that never stop a worker."""

from __future__ import annotations

import json
import logging
import socket

import pytest

from agents.contracts import AgentResult, Usage
from agents.llm.local import port_or_free
from streams.metrics import WorkerMetrics
from streamwise.live import EventPrinter, JsonLogFormatter

RESULT = AgentResult(agent="order", event_id="evt-r1-7-000012", thread_id="order:evt",
                     trace_id="evt", status="done", decision="confirm", message="ok",
                     usage=Usage(input_tokens=300, output_tokens=40))


def test_a_line_or_a_json_object_per_event_or_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    EventPrinter("lines")(RESULT, 4.25)
    line = capsys.readouterr().out.strip()
    for part in ("order", "evt-r1-7-000012", "confirm", "4.2 s", "300+40 tok"):
        assert part in line
    EventPrinter("json")(RESULT, 4.25)
    record = json.loads(capsys.readouterr().out)
    assert (record["event_id"], record["decision"], record["latency_s"], record["input_tokens"]) == (
        "evt-r1-7-000012", "confirm", 4.25, 300)
    EventPrinter("quiet")(RESULT, 4.25)
    assert capsys.readouterr().out == ""


def test_json_log_records() -> None:
    record = logging.LogRecord("streams.runtime", logging.WARNING, __file__, 1,
                               "dead-lettered %s", ("orders/0@3",), None)
    out = json.loads(JsonLogFormatter().format(record))
    assert (out["level"], out["logger"], out["message"]) == (
        "warning", "streams.runtime", "dead-lettered orders/0@3")


def test_a_busy_port_is_not_fatal() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert WorkerMetrics().serve(port) is False
        assert port_or_free(port) != port
    assert port_or_free(None) > 0
