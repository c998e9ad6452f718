"""Quix Streams doing bench_runtime's no-op consume -> produce, in the bench venv.

    .venv-bench/bin/python benchmarks/_bench_quix.py --bootstrap H:P --topic T --out O \
        --group G --events N

quixstreams==3.28.1 pins confluent-kafka<2.13 and pydantic<2.14, so it cannot
share the platform's venv: ``make bench-venv`` builds ``.venv-bench`` from
``requirements-bench.lock`` and ``bench_runtime`` runs this script with it. The
work per record is the bare loops': parse the event (``streams.events``), build
the same output, send it; Quix commits on its own schedule (every 5 s and on
stop, its default). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# streams/__init__ imports the broker, ledger and runtime (kafka-python, psycopg...), which
# this venv has not: load streams.events (pydantic only) without the package's __init__.
_pkg = types.ModuleType("streams")
_pkg.__path__ = [str(ROOT / "streams")]
sys.modules.setdefault("streams", _pkg)
sys.path.insert(0, str(ROOT))

from quixstreams import Application  # noqa: E402

from streams.events import Alert, AlertEvent, derive_event_id, parse_event, utcnow  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    for name in ("--bootstrap", "--topic", "--out", "--group"):
        ap.add_argument(name, required=True)
    ap.add_argument("--events", type=int, required=True)
    args = ap.parse_args()
    marks = {"first": 0.0}

    def handle(value: bytes) -> bytes:
        if not marks["first"]:
            marks["first"] = time.perf_counter()
        event = parse_event(value)
        return AlertEvent(key=event.key, event_id=derive_event_id(event.event_id, "alert"),
                          occurred_at=utcnow(),
                          payload=Alert(subject_id=event.key, severity="info", kind="bench",
                                        message="ok")).to_bytes()

    with tempfile.TemporaryDirectory() as state:
        app = Application(broker_address=args.bootstrap, consumer_group=args.group,
                          auto_offset_reset="earliest", state_dir=state,
                          use_changelog_topics=False, auto_create_topics=False,
                          consumer_extra_config={"session.timeout.ms": 4000,
                                                 "heartbeat.interval.ms": 500},
                          producer_extra_config={"acks": "all", "linger.ms": 2})
        source = app.topic(args.topic, value_deserializer="bytes", key_deserializer="bytes")
        sink = app.topic(args.out, value_serializer="bytes", key_serializer="bytes")
        app.dataframe(source).apply(handle).to_topic(sink)
        cpu0 = os.times()
        app.run(count=args.events, collect=False)  # returns after its final flush and commit
        end = time.perf_counter()
        cpu1 = os.times()
    elapsed = end - marks["first"]
    print(json.dumps({"events": args.events, "seconds": round(elapsed, 2),
                      "events_per_s": round(args.events / elapsed, 1),
                      "cpu_s": round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 2)}))


if __name__ == "__main__":
    main()
