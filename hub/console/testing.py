"""An in-memory ``AlertSource`` for tests and for trying the console without the alert store: revisions and
actions are added by hand and announced to ``notices()`` as the store's NOTIFY would."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.connectors.sink import MemorySink
from hub.console.deps import Console
from hub.console.passwords import MIN_N, hash_password
from hub.console.server import Served
from hub.console.source import ActionNotice, AlertNotice, Fix, Notice, StoredAction, StoredAlert
from hub.console.users import Agency, User
from hub.errors import StoreError
from hub.router.core import AckMessage
from hub.schemas.alert import Alert, AlertState
from hub.topology import qualified

__all__ = [
    "PASSWORD",
    "ConsoleRig",
    "MemoryAlertSource",
    "call_soon",
    "console_rig",
    "make_users",
    "sample_alert",
    "serving",
]


class MemoryAlertSource:
    """Alerts, actions and positions held in memory, read with the store's meanings (per recipient only)."""

    def __init__(self, topic_prefix: str = "") -> None:
        self.topic_prefix = topic_prefix
        self.revisions: list[StoredAlert] = []
        self.stored_actions: list[StoredAction] = []
        self.vehicles: dict[str, Fix] = {}
        self.units: dict[tuple[str, str], Fix] = {}
        self.reachable = True
        self._listeners: list[asyncio.Queue[Notice | None]] = []
        self._clock = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)

    def _stored_at(self) -> datetime:
        # Every row gets its own, rising store time, as rows of separate transactions would.
        self._clock += timedelta(milliseconds=1)
        return self._clock

    def add(self, alert: Alert, *, topic: str | None = None) -> StoredAlert:
        """Store one revision (a copy of one already stored changes nothing) and announce it."""
        for known in self.revisions:
            if (known.alert.alert_id, known.alert.revision) == (alert.alert_id, alert.revision):
                return known
        topic = topic or qualified(self.topic_prefix, f"alerts.{alert.recipient}")
        stored = StoredAlert(alert, self._stored_at(), topic)
        self.revisions.append(stored)
        self._announce(AlertNotice(alert.recipient, alert.alert_id, alert.revision))
        return stored

    def add_action(self, recipient: str, ack: AckMessage) -> StoredAction:
        """Store one action as the alert-store stage would from ``acks.<recipient>``, and announce it."""
        key = (qualified(self.topic_prefix, f"acks.{recipient}"), 0, len(self.stored_actions))
        action = StoredAction(
            ack.alert_id, recipient, ack.action, ack.revision, ack.by, ack.at, ack.note, self._stored_at(), key
        )
        self.stored_actions.append(action)
        self._announce(ActionNotice(recipient, ack.alert_id, key))
        return action

    def _announce(self, notice: Notice) -> None:
        for listener in self._listeners:
            listener.put_nowait(notice)

    def close(self) -> None:
        """End every ``notices()`` iteration."""
        for listener in self._listeners:
            listener.put_nowait(None)

    def _latest(self, recipient: str) -> dict[str, StoredAlert]:
        latest: dict[str, StoredAlert] = {}
        for stored in self.revisions:
            alert = stored.alert
            if alert.recipient == recipient and (
                alert.alert_id not in latest or latest[alert.alert_id].alert.revision < alert.revision
            ):
                latest[alert.alert_id] = stored
        return latest

    def _first_issued(self, alert_id: str) -> datetime:
        return min(s.alert.issued_at for s in self.revisions if s.alert.alert_id == alert_id)

    async def board(
        self, recipient: str, *, states: Sequence[AlertState] | None = None, limit: int = 500
    ) -> list[StoredAlert]:
        await self.ping()
        rows = [s for s in self._latest(recipient).values() if states is None or s.alert.state in states]
        rows.sort(key=lambda s: (s.alert.priority, self._first_issued(s.alert.alert_id), s.alert.alert_id))
        return rows[:limit]

    async def current(self, recipient: str, alert_id: str) -> StoredAlert | None:
        await self.ping()
        return self._latest(recipient).get(alert_id)

    async def revision(self, recipient: str, alert_id: str, number: int) -> StoredAlert | None:
        found = [s for s in await self.history(recipient, alert_id) if s.alert.revision == number]
        return found[0] if found else None

    async def history(self, recipient: str, alert_id: str) -> list[StoredAlert]:
        await self.ping()
        rows = [s for s in self.revisions if s.alert.recipient == recipient and s.alert.alert_id == alert_id]
        return sorted(rows, key=lambda s: s.alert.revision)

    async def actions(self, recipient: str, alert_id: str) -> list[StoredAction]:
        await self.ping()
        rows = [a for a in self.stored_actions if a.recipient == recipient and a.alert_id == alert_id]
        return sorted(rows, key=lambda a: (a.at, a.stored_at))

    async def since(self, recipient: str, after: datetime, limit: int) -> list[StoredAlert]:
        await self.ping()
        rows = [s for s in self.revisions if s.alert.recipient == recipient and s.stored_at > after]
        return sorted(rows, key=lambda s: s.stored_at)[:limit]

    async def vehicle_fix(self, vehicle: str) -> Fix | None:
        return self.vehicles.get(vehicle)

    async def unit_fix(self, agency: str, unit: str) -> Fix | None:
        return self.units.get((agency, unit))

    async def ping(self) -> None:
        if not self.reachable:
            raise StoreError("the in-memory store is set unreachable")

    async def notices(self) -> AsyncIterator[Notice]:
        listener: asyncio.Queue[Notice | None] = asyncio.Queue()
        self._listeners.append(listener)
        try:
            while (notice := await listener.get()) is not None:
                yield notice
        finally:
            self._listeners.remove(listener)


def sample_alert(recipient: str = "polizei", number: int = 1, revision: int = 1, **fields: object) -> Alert:
    """A realistic alert: tram 654 on line 2 at Zentrum Neustadt, met at Rennbahnkreuz two stops on, with a hold
    for HAVAG and a recommended unit for the others; ``fields`` replace any field."""
    data: dict[str, object] = {
        "alert_id": f"al-{recipient}-{number:024x}",
        "revision": revision,
        "incident_id": f"PI-HAL-E-{number:07d}" if recipient != "havag" else f"ref-{number:08x}",
        "recipient": recipient,
        "state": "new",
        "category": "CRIME",
        "priority": 1,
        "vehicle": "654",
        "line": "2",
        "stop_dhid": "de:15002:5061",
        "intercept_stop_dhid": "de:15002:5235",
        "recommended_unit": "Saale 21/1" if recipient != "havag" else None,
        "unit_eta": "2026-11-20T21:54:00+01:00",
        "vehicle_eta": "2026-11-20T21:53:30+01:00",
        "hold_request": {"action": "hold_at_stop", "stop_dhid": "de:15002:5235", "max_hold_s": 60}
        if recipient == "havag"
        else None,
        "issued_at": "2026-11-20T21:50:00+01:00",
    }
    data.update(fields)
    return Alert.model_validate(data)


#: The password of ``make_users``' users.
PASSWORD = "correct horse battery"  # noqa: S105 - a test password, on purpose


def make_users(password: str = PASSWORD, **agencies: Agency) -> dict[str, User]:
    """Users named as the keywords say, of those agencies, role ``leitstelle``, all with ``password`` (hashed with
    the weakest parameters the users file takes, so tests stay fast)."""
    hashed = hash_password(password, n=MIN_N)
    return {name: User(name, agency, "leitstelle", hashed) for name, agency in agencies.items()}


@dataclass
class ConsoleRig:
    """A console over an in-memory store and an in-memory broker."""

    console: Console
    source: MemoryAlertSource
    sink: MemorySink
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    loop: asyncio.AbstractEventLoop | None = None  # while ``serving`` runs it


def console_rig(
    users: Mapping[str, User] | None = None,
    tokens: Mapping[str, bytes] | None = None,
    *,
    topic_prefix: str = "t0.",
    sink: MemorySink | None = None,
    **settings: object,
) -> ConsoleRig:
    """A console with ``users`` (default: one person per agency, see ``make_users``) and system ``tokens``."""
    from hub.console.server import build_console

    users = dict(users) if users is not None else make_users(erika="polizei", hans="havag", olga="ordnungsamt")
    source = MemoryAlertSource(topic_prefix)
    broker = sink if sink is not None else MemorySink()
    registry = CollectorRegistry()
    config = Settings.model_validate({"topic_prefix": topic_prefix, "acks_produce_timeout_s": 2.0, **settings})
    console = build_console(config, source, users, dict(tokens or {}), registry, connect=lambda: broker)
    return ConsoleRig(console, source, broker, registry)


#: Serves a console until the event is set, calling back with what it serves (``serve_console``'s shape).
ServeMain = Callable[[asyncio.Event, Callable[[Served], None]], Awaitable[None]]


@contextlib.contextmanager
def in_thread(main: ServeMain) -> Iterator[tuple[Served, asyncio.AbstractEventLoop]]:
    """Run ``main`` on an event loop of its own in a thread (for browsers and blocking HTTP clients) until the
    block ends; yields what it serves and its loop."""
    started: queue.Queue[Served | BaseException] = queue.Queue()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def run() -> None:
        try:
            await main(stop, started.put)
        except BaseException as exc:
            started.put(exc)
            raise

    thread = threading.Thread(target=lambda: loop.run_until_complete(run()), name="console", daemon=True)
    thread.start()
    served = started.get(timeout=30)
    if isinstance(served, BaseException):
        raise served
    try:
        yield served, loop
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        loop.close()


@contextlib.contextmanager
def serving(rig: ConsoleRig, settings: Settings | None = None, host: str = "127.0.0.1") -> Iterator[Served]:
    """The rig's console served on a free port by a thread of its own; stopped, streams and all, on leaving.
    Change the store while it runs with ``call_soon(rig, ...)``."""
    from hub.console.server import serve_console

    config = settings or Settings(topic_prefix=rig.source.topic_prefix, metrics_port=0)

    async def main(stop: asyncio.Event, started: Callable[[Served], None]) -> None:
        await serve_console(rig.console, config, host, 0, stop, started, rig.registry)

    with in_thread(main) as (served, loop):
        rig.loop = loop
        yield served


def call_soon(rig: ConsoleRig, change: Callable[[], object]) -> None:
    """Run ``change`` (e.g. ``lambda: rig.source.add(alert)``) on the serving console's loop and wait for it."""
    assert rig.loop is not None, "the console is not being served"
    done = threading.Event()

    def run() -> None:
        try:
            change()
        finally:
            done.set()

    rig.loop.call_soon_threadsafe(run)
    done.wait(timeout=10)
