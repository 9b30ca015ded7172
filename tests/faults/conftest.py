"""The fault suite's own stack (``make test-faults``): an embedded broker and PostgreSQL this session may pause and
refuse, the workers of one test, and a report of every fault printed at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.devstack import EmbeddedStack
from hub.processes import free_port
from tests.faults.ledger import Report
from tests.helpers.stack import Topics, outside_basetemp
from tests.helpers.workers import WorkerFactory

REPORT = Report()


@pytest.fixture(scope="session")
def fault_stack() -> Iterator[EmbeddedStack]:
    """The session's embedded stack, kept as an object: the tests pause and resume its processes."""
    with outside_basetemp("hub-faults-stack-") as state:
        stack = EmbeddedStack(state, broker_port=free_port(), postgres_port=free_port())
        with stack:
            yield stack


@pytest.fixture(scope="session")
def endpoints(fault_stack: EmbeddedStack) -> tuple[str, str]:
    """(bootstrap, admin database URL) of the fault stack (overrides the shared session stack)."""
    found = fault_stack.endpoints
    assert found.kafka_bootstrap is not None
    assert found.database_url is not None
    return str(found.kafka_bootstrap), str(found.database_url)


@pytest.fixture
def start_workers(settings: object, topics: Topics, tmp_path: Path) -> Iterator[WorkerFactory]:
    """Stage workers for one fault test; every one still running is stopped at its end."""
    factory = WorkerFactory(settings, topics, tmp_path)  # type: ignore[arg-type]
    yield factory
    factory.stop_all()


@pytest.fixture
def report() -> Report:
    """Where a fault test records what it saw (printed at the end of the session)."""
    return REPORT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures of every fault: records accounted for, duplicates seen downstream, recovery time."""
    if REPORT.rows:
        terminalreporter.section("faults: records accounted for, duplicates downstream, recovery")
        for line in REPORT.lines():
            terminalreporter.write_line(line)
