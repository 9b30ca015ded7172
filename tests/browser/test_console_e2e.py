"""The console end to end in a real browser: the simulator's driver alarm through the connectors, the normaliser and
the router (on the event clock) into the alert store, live on a signed-in police board without reload; opened, its
map drawn, acknowledged from the browser, and shown acknowledged on the board of a second police session. A HAVAG
operator signed in at the same time sees the alarm's HAVAG alert but never the police's unit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hub.config import Settings
from hub.console.testing import PASSWORD, make_users
from hub.processes import spawn_console
from hub.sim.scenario import ScenarioConfig, build_scenario
from tests.helpers.sim import simulated
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

SEED = 9  # one driver alarm on line 2, 70 simulated seconds in (tests/e2e/test_sim_router.py)
LIVE_S = 90_000  # ms a live change may take to show: simulated minutes at 15x plus every worker on two cores


@pytest.fixture
def console_url(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """``hub console`` on the test's broker, prefix and database, with police users anna and ben and HAVAG's hans."""
    users = make_users(anna="polizei", ben="polizei", hans="havag")
    text = "".join(
        f'[users.{u.name}]\nagency = "{u.agency}"\nrole = "{u.role}"\npassword_hash = "{u.password}"\n\n'
        for u in users.values()
    )
    (tmp_path / "users.toml").write_text(text)
    child, url = spawn_console(
        settings, tmp_path / "console.log", env={"HUB_CONSOLE_USERS": str(tmp_path / "users.toml")}
    )
    try:
        yield url
    finally:
        child.signal_stop()
        child.wait_or_kill(20)


def signed_in(new_page: Callable[..., Page], url: str, user: str) -> Page:
    """A page of its own (own cookies) on the board, signed in as ``user``, its event stream live."""
    page = new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{url}/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#stream-status")).to_have_attribute("data-status", "live")
    return page


def test_a_simulated_alarm_appears_live_is_acknowledged_in_the_browser_and_every_police_board_shows_it(
    settings: Settings, start_workers: WorkerFactory, console_url: str, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    """No alert before the simulation; the alarm's police alert appears on the open board without reload; its
    detail shows the intercept and the vehicle on the map; acknowledged in one browser, the router's acknowledged
    revision reaches the other police session live; HAVAG's board has the HAVAG alert and no police call sign."""
    start_workers("normalise", "router", "alert-store", "sink", pseudonym_keys="demo", router_clock="event")
    anna, ben, hans = (signed_in(new_page, console_url, user) for user in ("anna", "ben", "hans"))
    expect(anna.locator("[data-alert-id]")).to_have_count(0)

    scenario = build_scenario(SEED, ScenarioConfig(duration_s=120.0, incident_rate_per_h=240.0))
    finished = threading.Event()
    problems: list[BaseException] = []

    def simulate() -> None:
        # In a thread of its own: the simulator runs an event loop, and Playwright's holds the main thread's.
        try:
            with simulated(scenario, settings, tmp_path):
                pass
        except BaseException as exc:  # shown by the test, not lost in the thread
            problems.append(exc)
        finally:
            finished.set()

    threading.Thread(target=simulate, daemon=True).start()
    alarm = anna.locator("[data-alert-id^='al-polizei-']").filter(has_text="TRANSIT")
    expect(alarm.first).to_be_visible(timeout=LIVE_S)
    alert_id = alarm.first.get_attribute("data-alert-id")
    expect(ben.locator(f"[data-alert-id='{alert_id}']")).to_be_visible(timeout=LIVE_S)

    alarm.first.click()
    expect(anna.locator("#map svg #map-intercept")).to_have_count(1)
    expect(anna.locator("#map svg #map-vehicle")).to_have_count(1)
    unit = anna.locator("[data-fact='Einheit']").inner_text()
    assert unit.strip(), "the police alert names the unit to send"
    anna.click("#ack-button")
    expect(anna.locator("#action-status")).to_have_attribute("data-kind", "ok")
    expect(anna.locator("#detail-state")).to_have_attribute("data-state", "acknowledged", timeout=LIVE_S)
    expect(ben.locator(f"[data-alert-id='{alert_id}']")).to_have_attribute("data-state", "acknowledged", timeout=LIVE_S)

    expect(hans.locator("[data-alert-id^='al-havag-']").first).to_be_visible(timeout=LIVE_S)
    expect(hans.locator("body")).not_to_contain_text(unit.strip())
    assert finished.wait(120), "the simulation did not end"
    assert problems == [], problems
