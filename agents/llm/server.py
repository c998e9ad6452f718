"""An OpenAI-compatible chat-completions server over llama.cpp (FastAPI).

What llama-cpp-python's bundled server lacks for agents is done here: tool
calls in every ``tool_choice`` mode and JSON-schema responses are decoded
under a grammar so they always parse, assistant ``content: null`` and
``tool`` messages are rendered with the model's own chat template, and a
bounded queue answers 503 with ``Retry-After`` when full.

Run: ``streamwise llm serve`` or ``python -m agents.llm.server --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from llama_cpp import Llama
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from ._engine import BadRequestError, Engine, Generation, Prepared, QueueFullError
from ._grammar import parse_tool_call
from ._metrics import ServerMetrics
from ._stream import ToolCallStreamer
from .protocol import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    ErrorBody,
    ErrorResponse,
    FunctionCall,
    ToolCall,
    Usage,
)

log = logging.getLogger(__name__)


def error(status: int, message: str, *, kind: str = "invalid_request_error",
          param: str | None = None, code: str | None = None,
          headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(message=message, type=kind, param=param, code=code))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _describe(exc: ValidationError) -> tuple[str, str | None]:
    problems = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"])
        problems.append(f"{loc or 'body'}: {err['msg']}")
    first = exc.errors()[0]["loc"] if exc.errors() else ()
    return "invalid request: " + "; ".join(problems), str(first[0]) if first else None


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="streamwise local LLM", docs_url=None, redoc_url=None)
    metrics = ServerMetrics()
    created = int(time.time())

    @app.get("/health")
    async def health() -> dict[str, Any]:
        # ``pid``: LocalServer checks that the server answering is the child it started.
        return {"status": "ok", "pid": os.getpid(), "model": engine.model_name,
                "parallel": engine.parallel,
                "waiting": engine.waiting, "running": engine.busy}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": engine.model_name, "object": "model",
                                            "created": created, "owned_by": "streamwise",
                                            "max_model_len": engine.n_ctx}]}

    @app.get("/metrics")
    async def prometheus() -> PlainTextResponse:
        metrics.waiting.set(engine.waiting)
        metrics.running.set(engine.busy)
        return PlainTextResponse(generate_latest(metrics.registry),
                                 media_type=CONTENT_TYPE_LATEST)

    @app.post("/v1/chat/completions", response_model=None)
    async def chat(request: Request) -> JSONResponse | StreamingResponse:
        started = time.perf_counter()
        response = await _chat(request, started)
        metrics.requests.labels(status=str(response.status_code)).inc()
        if not isinstance(response, StreamingResponse):
            metrics.latency.observe(time.perf_counter() - started)
        return response

    async def _chat(request: Request, started: float) -> JSONResponse | StreamingResponse:
        try:
            data = json.loads(await request.body())
        except ValueError as exc:
            return error(400, f"malformed JSON body: {exc}", code="invalid_json")
        if not isinstance(data, dict):
            return error(400, "the body must be a JSON object", code="invalid_json")
        try:
            req = ChatCompletionRequest.model_validate(data)
        except ValidationError as exc:
            message, param = _describe(exc)
            return error(400, message, param=param)
        if req.model != engine.model_name:
            return error(404, f"the model {req.model!r} does not exist; this server serves "
                         f"{engine.model_name!r}", param="model", code="model_not_found")
        try:
            prepared = await asyncio.to_thread(engine.prepare, req)
        except BadRequestError as exc:
            return error(400, str(exc), param=exc.param, code=exc.code)
        slot = engine.slot(prepared.tokens)
        try:
            llama = await slot.__aenter__()
        except QueueFullError as exc:
            return error(503, str(exc), kind="server_overloaded", code="queue_full",
                         headers={"Retry-After": str(exc.retry_after_s)})
        metrics.queue_wait.observe(time.perf_counter() - started)
        if req.stream:
            return StreamingResponse(_stream(req, prepared, llama, slot, started),
                                     media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        try:
            gen = await _run(llama, prepared, None)
        finally:
            await slot.__aexit__(None, None, None)
        _count(gen)
        return JSONResponse(_completion(req, prepared, gen).model_dump(exclude_none=True))

    async def _run(llama: Llama, prepared: Prepared,
                   on_text: Callable[[str], None] | None) -> Generation:
        # The Llama must not go back to the pool while its thread still runs,
        # even when the client has gone: cancel, then wait for the thread.
        cancelled = threading.Event()
        task = asyncio.ensure_future(asyncio.to_thread(
            engine.generate, llama, prepared, on_text=on_text, cancelled=cancelled))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled.set()
            with contextlib.suppress(Exception):
                await task
            raise

    def _count(gen: Generation) -> None:
        metrics.prompt_tokens.inc(gen.prompt_tokens)
        metrics.cached_tokens.inc(gen.cached_tokens)
        metrics.completion_tokens.inc(gen.completion_tokens)

    async def _stream(req: ChatCompletionRequest, prepared: Prepared, llama: Llama,
                      slot: contextlib.AbstractAsyncContextManager[Llama],
                      started: float) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str | None] = asyncio.Queue()
        cid, now = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

        def chunk(delta: dict[str, Any] | None, finish: str | None = None,
                  usage: Usage | None = None) -> bytes:
            body: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk",
                                    "created": now, "model": engine.model_name,
                                    "choices": [] if delta is None else
                                    [{"index": 0, "delta": delta, "finish_reason": finish}]}
            if usage is not None:
                body["usage"] = usage.model_dump(exclude_none=True)
            return f"data: {json.dumps(body)}\n\n".encode()

        def on_text(text: str) -> None:
            loop.call_soon_threadsafe(pieces.put_nowait, text)

        task = asyncio.ensure_future(_run(llama, prepared, on_text))
        task.add_done_callback(lambda _t: loop.call_soon_threadsafe(pieces.put_nowait, None))
        try:
            yield chunk({"role": "assistant", "content": ""})
            # With tools, text that opens like a call is a call: it streams as
            # tool_calls deltas once its name is known (arguments piece by piece).
            held: list[str] | None = [] if prepared.mode in ("auto", "call") else None
            streamer = ToolCallStreamer({t.function.name for t in req.tools or ()})
            while (piece := await pieces.get()) is not None:
                if held is None:
                    yield chunk({"content": piece})
                    continue
                held.append(piece)
                opening = "".join(held).lstrip()
                if prepared.mode == "auto" and opening and opening[0] not in "<{":
                    yield chunk({"content": "".join(held)})
                    held = None
                    continue
                for delta in streamer.feed(piece):
                    yield chunk({"tool_calls": [delta]})
            gen = await task
            message, finish = _message(req, prepared, gen)
            if held is not None and streamer.started:
                pass  # the call went out as it was decoded
            elif held is not None:
                if message.tool_calls:
                    yield chunk({"tool_calls": [
                        {"index": i, **c.model_dump()} for i, c in enumerate(message.tool_calls)]})
                elif held:
                    yield chunk({"content": "".join(held)})
            yield chunk({}, finish)
            if req.stream_options and req.stream_options.include_usage:
                yield chunk(None, usage=_usage(gen))
            yield b"data: [DONE]\n\n"
            _count(gen)
        finally:
            if not task.done():
                task.cancel()
            with contextlib.suppress(BaseException):
                await task
            await slot.__aexit__(None, None, None)
            metrics.latency.observe(time.perf_counter() - started)

    return app


def _usage(gen: Generation) -> Usage:
    return Usage(prompt_tokens=gen.prompt_tokens, completion_tokens=gen.completion_tokens,
                 total_tokens=gen.prompt_tokens + gen.completion_tokens,
                 prompt_tokens_details={"cached_tokens": gen.cached_tokens})


def _message(req: ChatCompletionRequest, prepared: Prepared,
             gen: Generation) -> tuple[AssistantMessage, str]:
    if prepared.mode in ("auto", "call"):
        call = parse_tool_call(gen.text)
        names = {t.function.name for t in req.tools or ()}
        if call is not None and call[0] in names:
            tool_call = ToolCall(function=FunctionCall(name=call[0],
                                                       arguments=json.dumps(call[1])))
            return AssistantMessage(content=None, tool_calls=[tool_call]), "tool_calls"
    return AssistantMessage(content=gen.text), gen.finish_reason


def _completion(req: ChatCompletionRequest, prepared: Prepared, gen: Generation) -> ChatCompletion:
    message, finish = _message(req, prepared, gen)
    return ChatCompletion(model=req.model, usage=_usage(gen),
                          choices=[Choice(message=message, finish_reason=finish)])


def serve(model: str, *, models_dir: str, host: str = "127.0.0.1", port: int = 8000,
          threads: int = 1, context: int = 4096, parallel: int = 1, queue: int = 32,
          served_name: str | None = None, temperature: float = 0.0, cache_mb: int = 0) -> None:
    """Assemble/verify ``model`` and serve it until interrupted."""
    import uvicorn

    from .models import model_path

    path = model_path(model, models_dir)
    engine = Engine(str(path), model_name=served_name or model, n_ctx=context,
                    n_threads=threads, parallel=parallel, queue_size=queue,
                    default_temperature=temperature, cache_mb=cache_mb)
    log.info("serving %s from %s on http://%s:%s/v1", engine.model_name, path, host, port)
    uvicorn.run(create_app(engine), host=host, port=port, log_level="warning",
                timeout_graceful_shutdown=5)


def main(argv: list[str] | None = None) -> None:
    from .models import DEFAULT_MODEL, MODELS

    p = argparse.ArgumentParser(prog="python -m agents.llm.server", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=DEFAULT_MODEL, choices=sorted(MODELS))
    p.add_argument("--models-dir", default="var/models")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--context", type=int, default=4096)
    p.add_argument("--parallel", type=int, default=1)
    p.add_argument("--queue", type=int, default=32)
    p.add_argument("--served-name", default=None)
    p.add_argument("--cache-mb", type=int, default=0,
                   help="RAM for KV states kept by prompt prefix (0: only the last prompt)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(args.model, models_dir=args.models_dir, host=args.host, port=args.port,
          threads=args.threads, context=args.context, parallel=args.parallel, queue=args.queue,
          served_name=args.served_name, cache_mb=args.cache_mb)


if __name__ == "__main__":
    main()
