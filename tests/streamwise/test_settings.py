import subprocess
import sys

import pytest

from streamwise.errors import ConfigError
from streamwise.settings import ROOT, load_settings


def test_default_config_loads():
    s = load_settings(ROOT / "configs" / "default.yaml")
    assert s.broker.embedded is True
    assert s.llm.base_url is None
    assert s.retrieval.device == "cpu"
    assert s.store.db_path.endswith("var/streamwise.duckdb")  # from the home, see below


def test_relative_paths_are_taken_from_the_home(tmp_path, monkeypatch):
    monkeypatch.setenv("STREAMWISE_HOME", str(tmp_path))
    s = load_settings()  # no streamwise.yaml there: the packaged (here the checkout's) default
    assert s.store.db_path == str(tmp_path / "var" / "streamwise.duckdb")
    assert s.worker.ledger_path == str(tmp_path / "var" / "state" / "ledger.sqlite")
    assert s.llm.models_dir == str(tmp_path / "var" / "models")
    (tmp_path / "streamwise.yaml").write_text("store:\n  db_path: other.duckdb\n")
    assert load_settings().store.db_path == str(tmp_path / "other.duckdb")  # its own config


def test_production_config_loads_with_kafka_vllm_gpu_postgres():
    s = load_settings(ROOT / "configs" / "production.yaml")
    assert s.broker.embedded is False
    assert len(s.broker.bootstrap_servers) == 3
    assert s.broker.security_protocol == "SASL_SSL"
    assert s.llm.base_url and s.llm.base_url.startswith("http")
    assert s.retrieval.device == "gpu"
    assert s.agents.checkpoint_backend == "postgres"
    assert s.worker.ledger_backend == "postgres"
    assert s.store.backend == "postgres"
    assert s.agents.postgres_dsn is None and s.worker.postgres_dsn is None  # never in the file
    assert s.store.postgres_dsn is None and s.store.analyst_dsn is None


def test_postgres_dsns_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("STREAMWISE_WORKER__POSTGRES_DSN", "postgresql://w:secret@db/ledger")
    monkeypatch.setenv("STREAMWISE_AGENTS__POSTGRES_DSN", "postgresql://a:secret@db/checkpoints")
    monkeypatch.setenv("STREAMWISE_STORE__POSTGRES_DSN", "postgresql://s:secret@db/store")
    monkeypatch.setenv("STREAMWISE_STORE__ANALYST_DSN", "postgresql://ro:secret@db/store")
    s = load_settings(ROOT / "configs" / "production.yaml")
    assert s.store.postgres_dsn is not None and s.store.analyst_dsn is not None
    assert s.store.postgres_dsn.get_secret_value() == "postgresql://s:secret@db/store"
    assert s.store.analyst_dsn.get_secret_value() == "postgresql://ro:secret@db/store"
    assert s.worker.postgres_dsn is not None and s.agents.postgres_dsn is not None
    assert s.worker.postgres_dsn.get_secret_value() == "postgresql://w:secret@db/ledger"
    assert s.agents.postgres_dsn.get_secret_value() == "postgresql://a:secret@db/checkpoints"
    assert "secret" not in repr(s)


def test_environment_overrides_the_file(monkeypatch):
    monkeypatch.setenv("STREAMWISE_LLM__BASE_URL", "http://127.0.0.1:9999/v1")
    monkeypatch.setenv("STREAMWISE_WORKER__MAX_IN_FLIGHT", "7")
    s = load_settings(ROOT / "configs" / "default.yaml")
    assert s.llm.base_url == "http://127.0.0.1:9999/v1"
    assert s.worker.max_in_flight == 7


def test_every_problem_is_reported_with_where(tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "worker:\n  max_in_flight: 0\n  nonsense: 1\n"
        "broker:\n  security_protocol: TELNET\n"
        "store:\n  margin_floor: 2\n"
    )
    monkeypatch.setenv("STREAMWISE_LLM__TIMEOUT_S", "-1")
    with pytest.raises(ConfigError) as info:
        load_settings(bad)
    msg = str(info.value)
    assert "5 problem(s)" in msg
    for where in ("worker.max_in_flight", "worker.nonsense", "broker.security_protocol",
                  "store.margin_floor", "llm.timeout_s", str(bad)):
        assert where in msg, where
    assert "STREAMWISE_WORKER__MAX_IN_FLIGHT" in msg


def test_missing_file_and_malformed_yaml(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("worker: [1, 2\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(broken)


def test_cli_stops_with_one_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("worker:\n  max_in_flight: -3\n")
    proc = subprocess.run([sys.executable, "-m", "streamwise.cli", "config", "-c", str(bad)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "worker.max_in_flight" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_bootstrap_servers_from_the_environment_as_a_comma_list_or_json(monkeypatch) -> None:
    monkeypatch.setenv("STREAMWISE_BROKER__BOOTSTRAP_SERVERS", "k1:9092, k2:9092")
    assert load_settings().broker.bootstrap_servers == ["k1:9092", "k2:9092"]
    monkeypatch.setenv("STREAMWISE_BROKER__BOOTSTRAP_SERVERS", '["k3:9092"]')
    assert load_settings().broker.bootstrap_servers == ["k3:9092"]
