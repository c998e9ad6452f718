"""Dead letters: list and inspect a topic's ``<topic>.dlq`` records, redrive them.

The reading and the redrive are ``streams.admin``'s (the ones ``streamwise dlq`` uses):
group-less reads that commit nothing, and a redrive that makes the idempotency
ledger forget the event before sending the original bytes back to its topic.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from streams.admin import DeadLetter, RecordRef, Redriven, get_dead_letter, list_dead_letters
from streams.admin import redrive as redrive_records
from streams.errors import BrokerError, ProduceError, RecordNotFoundError, TopicNotFoundError
from streams.ledger import open_ledger
from streams.topics import TOPICS

from ..settings import var_path
from .auth import Principal, require
from .context import ApiContext, Ctx

router = APIRouter(prefix="/v1/dlq", tags=["dead letters"])
Operator = Annotated[Principal, Depends(require())]
T = TypeVar("T")


def source_topics() -> list[str]:
    """The topics that have a dead-letter topic: the input topics."""
    return [t.name for t in TOPICS.values() if t.kind == "input"]


def _topic(topic: Annotated[str, Path(description="an input topic, e.g. orders")]) -> str:
    if topic not in source_topics():
        raise HTTPException(404, f"no dead-letter topic for {topic!r}; topics with one: "
                                 f"{', '.join(source_topics())}")
    return topic


Topic = Annotated[str, Depends(_topic)]


class RedriveBody(BaseModel):
    """Which dead letters go back: ``records`` as ``PARTITION:OFFSET``, or ``all``."""

    model_config = ConfigDict(extra="forbid")

    records: list[str] = Field(default_factory=list, max_length=1000)
    all: bool = False

    @field_validator("records")
    @classmethod
    def _refs(cls, records: list[str]) -> list[str]:
        for r in records:
            RecordRef.parse(r)  # ValueError names the bad one
        return records

    @model_validator(mode="after")
    def _one_of(self) -> RedriveBody:
        if bool(self.records) == self.all:
            raise ValueError("give either records (PARTITION:OFFSET, ...) or all: true")
        return self

    def refs(self) -> list[RecordRef] | None:
        return None if self.all else [RecordRef.parse(r) for r in self.records]


async def _broker_call(ctx: ApiContext, call: Callable[[], T]) -> T:
    if not ctx.settings.broker.bootstrap_servers:
        raise HTTPException(503, "no broker is configured: set broker.bootstrap_servers")
    try:
        return await asyncio.to_thread(call)
    except (TopicNotFoundError, RecordNotFoundError) as exc:
        raise HTTPException(404, str(exc)) from None
    except (BrokerError, ProduceError) as exc:
        raise HTTPException(503, str(exc)) from None


@router.get("", response_model=list[str])
async def topics(who: Operator) -> list[str]:
    return source_topics()


@router.get("/{topic}", response_model=list[DeadLetter])
async def list_letters(topic: Topic, who: Operator, ctx: Ctx,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[DeadLetter]:
    """The topic's dead letters, oldest first, with their ``dlq.*`` reason."""
    broker = ctx.settings.broker
    return await _broker_call(ctx, lambda: list_dead_letters(broker, topic, limit=limit))


@router.get("/{topic}/{partition}/{offset}", response_model=DeadLetter)
async def inspect(topic: Topic, partition: Annotated[int, Path(ge=0)],
                  offset: Annotated[int, Path(ge=0)], who: Operator, ctx: Ctx) -> DeadLetter:
    broker, ref = ctx.settings.broker, RecordRef(partition=partition, offset=offset)
    return await _broker_call(ctx, lambda: get_dead_letter(broker, topic, ref))


@router.post("/{topic}/redrive", response_model=list[Redriven])
async def redrive(topic: Topic, body: RedriveBody, who: Operator, ctx: Ctx) -> list[Redriven]:
    """Send the chosen dead letters back to their topic; the workers handle them again."""
    settings = ctx.settings
    worker = settings.worker.model_copy(update={
        "ledger_path": str(var_path(settings, settings.worker.ledger_path))})

    def run() -> list[Redriven]:
        ledger = open_ledger(worker)
        try:
            return redrive_records(settings.broker, ledger, topic, body.refs())
        finally:
            ledger.close()

    return await _broker_call(ctx, run)
