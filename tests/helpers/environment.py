"""Fixtures of a test's surroundings: no ``HUB_*`` variable of the developer's shell, structlog at its defaults, and
the team's shared folder (loaded by tests/conftest.py through ``pytest_plugins``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import structlog

SHARED = Path(__file__).resolve().parents[3] / "shared"


@pytest.fixture(scope="session")
def given_endpoints() -> tuple[str | None, str | None]:
    """The broker and database named by HUB_TEST_KAFKA_BOOTSTRAP / HUB_TEST_DATABASE_URL (None: start the embedded
    one), read once, before ``clean_environment`` takes every ``HUB_*`` variable away from the tests."""
    return os.environ.get("HUB_TEST_KAFKA_BOOTSTRAP"), os.environ.get("HUB_TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, given_endpoints: tuple[str | None, str | None]) -> None:
    """Every test runs without the ``HUB_*`` variables of the shell that started pytest, and so do the processes it
    starts: a developer's settings (a broker, keys, a log level) cannot change what a test sees."""
    for name in list(os.environ):
        if name.startswith("HUB_"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def reset_structlog() -> None:
    """structlog's global configuration back to its defaults before each test, so a test that configured logging
    (as the `hub` entry points do) cannot change how a later test logs."""
    structlog.reset_defaults()


@pytest.fixture
def shared_dir() -> Path:
    """The team's shared folder (corpus, Halle data); tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (a user's clone has no ../shared); the project's own tests cover this path")
    return SHARED
