"""The HTTP side of push connectors: every push outcome has its status and JSON body."""

from __future__ import annotations

import pytest

from hub.connectors.cutting import Refusal
from hub.connectors.push import Accepted, ConnectorFailed, NotAcknowledged, PushOutcome, Refused, Unusable
from hub.connectors.server import answer


@pytest.mark.parametrize(
    ("outcome", "status", "body"),
    [
        (Accepted(2, 1), "202", {"accepted": 2, "duplicates": 1}),
        (
            Unusable((Refusal(0, None, "schema_violation", "bad"),), 0),
            "422",
            {"error": "bad", "code": "schema_violation", "accepted": 0},
        ),
        (
            Unusable((Refusal(0, 1, "too_large", "big"), Refusal(0, 3, "processing_error", "no id")), 2, 1),
            "422",
            {
                "error": "2 records were dead-lettered; the first, record 1: big",
                "code": "too_large",
                "accepted": 2,
                "duplicates": 1,
                "refused": [
                    {"index": 1, "code": "too_large", "reason": "big"},
                    {"index": 3, "code": "processing_error", "reason": "no id"},
                ],
                "refused_count": 2,
            },
        ),
        (Refused(401, "no token"), "401", {"error": "no token", "code": "unauthorized"}),
        (Refused(415, "send xml"), "415", {"error": "send xml", "code": "unsupported_media_type"}),
        (
            NotAcknowledged(),
            "503",
            {"error": "the broker did not acknowledge in time; send again", "code": "broker_unavailable"},
        ),
        (
            ConnectorFailed(),
            "500",
            {"error": "the connector failed on this request; see the hub's log", "code": "connector_error"},
        ),
    ],
)
def test_each_push_outcome_is_answered_with_its_status_and_body(
    outcome: PushOutcome, status: str, body: dict[str, object]
) -> None:
    """The push driver's typed outcomes map to the answers docs/connectors.md promises webhook senders: every
    refusal with a reason code; a body refused whole says why, records refused one by one are listed by index."""
    assert answer(outcome) == (status, body)
