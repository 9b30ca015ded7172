"""The browser suite (``make test-browser``): the console's pages in Chromium through Playwright, alone and end to end
behind the real pipeline. It shares the integration suite's worker factory and failure report."""

from __future__ import annotations

from tests.integration.conftest import pytest_runtest_makereport, start_workers

__all__ = ["pytest_runtest_makereport", "start_workers"]
