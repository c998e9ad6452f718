"""Per-key queues: items of one key leave strictly in order, one at a time.

``pop_ready`` hands out the next item whose key has nothing in flight, taking
keys round-robin in the order they became ready, so one busy key never blocks
the others; ``release`` frees the key once its item is finished. Pure and
single-threaded (the runtime calls it from its event loop only).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class KeyedQueue(Generic[T]):
    def __init__(self) -> None:
        self._queues: dict[Hashable, deque[T]] = {}
        self._busy: set[Hashable] = set()
        self._ready: deque[Hashable] = deque()  # keys not busy with a non-empty queue
        self._size = 0

    def __len__(self) -> int:
        """Items waiting (not counting those handed out)."""
        return self._size

    @property
    def busy(self) -> int:
        """Keys with an item handed out and not released."""
        return len(self._busy)

    def push(self, key: Hashable, item: T) -> None:
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
        if not queue and key not in self._busy:
            self._ready.append(key)
        queue.append(item)
        self._size += 1

    def pop_ready(self) -> tuple[Hashable, T] | None:
        """The next item whose key is free, marking the key busy; None if there is none."""
        if not self._ready:
            return None
        key = self._ready.popleft()
        item = self._queues[key].popleft()
        self._busy.add(key)
        self._size -= 1
        return key, item

    def pop_ready_many(self, limit: int) -> list[tuple[Hashable, T]]:
        """Up to ``limit`` items of different free keys (``pop_ready`` repeated)."""
        out: list[tuple[Hashable, T]] = []
        while len(out) < limit and (got := self.pop_ready()) is not None:
            out.append(got)
        return out

    def release(self, key: Hashable) -> None:
        """The item handed out for ``key`` is finished: the key's next item may go."""
        self._busy.discard(key)
        queue = self._queues.get(key)
        if queue:
            self._ready.append(key)
        elif queue is not None:
            del self._queues[key]

    def drop(self, predicate: Callable[[T], bool]) -> list[T]:
        """Remove waiting items for which ``predicate`` is true; returns them."""
        dropped: list[T] = []
        for key in list(self._queues):
            queue = self._queues[key]
            kept = deque(item for item in queue if not predicate(item))
            dropped.extend(item for item in queue if predicate(item))
            if kept:
                self._queues[key] = kept
            elif key not in self._busy:
                del self._queues[key]
            else:
                self._queues[key] = kept
        self._size -= len(dropped)
        self._ready = deque(k for k in self._ready if self._queues.get(k))
        return dropped
