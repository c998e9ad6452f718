"""A worker process of ``bench_store --workers-throughput``: one consumer group member whose
handler makes one real tool call with a side effect per event (``release_reservation``
of the order the event names: the effect and its idempotency record, one PostgreSQL
transaction), on the PostgreSQL store; the idempotency ledger on the same server.

    python -m benchmarks._store_worker --bootstrap H:P --topic T --group G --dsn postgresql://...
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence

from streams.config import BrokerSettings, WorkerSettings
from streams.events import Event, OutputEvent, TicketMessageEvent
from streams.runtime import HandlerContext, Worker
from tools import Actor, ToolContext, ToolSettings, build_registry
from tools._pg_store import PostgresStore

IN_FLIGHT = 8


def main() -> None:
    ap = argparse.ArgumentParser()
    for name in ("--bootstrap", "--topic", "--group", "--dsn"):
        ap.add_argument(name, required=True)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.ERROR)
    store = PostgresStore(args.dsn, pool_size=IN_FLIGHT)
    registry = build_registry(store, ToolSettings())

    async def handle(event: Event, ctx: HandlerContext) -> Sequence[OutputEvent]:
        assert isinstance(event, TicketMessageEvent)
        order_id, tag = event.payload.message.split()
        # trace_id: the worker, so the benchmark sees which members took part.
        tool_ctx = ToolContext(actor=Actor.system(), idempotency_key=ctx.idempotency_key,
                               trace_id=ctx.worker_id)
        result = await asyncio.to_thread(registry.call, "release_reservation",
                                         {"order_id": order_id, "reason": tag}, tool_ctx)
        if not result.ok:
            raise RuntimeError(result.for_model())
        return []

    settings = WorkerSettings(group_id=args.group, max_in_flight=IN_FLIGHT,
                              ledger_backend="postgres", postgres_dsn=args.dsn,
                              commit_interval_ms=200, drain_timeout_s=20)
    broker = BrokerSettings(bootstrap_servers=[args.bootstrap], embedded=False,
                            session_timeout_ms=6000, heartbeat_interval_ms=1000)
    try:
        Worker([args.topic], handle, settings, broker=broker).run_forever()
    finally:
        store.close()


if __name__ == "__main__":
    main()
