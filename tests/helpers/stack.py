"""Fixtures of the real broker and database (loaded by tests/conftest.py through ``pytest_plugins``): the session's
stack, embedded or given by HUB_TEST_KAFKA_BOOTSTRAP / HUB_TEST_DATABASE_URL; per test a topic prefix, a topic
factory, a database copied from a template migrated once per session, and settings that tie them together."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from kafka.admin import NewTopic

from hub.config import Settings
from hub.devstack import EmbeddedStack
from hub.kafka_admin import admin_client, apply_topology
from hub.processes import free_port
from hub.store.migrate import migrate
from hub.topology import TOPICS, qualified, spec


@contextmanager
def outside_basetemp(prefix: str) -> Iterator[Path]:
    """A temporary folder for an embedded stack's state, removed afterwards. Not under pytest's basetemp: a second
    pytest session started meanwhile (another engineer's, on this machine) prunes older basetemp folders, and takes
    the others' permissions off the basetemp root, which locks the unprivileged PostgreSQL user out of its data dir
    (initdb: Permission denied)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def stack_dir() -> Iterator[Path]:
    """A temporary folder for a test that starts its own embedded stack (see ``outside_basetemp``)."""
    with outside_basetemp("hub-test-") as path:
        yield path


@pytest.fixture(scope="session")
def endpoints(given_endpoints: tuple[str | None, str | None]) -> Iterator[tuple[str, str]]:
    """(bootstrap, admin database URL) of the real broker and PostgreSQL for this test session."""
    bootstrap, database = given_endpoints
    with (
        outside_basetemp("hub-test-stack-") as state,
        EmbeddedStack(
            state,
            broker_port=None if bootstrap else free_port(),
            postgres_port=None if database else free_port(),
        ) as started,
    ):
        yield (bootstrap or str(started.kafka_bootstrap), database or str(started.database_url))


def _admin(admin_url: str, statement: str) -> None:
    """Run ``statement`` (CREATE or DROP DATABASE: outside a transaction) on the admin database."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)


@pytest.fixture(scope="session")
def template_database(endpoints: tuple[str, str]) -> Iterator[str]:
    """The name of a database migrated once for the session, which every test's database is copied from."""
    admin_url = endpoints[1]
    name = f"hub_test_template_{uuid.uuid4().hex[:12]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        migrate(psycopg.conninfo.make_conninfo(admin_url, dbname=name))
        yield name
    finally:
        _admin(admin_url, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(endpoints: tuple[str, str], template_database: str) -> Iterator[str]:
    """A fresh, migrated database for one test (a copy of the session's template), dropped afterwards."""
    admin_url = endpoints[1]
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    _admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    _admin(admin_url, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def topic_prefix() -> str:
    """A topic and consumer-group prefix no other test uses."""
    return f"t{uuid.uuid4().hex[:10]}."


class Topics:
    """The declared topics of one test under its prefix, created when the test asks for them.

    The embedded broker creates a topic that is produced to or read before it exists, with a partition count of its
    own choosing; ``strays`` finds such topics, so a test cannot silently rely on them.
    """

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.created: set[str] = set()

    def __call__(self, *declared: str) -> list[str]:
        """Create the declared topics ``declared`` (their partitions and configs) unless done already; return their
        names on the cluster."""
        names = [qualified(self.prefix, name) for name in declared]
        new = {name: spec(topic) for name, topic in zip(names, declared, strict=True) if name not in self.created}
        if new:
            with admin_client(self.bootstrap) as client:
                client.create_topics(
                    [NewTopic(n, s.partitions, 1, topic_configs=s.broker_configs()) for n, s in new.items()]
                )
            self.created.update(new)
        return names

    def all(self) -> None:
        """Every declared topic, as `hub topics apply` creates them (a worker refuses to start without them)."""
        if len(self.created) < len(TOPICS):
            apply_topology(self.bootstrap, self.prefix)
            self.created.update(qualified(self.prefix, s.name) for s in TOPICS)

    def strays(self) -> list[str]:
        """Topics under this prefix that the test did not create (the broker made them on first use)."""
        with admin_client(self.bootstrap) as client:
            existing = client.list_topics()
        return sorted(n for n in existing if n.startswith(self.prefix) and n not in self.created)


@pytest.fixture
def topics(endpoints: tuple[str, str], topic_prefix: str) -> Iterator[Topics]:
    """The topic factory: ``topics("canon.incident", ...)`` creates those declared topics under the test's prefix.
    At the end, no other topic may exist under it (one the broker created on first use)."""
    made = Topics(endpoints[0], topic_prefix)
    yield made
    if made.created:
        assert made.strays() == [], "topics the test used without creating them (add them to its topics(...))"


@pytest.fixture
def settings(endpoints: tuple[str, str], database_url: str, topic_prefix: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own prefix, database and state dir. No topic exists yet: ``topics`` creates those
    the test uses, ``start_workers`` all of them."""
    return Settings(
        kafka_bootstrap=endpoints[0],
        database_url=database_url,  # type: ignore[arg-type]
        topic_prefix=topic_prefix,
        state_dir=tmp_path / "state",
        consumer_session_timeout_s=3.0,
        log_format="json",
    )
