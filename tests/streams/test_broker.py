"""The embedded Tansu broker: start, round trip through a consumer group, clean stop."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer

from streams.broker import EmbeddedBroker, create_topics
from streams.topics import TOPICS


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


def test_round_trip_through_a_consumer_group():
    with EmbeddedBroker() as broker:
        topic = f"rt-{uuid.uuid4().hex[:8]}"
        create_topics(broker.bootstrap, [(topic, 2)])
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
        sent = {f"k{i}".encode(): f"v{i}".encode() for i in range(20)}
        for k, v in sent.items():
            producer.send(topic, key=k, value=v)
        producer.flush()
        producer.close()
        consumer = KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id="g1",
                                 auto_offset_reset="earliest", enable_auto_commit=False,
                                 session_timeout_ms=6000, heartbeat_interval_ms=1000)
        got: dict[bytes, bytes] = {}
        deadline = time.monotonic() + 30
        while len(got) < len(sent) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    got[r.key] = r.value
        consumer.commit()
        consumer.close()
        assert got == sent


def test_default_topics_are_created_with_their_partitions():
    from kafka import KafkaAdminClient

    with EmbeddedBroker() as broker:
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        described = {t["name"]: len(t["partitions"]) for t in admin.describe_topics()}
        admin.close()
    for topic in TOPICS.values():
        assert described[topic.name] == topic.partitions
        if topic.kind == "input":
            assert topic.dlq in described


def test_stop_leaves_no_process():
    broker = EmbeddedBroker(create_default_topics=False).start()
    pid = broker.pid
    assert pid is not None and _alive(pid)
    broker.stop()
    assert not _alive(pid)


def test_broker_dies_when_its_parent_is_killed(tmp_path):
    pid_file = tmp_path / "pid"
    script = textwrap.dedent(f"""
        import time
        from streams.broker import EmbeddedBroker
        b = EmbeddedBroker(create_default_topics=False).start()
        open({str(pid_file)!r}, "w").write(str(b.pid))
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd())
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(pid_file.read_text())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)


def test_start_failure_is_reported(monkeypatch, tmp_path):
    from streams.errors import BrokerError

    fake = tmp_path / "tansu"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CALF_TANSU_BIN", str(fake))
    with pytest.raises(BrokerError, match="exited with code 3"):
        EmbeddedBroker(startup_timeout_s=5).start()
