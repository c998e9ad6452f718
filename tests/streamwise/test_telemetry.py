"""OpenTelemetry export of agent runs: off by default; when on, each run written to the trace
store reaches a real OTLP/HTTP endpoint as a run span with a child per model and tool call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from agents.trace import TraceRun, TraceStep, TraceStore
from streamwise.settings import TelemetrySettings
from streamwise.telemetry import otlp_exporter
from tools import DuckDBStore

RUN = TraceRun(
    event_id="evt-1", agent="order", thread_id="order:evt-1", kind="order_placed", status="done",
    decision="confirm", model_calls=1, input_tokens=300, output_tokens=40, tool_calls=2,
    steps=[TraceStep(step=0, kind="tool", name="plan_fulfilment", idempotency_key="evt-1:0"),
           TraceStep(step=1, kind="model", name="qwen", input_tokens=300, output_tokens=40,
                     latency_ms=1200),
           TraceStep(step=1, kind="tool", name="reserve_stock", status="error", error="no stock",
                     latency_ms=15)])


@pytest.fixture()
def collector() -> Iterator[tuple[str, list[ExportTraceServiceRequest]]]:
    received: list[ExportTraceServiceRequest] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(ExportTraceServiceRequest.FromString(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1/traces", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_off_by_default() -> None:
    assert otlp_exporter(TelemetrySettings()) is None


def test_runs_written_to_the_trace_store_are_exported_as_spans(
        collector: tuple[str, list[ExportTraceServiceRequest]]) -> None:
    url, received = collector
    exporter = otlp_exporter(TelemetrySettings(otlp_endpoint=url, service_name="sw-test"))
    assert exporter is not None
    store = DuckDBStore()
    traces = TraceStore(store)
    traces.listeners.append(exporter)
    traces.write(RUN)
    exporter.close()  # flushes the batch
    store.close()

    spans = [s for req in received for rs in req.resource_spans for ss in rs.scope_spans
             for s in ss.spans]
    by_name = {s.name: s for s in spans}
    assert set(by_name) == {"agent order", "execute_tool plan_fulfilment", "chat qwen",
                            "execute_tool reserve_stock"}
    root = by_name["agent order"]
    assert all(s.parent_span_id == root.span_id and s.trace_id == root.trace_id
               for s in spans if s is not root)
    attrs = {a.key: a.value for a in by_name["chat qwen"].attributes}
    assert attrs["gen_ai.usage.input_tokens"].int_value == 300
    assert by_name["chat qwen"].end_time_unix_nano - by_name["chat qwen"].start_time_unix_nano \
        == 1_200_000_000
    assert by_name["execute_tool reserve_stock"].status.code == 2  # ERROR
    assert {a.key: a.value.string_value for a in received[0].resource_spans[0].resource.attributes
            }["service.name"] == "sw-test"
