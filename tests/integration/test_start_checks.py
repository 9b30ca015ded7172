"""`hub worker` refuses to start with one line, no traceback, when a server it needs is not there or a setting or
file is unusable (issue 14, fail fast and clearly at start). Each case is a child process that gives up at once
(or, for a broker that never answers, after HUB_KAFKA_STARTUP_TIMEOUT_S)."""

from __future__ import annotations

import socket

import pytest

from tests.helpers.cli import hub

pytestmark = pytest.mark.integration


def _refused(result: object) -> str:
    code, err = result.returncode, result.stderr  # type: ignore[attr-defined]
    lines = [line for line in err.splitlines() if line.startswith("hub: error:")]
    assert code == 2, err
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_broker_that_never_answers_is_given_up_after_the_setting() -> None:
    with socket.socket() as silent:  # accepts connections, never answers: a hung broker
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env = {"HUB_KAFKA_BOOTSTRAP": f"127.0.0.1:{silent.getsockname()[1]}", "HUB_KAFKA_STARTUP_TIMEOUT_S": "2"}
        line = _refused(hub("worker", "normalise", env=env, timeout=60))
    assert line.endswith("did not answer within 2 s (HUB_KAFKA_STARTUP_TIMEOUT_S)")


def test_a_closed_database_port_refuses_the_sink(endpoints: tuple[str, str]) -> None:
    port = _closed_port()
    env = {"HUB_KAFKA_BOOTSTRAP": endpoints[0], "HUB_DATABASE_URL": f"postgresql://hub:pw@127.0.0.1:{port}/hubdb"}
    line = _refused(hub("worker", "sink", env=env))
    assert line.startswith(f"hub: error: database 127.0.0.1:{port}/hubdb not usable: ")
    assert "pw" not in line
