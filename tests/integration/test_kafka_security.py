"""Kafka over TLS and SASL, end to end on loopback: the hub's clients (admin, producers, readers, a faust worker,
aiokafka with ``aiokafka_options``) log in through a TLS-terminating SASL proxy in front of an embedded broker
(tests/helpers/kafka_tls_proxy.py), and a wrong password is refused in one clear line, at once."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from hub.config import Settings
from hub.connectors.replay import replay
from hub.errors import BrokerError
from hub.kafka_admin import admin_client, apply_topology
from hub.kafka_produce import make_producer
from hub.kafka_read import read_topic
from hub.kafka_security import aiokafka_options, security_of
from hub.processes import StageProcess, free_port, settings_env
from hub.samples import sample_lines
from hub.topology import CANONICAL_KINDS, canon_topic, qualified, raw_topic
from tests.helpers.kafka import write_lines
from tests.helpers.kafka_tls_proxy import SecureKafka, run_quietly, write_secret
from tests.helpers.stack import outside_basetemp
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.integration

PASSWORD = "s3cret-for-the-hub"
USERS = {"hub": PASSWORD, "analytics": "another-one"}


@pytest.fixture(scope="module")
def sasl_ssl() -> Iterator[SecureKafka]:
    """A broker behind TLS and a SASL login (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) for the tests of this module."""
    with outside_basetemp("hub-test-secure-") as folder, SecureKafka(folder, tls=True, users=USERS) as kafka:
        yield kafka


def _settings(kafka: SecureKafka, folder: Path, password: str = PASSWORD, **values: Any) -> Settings:
    """Settings that reach ``kafka`` with SASL_SSL / SCRAM-SHA-256 as user ``hub`` (``values`` on top)."""
    secret = write_secret(folder / f"kafka-password-{uuid.uuid4().hex[:6]}", password)
    defaults: dict[str, Any] = {
        "kafka_bootstrap": kafka.bootstrap,
        "topic_prefix": f"t{uuid.uuid4().hex[:10]}.",
        "state_dir": folder / "state",
        "consumer_session_timeout_s": 3.0,
        "log_format": "json",
        "kafka_security_protocol": "SASL_SSL",
        "kafka_ssl_cafile": kafka.credentials.ca,
        "kafka_sasl_mechanism": "SCRAM-SHA-256",
        "kafka_sasl_username": "hub",
        "kafka_sasl_password_file": secret,
    }
    return Settings(**{**defaults, **values})


def test_a_worker_connectors_and_readers_work_over_sasl_ssl_with_scram(sasl_ssl: SecureKafka, tmp_path: Path) -> None:
    """`hub topics apply`'s admin, the replay connector, a normalise worker (faust) and the readers all log in
    through TLS with SCRAM-SHA-256; events flow from the raw topic to the canonical ones."""
    settings = _settings(sasl_ssl, tmp_path)
    security = security_of(settings)
    logins_before = sasl_ssl.proxy.counts.logins.get("hub", 0)
    apply_topology(settings.bootstrap(), settings.topic_prefix, security=security)
    worker = StageProcess(settings, "normalise", free_port(), tmp_path / "normalise.log")
    worker.start()
    try:
        worker.wait_ready(timeout_s=60)
        assert replay(settings, write_lines(tmp_path / "lines.ndjson", sample_lines(20, 0, seed=3))).produced == 20
        wait_until(
            lambda: worker.counter("hub_events_out_total", stage="normalise") >= 20,
            60,
            "the normaliser's output over SASL_SSL",
        )
    finally:
        assert worker.stop() == 0, "the worker exits cleanly on SIGTERM"
    canonical = [qualified(settings.topic_prefix, canon_topic(kind)) for kind in CANONICAL_KINDS]
    assert sum(len(read_topic(settings.bootstrap(), name, idle_s=0.3, security=security)) for name in canonical) == 20
    assert sasl_ssl.proxy.counts.logins["hub"] > logins_before
    assert "SCRAM-SHA-256" in sasl_ssl.proxy.counts.mechanisms
    log = (tmp_path / "normalise.log").read_text(encoding="utf-8")
    assert "SASL_SSL, SCRAM-SHA-256 as hub" in log, "the worker says how it connects"
    assert PASSWORD not in log


def test_aiokafka_clients_connect_with_aiokafka_options(sasl_ssl: SecureKafka, tmp_path: Path) -> None:
    """What the batch shells build: an AIOKafkaProducer and AIOKafkaConsumer from ``aiokafka_options(settings)``."""
    settings = _settings(sasl_ssl, tmp_path, kafka_sasl_mechanism="SCRAM-SHA-512")
    topic = qualified(settings.topic_prefix, raw_topic("replay", "ndjson"))
    apply_topology(settings.bootstrap(), settings.topic_prefix, security=security_of(settings))

    async def round_trip() -> list[bytes]:
        options = aiokafka_options(settings)
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap(), **options)
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"over tls", key=b"k")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=settings.bootstrap(), auto_offset_reset="earliest", **options
        )
        await consumer.start()
        try:
            batches = await consumer.getmany(timeout_ms=10_000)
            return [record.value for records in batches.values() for record in records]
        finally:
            await consumer.stop()

    assert asyncio.run(round_trip()) == [b"over tls"]
    assert "SCRAM-SHA-512" in sasl_ssl.proxy.counts.mechanisms


def test_a_wrong_password_is_refused_in_one_line_naming_the_broker(sasl_ssl: SecureKafka, tmp_path: Path) -> None:
    """In process and from the command line (`hub topics apply`, `hub worker`): one line, "authentication failed",
    the broker's address, never the password; the commands exit 2 instead of retrying."""
    wrong = "not-the-password"
    settings = _settings(sasl_ssl, tmp_path, password=wrong)
    expected = f"Kafka at {sasl_ssl.bootstrap}: authentication failed (SASL_SSL, SCRAM-SHA-256 as hub)"
    with pytest.raises(BrokerError) as refused:
        make_producer(settings.bootstrap(), "hub-test", security=security_of(settings))
    assert expected in str(refused.value)
    env = {**os.environ, **settings_env(settings)}
    for command in (["topics", "apply"], ["worker", "normalise"]):
        done = run_quietly([sys.executable, "-m", "hub", *command], env, timeout_s=60)
        assert done.returncode == 2, done.stderr
        # One error line besides the worker's structured log lines (JSON), and no traceback.
        plain = [line for line in done.stderr.splitlines() if not line.startswith("{")]
        assert plain == [f"hub: error: {expected}; check the user and its password file"]
        assert wrong not in done.stderr + done.stdout
    assert sasl_ssl.proxy.counts.refused >= 3


def test_plain_over_sasl_plaintext(tmp_path: Path) -> None:
    """SASL PLAIN without TLS (a cluster's internal listener): the admin, a producer and a reader log in."""
    with SecureKafka(tmp_path, tls=False, users=USERS, mechanisms=("PLAIN",)) as kafka:
        settings = _settings(
            kafka,
            tmp_path,
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="PLAIN",
            kafka_ssl_cafile=None,
        )
        _produce_and_read(settings)
        assert kafka.proxy.counts.mechanisms == ["PLAIN"] * len(kafka.proxy.counts.mechanisms)
        assert kafka.proxy.counts.logins["hub"] >= 3
        wrong = _settings(
            kafka,
            tmp_path,
            password="wrong",
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="PLAIN",
            kafka_ssl_cafile=None,
        )
        with pytest.raises(BrokerError, match=f"Kafka at {kafka.bootstrap}: authentication failed"):
            read_topic(wrong.bootstrap(), "any", security=security_of(wrong))


def test_mutual_tls(tmp_path: Path) -> None:
    """A broker that demands a client certificate: the hub's clients present theirs; a certificate from another CA
    than the broker's is refused as a failed TLS handshake."""
    with SecureKafka(tmp_path, tls=True, users=None, mutual_tls=True) as kafka:
        files = kafka.credentials
        settings = Settings(
            kafka_bootstrap=kafka.bootstrap,
            topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
            kafka_security_protocol="SSL",
            kafka_ssl_cafile=files.ca,
            kafka_ssl_certfile=files.client_cert,
            kafka_ssl_keyfile=files.client_key,
        )
        _produce_and_read(settings)
        with SecureKafka(tmp_path / "other", tls=True, users=None) as other:
            stranger = settings.model_copy(update={"kafka_ssl_cafile": other.credentials.ca})
            with pytest.raises(BrokerError, match=f"Kafka at {kafka.bootstrap}: TLS handshake failed"):
                make_producer(stranger.bootstrap(), "hub-test", security=security_of(stranger))


def _produce_and_read(settings: Settings) -> None:
    """Create one declared topic, produce a record with the hub's producer and read it back with its reader."""
    security = security_of(settings)
    topic = qualified(settings.topic_prefix, raw_topic("replay", "ndjson"))
    apply_topology(settings.bootstrap(), settings.topic_prefix, security=security)
    with admin_client(settings.bootstrap(), security=security) as admin:
        assert topic in admin.list_topics()
    producer = make_producer(settings.bootstrap(), "hub-test", security=security)
    try:
        producer.send(topic, b"secured", key=b"k").get(timeout=30)
    finally:
        producer.close()
    assert [r.value for r in read_topic(settings.bootstrap(), topic, idle_s=0.3, security=security)] == [b"secured"]
