"""The pure cutting on its own: no sink, no store, no event loop; documents and records in, messages, an outcome
and what to count out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.connectors.base import ConnectorOptions, Document
from hub.connectors.checkpoint import SeenVersions, record_digest
from hub.connectors.cutting import BatchInfo, cut
from hub.connectors.records import header
from hub.connectors.settings import InstanceSettings
from hub.deadletter import parse_headers
from hub.errors import InvalidEventError
from hub.formats.base import SourceRecord
from tests.helpers.layering import external_closure
from tests.unit.connectors.helpers import TinyFormat, tiny

T0 = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
OPTIONS = ConnectorOptions(type="list", format="tiny-lines")
SETTINGS = InstanceSettings("inst", OPTIONS, TinyFormat(), topic="raw", dlq_topic="dlq")
HUB = Path(__file__).resolve().parents[3] / "hub"


def test_records_are_cut_and_deduplicated_against_seen_versions_and_the_batch() -> None:
    """A record already seen, or twice in the batch, is a duplicate; a new version is not; nothing is produced."""
    seen = SeenVersions(10, [("a", "1")])
    doc = Document(tiny(("a", "1"), ("b", "1"), ("b", "1"), ("a", "2")), "text/plain", "list:0")
    result = cut([doc], seen, SETTINGS, BatchInfo(), T0)
    assert [(m.record.record_id, m.record.version) for m in result.messages if m.record] == [("b", "1"), ("a", "2")]
    assert (result.outcome.produced, result.outcome.duplicates, result.outcome.dead_lettered) == (2, 2, 0)
    assert result.documents == 1
    first = result.messages[0].message
    assert (first.topic, first.key) == ("raw", b"b")
    assert [k for k, _ in first.headers] == [
        "hub_connector",
        "hub_record_id",
        "hub_record_version",
        "hub_content_type",
        "hub_received_at",
        "hub_origin",
    ]
    assert header(first.headers, "hub_received_at") == T0.isoformat()
    assert list(seen) == [("a", "1")]  # cutting only reads what was seen


def test_a_record_changed_under_a_seen_version_is_noted_apart_from_plain_duplicates() -> None:
    """Same id and version as produced before or earlier in the batch, other bytes: dropped, and listed as
    changed; the same bytes again are only a duplicate; a digest the checkpoint lacks tells nothing."""
    seen = SeenVersions(10)
    seen.add("a", "1", record_digest(b"a,1,text of a"))
    seen.add("c", "1")  # from a checkpoint written before digests were kept
    doc = Document(b"a,1,text of a\na,1,moved\nb,1,x\nb,1,y\nb,1,x\nc,1,anything", "text/plain", "list:0")
    result = cut([doc], seen, SETTINGS, BatchInfo(), T0)
    assert [(m.record.record_id, m.record.value) for m in result.messages if m.record] == [("b", b"b,1,x")]
    assert result.outcome.duplicates == 5
    assert [(r.record_id, r.value) for r in result.changed] == [("a", b"a,1,moved"), ("b", b"b,1,y")]


def test_the_instance_settings_header_goes_on_every_raw_record() -> None:
    """An instance with format settings puts them, as given, on its records and its dead letters."""
    settings = InstanceSettings(
        "inst", OPTIONS, TinyFormat(), topic="raw", dlq_topic="dlq", format_settings=b'{"naive_tz":"Europe/Berlin"}'
    )
    result = cut(
        [Document(b"a,1,x", "text/plain", "l"), Document(b"BAD", None, "l")],
        SeenVersions(10),
        settings,
        BatchInfo(),
        T0,
    )
    assert [header(m.message.headers, "hub_format_settings") for m in result.messages] == [
        '{"naive_tz":"Europe/Berlin"}',
        '{"naive_tz":"Europe/Berlin"}',
    ]
    plain = cut([Document(b"a,1,x", "text/plain", "l")], SeenVersions(10), SETTINGS, BatchInfo(), T0)
    assert header(plain.messages[0].message.headers, "hub_format_settings") is None


def test_refused_and_failing_documents_become_dead_letters_to_count() -> None:
    """A document the format refuses is rejected with its code; one the format fails on is a processing_error whose
    exception comes out for the log; both are dead letters on the dlq topic."""

    class Failing(TinyFormat):
        def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
            if document == b"boom":
                raise RuntimeError("bug")
            return super().split(document, content_type)

    settings = InstanceSettings("inst", OPTIONS, Failing(), topic="raw", dlq_topic="dlq")
    docs = [Document(b"BAD\n", None, "o"), Document(b"boom", None, "o2"), Document(tiny(("c", "1")), None, "o3")]
    result = cut(docs, SeenVersions(10), settings, BatchInfo(), T0)
    assert result.outcome.rejected == (
        ("schema_violation", "first line is BAD"),
        ("processing_error", "format tiny-lines failed on this document: RuntimeError"),
    )
    assert result.dead_letters == ["schema_violation", "processing_error"]
    assert [f.origin for f in result.failures] == ["o2"]
    assert isinstance(result.failures[0].error, RuntimeError)
    letters = [m.message for m in result.messages if m.record is None]
    assert [m.topic for m in letters] == ["dlq", "dlq"]
    assert parse_headers(letters[1].headers)["offset"] == "1"
    assert result.outcome.produced == 1


def test_source_times_come_from_the_batch_the_document_or_the_format() -> None:
    """The batch's source time first, then each document's own or its feed timestamp, naive times read as UTC; a
    feed timestamp the format cannot read is left out."""

    class Unreadable(TinyFormat):
        def feed_timestamp(self, document: bytes, content_type: str | None = None) -> datetime | None:
            if document.startswith(b"#feed ?"):
                raise InvalidEventError("no time", "schema_violation")
            return super().feed_timestamp(document, content_type)

    settings = InstanceSettings("inst", OPTIONS, Unreadable(), topic="raw", dlq_topic="dlq")
    naive = datetime(2026, 11, 20, 21, 0)
    docs = [
        Document(tiny(("a", "1")), None, "o", source_time=naive),
        Document(tiny(("b", "1"), feed=(T0 - timedelta(seconds=5)).isoformat()), None, "o"),
        Document(tiny(("c", "1"), feed="?"), None, "o"),
    ]
    batch = BatchInfo(source_time=T0 - timedelta(seconds=9))
    result = cut(docs, SeenVersions(10), settings, batch, T0)
    assert result.source_times == [
        T0 - timedelta(seconds=9),
        naive.replace(tzinfo=UTC),
        T0 - timedelta(seconds=5),
    ]


def test_a_feed_timestamp_that_raises_anything_leaves_the_time_out_and_cuts_on() -> None:
    """A format whose timestamp reader fails with a bug (not InvalidEventError) on one document neither stops the
    cut nor loses the document's records: the time is left out, the records are produced."""

    class Buggy(TinyFormat):
        def feed_timestamp(self, document: bytes, content_type: str | None = None) -> datetime | None:
            raise OverflowError("a timestamp past year 9999")

    settings = InstanceSettings("inst", OPTIONS, Buggy(), topic="raw", dlq_topic="dlq")
    result = cut([Document(tiny(("a", "1")), None, "o")], SeenVersions(10), settings, BatchInfo(), T0)
    assert result.source_times == []
    assert result.outcome.produced == 1


def test_bare_records_take_the_batch_origin_and_content_type() -> None:
    """Records a connector cut itself carry the batch's origin and content type in their headers."""
    record = SourceRecord("r", "1", b"r", b"r,1,x")
    result = cut([record], SeenVersions(10), SETTINGS, BatchInfo("direct", "text/csv"), T0)
    [out] = result.messages
    assert header(out.message.headers, "hub_origin") == "direct"
    assert header(out.message.headers, "hub_content_type") == "text/csv"
    assert result.documents == 0


def test_cutting_loads_no_broker_or_http_client() -> None:
    """The cutting is pure: importing it reaches neither kafka nor aiohttp through the package's imports."""
    loaded = external_closure(HUB, "hub.connectors.cutting")
    assert {name: via for name, via in loaded.items() if name in ("kafka", "aiokafka", "aiohttp", "faust")} == {}


def test_a_record_changed_under_the_same_source_version_is_produced_and_counted() -> None:
    """Versions with a content digest (SIRI-SX): the same source version with another digest is produced (nothing
    lost) and counted as changed in place, against what was produced before and earlier in the batch; a new
    source version, an identical re-send and versions without a digest are not counted."""
    from hub.formats.base import digested_version

    v2a, v2b, v2c = (digested_version("2", d * 16) for d in "abc")
    seen = SeenVersions(10, [("s1", v2a), ("plain", "7")])
    doc = Document(
        tiny(
            ("s1", v2b), ("s1", v2c), ("s1", v2c), ("s2", v2a), ("s2", digested_version("3", "d" * 16)), ("plain", "8")
        ),
        "text/plain",
        "list:0",
    )
    result = cut([doc], seen, SETTINGS, BatchInfo(), T0)
    produced = [(m.record.record_id, m.record.version) for m in result.messages if m.record]
    assert produced == [("s1", v2b), ("s1", v2c), ("s2", v2a), ("s2", digested_version("3", "d" * 16)), ("plain", "8")]
    assert result.outcome.duplicates == 1
    assert result.changed_in_place == 2  # s1 against the seen version, then against the batch's
