"""A worker process of the multi-worker store test: the real platform (order and support
agents, tools, traces) on a PostgreSQL store, the scripted model, one consumer group member.

    python -m tests.integration._store_worker_main --bootstrap H:P --topic T --group G \\
        --dsn postgresql://... --state DIR
"""

from __future__ import annotations

import argparse
import logging

from streams.runtime import Worker
from streamwise.settings import load_settings
from streamwise.wiring import EventRouter, open_platform
from tests.integration._scripted import scripted_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--state", required=True)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.ERROR)
    settings = load_settings(
        store={"backend": "postgres", "postgres_dsn": args.dsn},
        worker={"group_id": args.group, "ledger_path": f"{args.state}/ledger.sqlite",
                "max_in_flight": 8, "drain_timeout_s": 20, "commit_interval_ms": 200},
        agents={"checkpoint_path": f"{args.state}/checkpoints.sqlite"},
        broker={"bootstrap_servers": [args.bootstrap], "embedded": False,
                "session_timeout_ms": 4000, "heartbeat_interval_ms": 500})
    # The order agent decides by rules and needs no model; the support agent reads a
    # ticket with the scripted model (any other model call fails the run: the test sees it).
    with open_platform(settings, chat=scripted_model(), with_retriever=False) as platform:
        router = EventRouter(platform)
        Worker([args.topic], router.handle, settings.worker, broker=settings.broker).run_forever()
    print("WORKER EXITED CLEANLY", flush=True)


if __name__ == "__main__":
    main()
