"""Errors of the streams package.

    StreamsError
     ├── BrokerError          the broker could not be started, reached or configured
     ├── ProduceError         a record was not acknowledged by the broker
     │    └── MessageTooLargeError  above the producer's request size: never will be
     ├── CommitError          the group did not take an offset commit (a rebalance is under way)
     ├── LedgerError          the idempotency ledger could not be opened or reached
     ├── TopicNotFoundError   no such topic on the broker
     ├── RecordNotFoundError  no record at that partition and offset
     └── HandlerError         raised by handlers to control retries
          ├── RetryableError  transient (LLM timeout, broker hiccup): retried with backoff
          ├── BackpressureError  a dependency is overloaded: the partition pauses, no attempt spent
          └── FatalError      will never succeed: dead-lettered at once
"""


class StreamsError(Exception):
    """Base of errors raised by the streams package."""


class BrokerError(StreamsError):
    """The broker could not be started, reached or configured."""


class ProduceError(StreamsError):
    """A record was not acknowledged by the broker."""


class MessageTooLargeError(ProduceError):
    """The producer refuses a record above its request size; sending it again cannot help."""


class CommitError(StreamsError):
    """The group did not take an offset commit now (e.g. a rebalance is under way)."""


class FencedError(CommitError):
    """Another producer took this worker's transactional id (a restart of it, or a zombie
    was fenced): this worker must stop; its open transaction is aborted."""


class LedgerError(StreamsError):
    """The idempotency ledger could not be opened or reached."""


class HandlerError(StreamsError):
    """Base for exceptions a handler raises on purpose."""


class RetryableError(HandlerError):
    """A transient failure: the runtime retries with exponential backoff and jitter."""


class BackpressureError(HandlerError):
    """A dependency is overloaded (the model answered 429/503, its circuit is open).

    The runtime pauses the record's partition for ``retry_after_s`` (the server's
    hint; None: ``retry_backoff_max_ms``; at most ``max_pause_s``) and then retries
    the record without counting an attempt: it is never dead-lettered for this."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class FatalError(HandlerError):
    """A failure that will not go away: the record is dead-lettered without retry."""


class PoisonRecordError(StreamsError):
    """A record that can never be handled as it is (too large, not an event): dead-lettered."""


class RecordTooLargeError(PoisonRecordError):
    """A record value above ``WorkerSettings.max_record_bytes``."""


class TopicNotFoundError(StreamsError):
    """The broker has no topic of that name."""


class RecordNotFoundError(StreamsError):
    """No record at that partition and offset."""
