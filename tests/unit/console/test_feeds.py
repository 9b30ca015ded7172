"""CAP 1.2 per alert and the Atom feed per domain: valid against the OASIS CAP 1.2 schema, built from the agency's
view (HAVAG's CAP carries no call sign), the previous revision referenced, only the agency's own feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import pytest

from hub.console.feeds import ATOM_NAMESPACE, atom_feed, cap_document
from hub.console.places import default_places
from hub.console.source import StoredAlert
from hub.console.testing import console_rig, sample_alert
from hub.router.cap_out import CAP12_NAMESPACE
from tests.unit.console.conftest import Browser, run, signed_in

PLACES = default_places()
#: The OASIS schema, kept outside the repository with the shared corpus (docs/formats).
CAP_XSD = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "cap" / "schema" / "CAP-v1.2.xsd"
CAP = f"{{{CAP12_NAMESPACE}}}"
ATOM = f"{{{ATOM_NAMESPACE}}}"
NOW = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def validate() -> Callable[[bytes], None]:
    """Validates a CAP document against CAP-v1.2.xsd; skips when the schema or xmlschema is not there."""
    if not CAP_XSD.exists():
        pytest.skip(f"the CAP 1.2 schema is not at {CAP_XSD} (the shared corpus is not checked out here)")
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema (a dev dependency) is not installed")
    schema = xmlschema.XMLSchema(str(CAP_XSD))

    def check(document: bytes) -> None:
        schema.validate(document.decode("utf-8"))

    return check


def stored(alert: Any) -> StoredAlert:
    """An alert as the store returns it."""
    return StoredAlert(alert, NOW, f"alerts.{alert.recipient}")


def test_a_police_alerts_cap_is_valid_and_references_the_revision_before(validate: Callable[[bytes], None]) -> None:
    """Revision 2 as CAP: schema-valid, an Update referencing revision 1, with the unit and the intercept stop's
    position as the area."""
    document = cap_document(
        stored(sample_alert("polizei", revision=2)), stored(sample_alert("polizei")), "polizei", PLACES
    )
    validate(document)
    root = SafeET.fromstring(document)
    assert root.findtext(f"{CAP}msgType") == "Update"
    assert root.findtext(f"{CAP}references", "").split(",")[1] == "al-polizei-000000000000000000000001.r1"
    parameters = {p.findtext(f"{CAP}valueName"): p.findtext(f"{CAP}value") for p in root.iter(f"{CAP}parameter")}
    assert parameters["router:recommended_unit"] == "Saale 21/1"
    assert root.findtext(f"{CAP}info/{CAP}area/{CAP}areaDesc") == "Halle (Saale), Rennbahnkreuz (de:15002:5235)"


def test_havags_cap_never_carries_a_field_marked_sensitive(validate: Callable[[bytes], None]) -> None:
    """A HAVAG alert that carries a call sign and a name: its CAP (valid) has neither, but the hold asked."""
    alert = sample_alert("havag", recommended_unit="SECRETCALLSIGN", acknowledged_by="SECRETPERSON")
    document = cap_document(stored(alert), None, "havag", PLACES)
    validate(document)
    assert b"SECRETCALLSIGN" not in document
    assert b"SECRETPERSON" not in document
    assert b"recommended_unit" not in document
    assert b"<valueName>hold:max_hold_s</valueName><value>60</value>" in document


def test_the_atom_feed_has_an_entry_per_alert_with_its_cap_inline(validate: Callable[[bytes], None]) -> None:
    """RFC 4287 shape: feed id, title, updated, author, self link; each entry with id, title, updated, a link to
    its CAP and the CAP (schema-valid) as content; newest change first."""
    older = stored(sample_alert("havag", 1, issued_at="2026-11-20T21:40:00+01:00"))
    newer = stored(sample_alert("havag", 2, revision=2, recommended_unit="SECRETCALLSIGN"))
    previous = stored(sample_alert("havag", 2))
    document = atom_feed("havag", [(older, None), (newer, previous)], PLACES, "https://console.halle.de", NOW)
    assert b"SECRETCALLSIGN" not in document
    feed = SafeET.fromstring(document)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == "urn:hub:halle:alerts:havag"
    assert feed.findtext(f"{ATOM}updated") == "2026-11-20T20:50:00Z"
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    assert feed.find(f"{ATOM}link").get("href") == "https://console.halle.de/api/feeds/havag.atom"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        "urn:hub:halle:alert:al-havag-000000000000000000000002:r2",
        "urn:hub:halle:alert:al-havag-000000000000000000000001:r1",
    ]
    for entry in entries:
        assert entry.find(f"{ATOM}link").get("type") == "application/cap+xml"
        [cap] = list(entry.find(f"{ATOM}content"))
        assert cap.tag == f"{CAP}alert"
        validate(SafeET.tostring(cap))


def test_an_empty_feed_is_still_a_feed() -> None:
    """No open alerts: a feed without entries, updated now."""
    feed = SafeET.fromstring(atom_feed("ordnungsamt", [], PLACES, "http://127.0.0.1:8480", NOW))
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}updated") == "2026-11-20T21:00:00Z"


def test_cap_and_atom_over_http_are_the_agencys_own(validate: Callable[[bytes], None]) -> None:
    """GET /api/alerts/<id>/cap answers application/cap+xml for the agency's alert and 404 for another's; the
    agency's feed lists its open alerts only (not resolved ones); another agency's feed is 404."""
    rig = console_rig()
    rig.source.add(sample_alert("polizei", 1))
    rig.source.add(sample_alert("polizei", 1, revision=2, state="acknowledged"))
    rig.source.add(sample_alert("polizei", 2, state="resolved", clear_reason="incident_closed"))
    rig.source.add(sample_alert("havag", 3))

    async def scenario(open_browser: Callable[[], Browser]) -> dict[str, Any]:
        browser = await signed_in(open_browser, "erika")
        cap = await browser.get("/api/alerts/al-polizei-000000000000000000000001/cap")
        feed = await browser.get("/api/feeds/polizei.atom")
        return {
            "cap": (cap.status_code, cap.headers["content-type"], cap.content),
            "feed": (feed.status_code, feed.headers["content-type"], feed.content),
            "other cap": (await browser.get("/api/alerts/al-havag-000000000000000000000003/cap")).status_code,
            "other feed": (await browser.get("/api/feeds/havag.atom")).status_code,
            "no feed": (await browser.get("/api/feeds/nowhere.atom")).status_code,
        }

    answers = run(rig, scenario)
    status, kind, document = answers["cap"]
    assert (status, kind) == (200, "application/cap+xml")
    validate(document)
    assert b"<references>" in document
    status, kind, document = answers["feed"]
    assert (status, kind) == (200, "application/atom+xml")
    ids = [e.findtext(f"{ATOM}id") for e in SafeET.fromstring(document).findall(f"{ATOM}entry")]
    assert ids == ["urn:hub:halle:alert:al-polizei-000000000000000000000001:r2"]
    assert (answers["other cap"], answers["other feed"], answers["no feed"]) == (404, 404, 404)
