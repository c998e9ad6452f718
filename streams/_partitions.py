"""State of the partitions a worker owns, shared by its three threads under one lock.

The consumer thread adds fetched offsets and commits watermarks; the event
loop starts and finishes records; kafka-python's IO thread runs the rebalance
listener, which revokes. Every assignment gets a fresh epoch: a record carries
the epoch it was fetched in, so a record finishing after its partition was
revoked (and maybe assigned back) cannot touch the new owner's offsets.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from ._offsets import PartitionOffsets
from .transport import TP, OutRecord, RawRecord


@dataclass(frozen=True, slots=True)
class FetchedRecord:
    tp: TP
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    epoch: int  # of the assignment it was fetched in


@dataclass
class Staged:
    """Exactly-once: what a finished record sends and marks when its offset is committed."""

    records: list[OutRecord] = field(default_factory=list)
    marks: list[tuple[str, str]] = field(default_factory=list)  # ledger (event id, origin)


@dataclass
class _Part:
    epoch: int
    offsets: PartitionOffsets = field(default_factory=PartitionOffsets)
    staged: dict[int, Staged] = field(default_factory=dict)  # by offset, until committed
    in_flight: int = 0
    revoking: bool = False


class Partitions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: dict[TP, _Part] = {}
        self._epochs = itertools.count(1)
        self.stopping = False
        # Partitions paused by a handler's BackpressureError, until a time.monotonic().
        self._holds: dict[TP, float] = {}

    def hold(self, tp: TP, seconds: float) -> None:
        """Pause fetching and starting ``tp``'s records for ``seconds`` (a later end wins)."""
        with self._lock:
            until = time.monotonic() + seconds
            self._holds[tp] = max(until, self._holds.get(tp, until))

    def hold_left(self, tp: TP) -> float:
        """Seconds until ``tp``'s hold ends (0: not held)."""
        if not self._holds:  # the usual case, without the lock
            return 0.0
        with self._lock:
            until = self._holds.get(tp)
            return max(0.0, until - time.monotonic()) if until is not None else 0.0

    def held(self) -> set[TP]:
        """The partitions held now (expired holds are dropped)."""
        if not self._holds:
            return set()
        with self._lock:
            now = time.monotonic()
            for tp in [tp for tp, until in self._holds.items() if until <= now]:
                del self._holds[tp]
            return set(self._holds)

    def assign(self, tps: Iterable[TP]) -> None:
        with self._lock:
            for tp in tps:
                if tp not in self._parts or self._parts[tp].revoking:
                    self._parts[tp] = _Part(epoch=next(self._epochs))

    def fetched_many(self, records: list[RawRecord]) -> list[FetchedRecord]:
        """Track fetched records; those to handle, each with its epoch."""
        out = []
        with self._lock:
            for r in records:
                part = self._parts.get(r.tp)
                if part is None or part.revoking or self.stopping or not part.offsets.add(r.offset):
                    continue
                out.append(FetchedRecord(r.tp, r.offset, r.key, r.value, r.headers, part.epoch))
        return out

    def start(self, tp: TP, epoch: int, n: int = 1) -> bool:
        """May ``n`` fetched records of ``tp`` start? Counts them in flight if so."""
        with self._lock:
            part = self._parts.get(tp)
            if part is None or part.epoch != epoch or part.revoking or self.stopping:
                return False
            part.in_flight += n
            return True

    def finish(self, tp: TP, epoch: int, n: int, offsets: Iterable[int],
               staged: dict[int, Staged] | None = None) -> None:
        """``n`` started records ended, those at ``offsets`` finished (the rest abandoned).

        ``staged``: what finished records send with their offsets' commit (exactly-once).
        """
        with self._lock:
            part = self._parts.get(tp)
            if part is None or part.epoch != epoch:
                return
            part.in_flight -= n
            for offset in offsets:
                part.offsets.done(offset)
            if staged:
                part.staged.update(staged)

    def staged(self, offsets: dict[TP, int]) -> list[Staged]:
        """What the records below ``offsets`` staged, partition by partition, in offset order."""
        with self._lock:
            out: list[Staged] = []
            for tp, mark in offsets.items():
                part = self._parts.get(tp)
                if part is not None:
                    out.extend(part.staged[o] for o in sorted(part.staged) if o < mark)
            return out

    def begin_revoke(self, tps: Iterable[TP]) -> set[TP]:
        with self._lock:
            owned = {tp for tp in tps if tp in self._parts}
            for tp in owned:
                self._parts[tp].revoking = True
            return owned

    def in_flight(self, tps: Iterable[TP] | None = None) -> int:
        with self._lock:
            parts = self._parts.values() if tps is None else [
                self._parts[tp] for tp in tps if tp in self._parts]
            return sum(p.in_flight for p in parts)

    def remove(self, tps: Iterable[TP]) -> None:
        with self._lock:
            for tp in tps:
                self._parts.pop(tp, None)

    def committable(self, tps: Iterable[TP] | None = None) -> dict[TP, int]:
        """Watermarks that moved past the last commit."""
        with self._lock:
            chosen = self._parts if tps is None else {
                tp: self._parts[tp] for tp in tps if tp in self._parts}
            out = {}
            for tp, part in chosen.items():
                mark = part.offsets.committable()
                if mark is not None:
                    out[tp] = mark
            return out

    def mark_committed(self, offsets: dict[TP, int]) -> None:
        with self._lock:
            for tp, offset in offsets.items():
                part = self._parts.get(tp)
                if part is not None:
                    part.offsets.mark_committed(offset)
                    for o in [o for o in part.staged if o < offset]:
                        del part.staged[o]

    def counts(self) -> tuple[int, int]:
        """(fetched and not finished, in flight) over all owned partitions."""
        with self._lock:
            pending = sum(p.offsets.pending for p in self._parts.values())
            return pending, sum(p.in_flight for p in self._parts.values())

    def watermarks(self) -> dict[TP, int]:
        with self._lock:
            out = {}
            for tp, part in self._parts.items():
                mark = part.offsets.watermark()
                if mark is not None:
                    out[tp] = mark
            return out
