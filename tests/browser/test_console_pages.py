"""The console's pages in a real browser (Chromium through Playwright) against a served console over the in-memory
store and broker: signing in, the live board, the detail page with its map, and acknowledging the revision shown
with the 409 flow when the alert changed meanwhile."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from hub.console.server import Served
from hub.console.source import Fix, StoredAlert
from hub.console.testing import PASSWORD, ConsoleRig, call_soon, console_rig, sample_alert, serving

pytestmark = pytest.mark.integration

FIRST = "al-havag-000000000000000000000001"


@pytest.fixture
def rig() -> ConsoleRig:
    """A console with three HAVAG alerts (two on line 2, one on line 5) and one police alert."""
    made = console_rig()
    source = made.source
    source.add(sample_alert("havag", 1, recommended_unit="SECRETCALLSIGN"))
    source.add(sample_alert("havag", 2, priority=3, line="5", vehicle="1123", intercept_stop_dhid=None))
    source.add(sample_alert("havag", 3, priority=2, state="acknowledged", stop_dhid="de:15002:5227"))
    source.add(sample_alert("polizei", 4))
    source.vehicles["654"] = Fix("654", 51.481, 11.919, datetime.fromisoformat("2026-11-20T21:50:10+01:00"))
    return made


@pytest.fixture
def served(rig: ConsoleRig) -> Iterator[Served]:
    """The rig's console, served."""
    with serving(rig) as running:
        yield running


def sign_in(page: Page, served: Served, user: str = "hans", path: str = "/") -> None:
    """Open ``path``, get sent to the sign-in page, sign in, and wait until the page is live."""
    page.goto(served.url + path)
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#stream-status")).to_have_attribute("data-status", "live")


def test_the_board_shows_the_agencys_alerts_most_urgent_first_and_new_ones_live(
    new_page: Callable[..., Page], served: Served, rig: ConsoleRig
) -> None:
    """HAVAG's board: its open alerts only, priority 1 first, line 2's two in one group; a priority-1 alert stored
    while the page is open appears highlighted without a reload; the filters narrow the list."""
    page = new_page()
    sign_in(page, served)
    rows = page.locator("[data-alert-id]")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).get_attribute("data-priority") for i in range(3)] == ["1", "2", "3"]
    expect(page.locator("[data-group='line 2'] [data-alert-id]")).to_have_count(2)
    expect(page.locator("#board")).not_to_contain_text("SECRETCALLSIGN")
    call_soon(rig, lambda: rig.source.add(sample_alert("havag", 5, line="7", stop_dhid="de:15002:5208")))
    fresh = page.locator("[data-alert-id='al-havag-000000000000000000000005']")
    expect(fresh).to_have_class("alert-row fresh")
    expect(rows).to_have_count(4)
    page.select_option("#filter-priority", "1")
    expect(rows).to_have_count(2)
    page.select_option("#filter-priority", "5")
    page.fill("#filter-text", "1123")
    expect(rows).to_have_count(1)


def test_the_detail_page_draws_the_plan_and_acknowledges_the_revision_shown(
    new_page: Callable[..., Page], served: Served, rig: ConsoleRig
) -> None:
    """The map has the line, the stops ahead, the intercept stop and the vehicle; the hold asked of HAVAG is shown;
    acknowledging produces the AckMessage of the revision shown, by the signed-in person."""
    page = new_page()
    sign_in(page, served, path=f"/alerts/{FIRST}")
    expect(page).to_have_url(re.compile(f"/alerts/{FIRST}$"))
    expect(page.locator("#detail-priority")).to_have_text("P1")
    expect(page.locator("#map svg #map-intercept")).to_have_count(1)
    expect(page.locator("#map svg #map-vehicle")).to_have_count(1)
    expect(page.locator("#map svg circle.stop-ahead")).to_have_count(3)
    expect(page.locator("[data-fact='Halt erbeten (HAVAG)']")).to_have_text("60 s")
    expect(page.locator("body")).not_to_contain_text("SECRETCALLSIGN")
    page.click("#ack-button")
    expect(page.locator("#action-status")).to_have_attribute("data-kind", "ok")
    [record] = rig.sink.records
    value = json.loads(record.value)
    assert (record.topic, value["revision"], value["by"]) == ("t0.acks.havag", 1, "hans (leitstelle)")


def test_a_stale_acknowledgement_shows_what_changed_and_asks_again(
    new_page: Callable[..., Page], served: Served, rig: ConsoleRig
) -> None:
    """The page shows revision 1; revision 2 (another intercept stop) is stored without the page hearing of it;
    acknowledging gets the 409: the page shows the change and, confirmed, acknowledges revision 2."""
    page = new_page()
    sign_in(page, served, path=f"/alerts/{FIRST}")
    moved = sample_alert("havag", 1, revision=2, intercept_stop_dhid="de:15002:5030")
    first = rig.source.revisions[0]
    call_soon(rig, lambda: rig.source.revisions.append(StoredAlert(moved, first.stored_at, first.topic)))
    page.click("#ack-button")
    conflict = page.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(page.locator("#conflict-changes [data-field='intercept_stop_dhid']")).to_contain_text("Hyazinthenstr.")
    assert rig.sink.records == []
    page.click("#conflict-confirm")
    expect(page.locator("#action-status")).to_have_attribute("data-kind", "ok")
    expect(page.locator("#detail-revision")).to_have_attribute("data-revision", "2")
    [record] = rig.sink.records
    assert json.loads(record.value)["revision"] == 2


def test_another_agencys_alert_is_not_shown(new_page: Callable[..., Page], served: Served) -> None:
    """HAVAG opening the police alert's page gets 'not for your agency' and no buttons."""
    page = new_page()
    sign_in(page, served, path="/alerts/al-polizei-000000000000000000000004")
    expect(page.locator("#load-error")).to_be_visible()
    expect(page.locator("#actions-bar")).to_be_hidden()
