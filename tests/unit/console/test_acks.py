"""``POST /acks/<domain>`` on the console: the acknowledgement endpoint of ``hub acks serve`` (the same desk,
answers and metrics) with the alert store checked first: 404 for an unknown alert, 409 for a stale revision or
another deployment's alert."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hub.console.testing import console_rig, sample_alert
from tests.unit.console.conftest import Browser, run

TOKEN = "polizei-token-5f1d0c9a7e"
ALERT = "al-polizei-000000000000000000000001"


def body(**fields: Any) -> dict[str, Any]:
    """An acknowledgement of ALERT as a system sends it."""
    return {"alert_id": ALERT, "by": "ELS Halle", "at": "2026-11-20T21:50:12+01:00", **fields}


def test_the_store_is_checked_before_an_acknowledgement_is_produced() -> None:
    """Revision 2 is the latest: revision 1 gets 409 stale_revision with what changed, an unknown alert 404, an
    alert of another deployment 409 wrong_prefix, no revision or revision 2 is 202 and on t0.acks.polizei; a note
    is not checked for staleness. Each outcome is counted."""
    rig = console_rig(tokens={"polizei": TOKEN.encode()})
    rig.source.add(sample_alert("polizei", 1))
    rig.source.add(sample_alert("polizei", 1, revision=2, priority=2))
    rig.source.add(sample_alert("polizei", 2), topic="alerts.polizei")

    async def scenario(open_browser: Callable[[], Browser]) -> list[tuple[int, str | None]]:
        browser = open_browser()
        browser.headers = {"Authorization": f"Bearer {TOKEN}"}
        sent = [
            body(revision=1),
            body(alert_id="al-polizei-000000000000000000000404"),
            body(alert_id="al-polizei-000000000000000000000002"),
            body(),
            body(revision=2, action="resolve"),
            body(revision=1, action="note", note="gesehen"),
        ]
        answers = [await browser.post("/acks/polizei", each) for each in sent]
        stale = answers[0].json()
        assert stale["current"]["revision"] == 2
        assert stale["changes"] == [{"field": "priority", "before": 1, "after": 2}]
        return [(a.status_code, a.json().get("code")) for a in answers]

    assert run(rig, scenario) == [
        (409, "stale_revision"),
        (404, "unknown_alert"),
        (409, "wrong_prefix"),
        (202, None),
        (202, None),
        (202, None),
    ]
    assert [(r.topic, json.loads(r.value).get("action", "acknowledge")) for r in rig.sink.records] == [
        ("t0.acks.polizei", "acknowledge"),
        ("t0.acks.polizei", "resolve"),
        ("t0.acks.polizei", "note"),
    ]
    for outcome, count in (("accepted", 3), ("stale_revision", 1), ("unknown_alert", 1), ("wrong_prefix", 1)):
        assert (
            rig.registry.get_sample_value("hub_ack_requests_total", {"domain": "polizei", "outcome": outcome}) == count
        )


def test_the_endpoint_answers_as_hub_acks_serve_does() -> None:
    """No token or another's: 401 with a challenge; a domain without a token or none at all: 404 not_served;
    another domain's alert id: 403; a body over 16 KiB: 413; not JSON: 400; the store is not read for these."""
    rig = console_rig(tokens={"polizei": TOKEN.encode(), "havag": b"havag-token-83b2e6417c0d"})
    rig.source.add(sample_alert("polizei", 1))

    async def scenario(open_browser: Callable[[], Browser]) -> list[tuple[int, str]]:
        browser = open_browser()
        client = browser.client
        own = {"Authorization": f"Bearer {TOKEN}"}
        answers = [
            await client.post("/acks/polizei", json=body()),
            await client.post(
                "/acks/polizei", json=body(), headers={"Authorization": "Bearer havag-token-83b2e6417c0d"}
            ),
            await client.post("/acks/ordnungsamt", json=body(), headers=own),
            await client.post("/acks/feuerwehr", json=body(), headers=own),
            await client.post("/acks/havag", json=body(), headers={"Authorization": "Bearer havag-token-83b2e6417c0d"}),
            await client.post("/acks/polizei", content=b"x" * 20_000, headers=own),
            await client.post("/acks/polizei", content=b"{", headers=own),
        ]
        assert answers[0].headers["www-authenticate"].startswith('Bearer realm="hub-acks-polizei"')
        return [(a.status_code, a.json()["code"]) for a in answers]

    assert run(rig, scenario) == [
        (401, "unauthorized"),
        (401, "unauthorized"),
        (404, "not_served"),
        (404, "not_served"),
        (403, "unsupported"),
        (413, "too_large"),
        (400, "malformed_json"),
    ]
    assert rig.sink.records == []
