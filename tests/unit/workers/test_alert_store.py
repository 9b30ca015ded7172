"""How the alert-store stage reads its input: alert revisions of the topic's own domain, actions as the router
reads them; anything else is an ``InvalidEventError`` with the code its dead letter carries."""

from __future__ import annotations

import json

import pytest

from hub.errors import InvalidEventError
from hub.schemas import wrap
from hub.schemas.examples import example_payload
from hub.schemas.incident import Incident
from hub.workers.alert_store import read_action, read_revision
from tests.helpers.alerts import T0, alert, record
from tests.helpers.messages import FakeMessage


def _message(declared: str, value: bytes | None) -> FakeMessage:
    return FakeMessage(f"t1.{declared}", 1, 7, b"k", value)


def test_a_revision_keeps_its_alert_event_id_and_position() -> None:
    """A router's alert on its recipient's topic is read with the CloudEvents id and where it was read."""
    row = read_revision("alerts.polizei", _message("alerts.polizei", record(alert(revision=2))))
    assert row.alert == alert(revision=2)
    assert (row.topic, row.partition, row.offset) == ("t1.alerts.polizei", 1, 7)
    assert row.event_id


def test_bad_revisions_are_invalid_with_their_code() -> None:
    """Not a CloudEvent, an event of another kind, another domain's alert: each with the dead letter's code."""
    incident = Incident.model_validate(example_payload("incident", 1))
    other_kind = wrap(incident, source="/polizei/els", source_record_id="x", time=T0).to_bytes()
    cases = [
        (b"\xff", "undecodable"),
        (None, "undecodable"),
        (other_kind, "unsupported"),
        (record(alert("al-havag-0001")), "unsupported"),  # HAVAG's alert on the police topic
    ]
    for value, code in cases:
        with pytest.raises(InvalidEventError) as caught:
            read_revision("alerts.polizei", _message("alerts.polizei", value))
        assert caught.value.code == code, value


def test_an_action_is_read_as_the_router_reads_it() -> None:
    """The recipient is the topic's domain; an action on another domain's alert is refused like the router does."""
    body = {"alert_id": "al-polizei-1", "by": "ELS", "at": T0.isoformat(), "revision": 2, "action": "resolve"}
    row = read_action("acks.polizei", _message("acks.polizei", json.dumps(body).encode()))
    assert (row.alert_id, row.recipient, row.action, row.revision, row.by, row.at) == (
        "al-polizei-1",
        "polizei",
        "resolve",
        2,
        "ELS",
        T0,
    )
    with pytest.raises(InvalidEventError) as caught:
        read_action("acks.havag", _message("acks.havag", json.dumps(body).encode()))
    assert caught.value.code == "unsupported"
