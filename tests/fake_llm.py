"""A fake OpenAI-compatible server on a local port (a thread), for tests of the model path.

It answers ``POST .../chat/completions`` from ``script`` in turn (status, headers),
then with a plain completion (streamed when asked); ``hold`` (an Event) keeps each request open until set.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def completion(content: str = "hello") -> dict[str, Any]:
    return {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}


class FakeLLM:
    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str]]] = []
        self.hold: threading.Event | None = None
        self.arrived = threading.Semaphore(0)  # one release per request received
        self.requests = 0
        self.in_flight = 0
        self.peak = 0
        self.url = ""
        self._lock = threading.Lock()

    def answer(self, stream: bool) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            status, headers = self.script.pop(0) if self.script else (200, {})
        self.arrived.release()
        if self.hold is not None:
            self.hold.wait(30)
        if status != 200:
            return status, headers, json.dumps({"error": {"message": "overloaded"}}).encode()
        if not stream:
            return status, {"Content-Type": "application/json"}, json.dumps(completion()).encode()
        chunk = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m",
                 "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hello"},
                              "finish_reason": "stop"}]}
        return status, {"Content-Type": "text/event-stream"}, (
            f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())

    def done(self) -> None:
        with self._lock:
            self.in_flight -= 1


@contextmanager
def fake_llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            try:
                status, headers, body = fake.answer(bool(request.get("stream")))
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                fake.done()

        def do_GET(self) -> None:  # noqa: N802 - a server's /health, not the child's pid
            body = json.dumps({"status": "ok", "pid": os.getpid()}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-llm",
                              daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        if fake.hold is not None:
            fake.hold.set()  # no request left waiting
        server.shutdown()
        server.server_close()
        thread.join(10)
