"""The leak test (issues 4 and 12, "Done when"): the whole pipeline, in real worker processes over the real broker
and database, runs a scenario seeded with canary personal data; no canary reaches a non-police topic, a non-police
table, a worker's log or its metrics, while the police domain receives every one. A confidential call is withheld
from HAVAG and the Ordnungsamt by purpose. A canary in every field of every kind against the pure transform is
tests/unit/privacy/test_leak_canaries.py."""

from __future__ import annotations

import base64
import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hub.config import Settings
from hub.connectors.replay import replay
from hub.jobs.aggregates import publish_week
from hub.privacy.policy import default_policy
from hub.privacy.setup import key_names
from hub.schemas import CloudEvent
from hub.store.vault import reidentify
from hub.topology import TOPICS, qualified
from tests.helpers.kafka import read_all, write_lines
from tests.helpers.store import login
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

INCIDENT_ID = "PI-HAL-E-2026-0004711"
CANARIES = {
    "caller name": "Jürgen Kowalski",
    "caller phone": "0345 6789012",
    "mobile in text": "0176 98765432",
    "plate": "HAL-KW 482",
    "address": "Geiststraße 17",
    "e-mail": "j.kowalski@example.org",
    "iban": "DE89 3704 0044 0532 0130 00",
    "assessment": "Täter amtsbekannt, Waffe möglich",
    "call sign": "Adler 41/2",
    "call sign, free unit": "Adler 17/1",
    "position, free unit": "51.493217",
    "reporter name": "Renate Zimmermann",
    "reporter phone": "0345 2223344",
    "reporter address": "Große Ulrichstraße 5",
    "source": "els-Wachstube-K7",
    "legal basis": "Zeugin Renate Zimmermann",
    "organiser contact": "Bernd Hoffmeister",
    "organiser phone": "0345 4445566",
    "organiser e-mail": "b.hoffmeister@example.org",
}
ASSIGNED_POSITION = 51.482911  # the unit on the incident: its position may reach the Ordnungsamt

POLICE_ONLY_TABLES = {"events", "police_pseudonym_vault"}
"""Tables documented as police-only (docs/privacy.md): the canonical store and the re-identification vault."""


def _incident_lines() -> list[dict[str, Any]]:
    """Two incidents full of canaries: a police emergency call and an Ordnungsamt report."""
    call = {
        "incident_id": INCIDENT_ID,
        "mode": "actual",
        "origin": "citizen_call",
        "type_code": "CRIME/THREAT",
        "priority": 1,
        "status": "open",
        "reported_at": "2026-11-20T22:05:00+01:00",
        "location": {
            "lat": 51.482772,
            "lon": 11.969338,
            "uncertainty_m": 40.0,
            "address": f"{CANARIES['address']}, 06108 Halle (Saale)",
        },
        "stop_dhid": "de:15002:5232",
        "line": "8",
        "vehicle": "654",
        # Assigned to the Ordnungsamt: its officers' positions may reach it, though the call itself may not.
        "references": [{"agency": "havag", "ref_id": "HAVAG-EV-0000815"}, {"agency": "ordnungsamt", "ref_id": "OA-17"}],
        "confidentiality": "confidential",
        "legal_basis": "SOG LSA § 27",
        "retention_class": "long",
        "description": (
            f"Anrufer {CANARIES['caller name']} meldet Bedrohung in der Bahn durch einen Mann. Rückruf unter "
            f"{CANARIES['mobile in text']} oder {CANARIES['e-mail']}. Fluchtfahrzeug mit Kennzeichen "
            f"{CANARIES['plate']}. Der Geschädigte nannte seine IBAN {CANARIES['iban']}."
        ),
        "caller": {"name": CANARIES["caller name"], "phone": CANARIES["caller phone"]},
        "assessment": CANARIES["assessment"],
    }
    report = {
        **call,
        "incident_id": "O311-2026-000815",
        "origin": "open311",
        "type_code": "PUBLIC_ORDER/NUISANCE",
        "priority": 4,
        "location": {"lat": 51.4856, "lon": 11.9672, "uncertainty_m": 25.0, "address": CANARIES["reporter address"]},
        "references": [],
        "confidentiality": "public",
        "legal_basis": f"DSGVO Art. 6 Abs. 1 lit. e, {CANARIES['legal basis']}",
        "retention_class": "standard",
        "description": (
            f"Frau {CANARIES['reporter name']} meldet Lärm an der Haltestelle, erreichbar unter "
            f"{CANARIES['reporter phone']}."
        ),
        "caller": None,
        "assessment": None,
    }
    return [
        {
            "kind": "incident",
            "source": f"/polizei/{CANARIES['source']}",
            "id": "E-4711",
            "time": "2026-11-20T22:05:07+01:00",
            "data": call,
        },
        {
            "kind": "incident",
            "source": "/ordnungsamt/open311",
            "id": "815@1",
            "time": "2026-11-20T22:06:00+01:00",
            "data": report,
        },
    ]


def _disruption_line() -> dict[str, Any]:
    """A HAVAG disruption whose summary (free text, up to 1,000 characters) names a person and a phone number."""
    return {
        "kind": "transit-disruption",
        "source": "/havag/siri-sx",
        "id": "SX-815@1",
        "time": "2026-11-20T22:07:00+01:00",
        "data": {
            "disruption_id": "SX-815",
            "lines": ["2"],
            "stop_dhids": ["de:15002:5232"],
            "cause": "police_activity",
            "effect": "detour",
            "severity": "warning",
            "summary": (
                f"Umleitung wegen Polizeieinsatz. Hinweise an Herrn {CANARIES['caller name']} unter "
                f"{CANARIES['caller phone']}."
            ),
            "valid_from": "2026-11-20T22:07:00+01:00",
            "status": "open",
        },
    }


def _planned_event_line() -> dict[str, Any]:
    """An organiser's concert: public, but with the contact person behind it (name, phone, e-mail)."""
    return {
        "kind": "planned-event",
        "source": "/events/ics",
        "id": "konzert-2027@example.org@000000001.20261201T090000Z",
        "time": "2026-12-01T10:00:00+01:00",
        "data": {
            "event_id": "konzert-2027@example.org",
            "title": "Sommerkonzert auf der Peißnitz",
            "description": f"Rückfragen an {CANARIES['organiser contact']}, {CANARIES['organiser phone']}.",
            "organiser": {
                "name": "Peißnitzhaus e. V.",
                "contact_name": CANARIES["organiser contact"],
                "contact_phone": CANARIES["organiser phone"],
                "contact_email": CANARIES["organiser e-mail"],
            },
            "place": {
                "name": "Peißnitzwiese",
                "position": {"lat": 51.49152, "lon": 11.95108},
                "nearest_stops": ["de:15002:5232"],
            },
            "starts_at": "2027-06-12T19:00:00+02:00",
            "ends_at": "2027-06-12T23:00:00+02:00",
            "expected_attendance": 8000,
            "status": "confirmed",
            "sequence": 1,
            "modified_at": "2026-12-01T09:00:00Z",
        },
    }


def _unit_lines() -> list[dict[str, Any]]:
    """Two police unit statuses: the unit on the incident, and a free unit (its position is a canary)."""

    def status(unit: str, digit: int, lat: float, lon: float, ref: str | None) -> dict[str, Any]:
        observed = "2026-11-20T22:09:00+01:00"
        return {
            "kind": "unit-status",
            "source": "/polizei/tetra",
            "id": f"{unit}@{observed}",  # as the TETRA connector names records: the call sign is in the source id
            "time": observed,
            "data": {
                "agency": "polizei",
                "unit": unit,
                "status_code": digit,
                "position": {"lat": lat, "lon": lon, "error_m": 5.0},
                "observed_at": observed,
                "incident_ref": ref,
            },
        }

    return [
        status(CANARIES["call sign"], 3, ASSIGNED_POSITION, 11.970151, INCIDENT_ID),
        status(CANARIES["call sign, free unit"], 2, float(CANARIES["position, free unit"]), 11.957913, None),
    ]


def _malformed_line() -> bytes:
    """A line the normaliser refuses (unknown field), carrying canaries: it may only land on dlq.normalise."""
    line = _incident_lines()[0]
    line["data"] = {**line["data"], "zeuge": f"{CANARIES['caller name']} {CANARIES['caller phone']}"}
    return json.dumps(line, ensure_ascii=False).encode()


def _json(line: dict[str, Any]) -> bytes:
    """One replay line: the dict as JSON, non-ASCII characters kept."""
    return json.dumps(line, ensure_ascii=False).encode()


@pytest.fixture
def keys_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real configured keys (not the demo's), one random secret per receiving domain, passed to the workers (the
    environment has no other HUB_* variable: tests/helpers/environment.py), and the analytics id key."""
    for domain in key_names(default_policy()):
        secret = base64.b64encode(os.urandom(32)).decode()
        monkeypatch.setenv(f"HUB_PSEUDONYM_KEY_{domain.upper()}", f"k1:{secret}")


def _text(record: Any) -> str:
    """Everything a consumer of a record sees: key, value and headers, as text."""
    headers = " ".join(f"{k}={v.decode('utf-8', 'replace')}" for k, v in record.headers or [])
    return f"{(record.key or b'').decode('utf-8', 'replace')} {record.value.decode('utf-8', 'replace')} {headers}"


def _leaks(text: str) -> list[str]:
    """The names of the canaries found in ``text``."""
    return [name for name, canary in CANARIES.items() if canary in text]


def test_no_canary_leaves_the_police_domain(
    settings: Settings, keys_in_environment: None, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    """Names, phones, plates, addresses, e-mail, IBAN, call signs, an assessment and a free unit's position reach
    share.polizei.* and nothing else: not the other domains' topics, dead-letter headers, non-police tables,
    worker logs or metrics. Pseudonyms stay reversible for an authorised police role only."""
    workers = start_workers("normalise", "pseudonymise", "sink")
    normalise, pseudonymise = workers["normalise"], workers["pseudonymise"]
    lines = [*map(_json, _incident_lines()), _json(_disruption_line()), _json(_planned_event_line()), _malformed_line()]
    assert replay(settings, write_lines(tmp_path / "incidents.ndjson", lines)).produced == 5
    # Incidents first, so that the unit on the incident finds the Ordnungsamt involved. The confidential call goes to
    # the police and analytics only (2 shares), the Ordnungsamt's report to all four, the disruption to three, the
    # planned event to all four.
    workers.wait_for_count("pseudonymise", "hub_events_out_total", 13, stage="pseudonymise")
    assert replay(settings, write_lines(tmp_path / "units.ndjson", [*map(_json, _unit_lines())])).produced == 2
    workers.wait_for_count("pseudonymise", "hub_events_out_total", 17, stage="pseudonymise")
    workers.wait_for_count("sink", "hub_events_out_total", 6, stage="sink")
    assert normalise.counter("hub_events_dead_lettered_total", stage="normalise") == 1
    assert pseudonymise.counter("hub_events_dead_lettered_total") == 0
    for domain in ("havag", "ordnungsamt"):  # the confidential call, withheld by purpose and counted
        withheld = pseudonymise.counter("hub_shares_withheld_total", domain=domain, reason="purpose")
        assert withheld == 1, domain

    topics = [qualified(settings.topic_prefix, t.name) for t in TOPICS]
    records = read_all(settings.bootstrap(), topics)
    by_declared = {name.removeprefix(settings.topic_prefix): recs for name, recs in records.items()}

    # The police domain receives every canary, the Ordnungsamt the assigned unit's position.
    police_text = " ".join(_text(r) for t, recs in by_declared.items() if t.startswith("share.polizei.") for r in recs)
    assert sorted(_leaks(police_text)) == sorted(CANARIES)
    amt_units = [CloudEvent.from_bytes(r.value) for r in by_declared["share.ordnungsamt.unit-status"]]
    assert sorted(e.data["position"] is not None for e in amt_units) == [False, True]
    assert any(e.data["position"] and e.data["position"]["lat"] == ASSIGNED_POSITION for e in amt_units)

    # No other share topic carries any, in key, value or headers: the report to havag, ordnungsamt and analytics, the
    # call to analytics, the disruption to ordnungsamt and analytics, unit statuses to the Ordnungsamt, the planned
    # event to havag, ordnungsamt and analytics: 3 + 1 + 2 + 2 + 3 shares, all under the configured keys, none under
    # demo keys.
    other_shares = {t: recs for t, recs in by_declared.items() if t.startswith("share.") and ".polizei." not in t}
    assert sum(len(recs) for recs in other_shares.values()) == 11
    havag_event = CloudEvent.from_bytes(by_declared["share.havag.planned-event"][0].value)
    assert (havag_event.data["title"], havag_event.data["organiser"]["name"]) == (
        "Sommerkonzert auf der Peißnitz",
        "Peißnitzhaus e. V.",
    )
    assert [CloudEvent.from_bytes(r.value).data["origin"] for r in by_declared["share.havag.incident"]] == ["open311"]
    for topic, recs in other_shares.items():
        for r in recs:
            assert _leaks(_text(r)) == [], topic
            assert "ps1.k1." in r.value.decode()
            assert "ps1.demo." not in r.value.decode()

    # Dead letters: only the malformed line, on dlq.normalise, which holds original bytes and is police-only
    # (docs/privacy.md); its reason and origin headers quote nothing of it.
    assert [len(by_declared[f"dlq.{s}"]) for s in ("connectors", "normalise", "pseudonymise", "sink")] == [0, 1, 0, 0]
    letter = by_declared["dlq.normalise"][0]
    assert _leaks(" ".join(f"{k}={v.decode()}" for k, v in letter.headers)) == []
    assert CANARIES["caller name"] in letter.value.decode()

    # Re-identification works for a login in hub_police, and for nobody else.
    assigned = next(e for e in amt_units if e.data["position"] is not None)
    pseudonym = assigned.data["unit"]
    url = settings.database_conninfo()
    reason = "Rückfrage zur Streife im Vorgang E-2026-11-4711 nötig"
    with login(url, "hub_police") as police, login(url, "hub_console") as other:
        allowed = reidentify(police, pseudonym, reason)
        assert [r.original for r in allowed.revealed] == [CANARIES["call sign"]]
        refused = reidentify(other, pseudonym, reason)
        assert (refused.outcome, refused.revealed) == ("refused_role", ())

    # Prevention gets its aggregates of the week (the city-wide one only: two incidents); they carry nothing either.
    assert publish_week(settings, "2026-W47").sent
    aggregates_topic = qualified(settings.topic_prefix, "share.praevention.aggregates")
    published = read_all(settings.bootstrap(), [aggregates_topic])[aggregates_topic]
    assert len(published) == 1
    assert _leaks(_text(published[0])) == []

    # Every table but the documented police-only ones is free of canaries; the register has rows, not contents.
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        assert {"transfer_register", "reidentification_audit"} <= set(tables)
        for table in sorted(set(tables) - POLICE_ONLY_TABLES):
            rows = conn.execute(f'SELECT t::text FROM "{table}" t').fetchall()
            assert _leaks(" ".join(r[0] for r in rows)) == [], table
        shares_stored = conn.execute(
            "SELECT envelope::text FROM events WHERE envelope->>'hubrecipient' IS DISTINCT FROM NULL"
            " AND envelope->>'hubrecipient' <> 'polizei'"
        ).fetchall()
        assert _leaks(" ".join(r[0] for r in shares_stored)) == []
        registered = conn.execute("SELECT recipient, count(*) FROM transfer_register GROUP BY 1 ORDER BY 1").fetchall()
        # The police's call to itself is no transfer, nor to HAVAG or the Ordnungsamt (withheld); the Ordnungsamt's
        # report, HAVAG's disruption and the organiser's event shared with the police are.
        assert registered == [("analytics", 4), ("havag", 2), ("ordnungsamt", 4), ("polizei", 3), ("praevention", 1)]
        vault = " ".join(r[0] for r in conn.execute("SELECT original FROM police_pseudonym_vault"))
        assert CANARIES["call sign"] in vault
        assert INCIDENT_ID in vault  # pseudonymised for analytics; its caller went to no one outside the police
        assert CANARIES["caller name"] not in vault

    # Metrics, then (after a clean stop, so everything is flushed) the logs.
    for p in workers.values():
        with urllib.request.urlopen(p.metrics_url, timeout=5) as resp:
            assert _leaks(resp.read().decode()) == [], p.stage
    for p in workers.values():
        assert p.stop() == 0
        log = p.log_path.read_text(encoding="utf-8")
        assert _leaks(log) == [], p.stage
    assert "dead-lettered" in normalise.log_path.read_text(encoding="utf-8"), "the refusal itself is logged"
