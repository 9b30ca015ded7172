"""Corpus conformance for Open311 GeoReport v2: every file in ../shared/corpus/open311/ is normalised or
dead-lettered as the table below says, through the real ``Open311Format`` split and to_canonical.

``Ok`` gives the canonical events by kind; ``Dead`` says the whole document is refused at ``split``, or every one of
its records at ``record`` (to_canonical). Only ``GET requests`` answers carry reports; service lists, definitions,
discovery documents, POST/token answers and error answers are refused whole with a reason saying which they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

import pytest

from hub.errors import DeadLetterReason, InvalidEventError
from hub.formats.open311 import Open311Format

FMT = Open311Format()

_T = TypeVar("_T")


@dataclass(frozen=True)
class Ok:
    """Normalised: every record maps; these are the events by kind."""

    events: dict[str, int]


@dataclass(frozen=True)
class Dead:
    """Dead-lettered: the whole document at ``split``, or every one of its records at ``record`` (to_canonical)."""

    at: Literal["split", "record"]
    code: DeadLetterReason
    reason: str


ACK = "Open311 POST or token answer (request ids and tokens only), not service requests"

EXPECTED: dict[str, Ok | Dead] = {
    # A raw HTTP response (status line, then the body): the connector must hand over the body only.
    "codeforamerica-ruby/403.xml": Dead(
        "split", "malformed_xml", "document starts with an HTTP status line (status 403)"
    ),
    "codeforamerica-ruby/get_service_request.xml": Ok({"incident": 1}),
    "codeforamerica-ruby/get_service_request_not_found.xml": Dead(
        "split", "unsupported", "Open311 error response, no service requests: 404 Service request not found"
    ),
    "codeforamerica-ruby/post_service_request.xml": Dead("split", "unsupported", ACK),
    "codeforamerica-ruby/request_id_from_token.xml": Dead("split", "unsupported", ACK),
    "codeforamerica-ruby/service_definition.xml": Dead("split", "unsupported", "an Open311 service definition"),
    "codeforamerica-ruby/service_requests.xml": Ok({"incident": 2}),
    "codeforamerica-ruby/services.xml": Dead("split", "unsupported", "an Open311 service list (36 services)"),
    "node-open311/boston-err-submitrequest-base_is_duplicate.xml": Dead(
        "split", "unsupported", "Open311 error response, no service requests: 400 Invalid service request"
    ),
    "node-open311/boston-submitrequest-token.xml": Dead("split", "unsupported", ACK),
    "node-open311/dc-services-S0301.xml": Dead("split", "unsupported", "an Open311 service definition"),
    "node-open311/dc-services.xml": Dead("split", "unsupported", "an Open311 service list"),
    "node-open311/discovery-boston.json": Dead("split", "unsupported", "an Open311 discovery document"),
    "node-open311/discovery-dc.xml": Dead("split", "unsupported", "an Open311 discovery document"),
    "node-open311/service-requests.xml": Ok({"incident": 2}),
    "node-open311/token.xml": Dead("split", "unsupported", ACK),
    # Real Bloomington answer: null and 0,0 positions, CRLF in texts; all 21 requests map.
    "open311status/bloomington_requests.json": Ok({"incident": 21}),
    "open311status/bloomington_services.json": Dead("split", "unsupported", "an Open311 service list"),
    # San Francisco writes local times without offset ("2012-05-22 23:57:23.97"): not W3C, every request refused.
    "open311status/san_francisco_requests.xml": Dead(
        "record", "schema_violation", "requested_datetime: has no UTC offset, which GeoReport v2 requires"
    ),
    "open311status/san_francisco_services.xml": Dead("split", "unsupported", "an Open311 service list"),
}


@pytest.fixture
def corpus(shared_dir: Path) -> Path:
    """The Open311 corpus folder (skips with the reason when ../shared is absent)."""
    return shared_dir / "corpus" / "open311"


def test_table_names_exactly_the_files_present(corpus: Path) -> None:
    """Every corpus file is classified and the table names no file that is gone: a new file must be added here."""
    present = {p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file()}
    assert present == set(EXPECTED)


def _attempt(action: Callable[[], _T]) -> _T | InvalidEventError:
    """The result of ``action``, or the InvalidEventError it raised (anything else escapes and fails the test)."""
    try:
        return action()
    except InvalidEventError as exc:
        return exc


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_file_is_normalised_or_dead_lettered_as_expected(corpus: Path, name: str) -> None:
    """split and to_canonical give the events or the dead-letter reason the table says; nothing else escapes."""
    expected = EXPECTED[name]
    document = (corpus / name).read_bytes()
    records = _attempt(lambda: FMT.split(document))
    if isinstance(records, InvalidEventError):
        assert isinstance(expected, Dead), f"refused at split: {records.code}: {records.reason}"
        assert expected.at == "split", f"refused at split: {records.code}: {records.reason}"
        assert (records.code, expected.reason in records.reason) == (expected.code, True), records.reason
        return
    assert not (isinstance(expected, Dead) and expected.at == "split"), f"split gave {len(records)} records"
    assert records, "split gave no records and no reason"
    results = [_attempt(partial(FMT.to_canonical, record.value)) for record in records]
    failures = [r for r in results if isinstance(r, InvalidEventError)]
    if isinstance(expected, Ok):
        assert not failures, [f"{f.code}: {f.reason}" for f in failures]
        events = Counter(out.event.hubkind for r in results if not isinstance(r, InvalidEventError) for out in r)
        assert dict(events) == expected.events
    else:
        assert len(failures) == len(records), f"only {len(failures)} of {len(records)} records refused"
        for exc in failures:
            assert (exc.code, expected.reason in exc.reason) == (expected.code, True), exc.reason


def test_bloomington_positions_and_services(corpus: Path) -> None:
    """0,0 and null positions give no location; Street Lights and Graffiti find their type codes."""
    records = FMT.split((corpus / "open311status" / "bloomington_requests.json").read_bytes())
    incidents = [FMT.to_canonical(r.value)[0].event.data for r in records]
    assert sum(i["location"] is None for i in incidents) == 8
    types = Counter(i["type_code"] for i in incidents)
    assert (types["TECHNICAL/LIGHTING"], types["CRIME/PROPERTY_DAMAGE"]) == (1, 1)
    assert all(FMT.cursor_value(r).endswith("Z") for r in records)
