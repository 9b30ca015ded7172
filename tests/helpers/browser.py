"""A real browser for the console's tests: Debian's Chromium driven by Playwright for Python.

Playwright's own browser download cannot work on these machines (no network but the package registries), so the
tests use the system's ``/usr/bin/chromium``; when it is missing and the tests run as root with apt (CI, a fresh
development machine), the ``chromium`` package is installed first. Only where that is impossible do the browser
tests skip, saying why. Every page fixture writes a screenshot of where the test ended to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: Chromium as root on a closed network: no sandbox (root), no GPU, nothing that phones home at start.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_APT_TIMEOUT_S = 900


def ensure_chromium() -> Path | str:
    """The Chromium binary, installed through apt when missing and possible; otherwise the reason it is not."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): apt-get install chromium"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=_APT_TIMEOUT_S, check=False)
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed ({done.returncode}): {done.stderr.strip()[-300:]}"
    return CHROMIUM if CHROMIUM.exists() else f"apt-get installed chromium, but {CHROMIUM} is still missing"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module. Not per session: Playwright's sync API keeps an event loop running in
    the main thread while it is open, and every later test that calls ``asyncio.run`` would fail."""
    found = ensure_chromium()
    if isinstance(found, str):
        pytest.skip(found)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(found), args=list(CHROMIUM_ARGS))
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """A factory of fresh pages, each in its own context (its own cookies: one signed-in user per page); at the end
    every page's last view is saved as ``test-artifacts/<test>[-<n>].png``."""
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    def make(**context_options: object) -> Page:
        context = browser.new_context(**context_options)  # type: ignore[arg-type]
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for n, page in enumerate(pages):
        suffix = f"-{n}" if n else ""
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
        except Exception as exc:  # a crashed page must not hide the test's own failure
            print(f"no screenshot of {name}{suffix}: {exc}")
    for context in contexts:
        context.close()
