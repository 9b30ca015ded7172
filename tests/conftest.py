"""Session fixtures: the real broker and database (embedded, or given by HUB_TEST_KAFKA_BOOTSTRAP /
HUB_TEST_DATABASE_URL), and per-test settings with their own topic prefix, consumer groups and database."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hub.config import Settings
from hub.devstack import EmbeddedStack
from hub.kafka_admin import apply_topology
from hub.processes import free_port
from hub.store.migrate import migrate

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def endpoints() -> Iterator[tuple[str, str]]:
    """(bootstrap, admin database URL) of the real broker and PostgreSQL for this test session."""
    bootstrap = os.environ.get("HUB_TEST_KAFKA_BOOTSTRAP")
    database = os.environ.get("HUB_TEST_DATABASE_URL")
    # Not under pytest's basetemp: a second pytest session started meanwhile prunes older basetemp folders, which
    # would pull the data dir from under this session's PostgreSQL.
    state = Path(tempfile.mkdtemp(prefix="hub-test-stack-"))
    stack = EmbeddedStack(
        state,
        broker_port=None if bootstrap else free_port(),
        postgres_port=None if database else free_port(),
    )
    try:
        with stack as started:
            yield (bootstrap or str(started.kafka_bootstrap), database or str(started.database_url))
    finally:
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def database_url(endpoints: tuple[str, str]) -> Iterator[str]:
    """A fresh, migrated database for one test, dropped afterwards."""
    admin_url = endpoints[1]
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    migrate(url)
    yield url
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def topic_prefix() -> str:
    """A topic and consumer-group prefix no other test uses."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def settings(endpoints: tuple[str, str], database_url: str, topic_prefix: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own prefix, database and state dir, every topic created."""
    s = Settings(
        kafka_bootstrap=endpoints[0],
        database_url=database_url,  # type: ignore[arg-type]
        topic_prefix=topic_prefix,
        state_dir=tmp_path / "state",
        consumer_session_timeout_s=3.0,
        log_format="json",
    )
    apply_topology(s.bootstrap(), s.topic_prefix)
    return s


@pytest.fixture
def shared_dir() -> Path:
    """The team's shared folder (corpus, Halle data); tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (a user's clone has no ../shared); the project's own tests cover this path")
    return SHARED
