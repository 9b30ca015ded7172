"""The HTTP side of push connectors: every push outcome has its status and JSON body."""

from __future__ import annotations

import pytest

from hub.connectors.push import Accepted, ConnectorFailed, NotAcknowledged, PushOutcome, Refused, Unusable
from hub.connectors.server import answer


@pytest.mark.parametrize(
    ("outcome", "status", "body"),
    [
        (Accepted(2, 1), "202", {"accepted": 2, "duplicates": 1}),
        (Unusable("schema_violation", "bad", 1), "422", {"error": "bad", "code": "schema_violation", "accepted": 1}),
        (Refused(401, "no token"), "401", {"error": "no token"}),
        (Refused(415, "send xml"), "415", {"error": "send xml"}),
        (NotAcknowledged(), "503", {"error": "the broker did not acknowledge in time; send again"}),
        (ConnectorFailed(), "500", {"error": "the connector failed on this request; see the hub's log"}),
    ],
)
def test_each_push_outcome_is_answered_with_its_status_and_body(
    outcome: PushOutcome, status: str, body: dict[str, object]
) -> None:
    """The push driver's typed outcomes map to the answers docs/connectors.md promises webhook senders."""
    assert answer(outcome) == (status, body)
