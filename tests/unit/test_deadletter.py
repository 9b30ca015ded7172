"""Dead-letter records keep the original bytes and carry reason and origin in headers."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.deadletter import Origin, dead_letter, parse_headers


def test_headers_carry_reason_and_origin_and_value_is_unchanged() -> None:
    """The value is the input byte for byte; headers name stage, code, reason, topic, partition, offset."""
    raw = b'{"kind": "incident", broken'
    letter = dead_letter(
        "normalise",
        "malformed_json",
        "not JSON",
        Origin("raw.replay.ndjson", 2, 41),
        b"k",
        raw,
        now=datetime(2026, 11, 25, tzinfo=UTC),
    )
    assert letter.value == raw
    assert parse_headers(letter.headers()) == {
        "stage": "normalise",
        "code": "malformed_json",
        "reason": "not JSON",
        "topic": "raw.replay.ndjson",
        "partition": "2",
        "offset": "41",
        "failed_at": "2026-11-25T00:00:00+00:00",
    }


def test_long_reasons_are_cut() -> None:
    """A reason quoting huge input does not make huge headers."""
    letter = dead_letter("normalise", "schema_violation", "x" * 10_000, Origin("t", 0, 0), None, b"")
    assert len(letter.reason) == 2000


def test_parse_headers_ignores_foreign_headers() -> None:
    """Headers of other tools are left out of the parsed dead-letter view."""
    assert parse_headers([("traceparent", b"00-1"), ("hub_dlq_code", b"too_large")]) == {"code": "too_large"}
