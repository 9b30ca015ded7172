"""Which dead letters `hub dlq replay` sends back, where, and with what (hub.jobs.dlq_replay.plan_replay)."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.deadletter import Origin, dead_letter
from hub.errors import DeadLetterReason
from hub.jobs.dlq_replay import REPLAYED_FROM_HEADER, plan_replay
from hub.kafka_read import Record

T0 = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
SETTINGS = ("hub_format_settings", b'{"naive_tz": "Europe/Berlin"}')


def letter(
    offset: int, origin: str, *, stage: str = "normalise", code: DeadLetterReason = "unknown_kind", at: datetime = T0
) -> Record:
    """A dead letter as a stage writes it, of a record read from ``origin`` that carried the format settings."""
    made = dead_letter(stage, code, "why", Origin(origin, 1, 40 + offset), b"k%d" % offset, b"v%d" % offset, now=at)
    return Record("p.dlq." + stage, 0, offset, made.key, made.value, [*made.headers(), SETTINGS])


def test_a_letter_goes_back_to_its_topic_with_its_key_bytes_and_headers_and_where_it_came_from() -> None:
    """The record sent back is the one that failed: same topic, key, value and own headers, no hub_dlq_* header,
    plus hub_replayed_from naming the letter."""
    plan = plan_replay([letter(3, "p.raw.replay.ndjson")], "p.")
    [back] = plan.send
    assert (back.topic, back.key, back.value) == ("p.raw.replay.ndjson", b"k3", b"v3")
    assert back.headers == [SETTINGS, (REPLAYED_FROM_HEADER, b"p.dlq.normalise@0:3")]
    assert plan.skipped == []


def test_only_the_chosen_codes_and_times_are_taken() -> None:
    """--code and --since select; letters not selected are neither sent nor reported as skipped."""
    letters = [
        letter(1, "p.raw.replay.ndjson", code="unknown_kind"),
        letter(2, "p.raw.replay.ndjson", code="schema_violation"),
        letter(3, "p.raw.replay.ndjson", code="unknown_kind", at=T0.replace(hour=5)),
    ]
    chosen = plan_replay(letters, "p.", codes={"unknown_kind"}, since=T0)
    assert [r.letter.offset for r in chosen.send] == [1]
    assert chosen.skipped == []
    assert [r.letter.offset for r in plan_replay(letters, "p.").send] == [1, 2, 3]


def test_what_cannot_go_back_is_skipped_with_the_reason() -> None:
    """A connector's letter (source input, origin a URL), a letter of another deployment's or a non-input topic,
    and one without origin headers are not sent; each is reported with why."""
    connector = letter(1, "https://feed.example/vp.pb", stage="connectors")
    other_prefix = letter(2, "q.raw.replay.ndjson")
    not_an_input = letter(3, "p.share.havag.incident")
    bare = Record("p.dlq.normalise", 0, 4, None, b"x", [])
    plan = plan_replay([connector, other_prefix, not_an_input, bare], "p.")
    assert plan.send == []
    reasons = [why for _, why in plan.skipped]
    assert "read it again through the connector" in reasons[0]
    assert "not an input topic of this deployment" in reasons[1]
    assert "not an input topic of this deployment" in reasons[2]
    assert "where it was read is unknown" in reasons[3]
