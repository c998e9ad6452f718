"""The confluent-kafka transport's parts that need no broker (the contract suite runs it on one)."""

from __future__ import annotations

import sys

import pytest
from pydantic import SecretStr

from streams._transport_confluent import ConfluentTransport, client_config
from streams.config import BrokerSettings, WorkerSettings
from streams.errors import BrokerError, MessageTooLargeError
from streams.transport import open_transport


def test_the_setting_picks_the_transport_and_kafka_python_stays_the_default() -> None:
    assert open_transport(BrokerSettings()).name == "kafka-python"
    assert open_transport(BrokerSettings(client="confluent-kafka")).name == "confluent-kafka"


def test_connection_settings_in_librdkafka_names() -> None:
    broker = BrokerSettings(bootstrap_servers=["a:9092", "b:9092"], security_protocol="SASL_SSL",
                            sasl_mechanism="SCRAM-SHA-512", sasl_username="u",
                            sasl_password=SecretStr("p"), ssl_cafile="/ca.pem")
    assert client_config(broker, "w1") == {
        "bootstrap.servers": "a:9092,b:9092", "security.protocol": "sasl_ssl",
        "client.id": "w1", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "u",
        "sasl.password": "p", "ssl.ca.location": "/ca.pem"}


def test_a_record_above_the_request_size_is_refused_at_once() -> None:
    broker = BrokerSettings(bootstrap_servers=["127.0.0.1:1"], embedded=False,
                            client="confluent-kafka")
    producer = ConfluentTransport().producer(broker, "p")
    try:
        with pytest.raises(MessageTooLargeError):
            producer.send("t", b"x" * 1_200_000, None, None, lambda exc: None)
    finally:
        producer.close(0)


def test_a_consumer_is_created_with_the_worker_settings() -> None:
    broker = BrokerSettings(bootstrap_servers=["127.0.0.1:1"], embedded=False)
    consumer = ConfluentTransport().consumer(broker, WorkerSettings(
        group_instance_id="w-1", partition_assignment="cooperative"), "c")
    try:
        assert consumer.assignment() == set() and consumer.paused() == set()
    finally:
        consumer.close()


def test_without_the_package_start_up_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "confluent_kafka", None)  # import fails
    with pytest.raises(BrokerError, match="confluent"):
        ConfluentTransport()
