"""The JSON API over the in-memory store and broker: the board and its filters, the detail, and acting on alerts
(202 only once the broker has the AckMessage on the prefixed acks topic, 409 with what changed for a stale
revision, 409 wrong_prefix, 404 for another agency's alert, 503 when the broker does not answer)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from hub.connectors.sink import MemorySink
from hub.console.source import Fix
from hub.console.testing import console_rig, sample_alert
from hub.router.core import parse_ack
from tests.unit.console.conftest import Browser, run, signed_in

POLIZEI_TOKEN = b"polizei-token-5f1d0c9a7e"
HAVAG_TOKEN = b"havag-token-83b2e6417c0d"
TOKENS = {"polizei": POLIZEI_TOKEN, "havag": HAVAG_TOKEN}


def produced(sink: MemorySink) -> list[tuple[str, bytes | None, dict[str, Any]]]:
    """(topic, key, JSON value) of every record the broker got."""
    return [(r.topic, r.key, json.loads(r.value)) for r in sink.records]


def test_the_board_shows_the_agencys_latest_revisions_most_urgent_first() -> None:
    """Only the signed-in agency's alerts, each once at its latest revision, priority 1 first, then oldest."""
    rig = console_rig()
    source = rig.source
    source.add(sample_alert("polizei", 1, priority=3))
    source.add(sample_alert("polizei", 2, priority=1, issued_at="2026-11-20T21:55:00+01:00"))
    source.add(sample_alert("polizei", 2, revision=2, priority=1, issued_at="2026-11-20T21:56:00+01:00"))
    source.add(sample_alert("polizei", 3, priority=1, issued_at="2026-11-20T21:40:00+01:00"))
    source.add(sample_alert("havag", 4, priority=1))

    async def scenario(open_browser: Callable[[], Browser]) -> list[tuple[str, int]]:
        browser = await signed_in(open_browser, "erika")
        answer = await browser.get("/api/alerts")
        assert answer.status_code == 200
        return [(view["alert_id"][-1:], view["revision"]) for view in answer.json()]

    assert run(rig, scenario) == [("3", 1), ("2", 2), ("1", 1)]


def test_the_board_filters_by_state_priority_and_text_shown() -> None:
    """state= (repeatable), priority= (1 up to it), q= (any field shown, case-insensitive); a HAVAG search for a
    call sign the alert carries finds nothing, since HAVAG is not shown it."""
    rig = console_rig()
    rig.source.add(sample_alert("havag", 1, priority=1, recommended_unit="Adler 99/3"))
    rig.source.add(sample_alert("havag", 2, priority=3, state="acknowledged", line="5", vehicle="1123"))

    async def scenario(open_browser: Callable[[], Browser]) -> dict[str, list[str]]:
        browser = await signed_in(open_browser, "hans")
        found = {}
        for query in ("state=acknowledged", "state=new&state=acknowledged", "priority=2", "q=ZENTRUM", "q=1123"):
            answer = await browser.get(f"/api/alerts?{query}")
            found[query] = [view["alert_id"][-1:] for view in answer.json()]
        found["q=Adler"] = [view["alert_id"] for view in (await browser.get("/api/alerts?q=Adler")).json()]
        assert (await browser.get("/api/alerts?priority=9")).status_code == 422
        assert (await browser.get("/api/alerts?state=closed")).json()["code"] == "schema_violation"
        return found

    assert run(rig, scenario) == {
        "state=acknowledged": ["2"],
        "state=new&state=acknowledged": ["1", "2"],
        "priority=2": ["1"],
        "q=ZENTRUM": ["1", "2"],
        "q=1123": ["2"],
        "q=Adler": [],
    }


def test_the_detail_has_revisions_with_changes_actions_and_the_map() -> None:
    """All revisions ascending with what changed, the actions, the map with vehicle and own unit."""
    rig = console_rig()
    source = rig.source
    source.add(sample_alert("polizei", 7))
    source.add(sample_alert("polizei", 7, revision=2, state="acknowledged", acknowledged_by="erika (leitstelle)"))
    source.vehicles["654"] = Fix("654", 51.48, 11.93, datetime.fromisoformat("2026-11-20T21:50:10+01:00"))
    source.units[("polizei", "Saale 21/1")] = Fix(
        "Saale 21/1", 51.47, 11.95, datetime.fromisoformat("2026-11-20T21:50:05+01:00")
    )
    ack = parse_ack(
        "acks.polizei",
        b'{"alert_id": "al-polizei-000000000000000000000007", "by": "erika (leitstelle)", '
        b'"at": "2026-11-20T21:51:00+01:00", "revision": 1}',
    )
    source.add_action("polizei", ack)

    async def scenario(open_browser: Callable[[], Browser]) -> dict[str, Any]:
        browser = await signed_in(open_browser, "erika")
        answer = await browser.get("/api/alerts/al-polizei-000000000000000000000007")
        assert answer.status_code == 200
        body: dict[str, Any] = answer.json()
        return body

    detail = run(rig, scenario)
    assert detail["alert"]["revision"] == 2
    assert [r["revision"] for r in detail["revisions"]] == [1, 2]
    assert detail["changes"][1] == [
        {"field": "state", "before": "new", "after": "acknowledged"},
        {"field": "acknowledged_by", "before": None, "after": "erika (leitstelle)"},
    ]
    assert [(a["action"], a["revision"], a["by"]) for a in detail["actions"]] == [
        ("acknowledge", 1, "erika (leitstelle)")
    ]
    assert detail["map"]["vehicle"]["vehicle"] == "654"
    assert detail["map"]["units"][0]["unit"] == "Saale 21/1"
    assert detail["map"]["stops_ahead"][-1] == "de:15002:5235"


def test_another_agencys_or_an_unknown_alert_is_404_everywhere() -> None:
    """HAVAG asking for a police alert by its id: 404 on the detail and on every action, as for an unknown one;
    nothing is produced."""
    rig = console_rig()
    rig.source.add(sample_alert("polizei", 1))
    police_alert = "/api/alerts/al-polizei-000000000000000000000001"

    async def scenario(open_browser: Callable[[], Browser]) -> list[tuple[int, str]]:
        browser = await signed_in(open_browser, "hans")
        answers = [
            await browser.get(police_alert),
            await browser.post(f"{police_alert}/acknowledge", {"revision": 1}),
            await browser.post(f"{police_alert}/notes", {"text": "seen"}),
            await browser.post(f"{police_alert}/resolve", {"revision": 1}),
            await browser.get("/api/alerts/al-havag-unknown"),
        ]
        return [(a.status_code, a.json()["code"]) for a in answers]

    assert run(rig, scenario) == [(404, "unknown_alert")] * 5
    assert rig.sink.records == []


def test_acknowledge_produces_the_ack_message_to_the_prefixed_topic_and_answers_202() -> None:
    """The AckMessage (by = user (role), the revision shown, action acknowledge) keyed by alert id on t0.acks.polizei,
    readable by the router's own parser; 202 names what was accepted."""
    rig = console_rig()
    rig.source.add(sample_alert("polizei", 1))
    alert_id = "al-polizei-000000000000000000000001"

    async def scenario(open_browser: Callable[[], Browser]) -> dict[str, Any]:
        browser = await signed_in(open_browser, "erika")
        answer = await browser.post(f"/api/alerts/{alert_id}/acknowledge", {"revision": 1})
        assert answer.status_code == 202
        body: dict[str, Any] = answer.json()
        return body

    assert run(rig, scenario) == {"accepted": True, "alert_id": alert_id, "action": "acknowledge", "revision": 1}
    [(topic, key, value)] = produced(rig.sink)
    assert (topic, key) == ("t0.acks.polizei", alert_id.encode())
    ack = parse_ack("acks.polizei", json.dumps(value).encode())
    assert (ack.by, ack.revision, ack.action, ack.note) == ("erika (leitstelle)", 1, "acknowledge", None)
    assert ack.at.utcoffset() is not None
    metric = {"domain": "polizei", "action": "acknowledge", "outcome": "accepted"}
    assert rig.registry.get_sample_value("hub_console_actions_total", metric) == 1


def test_notes_and_resolve_are_produced_with_their_text() -> None:
    """A note carries its text and the current revision; resolve the revision shown and an optional note."""
    rig = console_rig()
    rig.source.add(sample_alert("ordnungsamt", 1, revision=4))
    alert = "/api/alerts/al-ordnungsamt-000000000000000000000001"

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = await signed_in(open_browser, "olga")
        assert (await browser.post(f"{alert}/notes", {"text": "Streife vor Ort"})).status_code == 202
        assert (await browser.post(f"{alert}/resolve", {"revision": 4, "note": "erledigt"})).status_code == 202
        assert (await browser.post(f"{alert}/notes", {"text": ""})).status_code == 422
        assert (await browser.post(f"{alert}/resolve", {"revision": 4, "extra": 1})).status_code == 422

    run(rig, scenario)
    values = [value for _, _, value in produced(rig.sink)]
    assert [(v["action"], v["revision"], v.get("note")) for v in values] == [
        ("note", 4, "Streife vor Ort"),
        ("resolve", 4, "erledigt"),
    ]


def test_a_stale_revision_is_409_with_the_current_alert_and_what_changed() -> None:
    """Acknowledging revision 1 when revision 2 moved the intercept: 409 stale_revision with the current view and
    the change, nothing produced; acknowledging 2 then works."""
    rig = console_rig()
    rig.source.add(sample_alert("polizei", 1))
    rig.source.add(sample_alert("polizei", 1, revision=2, intercept_stop_dhid="de:15002:5030"))
    alert = "/api/alerts/al-polizei-000000000000000000000001"

    async def scenario(open_browser: Callable[[], Browser]) -> dict[str, Any]:
        browser = await signed_in(open_browser, "erika")
        refused = await browser.post(f"{alert}/acknowledge", {"revision": 1})
        assert refused.status_code == 409
        assert rig.sink.records == []
        assert (await browser.post(f"{alert}/acknowledge", {"revision": 2})).status_code == 202
        body: dict[str, Any] = refused.json()
        return body

    body = run(rig, scenario)
    assert body["code"] == "stale_revision"
    assert body["current"]["revision"] == 2
    assert body["current"]["intercept_stop_name"] == "Halle (Saale), Hyazinthenstr."
    assert body["changes"] == [{"field": "intercept_stop_dhid", "before": "de:15002:5235", "after": "de:15002:5030"}]


def test_an_alert_from_another_deployments_topics_is_409_wrong_prefix() -> None:
    """An alert stored from ``alerts.polizei`` without this console's prefix: nobody here would read the
    acknowledgement, so it is refused with 409 wrong_prefix."""
    rig = console_rig()
    rig.source.add(sample_alert("polizei", 1), topic="alerts.polizei")

    async def scenario(open_browser: Callable[[], Browser]) -> tuple[int, str]:
        browser = await signed_in(open_browser, "erika")
        answer = await browser.post("/api/alerts/al-polizei-000000000000000000000001/acknowledge", {"revision": 1})
        return answer.status_code, answer.json()["code"]

    assert run(rig, scenario) == (409, "wrong_prefix")
    assert rig.sink.records == []


def test_a_broker_that_does_not_acknowledge_gives_503_and_the_retry_works() -> None:
    """503 broker_unavailable while the produce fails; the same request again is 202, stored once."""
    rig = console_rig(sink=MemorySink(fail_next=1))
    rig.source.add(sample_alert("polizei", 1))
    alert = "/api/alerts/al-polizei-000000000000000000000001/acknowledge"

    async def scenario(open_browser: Callable[[], Browser]) -> list[int]:
        browser = await signed_in(open_browser, "erika")
        return [(await browser.post(alert, {"revision": 1})).status_code for _ in range(2)]

    assert run(rig, scenario) == [503, 202]
    assert len(rig.sink.records) == 1


def test_actions_of_people_need_the_csrf_token() -> None:
    """Without X-CSRF-Token (or with a foreign Origin) an action is 403 and nothing is produced."""
    rig = console_rig()
    rig.source.add(sample_alert("polizei", 1))
    alert = "/api/alerts/al-polizei-000000000000000000000001/acknowledge"

    async def scenario(open_browser: Callable[[], Browser]) -> list[tuple[int, str]]:
        browser = await signed_in(open_browser, "erika")
        token, browser.csrf = browser.csrf, None
        first = await browser.post(alert, {"revision": 1})
        browser.csrf = token
        second = await browser.post(alert, {"revision": 1}, headers={"Origin": "https://evil.example"})
        return [(first.status_code, first.json()["code"]), (second.status_code, second.json()["code"])]

    assert run(rig, scenario) == [(403, "csrf"), (403, "origin")]
    assert rig.sink.records == []


def test_a_systems_bearer_token_opens_its_own_domains_api() -> None:
    """HAVAG's token reads HAVAG's board (without sensitive fields) and acknowledges as ``havag-system (system)``
    without a CSRF token; the police's alerts stay 404 for it."""
    rig = console_rig(tokens=TOKENS)
    rig.source.add(sample_alert("havag", 1, recommended_unit="Saale 21/1"))
    rig.source.add(sample_alert("polizei", 2))

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = open_browser()
        browser.headers = {"Authorization": f"Bearer {HAVAG_TOKEN.decode()}"}
        board = (await browser.get("/api/alerts")).json()
        assert [view["alert_id"] for view in board] == ["al-havag-000000000000000000000001"]
        assert "recommended_unit" not in board[0]
        ack = await browser.post("/api/alerts/al-havag-000000000000000000000001/acknowledge", {"revision": 1})
        assert ack.status_code == 202
        assert (await browser.get("/api/alerts/al-polizei-000000000000000000000002")).status_code == 404
        me = (await browser.get("/api/me")).json()
        assert me == {"user": "havag-system", "agency": "havag", "role": "system", "csrf_token": None}

    run(rig, scenario)
    [(_, _, value)] = produced(rig.sink)
    assert value["by"] == "havag-system (system)"


@pytest.mark.parametrize("path", ["/api/alerts", "/api/alerts/al-havag-000000000000000000000001"])
def test_havag_never_gets_a_sensitive_field_from_the_api(path: str) -> None:
    """A HAVAG alert that carries a call sign and a name: neither reaches HAVAG's board or detail."""
    rig = console_rig()
    rig.source.add(sample_alert("havag", 1, recommended_unit="SECRETCALLSIGN", acknowledged_by="SECRETPERSON"))

    async def scenario(open_browser: Callable[[], Browser]) -> str:
        browser = await signed_in(open_browser, "hans")
        return (await browser.get(path)).text

    text = run(rig, scenario)
    assert "SECRETCALLSIGN" not in text
    assert "SECRETPERSON" not in text
    assert "recommended_unit" not in text


def test_a_method_a_route_does_not_serve_is_405_naming_the_methods_it_does() -> None:
    """GET on an action (POST only) and PUT on the session (POST and DELETE only) answer 405 with an Allow header
    that names every method served at that path, and the JSON error body."""
    rig = console_rig()
    rig.source.add(sample_alert("polizei", 1))

    async def scenario(open_browser: Callable[[], Browser]) -> list[tuple[int, str, str]]:
        browser = await signed_in(open_browser, "erika")
        answers = [
            await browser.get("/api/alerts/al-polizei-000000000000000000000001/acknowledge"),
            await browser.client.put("/api/session", headers=browser.headers),
        ]
        return [(a.status_code, a.headers.get("allow", ""), a.json()["code"]) for a in answers]

    assert run(rig, scenario) == [
        (405, "POST", "method_not_allowed"),
        (405, "DELETE, POST", "method_not_allowed"),
    ]
