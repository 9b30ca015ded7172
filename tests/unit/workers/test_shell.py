"""The stage shell's one error path: what becomes a dead letter, with which code and reason, and what goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.errors import InvalidEventError, PolicyViolation
from hub.messages import Message
from hub.metrics import StageMetrics
from hub.workers.shell import StageShell
from tests.helpers.messages import FakeMessage


@pytest.fixture
def shell(tmp_path: Path) -> StageShell:
    """A stage shell with a faust app that never connects (nothing is started)."""
    settings = Settings(kafka_bootstrap="nowhere:1", topic_prefix="t1.", state_dir=tmp_path)
    return StageShell(settings, "normalise", StageMetrics.create(CollectorRegistry()))


def message(offset: int, value: bytes) -> FakeMessage:
    return FakeMessage("t1.raw.replay.ndjson", 2, offset, b"key", value)


def handler(m: Message) -> str:
    value = m.value or b""
    if value == b"invalid":
        raise InvalidEventError("line 1: not JSON", "malformed_json")
    if value == b"forbidden":
        raise PolicyViolation("caller.name would reach havag")
    if value == b"bug":
        raise KeyError("Erika Mustermann")  # an exception's text can quote the input
    return value.decode().upper()


def test_good_messages_give_their_results_in_order(shell: StageShell) -> None:
    """Every message the handler takes yields its result beside the message, in the order consumed."""
    handled = shell.handle([message(1, b"a"), message(2, b"b")], handler)
    assert [(m.offset, r) for m, r in handled.results] == [(1, "A"), (2, "B")]
    assert handled.dead == []


def test_an_invalid_event_is_dead_lettered_with_its_reason_and_origin(shell: StageShell) -> None:
    """InvalidEventError becomes a dead letter on the stage's declared dlq topic: original bytes and key, the
    error's code and reason, where it was read; the messages after it are still handled."""
    handled = shell.handle([message(7, b"invalid"), message(8, b"c")], handler)
    assert [r for _, r in handled.results] == ["C"]
    [letter] = handled.dead
    assert (letter.topic, letter.key, letter.value, letter.dead_letter_code) == (
        "dlq.normalise",
        b"key",
        b"invalid",
        "malformed_json",
    )
    headers = parse_headers(letter.headers)
    assert headers["reason"] == "line 1: not JSON"
    assert (headers["stage"], headers["topic"], headers["partition"], headers["offset"]) == (
        "normalise",
        "t1.raw.replay.ndjson",
        "2",
        "7",
    )


def test_a_dead_letter_keeps_the_records_own_headers_beside_its_reason(shell: StageShell) -> None:
    """The original record's headers (the connector's format settings, say) stay on its dead letter, so a record
    re-sent from the dead-letter topic reads as the original did; hub_dlq_* headers of an earlier dead letter are
    not carried over (the new ones say why it failed now)."""
    original = [("hub_format_settings", b'{"naive_tz": "Europe/Berlin"}'), ("hub_dlq_reason", b"an older reason")]
    record = FakeMessage("t1.raw.replay.ndjson", 0, 4, b"key", b"invalid", original)
    [letter] = shell.handle([record], handler).dead
    assert letter.headers is not None
    assert ("hub_format_settings", b'{"naive_tz": "Europe/Berlin"}') in letter.headers
    assert [v for k, v in letter.headers if k == "hub_dlq_reason"] == [b"line 1: not JSON"]
    assert parse_headers(letter.headers)["offset"] == "4"


def test_a_policy_violation_is_a_processing_error_naming_the_violation(shell: StageShell) -> None:
    """A share that would break the policy sends nothing of the event and dead-letters it as processing_error."""
    [letter] = shell.handle([message(3, b"forbidden")], handler).dead
    assert letter.dead_letter_code == "processing_error"
    assert parse_headers(letter.headers)["reason"] == "policy violation: caller.name would reach havag"


def test_an_unexpected_exception_names_its_class_only(shell: StageShell) -> None:
    """A bug met by one message dead-letters it as processing_error; the reason names the exception class but not
    its text, which may quote personal data (the traceback is in the worker log, through the redactor)."""
    handled = shell.handle([message(4, b"bug"), message(5, b"d")], handler)
    [letter] = handled.dead
    assert letter.dead_letter_code == "processing_error"
    assert parse_headers(letter.headers)["reason"] == "KeyError (see the worker log)"
    assert "Mustermann" not in str(letter.headers)
    assert [r for _, r in handled.results] == ["D"]


def test_names_carry_the_deployment_prefix(shell: StageShell) -> None:
    """Declared topic names get the prefix on the cluster and lose it when read back."""
    assert shell.name("canon.incident") == "t1.canon.incident"
    assert shell.declared("t1.canon.incident") == "canon.incident"
