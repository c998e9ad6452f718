"""What SIGKILLs leave behind: two worker processes, N events, kills at busy moments.

    .venv/bin/python -m benchmarks.bench_faults [--events 3000] [--kills 10] [--rate 50]
                                                [--modes at-least-once,exactly-once]

Two worker processes (``tests.streams._worker_main``, dynamic membership (on
Tansu a restarted static member does not get its partitions back), one
output per event to ``<topic>.out``, an idempotent SQLite effect per event)
share 6 partitions of the embedded Tansu broker. Events arrive at ``--rate``
per second over 60 keys, with 5 records that do not parse and one of 1.5 MB
(above ``max_record_bytes`` and above the producer's 1 MiB request size: it is
dead-lettered as a reference). ``--kills`` times, spread over the run, one
worker (in turn) is SIGKILLed while it has a handler running and restarted at
once. Then, once everything is handled, it counts:

- ``lost``: events with no effect or no output record (read_uncommitted; and
  ``output_records_read_committed``: what a read_committed reader gets);
- ``effects_doubled``: effects recorded twice (the effect is keyed on
  ``ctx.idempotency_key``), and ``handler_reruns``: events whose handler ran
  more than once (what would double a non-idempotent effect);
- ``duplicate_outputs``: output records beyond the first with the same event id;
- ``dlq_duplicates``: dead letters beyond the first for one (topic, partition, offset);
- ``pause_s`` per kill: how long the worst key stood still across the kill
  (its last effect before the kill to its first after; 60 keys at ``--rate``
  events/s give each key an event every 60/rate s, the floor of this figure).

``exactly-once`` runs the workers with ``worker.exactly_once`` (outputs, dead
letters and offsets in one transaction). Tansu runs the transactions but keeps
an aborted transaction's records visible to ``read_committed`` readers, so its
duplicate count there is what a reader of Tansu sees, not what Kafka would show.
Tansu does keep read_committed readers below an open transaction, and never
times one out: exactly-once workers here get a transactional id per slot
(``worker.transactional_id``), stable across restarts, so a restart aborts it.
Writes benchmarks/results/runtime_faults.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from benchmarks.bench_runtime import _effects, _events
from streams.broker import EmbeddedBroker, create_topics
from streams.dlq import H_OFFSET, H_PARTITION, H_TOPIC

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "runtime_faults.json"
PARTITIONS = 6
POISON = 5
BIG_BYTES = 1_500_000


def _db(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    if not path.exists():
        return []
    db = sqlite3.connect(path, timeout=30)
    try:
        return db.execute(sql, args).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def _busy(effects: Path, pid: int) -> bool:
    """Is a handler of ``pid`` running (started in the last second, its effect not recorded)?"""
    rows = _db(effects, "SELECT count(*) FROM runs r WHERE r.pid = ? AND r.started > ? AND NOT "
               "EXISTS (SELECT 1 FROM effects e WHERE e.event_id = r.event_id)", pid,
               time.time() - 1)
    return bool(rows and rows[0][0])


def _stall(effects: Path, after: float, at: float) -> tuple[float, str, float] | None:
    """How long the worst key stood still across a kill at ``at``: (gap, key, start).

    A key's gap runs from its last effect before the kill to its first after; gaps
    that began before ``after`` (the previous kill) are that kill's. 60 keys at
    ``--rate`` events/s give each key an event every 60/rate s: the floor of a gap.
    """
    rows = _db(effects, "SELECT key, max(CASE WHEN at <= ? THEN at END), "
               "min(CASE WHEN at > ? THEN at END) FROM effects WHERE key LIKE 'fault-%' "
               "GROUP BY key", at, at)
    gaps = [(b - a, key, a) for key, a, b in rows if a and b and a >= after]
    return max(gaps) if gaps else None


def _read(bootstrap: str, topic: str, partitions: int,
          isolation: str = "read_uncommitted") -> list[Any]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, isolation_level=isolation,
                             consumer_timeout_ms=3000, fetch_max_bytes=8 * 1024 * 1024)
    consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
    consumer.seek_to_beginning()
    records = list(consumer)
    consumer.close()
    return records


def run_faults(bootstrap: str, tmp: Path, mode: str, *, events: int, kills: int,
               rate: int, log_dir: Path | None = None) -> dict[str, Any]:
    topic = f"faults-{mode}"
    create_topics(bootstrap, [(topic, PARTITIONS), (topic + ".dlq", 1), (topic + ".out", 2)])
    effects = tmp / f"{topic}.sqlite"

    def start(name: str) -> subprocess.Popen[bytes]:
        args = ["--bootstrap", bootstrap, "--topic", topic, "--group", topic,
                "--ledger", str(tmp / f"{topic}-ledger.sqlite"), "--effects", str(effects),
                "--max-delay-ms", "20", "--outputs"]
        if mode == "exactly-once":  # stable per slot: a restart aborts what a kill left open
            args += ["--exactly-once", "--transactional-id", f"{topic}-{name}"]
        out: Any = subprocess.DEVNULL
        if log_dir is not None:
            out = open(log_dir / f"{topic}-{name}.log", "ab")  # noqa: SIM115 - the child's
        return subprocess.Popen([sys.executable, "-m", "tests.streams._worker_main", *args],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

    evs = _events(events, 60, "fault")
    extra_at = {events * (i + 1) // (POISON + 2): i for i in range(POISON + 1)}
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=1,
                             max_request_size=4 * 1024 * 1024)
    sent: dict[str, float] = {}
    kill_times: list[float] = []
    procs = {"a": start("a"), "b": start("b")}
    died: list[int | None] = []  # exit codes of workers that ended on their own
    try:
        # Both workers handling records: the group has formed.
        for e in _events(20, 20, "warm"):
            producer.send(topic, key=e.key.encode(), value=e.to_bytes())
        producer.flush()
        deadline = time.time() + 90
        while len(_db(effects, "SELECT DISTINCT pid FROM runs")) < 2 and time.time() < deadline:
            time.sleep(0.2)
        began = time.time()
        duration = events / rate
        kill_at = [began + duration * (k + 0.5) / kills for k in range(kills)]
        step = max(1, rate // 20)
        for i in range(0, events, step):
            for j in range(i, min(i + step, events)):
                if j in extra_at:  # a record that does not parse, the last one too big
                    n = extra_at[j]
                    value = b"x" * BIG_BYTES if n == POISON else b"not an event %d" % n
                    producer.send(topic, key=b"poison-%d" % n, value=value)
                e = evs[j]
                producer.send(topic, key=e.key.encode(), value=e.to_bytes())
                sent[e.event_id] = time.time()
            if kill_at and time.time() >= kill_at[0]:
                kill_at.pop(0)
                name = "ab"[len(kill_times) % 2]
                busy_by = time.time() + 3
                while not _busy(effects, procs[name].pid) and time.time() < busy_by:
                    time.sleep(0.01)
                kill_times.append(time.time())
                if procs[name].poll() is not None:
                    died.append(procs[name].returncode)
                procs[name].send_signal(signal.SIGKILL)
                procs[name].wait(30)
                procs[name] = start(name)
            time.sleep(max(0.0, began + (i + step) / rate - time.time()))
        producer.flush()
        deadline = time.time() + 180
        while len(_effects(effects)) < events + 20 and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(3)  # the last commit (and transaction) of each worker
    finally:
        died += [p.returncode for p in procs.values() if p.poll() is not None]
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        producer.close()

    done = dict(_effects(effects))
    runs = Counter(r[0] for r in _db(effects, "SELECT event_id FROM runs"))
    effect_rows = _db(effects, "SELECT count(*) - count(DISTINCT event_id) FROM effects")
    outs = _read(bootstrap, topic + ".out", 2)
    visible = len(_read(bootstrap, topic + ".out", 2, "read_committed"))
    out_parents = Counter(json.loads(r.value)["payload"]["message"] for r in outs)
    out_ids = Counter(json.loads(r.value)["event_id"] for r in outs)
    letters = _read(bootstrap, topic + ".dlq", 1)
    origins = Counter(tuple(dict(r.headers).get(h) for h in (H_TOPIC, H_PARTITION, H_OFFSET))
                      for r in letters)
    stalls = [st for k, t in enumerate(kill_times)
              if (st := _stall(effects, kill_times[k - 1] if k else 0.0, t)) is not None]
    pauses = [round(st[0], 2) for st in stalls]
    worst = max(stalls, default=None)
    steady = sorted(done[i] - s for i, s in sent.items() if s < kill_times[0] and i in done) \
        if kill_times else []
    return {
        "mode": mode, "events": events, "kills": len(kill_times), "workers_died": died,
        "lost": sum(1 for i in sent if i not in done or i not in out_parents),
        "effects_doubled": effect_rows[0][0] if effect_rows else None,
        "handler_reruns": sum(1 for i in sent if runs[i] > 1),
        "output_records": len(outs), "output_records_read_committed": visible,
        "duplicate_outputs": sum(n - 1 for n in out_ids.values()),
        "dead_letters": len(letters), "dead_lettered_records": len(origins),
        "dlq_duplicates": sum(n - 1 for n in origins.values()),
        "pause_s": pauses,
        "pause_median_s": statistics.median(pauses) if pauses else None,
        "pause_max_s": max(pauses) if pauses else None,
        "worst_stall": {"key": worst[1], "from_s": round(worst[2] - began, 1),
                        "seconds": round(worst[0], 1),
                        "kills_at_s": [round(t - began, 1) for t in kill_times]} if worst else None,
        "steady_p50_latency_s": round(steady[len(steady) // 2], 3) if steady else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=3000)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--rate", type=int, default=50, help="events per second")
    ap.add_argument("--modes", default="at-least-once,exactly-once")
    ap.add_argument("--log-dir", type=Path, default=None, help="keep the workers' logs here")
    args = ap.parse_args()
    load_before = os.getloadavg()
    runs = []
    with EmbeddedBroker(create_default_topics=False) as broker, \
            tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes.split(","):
            r = run_faults(broker.bootstrap, Path(tmp), mode, events=args.events,
                           kills=args.kills, rate=args.rate, log_dir=args.log_dir)
            runs.append(r)
            print(f"{mode:>13}: {r['kills']} kills, {r['events']} events: lost {r['lost']}, "
                  f"effects doubled {r['effects_doubled']} (reruns {r['handler_reruns']}), "
                  f"duplicate outputs {r['duplicate_outputs']}/{r['output_records']}, "
                  f"dead letters {r['dead_letters']} ({r['dlq_duplicates']} duplicates), "
                  f"pause per kill median {r['pause_median_s']} s max {r['pause_max_s']} s",
                  flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "note": ("shared 2-core machine; embedded Tansu; dynamic membership, session timeout "
                 "4 s; Tansu shows aborted transactions' records to read_committed readers"),
        "runs": runs}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
