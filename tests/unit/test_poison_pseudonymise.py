"""The pseudonymise core refuses what PostgreSQL cannot store before any share is made: a canonical event whose
strings hold a NUL or a lone surrogate is an invalid event, so no share, register row or vault entry of it exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.errors import InvalidEventError
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS, default_policy
from hub.privacy.retention import RetentionPeriods
from hub.schemas import Incident, example_payload, wrap
from hub.streams.pseudonymise import Pseudonymiser

PERIODS = RetentionPeriods(timedelta(days=30), timedelta(days=180), timedelta(days=730), timedelta(days=1095))


def _canonical_incident() -> bytes:
    payload = Incident.model_validate({**example_payload("incident", 0), "caller": {"name": "Erika Mustermann"}})
    event = wrap(payload, source="/polizei/els", source_record_id="E-1", time=datetime(2026, 11, 20, tzinfo=UTC))
    return event.to_bytes()


@pytest.mark.parametrize(
    ("old", "new", "code", "field"),
    [
        (b'"Erika Mustermann"', b'"Erika\\u0000Mustermann"', "schema_violation", "caller.name"),
        (b'"Erika Mustermann"', b'"Erika\\ud800Mustermann"', "schema_violation", "caller.name"),
        (b'"E-1"', b'"E-1\\u0000"', "undecodable", "hubsourceid"),
    ],
    ids=["nul-in-payload", "surrogate-in-payload", "nul-in-envelope"],
)
def test_an_unstorable_string_on_a_canonical_topic_makes_no_share(
    old: bytes, new: bytes, code: str, field: str
) -> None:
    """A record on canon.* carrying a NUL or lone surrogate (written before the normaliser refused them) is an
    InvalidEventError naming the field: it is dead-lettered and nothing of it is shared or stored."""
    raw = _canonical_incident()
    core = Pseudonymiser(default_policy(), demo_keyring(DOMAINS), PERIODS, scrubber=lambda text: "[scrubbed]")
    assert core.process(raw).vault, "the clean event gives vault entries (the caller's name, pseudonymised)"
    with pytest.raises(InvalidEventError) as info:
        core.process(raw.replace(old, new))
    assert info.value.code == code
    assert f"{field}: contains a " in info.value.reason
