"""Per-partition contiguous watermark: the offset that is safe to commit.

Records finish out of order (different keys run concurrently), but Kafka keeps
one committed offset per partition: the next record to read after a restart.
The safe value is the lowest offset that is not finished yet, or one past the
highest offset seen when everything seen is finished. Offsets need not be
contiguous (compaction, transaction markers), so the tracker follows the
offsets it was given, in fetch order, instead of counting.

Pure and single-threaded: the runtime wraps it in its own lock.
"""

from __future__ import annotations

from collections import deque


class PartitionOffsets:
    """Offsets of one partition, from fetched to finished."""

    def __init__(self, committed: int | None = None) -> None:
        self._order: deque[int] = deque()  # fetched offsets in fetch order, head not finished
        self._open: set[int] = set()  # fetched and not finished
        self._last_added: int | None = None
        self.committed = committed  # last offset handed to the broker as committed

    def add(self, offset: int) -> bool:
        """Track a fetched offset; False (and ignored) if it is not above the last one."""
        if self._last_added is not None and offset <= self._last_added:
            return False
        self._order.append(offset)
        self._open.add(offset)
        self._last_added = offset
        return True

    def done(self, offset: int) -> bool:
        """Mark an offset finished; False if it was not pending (unknown or already done)."""
        if offset not in self._open:
            return False
        self._open.discard(offset)
        while self._order and self._order[0] not in self._open:
            self._order.popleft()
        return True

    @property
    def pending(self) -> int:
        """Records fetched and not finished."""
        return len(self._open)

    def watermark(self) -> int | None:
        """The offset to commit: every record below it is finished; None if nothing was seen."""
        if self._order:
            return self._order[0]
        if self._last_added is None:
            return None
        return self._last_added + 1

    def committable(self) -> int | None:
        """The watermark if it moved past the last commit, else None."""
        mark = self.watermark()
        if mark is None or (self.committed is not None and mark <= self.committed):
            return None
        return mark

    def mark_committed(self, offset: int) -> None:
        if self.committed is None or offset > self.committed:
            self.committed = offset
