"""Dead letters: the original bytes and key, on ``<topic>.dlq``, with the reason in headers."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from .topics import DLQ_SUFFIX

MAX_MESSAGE_CHARS = 2000

# Header names (values are UTF-8).
H_ERROR_TYPE = "dlq.error_type"
H_ERROR_MESSAGE = "dlq.error_message"
H_ATTEMPTS = "dlq.attempts"
H_TOPIC = "dlq.origin_topic"
H_PARTITION = "dlq.origin_partition"
H_OFFSET = "dlq.origin_offset"
H_WORKER = "dlq.worker_id"
H_TIME = "dlq.failed_at"
H_REASON = "dlq.reason"  # invalid, too_large, wrong_topic, reused_event_id, handler
H_REFERENCE = "dlq.reference"  # "1": the value is a DeadLetterReference, not the record


def dlq_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


class DeadLetterInfo(BaseModel):
    """What the headers of a dead letter say."""

    error_type: str
    error_message: str
    attempts: int
    origin_topic: str
    origin_partition: int
    origin_offset: int
    worker_id: str
    failed_at: datetime
    reason: str = ""  # empty on letters written before the header existed

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            (H_ERROR_TYPE, self.error_type.encode()),
            (H_ERROR_MESSAGE, self.error_message[:MAX_MESSAGE_CHARS].encode()),
            (H_ATTEMPTS, str(self.attempts).encode()),
            (H_TOPIC, self.origin_topic.encode()),
            (H_PARTITION, str(self.origin_partition).encode()),
            (H_OFFSET, str(self.origin_offset).encode()),
            (H_WORKER, self.worker_id.encode()),
            (H_TIME, self.failed_at.isoformat().encode()),
            (H_REASON, self.reason.encode()),
        ]

    @classmethod
    def from_headers(cls, headers: list[tuple[str, bytes]]) -> DeadLetterInfo:
        h = {k: v.decode() for k, v in headers if k.startswith("dlq.")}
        return cls(error_type=h[H_ERROR_TYPE], error_message=h[H_ERROR_MESSAGE],
                   attempts=int(h[H_ATTEMPTS]), origin_topic=h[H_TOPIC],
                   origin_partition=int(h[H_PARTITION]), origin_offset=int(h[H_OFFSET]),
                   worker_id=h[H_WORKER], failed_at=datetime.fromisoformat(h[H_TIME]),
                   reason=h.get(H_REASON, ""))


class DeadLetterReference(BaseModel):
    """Where a record is that the producer could not send whole to its dead-letter topic."""

    topic: str
    partition: int
    offset: int
    size: int
    reason: str
    send_error: str

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


def dead_letter_info(exc: BaseException, *, attempts: int, topic: str, partition: int,
                     offset: int, worker_id: str, reason: str = "") -> DeadLetterInfo:
    return DeadLetterInfo(error_type=type(exc).__name__, error_message=str(exc) or repr(exc),
                          attempts=attempts, origin_topic=topic, origin_partition=partition,
                          origin_offset=offset, worker_id=worker_id,
                          failed_at=datetime.now(UTC), reason=reason)
