"""Screenshots of the console for the README, taken from a running ``hub demo --keep-running``.

Run: .venv/bin/python -m tools.console_screenshots URL POLICE_PASSWORD HAVAG_PASSWORD [--out docs/img]
Signs in as the demo's ``polizei`` user, saves the board and the detail view of the first alert, acknowledges it in
the browser and checks that a second police session sees the new state live; then saves HAVAG's board. Uses
Debian's Chromium through Playwright, like the browser tests.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.helpers.browser import CHROMIUM_ARGS, ensure_chromium


def sign_in(page: Page, url: str, user: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#sign-in")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#stream-status")).to_have_attribute("data-status", "live")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("police_password")
    parser.add_argument("havag_password")
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    chromium = ensure_chromium()
    if isinstance(chromium, str):
        raise SystemExit(chromium)
    args.out.mkdir(parents=True, exist_ok=True)
    size = {"viewport": {"width": 1400, "height": 860}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
        operator, colleague = browser.new_context(**size).new_page(), browser.new_context(**size).new_page()
        sign_in(operator, args.url, "polizei", args.police_password)
        sign_in(colleague, args.url, "polizei", args.police_password)
        operator.screenshot(path=str(args.out / "console-board.png"))
        first = operator.locator("[data-alert-id]").first
        alert_id = first.get_attribute("data-alert-id")
        first.click()
        expect(operator.locator("#map svg #map-intercept")).to_have_count(1)
        operator.screenshot(path=str(args.out / "console-detail.png"), full_page=True)
        operator.click("#ack-button")
        expect(operator.locator("#action-status")).to_have_attribute("data-kind", "ok")
        row = colleague.locator(f"[data-alert-id='{alert_id}']")
        expect(row).to_have_attribute("data-state", "acknowledged", timeout=15_000)
        print(f"{alert_id}: acknowledged in one browser, shown as acknowledged in the other without reload")
        havag = browser.new_context(**size).new_page()
        sign_in(havag, args.url, "havag", args.havag_password)
        havag.screenshot(path=str(args.out / "console-board-havag.png"))
        browser.close()


if __name__ == "__main__":
    main()
