"""Fixtures of the integration tests: ``start_workers``, the stage-worker factory, and the failure report that
shows the logs of the workers a failed test started."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from hub.config import Settings
from tests.helpers.stack import Topics
from tests.helpers.workers import WorkerFactory

_FACTORY = pytest.StashKey[WorkerFactory]()


@pytest.fixture
def start_workers(
    request: pytest.FixtureRequest, settings: Settings, topics: Topics, tmp_path: Path
) -> Iterator[WorkerFactory]:
    """``start_workers("normalise", "sink", pseudonym_keys="demo")``: real ``hub worker`` processes on the test's
    settings (with those updates), joined to their groups. At the end every one still running gets SIGTERM and must
    exit 0; when the test failed, its report shows the tail of each worker's log."""
    factory = WorkerFactory(settings, topics, tmp_path)
    request.node.stash[_FACTORY] = factory
    yield factory
    codes = factory.stop_all()
    assert codes == dict.fromkeys(codes, 0), "workers must exit cleanly on SIGTERM"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed set-up, test or tear-down of a test that started workers reports the end of their logs."""
    report: pytest.TestReport = yield
    factory = item.stash.get(_FACTORY, None)
    if factory is not None and report.failed:
        report.sections.extend(factory.log_tails())
    return report
