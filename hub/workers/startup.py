"""The checks a stage worker makes before it joins its consumer group: every server it needs answers, or the start
fails at once with one line that names the server and the cause.

Without them a worker pointed at a closed port, a missing database or a MySQL URL started, joined the group, took
partitions from a healthy worker and only logged pool warnings. The broker check is bounded by
``HUB_KAFKA_STARTUP_TIMEOUT_S`` (15 s) however the Kafka client retries; the database check by the connect timeout
(``HUB_DATABASE_CONNECT_TIMEOUT_S``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg

from hub.config import Settings
from hub.errors import BrokerError, ConfigError, StoreUnavailable
from hub.formats.registry import declared_topics
from hub.kafka_admin import missing_topics
from hub.store.errors import error_summary
from hub.workers.database import database_target, stage_conninfo

__all__ = ["check_database", "check_servers", "check_topics", "within"]

T = TypeVar("T")


def within(timeout_s: float, what: str, call: Callable[[], T]) -> T:
    """``call()`` on a daemon thread, given up after ``timeout_s`` with a BrokerError naming ``what`` (the thread is
    left to end by itself: a Kafka client looking for a broker cannot be interrupted, and the process is leaving)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="hub-startup-check", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise BrokerError(f"{what} did not answer within {timeout_s:g} s (HUB_KAFKA_STARTUP_TIMEOUT_S)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]  # type: ignore[no-any-return]


def check_topics(settings: Settings) -> list[str]:
    """The declared topics the cluster lacks (prefixed), the raw topics of installed format packages included;
    BrokerError when the broker does not answer in time."""
    bootstrap = settings.bootstrap()
    specs = declared_topics()
    return within(
        settings.kafka_startup_timeout_s,
        f"Kafka at {bootstrap}",
        lambda: missing_topics(bootstrap, settings.topic_prefix, specs),
    )


def check_database(conninfo: str, settings: Settings) -> None:
    """Connect once and run ``SELECT 1``; ConfigError for a URL that is no PostgreSQL one, StoreUnavailable naming
    ``host:port/dbname`` and the cause when the database does not answer or refuses the login."""
    target = database_target(conninfo)
    try:
        with psycopg.connect(stage_conninfo(conninfo, settings)) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise StoreUnavailable(f"database {target} not usable: {_first_line(exc) or error_summary(exc)}") from None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def check_servers(settings: Settings, *, database: bool) -> None:
    """Every server a stage needs: the database first (if it writes to one; quick), then the broker and the
    declared topics. Raises a HubError naming the first that fails."""
    if database:
        check_database(settings.database_conninfo(), settings)
    missing = check_topics(settings)
    if missing:
        # faust may not create topics (they are declared in hub/topology.py); it would wait for them forever.
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise ConfigError(
            f"{len(missing)} declared topic(s) missing on {settings.bootstrap()}: {shown}; run `hub topics apply`"
        )
