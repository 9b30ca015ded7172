"""A worker's start checks (hub.workers.startup): one line naming the server and the cause, within the bound."""

from __future__ import annotations

import socket
import threading

import pytest

from hub.config import Settings
from hub.errors import BrokerError, ConfigError, StoreUnavailable
from hub.workers.database import database_target, stage_conninfo
from hub.workers.startup import check_database, within


def test_a_database_url_is_named_by_host_port_and_database_and_mysql_is_refused() -> None:
    assert database_target("postgresql://hub:secret@db.example:6543/hubdb") == "db.example:6543/hubdb"
    assert database_target("host=db port=5433 dbname=events user=hub") == "db:5433/events"
    with pytest.raises(ConfigError, match=r"mysql:// URL: the hub stores in PostgreSQL only"):
        database_target("mysql://hub:secret@db:3306/hub")
    with pytest.raises(ConfigError) as raised:
        stage_conninfo("not a conninfo secret", Settings())
    assert "secret" not in str(raised.value)


def test_a_closed_database_port_fails_the_start_with_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends
    with pytest.raises(StoreUnavailable) as raised:
        check_database(f"postgresql://hub:pw@127.0.0.1:{port}/hubdb", Settings())
    message = str(raised.value)
    assert message.startswith(f"database 127.0.0.1:{port}/hubdb not usable: ")
    assert "\n" not in message
    assert "pw" not in message


def test_a_check_that_does_not_answer_is_given_up_after_the_bound() -> None:
    """``within`` gives up while the check still hangs (it does not wait for it to end)."""
    release = threading.Event()
    ended = threading.Event()

    def hanging() -> None:
        release.wait(30)
        ended.set()

    try:
        with pytest.raises(
            BrokerError, match=r"Kafka at b:9092 did not answer within 0.2 s \(HUB_KAFKA_STARTUP_TIMEOUT_S\)"
        ):
            within(0.2, "Kafka at b:9092", hanging)
        assert not ended.is_set(), "the check was given up before it ended"
    finally:
        release.set()


def test_within_hands_back_the_result_or_the_error() -> None:
    assert within(5, "x", lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        within(5, "x", lambda: 1 // 0)
