"""Every format fuzzed on both sides (issue 11): mutated documents through ``split`` and mutated raw records through
``to_canonical`` give well-formed records and events, or an InvalidEventError with a proper reason code, never
anything else. Seeds are the format tests' own documents, and the shared corpus where it is present."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.bench_formats import CORPUS_DIRS, DEFAULT_CORPUS
from hub.formats.registry import FORMATS
from tests.unit.formats.fuzz import map_outcome, mutated, split_outcome
from tests.unit.formats.seeds import corpus_seeds, every_format, own_seeds

#: Corpus files and records up to this size: larger ones only make examples slow (``make test-unit`` < 1 minute).
_MAX_SEED_BYTES = 16 * 1024
_FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@cache
def _documents(name: str, source: str) -> tuple[bytes, ...]:
    if source == "own":
        return tuple(own_seeds(name))
    if name not in CORPUS_DIRS:
        # The hub's own formats (replay, driver alarm, unit reports) have none by nature; iCalendar has no files in
        # the shared corpus (its own seeds, tests/data/ics, are fuzzed as "own").
        pytest.skip(f"the shared conformance corpus has no third-party files for {name}; its own seeds are fuzzed")
    found = tuple(corpus_seeds(name, DEFAULT_CORPUS, _MAX_SEED_BYTES))
    if not found:
        pytest.skip(f"no corpus for {name} at {DEFAULT_CORPUS} (the shared conformance corpus is not checked out)")
    return found


@cache
def _records(name: str, source: str) -> tuple[bytes, ...]:
    """The raw records the seed documents split into, as the normaliser reads them."""
    fmt = FORMATS[name]
    records = [r.value for doc in _documents(name, source) for r in split_outcome(fmt, doc)[1]]
    return tuple(r for r in records if len(r) <= _MAX_SEED_BYTES)


@pytest.mark.parametrize("source", ["own", "corpus"])
@pytest.mark.parametrize("name", every_format())
@_FUZZ
@given(data=st.data())
def test_mutated_documents_split_into_records_or_a_reason(name: str, source: str, data: st.DataObject) -> None:
    """split of a mutated document gives records with usable ids, or InvalidEventError with a reason code; each
    record it gives maps to events or a reason too."""
    fmt = FORMATS[name]
    document = data.draw(st.sampled_from(_documents(name, source)).flatmap(mutated), label="document")
    _, records = split_outcome(fmt, document)
    for record in records:
        map_outcome(fmt, record.value)


@pytest.mark.parametrize("source", ["own", "corpus"])
@pytest.mark.parametrize("name", every_format())
@_FUZZ
@given(data=st.data())
def test_mutated_raw_records_map_to_events_or_a_reason(name: str, source: str, data: st.DataObject) -> None:
    """to_canonical of a mutated raw record gives events whose value serialises, or InvalidEventError with a reason
    code (never processing_error, which is for the stage's own bugs)."""
    records = _records(name, source)
    if not records:
        pytest.skip(f"the {source} seeds of {name} split into no record of size up to {_MAX_SEED_BYTES} bytes")
    record = data.draw(st.sampled_from(records).flatmap(mutated), label="record")
    map_outcome(FORMATS[name], record)
