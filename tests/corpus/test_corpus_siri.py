"""Every file in ../shared/corpus/siri/ is normalised or dead-lettered with a precise reason, as the table says.

The table's helpers (``Expect``, ``ok``, ``dead_at_split``, ``dead_records``, ``check_file``) are shared with the
VDV 454 and CloudEvents corpus modules. Each file is fed to the format that fits its content, through the real
``split`` and ``to_canonical``; nothing may raise anything but ``InvalidEventError``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.errors import DeadLetterReason, InvalidEventError
from hub.formats.base import Format, declared_version
from hub.formats.registry import FORMATS
from hub.formats.siri import SiriSxFormat, SiriVmFormat
from hub.schemas import TransitDisruption, unwrap


@dataclass(frozen=True)
class Expect:
    """What one corpus file gives through format ``fmt``.

    ``split``: the whole document is dead-lettered at split time with (code, words in the reason). Otherwise
    ``events`` counts canonical events by kind and ``dead`` counts records dead-lettered at to_canonical time,
    by words in their reason -> (code, count).
    """

    fmt: str
    split: tuple[DeadLetterReason, str] | None = None
    events: Mapping[str, int] = field(default_factory=dict)
    dead: Mapping[str, tuple[DeadLetterReason, int]] = field(default_factory=dict)


def ok(fmt: str, events: Mapping[str, int], dead: Mapping[str, tuple[DeadLetterReason, int]] | None = None) -> Expect:
    """Records map to ``events`` (and, where given, some records dead-letter as ``dead`` says)."""
    return Expect(fmt, events=events, dead=dead or {})


def dead_at_split(fmt: str, code: DeadLetterReason, words: str) -> Expect:
    """The whole document is dead-lettered by split."""
    return Expect(fmt, split=(code, words))


def dead_records(fmt: str, code: DeadLetterReason, words: str, count: int) -> Expect:
    """Split gives ``count`` records and every one is dead-lettered by to_canonical."""
    return Expect(fmt, dead={words: (code, count)})


def corpus_files(base: Path) -> list[str]:
    """Every file below ``base``, as a path relative to it."""
    return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Outcome:
    """What split and to_canonical did with one document."""

    split_error: tuple[DeadLetterReason, str] | None
    events: Counter[str]
    dead: list[tuple[DeadLetterReason, str]]  # (code, reason) of each record to_canonical refused


def run(fmt: Format, document: bytes) -> Outcome:
    """The real pipeline functions on one document; anything but InvalidEventError propagates (a crash)."""
    try:
        records = fmt.split(document)
    except InvalidEventError as exc:
        return Outcome((exc.code, exc.reason), Counter(), [])
    events: Counter[str] = Counter()
    dead: list[tuple[DeadLetterReason, str]] = []
    for record in records:
        try:
            events.update(r.event.hubkind for r in fmt.to_canonical(record.value))
        except InvalidEventError as exc:
            dead.append((exc.code, exc.reason))
    return Outcome(None, events, dead)


def check_file(path: Path, expect: Expect, fmt: Format | None = None) -> None:
    """Run split and to_canonical on ``path`` and compare with ``expect``."""
    got = run(fmt or FORMATS[expect.fmt], path.read_bytes())
    if expect.split is not None:
        assert got.split_error is not None, f"split took the document: {dict(got.events)}, {len(got.dead)} dead"
        assert got.split_error[0] == expect.split[0], got.split_error
        assert expect.split[1] in got.split_error[1], got.split_error
        return
    assert got.split_error is None, f"split refused the document: {got.split_error}"
    assert dict(got.events) == dict(expect.events)
    tally: Counter[str] = Counter()
    for code, reason in got.dead:
        words = next((w for w in expect.dead if w in reason), None)
        assert words is not None, f"unexpected dead letter: {code}: {reason}"
        assert code == expect.dead[words][0], reason
        tally[words] += 1
    assert dict(tally) == {words: count for words, (_, count) in expect.dead.items()}


NO_OFFSET = "has no UTC offset"

EXPECTED: dict[str, Expect] = {
    # 286 situations, Kolumbus 2016: 164 have no text at all, the rest carry local times without offset.
    "entur/GetSituationExchangeResponse_1_4_kolumbus.xml": Expect(
        "siri-sx",
        dead={
            "has no Summary or Description text": ("schema_violation", 164),
            # The reason gives the time's length, not the time (issue 12): 48 CreationTimes of 22 characters.
            f"CreationTime: <22 characters> {NO_OFFSET}": ("schema_violation", 48),
            NO_OFFSET: ("schema_violation", 74),
        },
    ),
    "entur/HeartBeatNotification.xml": ok("siri-vm", {}),  # a heartbeat: no records, no error
    "entur/ServiceDelivery_ruter.xml": dead_records("siri-sx", "schema_violation", NO_OFFSET, 45),
    "entur/SubscriptionResponse_atb.xml": ok("siri-sx", {}),  # subscription acknowledged: no records
    "entur/VMSubscriptionResponse_error.xml": dead_at_split(
        "siri-vm", "source_failed", "Status=false: CapabilityNotSupportedError: Subscription: Capability not supported"
    ),
    # 515 activities: 122 without coordinates, 72 with a RecordedAtTime without offset amid times with offsets.
    "entur/VehicleMonitoringAnswer_kolumbus_soap.xml": ok(
        "siri-vm",
        {"vehicle-position": 321},
        {
            "VehicleLocation has no Latitude and Longitude": ("schema_violation", 122),
            NO_OFFSET: ("schema_violation", 72),
        },
    ),
    "otp/otp-siri-fm-parking.xml": dead_at_split(
        "siri-sx", "unsupported", "carries FacilityMonitoringDelivery, not SituationExchangeDelivery"
    ),
    "otp/otp-siri-sx-southtyrol.xml": ok("siri-sx", {"transit-disruption": 1}),
    # Two activities with local times; the second was recorded two years after it stopped being valid.
    "uk-bods/testSiriVm.xml": Expect(
        "siri-vm",
        dead={
            # The reason does not repeat the time (issue 12): both read alike.
            f"RecordedAtTime: <19 characters> {NO_OFFSET}": ("schema_violation", 2),
        },
    ),
}


@pytest.fixture
def corpus(shared_dir: Path) -> Path:
    """The SIRI folder of the shared corpus."""
    return shared_dir / "corpus" / "siri"


def test_table_names_every_file(corpus: Path) -> None:
    """The table lists exactly the files present, so a new corpus file must be classified."""
    assert corpus_files(corpus) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_file_is_normalised_or_dead_lettered_as_expected(corpus: Path, name: str) -> None:
    """split + to_canonical give the events and dead letters (code and reason) the table states."""
    check_file(corpus / name, EXPECTED[name])


#: The Norwegian servers above send local times without offset; configured with their zone, they map.
OSLO_EXPECTED: dict[str, Expect] = {
    "entur/GetSituationExchangeResponse_1_4_kolumbus.xml": ok(
        "siri-sx", {"transit-disruption": 122}, {"has no Summary or Description text": ("schema_violation", 164)}
    ),
    "entur/ServiceDelivery_ruter.xml": ok("siri-sx", {"transit-disruption": 45}),
    "entur/VehicleMonitoringAnswer_kolumbus_soap.xml": ok(
        "siri-vm",
        {"vehicle-position": 387},
        {"VehicleLocation has no Latitude and Longitude": ("schema_violation", 128)},
    ),
    "uk-bods/testSiriVm.xml": ok("siri-vm", {"vehicle-position": 2}),
}


@pytest.mark.parametrize("name", sorted(OSLO_EXPECTED))
def test_local_time_feeds_map_once_their_zone_is_configured(corpus: Path, name: str) -> None:
    """With naive_tz=Europe/Oslo the same files map, leaving only records that lack text or a position."""
    oslo = ZoneInfo("Europe/Oslo")
    fmt = SiriSxFormat(naive_tz=oslo) if OSLO_EXPECTED[name].fmt == "siri-sx" else SiriVmFormat(naive_tz=oslo)
    check_file(corpus / name, OSLO_EXPECTED[name], fmt)


def test_south_tyrol_situation_maps_field_by_field(corpus: Path) -> None:
    """The four-language STA situation: German summary, public line name, mapped codes, DST-crossing validity."""
    fmt = SiriSxFormat()
    [record] = fmt.split((corpus / "otp/otp-siri-sx-southtyrol.xml").read_bytes())
    assert (record.record_id, declared_version(record.version)) == ("2024-3443167", "6")
    payload = unwrap(fmt.to_canonical(record.value)[0].event)
    assert isinstance(payload, TransitDisruption)
    assert payload.summary == "Straßen-/Streckenhindernis"
    assert payload.lines == ["120"]
    assert (payload.cause, payload.effect, payload.severity, payload.status) == (
        "other",
        "no_service",
        "warning",
        "updated",
    )
    assert payload.valid_from.isoformat() == "2024-10-04T13:08:00+02:00"
    assert payload.valid_to is not None
    assert payload.valid_to.isoformat() == "2024-11-30T13:08:00+01:00"
