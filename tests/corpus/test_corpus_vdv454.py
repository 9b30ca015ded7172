"""Every file in ../shared/corpus/vdv454/ is normalised or dead-lettered with a precise reason, as the table says.

Table helpers come from ``test_corpus_siri``; every file goes through the vdv454-aus format's real functions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.formats.vdv454 import Vdv454AusFormat
from hub.schemas import TripUpdate, unwrap
from tests.corpus.test_corpus_siri import Expect, check_file, corpus_files, dead_at_split, dead_records, ok

NO_TIME = "IstFahrt has no Zst and its delivery no Bestaetigung/@Zst"

EXPECTED: dict[str, Expect] = {
    "vbb-json/aus-istfahrt-17638-00054-1_SVF.json": ok("vdv454-aus", {"trip-update": 1}),  # time: $BestaetigungZst
    "vbb-json/aus-istfahrt-2026-06-04-M5-26342-860574653700-komplettfahrt.json": ok("vdv454-aus", {"trip-update": 1}),
    "vbb-json/aus-istfahrt-2026-06-04-M5-26342-860574653700-partial.json": ok("vdv454-aus", {"trip-update": 1}),
    # Neither Zst nor $BestaetigungZst: the message has no time at all (dead at to_canonical).
    "vbb-json/aus-istfahrt-270624_1327HMSWIU_BVG.json": dead_records("vdv454-aus", "schema_violation", NO_TIME, 1),
    "vbb-json/ref-aus-sollfahrt-2026-06-04-M5-26342-860574653700.json": dead_at_split(
        "vdv454-aus", "unsupported", "a SollFahrt (planned trip, REF-AUS) is not a real-time IstFahrt"
    ),
    # An element-tree dump of a single IstFahrt (a cancelled S-Bahn trip), cut out of its delivery without a time.
    "vbb-json/vbb-dds-aus-istfahrt-2025-02-06-7610-08-8089188-210100_DB.tree.json": dead_records(
        "vdv454-aus", "schema_violation", NO_TIME, 1
    ),
    "vbb-xml/vbb-dds-aus-datenabrufenantwort-2024-04-11.xml": ok("vdv454-aus", {"trip-update": 2}),
}


@pytest.fixture
def corpus(shared_dir: Path) -> Path:
    """The VDV 454 folder of the shared corpus."""
    return shared_dir / "corpus" / "vdv454"


def test_table_names_every_file(corpus: Path) -> None:
    """The table lists exactly the files present, so a new corpus file must be classified."""
    assert corpus_files(corpus) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_file_is_normalised_or_dead_lettered_as_expected(corpus: Path, name: str) -> None:
    """split + to_canonical give the events and dead letters (code and reason) the table states."""
    check_file(corpus / name, EXPECTED[name])


def test_two_messages_with_one_zst_stay_two_events(corpus: Path) -> None:
    """VBB sent the complete and the partial M5 message with the same Zst; the delivery time keeps them apart."""
    fmt = Vdv454AusFormat()
    events = []
    for name in ("komplettfahrt", "partial"):
        path = corpus / f"vbb-json/aus-istfahrt-2026-06-04-M5-26342-860574653700-{name}.json"
        [record] = fmt.split(path.read_bytes())
        events.append(fmt.to_canonical(record.value)[0].event)
    assert events[0].time == events[1].time
    assert events[0].id != events[1].id


def test_xml_delivery_maps_prognoses_and_delivery_time(corpus: Path) -> None:
    """The ODEG trip has prognoses for all 14 stops; the M8 trip has no Zst and no prognoses."""
    fmt = Vdv454AusFormat()
    records = fmt.split((corpus / "vbb-xml/vbb-dds-aus-datenabrufenantwort-2024-04-11.xml").read_bytes())
    first, second = (unwrap(fmt.to_canonical(r.value)[0].event) for r in records)
    assert isinstance(first, TripUpdate)
    assert isinstance(second, TripUpdate)
    assert (first.trip_id, first.line, first.start_date) == ("0_581_01410#VMEE", "581", "20240411")
    assert len(first.stop_updates) == 14
    assert [s.stop_sequence for s in first.stop_updates] == list(range(14))  # Komplettfahrt
    assert all(s.schedule_relationship == "scheduled" for s in first.stop_updates)
    assert second.observed_at.isoformat() == "2024-04-11T13:18:08.985000+00:00"  # the Bestaetigung's Zst
    assert {s.schedule_relationship for s in second.stop_updates} == {"no_data"}
