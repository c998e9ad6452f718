"""The gate every model call of a ``chat_model`` passes: a concurrency bound and a breaker.

``ModelGate.call()`` waits for one of ``max_concurrency`` slots (per chat model, and
the wiring builds one per process), refuses at once while the circuit is open
(``CircuitOpenError``), and turns the OpenAI SDK's errors into this package's:
429/502/503/504 (which the SDK does not retry, see ``chat``) into
``LLMOverloadedError`` with the server's ``Retry-After``; once the SDK's retries are
spent, a connection error or timeout into
``LLMConnectionError``. Overloads and connection errors count against the
breaker; the composition root turns both overload errors into backpressure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Literal

import openai

from .errors import CircuitOpenError, LLMConnectionError, LLMOverloadedError

OVERLOAD_STATUS = frozenset({429, 502, 503, 504})
State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Closed; open for ``reset_after_s`` after ``failure_threshold`` failed calls in a
    row; then half-open: one trial call, whose outcome closes or reopens it."""

    def __init__(self, failure_threshold: int = 5, reset_after_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> State:
        with self._lock:
            return self._state()

    def _state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_after_s:
            return "half_open"
        return "open"

    def retry_after(self) -> float:
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.reset_after_s - (self._clock() - self._opened_at))

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one trial call may."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half_open" and not self._trial_running:
                self._trial_running = True
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
            self._trial_running = False


class ModelGate:
    def __init__(self, max_concurrency: int, breaker: CircuitBreaker | None = None) -> None:
        self.max_concurrency = max_concurrency
        self.breaker = breaker or CircuitBreaker()
        self._cond = threading.Condition()
        self.in_flight = 0
        self.waiting = 0

    def wait_until(self, predicate: Callable[[ModelGate], bool], timeout_s: float) -> bool:
        """Block until ``predicate(self)`` holds (re-checked on every change of the counts)."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout_s)

    @contextmanager
    def call(self) -> Iterator[None]:
        if not self.breaker.allow():
            wait = self.breaker.retry_after()
            raise CircuitOpenError(f"the model kept failing: calls refused for {wait:.1f}s",
                                   retry_after=wait)
        with self._cond:
            self.waiting += 1
            self._cond.notify_all()
            self._cond.wait_for(lambda: self.in_flight < self.max_concurrency)
            self.waiting -= 1
            self.in_flight += 1
            self._cond.notify_all()
        try:
            yield
        except openai.APIStatusError as exc:
            if exc.status_code in OVERLOAD_STATUS:
                self.breaker.failure()
                raise LLMOverloadedError(
                    f"the model is overloaded ({exc.status_code}): {exc.message}",
                    status_code=exc.status_code, body=exc.response.text[:500],
                    retry_after=retry_after_s(exc.response.headers)) from exc
            self.breaker.success()  # it answered: a 4xx is the request's fault
            raise
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            self.breaker.failure()
            raise LLMConnectionError(f"cannot reach the model: {exc}") from exc
        except BaseException:
            self.breaker.success()  # raised after the model answered (parsing, a callback)
            raise
        else:
            self.breaker.success()
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """A response's ``Retry-After`` (seconds or an HTTP date), or ``retry-after-ms``
    (``headers`` look names up case-insensitively, as httpx's do)."""
    millis = headers.get("retry-after-ms")
    value = headers.get("retry-after")
    try:
        if millis is not None:
            return max(0.0, float(millis) / 1000)
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
