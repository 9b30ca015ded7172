"""The pseudonymise core with compiled share plans, wire-form shares and cached pseudonyms and scrubs gives the same
bytes as the pydantic round trip per domain it replaced (``pseudonymise_reference``): every share (topic, key,
value), every register row and vault entry, every withheld domain, and the same error for an event it refuses, on
a wide generated mix of every kind for every domain, with the real scrubber."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.config import Settings
from hub.errors import HubError
from hub.network.gtfs_static import default_gtfs
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import default_policy
from hub.privacy.retention import RetentionPeriods
from hub.privacy.setup import key_names, stage_scrubber
from hub.privacy.transform import StopIndex, TransformContext, for_domain, share_record
from hub.schemas import KINDS, CloudEvent, example_payload, wrap
from hub.streams.pseudonymise import IncidentDomains, Pseudonymised, Pseudonymiser
from hub.topology import CANONICAL_KINDS
from tests.unit.pseudonymise_reference import old_for_domain, old_process

POLICY = default_policy()
KEYS = demo_keyring(key_names(POLICY))
PERIODS = RetentionPeriods.from_settings(Settings())
STOPS = StopIndex(default_gtfs().stops.values())
SCRUBBER = stage_scrubber(POLICY)  # the real one: its result is what the new core caches

# Free text as people write it (names, phone numbers, streets, a case reference) and arbitrary text.
_PHRASES = (
    "Anrufer Herr Kowalski, Tel. 0345 1234567, meldet Streit",
    "Frau Erika Mustermann (geb. 12.03.1961) wohnt Geiststraße 17",
    "Linie 8: Polizeieinsatz zwischen Franckeplatz und Rannischer Platz",
    "Kennzeichen HAL-AB 123 parkt auf dem Gleis",
    "mail an anna.schmidt@example.org, IBAN DE89 3704 0044 0532 0130 00",
    "Leipziger Straße 12a, Halle",
    "E-2026-11-123",
)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
_STRING = st.one_of(st.sampled_from(_PHRASES), _TEXT, st.sampled_from(("OA-HAL-1", "PI-HAL-E-0000004", "Saale 1")))
_SOURCES = ("/polizei/els", "/havag/itcs", "/ordnungsamt/open311", "/polizei/tetra", "/unbekannt", "hub")
_ANY_INDEX = st.integers(0, 5_000)
_ZONES = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30)))


def _mutated(draw: st.DrawFn, node: Any) -> Any:
    """``node`` with some of its strings, numbers and booleans replaced by drawn ones (the rest kept)."""
    if isinstance(node, dict):
        return {k: _mutated(draw, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_mutated(draw, v) for v in node]
    if draw(st.integers(0, 3)) != 0:  # most leaves stay, so most mutated payloads still validate
        return node
    if isinstance(node, bool):
        return draw(st.booleans())
    if isinstance(node, str):
        return draw(_STRING)
    if isinstance(node, float):
        return draw(st.floats(-1e6, 1e6, allow_nan=False) | st.sampled_from((0.0, 1e-7, 51.48, 360.0)))
    if isinstance(node, int):
        return draw(st.integers(-(2**40), 2**40) | st.integers(0, 9))
    return node


@st.composite
def canonical_events(draw: st.DrawFn, index: st.SearchStrategy[int] = _ANY_INDEX) -> bytes:
    """A valid canonical event of any kind, from an example payload with drawn changes where its model allows."""
    kind = draw(st.sampled_from(CANONICAL_KINDS))
    base = example_payload(kind, draw(index))
    model = KINDS[kind].model
    try:
        payload = model.model_validate(_mutated(draw, base))
    except ValidationError:
        payload = model.model_validate(base)
    moment = draw(st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.sampled_from(_ZONES)))
    event = wrap(
        payload,
        source=draw(st.sampled_from(_SOURCES)),
        source_record_id=draw(_TEXT.filter(bool)),
        time=moment,
        subject=draw(st.none() | st.just(KINDS[kind].partition_key(payload))),
    )
    schema = draw(st.none() | st.just(f"https://hub.halle.de/schemas/{kind}.json"))
    return event.model_copy(update={"dataschema": schema}).to_bytes()


@st.composite
def refused_records(draw: st.DrawFn) -> bytes:
    """A record the stage refuses: not JSON, not an event, a share, a kind without share topics, a wrong type."""
    good = CloudEvent.from_bytes(draw(canonical_events()))
    changed = draw(
        st.sampled_from(
            ({"hubrecipient": "havag"}, {"hubkind": "alert"}, {"type": "de.halle.hub.alert.v1"}, {"data": {"x": 1}})
        )
    )
    return draw(st.binary(max_size=12) | st.just(good.model_copy(update=changed).to_bytes()))


def _outcome(process: Any, raw: bytes) -> Pseudonymised | tuple[str, str]:
    try:
        result: Pseudonymised = process(raw)
    except HubError as exc:
        return type(exc).__name__, str(exc)
    return result


def _both() -> tuple[Pseudonymiser, Any]:
    """The production core and the reference, each with its own incident table."""
    core = Pseudonymiser(POLICY, KEYS, PERIODS, stops=STOPS, scrubber=SCRUBBER)
    incidents = IncidentDomains()
    context = TransformContext(stops=STOPS, scrubber=SCRUBBER)
    return core, lambda raw: old_process(POLICY, KEYS, PERIODS, incidents, context, raw)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(canonical_events(st.integers(0, 12)) | refused_records(), min_size=1, max_size=8))
def test_same_bytes_as_the_round_trip_per_domain(raws: list[bytes]) -> None:
    """A run of events (small indices, so units meet the incidents they are on) gives the same results, one by
    one: shares byte for byte, register rows, vault entries, withheld domains, errors."""
    core, reference = _both()
    for raw in raws:
        assert _outcome(core.process, raw) == _outcome(reference, raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(canonical_events())
def test_same_share_of_every_event_for_every_domain(raw: bytes) -> None:
    """``for_domain``, ``share_record`` (the plan compiled per call) and the reference agree for every domain."""
    event = CloudEvent.from_bytes(raw)
    context = TransformContext(stops=STOPS, scrubber=SCRUBBER, unit_assigned=raw[-3] % 2 == 0)
    for domain in POLICY.domains:
        try:
            old = old_for_domain(event, domain, POLICY, KEYS, context=context)
        except HubError as exc:
            with pytest.raises(type(exc), match=f"^{re.escape(str(exc))}$"):
                for_domain(event, domain, POLICY, KEYS, context=context)
            continue
        new = for_domain(event, domain, POLICY, KEYS, context=context)
        record = share_record(event, domain, POLICY, KEYS, context=context)
        if old is None:
            assert new is None
            assert record is None
            continue
        assert new is not None
        assert record is not None
        assert new == old
        assert record.value() == new.to_bytes() == old.to_bytes()
        assert record.key == (old.subject or "").encode()
        assert record.id == old.id


def test_same_bytes_on_the_sample_mix() -> None:
    """The replay samples (every kind, the demo's and benchmarks' data) give the same results, in one run."""
    from hub.formats.replay import map_replay_record
    from hub.samples import sample_lines

    core, reference = _both()
    raws = [map_replay_record(line)[0].value() for line in sample_lines(400, 0)]
    for raw in raws + raws:  # twice: the second time the caches answer
        assert _outcome(core.process, raw) == _outcome(reference, raw)
