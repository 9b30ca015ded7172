"""The conformance helper catches connector types that break the contract, and passes the example package's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hub.connectors.base import Document, PollingConnector, PollResult, State
from hub.connectors.testing import check_connector
from hub.errors import ConformanceError
from tests.unit.connectors.helpers import ListOptions, TinyFormat, tiny

PAGES = {"pages": [[[f"r{p}{i}", "1"] for i in range(3)] for p in range(6)]}
EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "hub-connector-example"


class OffByOneOnResume(PollingConnector[ListOptions]):
    """Keeps its position in memory and reads the state wrongly when it resumes: skips a page after a restart."""

    options_model = ListOptions
    _next: int | None = None

    async def poll(self, state: State) -> PollResult:
        page = self._next if self._next is not None else int(state.get("page", -1)) + 1
        if page >= len(self.options.pages):
            return PollResult([], {"page": page}, 1.0, finished=True)
        self._next = page + 1
        doc = Document(tiny(*self.options.pages[page]), None, "p")
        return PollResult([doc], {"page": page + 1}, 1.0)


class VersionFromPollCount(PollingConnector[ListOptions]):
    """Makes versions from how often it was polled: a restart gives the same records other versions."""

    options_model = ListOptions
    polls = 0

    async def poll(self, state: State) -> PollResult:
        self.polls += 1
        page = int(state.get("page", 0))
        if page >= len(self.options.pages):
            return PollResult([], state, 1.0, finished=True)
        doc = Document(tiny(*((r, str(self.polls)) for r, _ in self.options.pages[page])), None, "p")
        return PollResult([doc], {"page": page + 1}, 1.0)


class CloseOnlyOnce(PollingConnector[ListOptions]):
    """A correct poller whose close fails when called again."""

    options_model = ListOptions
    closed = False

    async def poll(self, state: State) -> PollResult:
        page = int(state.get("page", 0))
        docs = [Document(tiny(*self.options.pages[page]), None, "p")] if page < len(self.options.pages) else []
        return PollResult(docs, {"page": page + 1}, 1.0, finished=page + 1 >= len(self.options.pages))

    async def close(self) -> None:
        if self.closed:
            raise RuntimeError("already closed")
        self.closed = True


class NotJsonState(CloseOnlyOnce):
    """Returns a state that cannot be written as JSON."""

    async def poll(self, state: State) -> PollResult:
        result = await super().poll(state)
        return PollResult(result.items, {"page": result.state["page"], "when": object()}, 1.0, finished=result.finished)

    async def close(self) -> None:
        return None


def test_a_gap_after_restart_is_caught() -> None:
    """A connector that resumes one page too far fails the clean-restart check, naming the missing records."""
    with pytest.raises(ConformanceError, match=r"clean restart: 3 record\(s\) of a full run never produced"):
        check_connector(OffByOneOnResume, PAGES, format=TinyFormat())


def test_unstable_versions_are_caught() -> None:
    """Versions that change when the same record is read again fail the restart check."""
    with pytest.raises(ConformanceError, match=r"clean restart: 9 record\(s\) of a full run never produced"):
        check_connector(VersionFromPollCount, PAGES, format=TinyFormat())


def test_a_close_that_is_not_idempotent_is_caught() -> None:
    """close must do nothing when called a second time."""
    with pytest.raises(ConformanceError, match="close raised on the second call: RuntimeError: already closed"):
        check_connector(CloseOnlyOnce, PAGES, format=TinyFormat())


def test_a_state_that_is_not_json_is_caught() -> None:
    """A state the checkpoint cannot hold is reported."""
    with pytest.raises(ConformanceError, match="returned a state that is not JSON"):
        check_connector(NotJsonState, PAGES, format=TinyFormat())


def test_a_source_without_data_cannot_be_checked() -> None:
    """An empty source proves nothing: the helper says to give it data."""
    with pytest.raises(ConformanceError, match="produced no records"):
        check_connector(CloseOnlyOnce, {"pages": []}, format=TinyFormat())


def test_the_example_package_connector_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connector of tests/fixtures/hub-connector-example passes the check the guide tells integrators to run."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    from hub_connector_example import SequenceConnector

    try:
        report = check_connector(SequenceConnector, {"count": 45, "batch": 10})
    finally:
        sys.modules.pop("hub_connector_example", None)
    assert (report.records, report.steps, report.recovered_after_crash) == (45, 5, 10)
