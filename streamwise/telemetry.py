"""OpenTelemetry export of agent runs, beside the DuckDB traces; off unless
``telemetry.otlp_endpoint`` is set (``STREAMWISE_TELEMETRY__OTLP_ENDPOINT``).

Each run written to the trace store becomes one trace: a span for the run (agent,
event, decision, tokens) with a child span per model call and per tool call, named
and attributed after the OpenTelemetry GenAI conventions (``chat <model>``,
``execute_tool <tool>``, ``gen_ai.usage.*``). The runs are recorded after the fact,
so span times are laid out from the recorded latencies, ending when the run was
written; a tool call without a recorded latency is a zero-length span.
"""

from __future__ import annotations

import time

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Status, StatusCode, set_span_in_context

from agents.trace import TraceRun, TraceStep

from .settings import TelemetrySettings


class RunExporter:
    """Turns ``TraceRun``s into spans on its own tracer provider (no global state)."""

    def __init__(self, exporter: SpanExporter, service_name: str = "streamwise") -> None:
        self.provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        self.provider.add_span_processor(BatchSpanProcessor(exporter))
        self._tracer = self.provider.get_tracer("streamwise.agents")

    def __call__(self, run: TraceRun) -> None:
        end = time.time_ns()
        durations = [int(s.latency_ms * 1e6) for s in run.steps]
        start = end - sum(durations)
        root = self._tracer.start_span(
            f"agent {run.agent}", start_time=start, attributes={
                "streamwise.event_id": run.event_id, "streamwise.thread_id": run.thread_id,
                "streamwise.agent": run.agent, "streamwise.status": run.status,
                "streamwise.decision": run.decision, "streamwise.model_calls": run.model_calls,
                "streamwise.tool_calls": run.tool_calls,
                "gen_ai.usage.input_tokens": run.input_tokens,
                "gen_ai.usage.output_tokens": run.output_tokens})
        if run.status == "failed":
            root.set_status(Status(StatusCode.ERROR, run.error or "failed"))
        context = set_span_in_context(root)
        at = start
        for step, duration in zip(run.steps, durations, strict=True):
            span = self._tracer.start_span(_name(step), context=context, start_time=at,
                                           attributes=_attributes(step))
            if step.status != "ok":
                span.set_status(Status(StatusCode.ERROR, step.error or step.status))
            at += duration
            span.end(end_time=at)
        root.end(end_time=end)

    def close(self) -> None:
        self.provider.shutdown()  # flushes what is batched


def _name(step: TraceStep) -> str:
    if step.kind == "model":
        return f"chat {step.name}"
    if step.kind == "tool":
        return f"execute_tool {step.name}"
    return f"{step.kind} {step.name}"


def _attributes(step: TraceStep) -> dict[str, str | int | float | bool]:
    out: dict[str, str | int | float | bool] = {"streamwise.step": step.step,
                                                 "streamwise.status": step.status}
    if step.kind == "model":
        out |= {"gen_ai.operation.name": "chat", "gen_ai.request.model": step.name,
                "gen_ai.usage.input_tokens": step.input_tokens,
                "gen_ai.usage.output_tokens": step.output_tokens}
    elif step.kind == "tool":
        out |= {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": step.name,
                "streamwise.replayed": step.replayed}
        if step.idempotency_key:
            out["streamwise.idempotency_key"] = step.idempotency_key
    return out


def otlp_exporter(settings: TelemetrySettings) -> RunExporter | None:
    """The OTLP/HTTP exporter the settings ask for, or None (off)."""
    if not settings.otlp_endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return RunExporter(OTLPSpanExporter(endpoint=settings.otlp_endpoint), settings.service_name)
