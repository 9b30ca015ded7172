"""The router's pure core: canon.incident, vehicle-position, trip-update, unit-status and transit-disruption in,
and the recipients' actions on alerts from ``acks.<domain>``; ``Alert`` CloudEvents out to ``alerts.<domain>``.
``RouterCore`` is the whole logic without faust or drivers; ``hub.workers.router`` is its shell.

The state (vehicles, units, trips, open incidents, the alert desk) lives in faust global tables whose changelogs
are the compacted ``state.router.*`` topics: the core keeps a decoded copy and says what changed (``changes``)
after every batch, and takes over what the tables hold at start (``restore``), so a restarted or replacement
worker goes on where the previous one stopped. Run one router worker at a time (docs/router.md says why).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import Field, ValidationError

from hub.errors import InvalidEventError
from hub.formats.jsondoc import loads
from hub.messages import OutRecord
from hub.network.tram import TramNetwork
from hub.router.alerts import AlertDesk, AlertParams, Recipient, alert_id
from hub.router.intercept import DEFAULT_PARAMS, ScreenCache, recommend
from hub.router.live import (
    LiveConfig,
    LiveState,
    apply_trip_update,
    apply_unit_status,
    apply_vehicle_position,
    forget_old,
    incident_view,
    mark_dispatched,
)
from hub.router.model import InterceptParams, Recommendation
from hub.router.persist import (
    DeskSaver,
    Entry,
    TableName,
    decode_desk,
    decode_event_clock,
    decode_incidents,
    encode_incident,
    live_changes,
    live_state,
)
from hub.schemas import CloudEvent, unwrap, wrap
from hub.schemas.alert import Alert
from hub.schemas.common import HubModel, NonEmptyStr, Timestamp
from hub.schemas.incident import Incident
from hub.schemas.transit import TransitDisruption, TripUpdate, VehiclePosition
from hub.schemas.units import UnitStatus
from hub.topology import ALERT_DOMAINS, acks_topic, canon_topic

__all__ = [
    "ACK_INPUTS",
    "FLOW_INPUTS",
    "ROUTER_INPUTS",
    "ROUTER_SOURCE",
    "TICK_INTERVAL_S",
    "URGENT_INPUTS",
    "AckAction",
    "AckMessage",
    "EventClock",
    "RouterCore",
    "parse_ack",
]

ROUTER_SOURCE = "/hub/router"
ROUTER_INPUTS = tuple(
    canon_topic(kind) for kind in ("incident", "vehicle-position", "trip-update", "unit-status", "transit-disruption")
)
ACK_INPUTS = tuple(acks_topic(domain) for domain in ALERT_DOMAINS)
#: What goes ahead of the vehicle flow (issue 13): incidents (driver alarms among them) and people's actions on
#: alerts; the shell reads them on a path of their own, so they never wait behind a batch of positions.
URGENT_INPUTS = (canon_topic("incident"), *ACK_INPUTS)
#: The flow of live state: positions, trip updates, unit status, disruptions.
FLOW_INPUTS = tuple(topic for topic in ROUTER_INPUTS if topic not in URGENT_INPUTS)
TICK_INTERVAL_S = 5.0  # escalation and watchdog times are minutes; five seconds late is within their precision

_CLOSED = frozenset({"closed", "cancelled"})
_INPUT_TYPES = (Incident, VehiclePosition, TripUpdate, UnitStatus, TransitDisruption)


#: What a person of the recipient did with an alert: ``acknowledge`` (seen, we act on it), ``note`` (a remark for
#: the record; the alert does not change), ``resolve`` (dealt with: the alert is cleared down).
AckAction = Literal["acknowledge", "note", "resolve"]


class AckMessage(HubModel):
    """An action on an alert, on ``acks.<domain>``: ``by`` (a person or role of the domain) acted on the alert
    ``alert_id`` at ``at``. Keyed by alert id. Example: ``{"alert_id": "al-polizei-...", "by": "ELS Halle",
    "at": "2026-11-20T21:50:12+01:00", "revision": 3}``.

    ``revision`` is the revision the person saw: an acknowledgement confirms that plan, and one of a revision that
    is no longer the alert's latest is refused by the router (the plan changed since; the person must see it
    first). Without ``revision`` (older clients) the latest revision is acknowledged. ``action`` defaults to
    ``acknowledge``; ``note`` carries the text of a ``note`` (and may accompany the other actions)."""

    alert_id: NonEmptyStr
    by: NonEmptyStr
    at: Timestamp
    revision: int | None = Field(default=None, ge=1, description="the revision the person saw and acts on")
    action: AckAction = "acknowledge"
    note: str | None = Field(default=None, min_length=1, max_length=2000, description="a remark for the record")


class EventClock:
    """The router's now as the latest event time it has seen (POSIX seconds), never going backwards: a simulation
    at 15x or a replay of old data then gets staleness, ETAs, escalation and expiry in its own time. 0 before the
    first event."""

    def __init__(self) -> None:
        self.now = 0.0

    def observe(self, seconds: float) -> None:
        """An event time seen; an older one than the clock shows changes nothing."""
        self.now = max(self.now, seconds)

    def __call__(self) -> float:
        return self.now


def parse_ack(topic: str, value: bytes) -> AckMessage:
    """The acknowledgement on ``topic`` (``acks.<domain>``, declared name); ``InvalidEventError`` when it is not
    one, or when it acknowledges another domain's alert (a recipient acknowledges its own alerts only)."""
    domain = topic.removeprefix("acks.")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEventError(
            f"acknowledgement is not JSON: not UTF-8 at byte {exc.start}", "malformed_json"
        ) from exc
    # The formats' JSON reader: nesting, integers past Python's digit limit and lone surrogates are refused with a
    # reason here too, not raised as a bug.
    raw = loads(text, where="acknowledgement: ")
    if not isinstance(raw, dict):
        raise InvalidEventError("acknowledgement is not a JSON object", "malformed_json")
    try:
        ack = AckMessage.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in exc.errors())
        raise InvalidEventError(f"acknowledgement: {problems}", "schema_violation") from exc
    if not ack.alert_id.startswith(f"al-{domain}-"):
        raise InvalidEventError(
            f"{topic} acknowledges only alerts of {domain} (alert ids al-{domain}-...)", "unsupported"
        )
    return ack


class RouterCore:
    """Folds canonical events into live state, recommends for open incidents, and returns the alert records.

    ``clock`` gives POSIX seconds; an ``EventClock`` is advanced by the time of every canonical event before the
    event is applied (acknowledgements do not move it: a person's clock is not the feeds' time). ``reference``
    makes HAVAG's reference token (the HAVAG domain's keyed pseudonymiser in the live hub).
    """

    def __init__(
        self,
        *,
        network: TramNetwork,
        clock: Callable[[], float],
        reference: Callable[[str], str],
        intercept: InterceptParams = DEFAULT_PARAMS,
        alert_params: AlertParams | None = None,
    ) -> None:
        self.config = LiveConfig(network=network, status_codes=intercept.status_codes)
        self.intercept = intercept
        self.clock = clock
        self.state = LiveState()
        self.desk = AlertDesk(clock=clock, reference=reference, params=alert_params)
        self.incidents: dict[str, Incident] = {}  # open incidents, by id
        # The open incidents by the vehicle they name, so a position re-ranks only its vehicle's incidents instead
        # of testing every open one (issue 13); ``_order`` keeps them in the order of ``incidents``.
        self._on_vehicle: dict[str, set[str]] = {}
        self._order: dict[str, int] = {}
        self._opened = 0
        self._screen = ScreenCache()
        self._saved_state = self.state  # the live state as the tables hold it
        self._changed_incidents: set[str] = set()
        self._desk_saver = DeskSaver()
        self._compare_all = False  # the next ``changes`` compares every alert record (set by ``tick``)

    def changes(self) -> list[Entry]:
        """The table entries that changed since the last call, in order; the shell writes them after every batch."""
        entries = live_changes(self._saved_state, self.state)
        self._saved_state = self.state
        for incident_id in sorted(self._changed_incidents):
            incident = self.incidents.get(incident_id)
            entries.append(("incidents", incident_id, None if incident is None else encode_incident(incident)))
        self._changed_incidents.clear()
        touched, self.desk.touched = self.desk.touched, set()
        clock_s = self.clock.now if isinstance(self.clock, EventClock) else None
        entries += self._desk_saver.changes(
            self.desk.contents(), touched, full=self._compare_all, event_clock_s=clock_s
        )
        self._compare_all = False
        return entries

    def restore(self, tables: Mapping[TableName, Mapping[str, bytes]]) -> list[str]:
        """Take over the state held in ``tables`` (by ``TABLES`` name; a missing table is empty): a starting
        worker does this before its first event. An ``EventClock`` resumes where the previous worker's stood.
        Returns the ``table/key`` of entries that could not be read: they are left out, and a later write of the key
        (or, for the desk, the next save) replaces them."""
        empty: Mapping[str, bytes] = {}
        unreadable: list[str] = []
        self.state = live_state(
            tables.get("vehicles", empty),
            tables.get("units", empty),
            tables.get("trips", empty),
            self.config.network,
            unreadable,
        )
        self._saved_state = self.state
        self.incidents = {}
        self._on_vehicle.clear()
        self._order.clear()
        for incident in decode_incidents(tables.get("incidents", empty), unreadable).values():
            self._keep(incident)
        self._changed_incidents.clear()
        alerts, desk = tables.get("alerts", empty), tables.get("desk", empty)
        self.desk.restore(decode_desk(alerts, desk, unreadable))
        self._desk_saver.taken_over(alerts, desk)
        if isinstance(self.clock, EventClock):
            try:
                self.clock.observe(decode_event_clock(desk) or 0.0)
            except ValueError:
                unreadable.append("desk/clock/event")
        return unreadable

    def process(self, topic: str, value: bytes) -> list[OutRecord]:
        """One canonical event or acknowledgement from ``topic`` (declared name); ``InvalidEventError`` when it
        cannot be read."""
        if topic in ACK_INPUTS:
            return self.act(parse_ack(topic, value))
        try:
            event = CloudEvent.from_bytes(value)
        except Exception as exc:
            raise InvalidEventError(f"not a canonical CloudEvent: {exc}", "undecodable") from exc
        payload = unwrap(event)
        if not isinstance(payload, _INPUT_TYPES):
            raise InvalidEventError(f"{topic}: the router does not take {type(payload).__name__}", "unsupported")
        if isinstance(self.clock, EventClock):  # only events the router takes move its clock
            self.clock.observe(event.time.timestamp())
        return [alert_record(a) for a in self._apply(payload, event.time.timestamp())]

    def _apply(self, payload: HubModel, reported_s: float) -> list[Alert]:
        """One canonical event into the state and the desk; the alert revisions that follow."""
        before = self.state
        # A report the live state ignores (not newer than the one held: GTFS-RT repeats a position within its
        # second) is no news: nothing is re-ranked or revised for it (issue 13).
        if isinstance(payload, Incident):
            return self._incident(payload, reported_s)
        if isinstance(payload, VehiclePosition):
            self.state = apply_vehicle_position(self.state, payload, self.config)
            return self._refresh(self.on_vehicle(payload.vehicle)) if self.state is not before else []
        if isinstance(payload, TripUpdate):
            self.state = apply_trip_update(self.state, payload, self.config)
            if self.state is before or payload.vehicle is None:
                return []
            return self._refresh(self.on_vehicle(payload.vehicle))
        if isinstance(payload, UnitStatus):
            self.state = apply_unit_status(self.state, payload, self.config, received_s=self.clock())
            # any unit can change any ranking
            return self._refresh(list(self.incidents.values())) if self.state is not before else []
        return self.desk.disruption(payload) if isinstance(payload, TransitDisruption) else []

    def tick(self) -> list[OutRecord]:
        """The time-driven rules (escalation, expiry, watchdog) at the clock's now."""
        alerts = self.desk.tick(self.state.units.values())
        now = self.clock()
        self.state = forget_old(self.state, now, self.config)
        self._compare_all = True  # a net under the desk's bookkeeping of touched records, once per tick
        for incident_id in list(self.incidents):
            if self._over(incident_id):
                self._drop(incident_id)
                self._changed_incidents.add(incident_id)
                continue
            self._mark_proposed(incident_id, now)  # an escalation may have proposed the next unit
        return [alert_record(a) for a in alerts]

    def ack(self, alert_id: str, by: str, revision: int | None = None) -> list[OutRecord]:
        """An acknowledgement from a recipient of ``revision`` (None: the latest); unknown, finished or acknowledged
        alerts and a revision that is not the latest: none."""
        return [alert_record(a) for a in self.desk.ack(alert_id, by, revision=revision)]

    def act(self, message: AckMessage) -> list[OutRecord]:
        """A person's action on an alert (``acks.<domain>``): acknowledge, resolve, or note (changes nothing: the
        alert store records it)."""
        if message.action == "note":
            self.desk.note(message.alert_id)
            return []
        if message.action == "resolve":
            return [alert_record(a) for a in self.desk.resolve(message.alert_id, revision=message.revision)]
        return self.ack(message.alert_id, message.by, message.revision)

    def _over(self, incident_id: str) -> bool:
        """Whether the router is done with an open incident: its police alert expired or was cleared down (every
        open incident has one until then), or the police resolved theirs and the Ordnungsamt has no open alert
        left to keep proposing a unit in."""
        police = self.desk.record(alert_id(incident_id, "polizei"))
        if police is None or (not police.open and not police.resolved_by_recipient):
            return True
        if police.open:
            return False
        ordnungsamt = self.desk.record(alert_id(incident_id, "ordnungsamt"))
        return ordnungsamt is None or not ordnungsamt.open

    def _incident(self, incident: Incident, reported_s: float) -> list[Alert]:
        if incident.incident_id not in self.incidents and self.clock() - reported_s > self.desk.params.expire_after_s:
            # A report older than an alert would live (a replay or back-fill on the wall clock, a feed catching up):
            # nobody is sent to something that happened hours ago. A report of an open incident is still taken.
            return []
        self._changed_incidents.add(incident.incident_id)
        if incident.status in _CLOSED:
            self._drop(incident.incident_id)
            return self.desk.incident(incident, None)
        self._keep(incident)
        return self._alert(incident)

    def on_vehicle(self, vehicle: str) -> list[Incident]:
        """The open incidents naming ``vehicle``, in the order of ``incidents`` (what a scan of every open incident
        for ``incident.vehicle == vehicle`` finds, from the index)."""
        ids = self._on_vehicle.get(vehicle)
        if not ids:
            return []
        order = self._order
        return [self.incidents[i] for i in sorted(ids, key=order.__getitem__)]

    def _keep(self, incident: Incident) -> None:
        """Open or update ``incident`` in ``incidents`` and the index by vehicle."""
        incident_id = incident.incident_id
        held = self.incidents.get(incident_id)
        if held is None:
            self._opened += 1
            self._order[incident_id] = self._opened  # a dict keeps a new key last, an updated one where it was
        elif held.vehicle != incident.vehicle:
            self._unindex(held)
        self.incidents[incident_id] = incident
        if incident.vehicle is not None:
            self._on_vehicle.setdefault(incident.vehicle, set()).add(incident_id)

    def _drop(self, incident_id: str) -> None:
        held = self.incidents.pop(incident_id, None)
        if held is not None:
            self._unindex(held)
            del self._order[incident_id]

    def _unindex(self, incident: Incident) -> None:
        if incident.vehicle is None:
            return
        ids = self._on_vehicle.get(incident.vehicle)
        if ids is not None:
            ids.discard(incident.incident_id)
            if not ids:
                del self._on_vehicle[incident.vehicle]

    def _refresh(self, concerned: list[Incident]) -> list[Alert]:
        """Re-rank ``concerned`` after a report of a vehicle or unit (the incidents themselves are unchanged)."""
        out: list[Alert] = []
        for incident in concerned:
            out += self._alert(incident, refresh=True)
        return out

    def _alert(self, incident: Incident, *, refresh: bool = False) -> list[Alert]:
        now = self.clock()
        recommendation: Recommendation | None = None
        # Only real incidents move real units; exercises and tests are alerted without a proposal.
        if incident.mode == "actual":
            where, units = incident_view(self.state, incident, now, self.config)
            if where is not None:
                recommendation = recommend(where, units, now, self.intercept, screen=self._screen)
        alerts = self.desk.incident(incident, recommendation, refresh=refresh)
        self._mark_proposed(incident.incident_id, now)
        return alerts

    def _mark_proposed(self, incident_id: str, now: float) -> None:
        """Keep units the desk proposes out of other incidents' rankings (``recent_dispatch_s``)."""
        recipients: tuple[Recipient, ...] = ("polizei", "ordnungsamt")
        for recipient in recipients:
            record = self.desk.record(alert_id(incident_id, recipient))
            if record is None or record.proposed is None or record.proposed.unit_id not in self.state.units:
                continue
            entry = self.state.units[record.proposed.unit_id]
            if entry.last_dispatched_at_s is None or entry.last_dispatched_at_s < record.proposed_since_s:
                self.state = mark_dispatched(self.state, entry.unit, now)


def alert_record(alert: Alert) -> OutRecord:
    """The CloudEvent of one alert revision for ``alerts.<recipient>``, keyed by alert id (revisions in order)."""
    event = wrap(
        alert,
        source=ROUTER_SOURCE,
        source_record_id=f"{alert.alert_id}.r{alert.revision}",
        time=alert.issued_at,
        subject=alert.alert_id,
        recipient=alert.recipient,
    )
    return OutRecord(f"alerts.{alert.recipient}", alert.alert_id.encode(), event.to_bytes(), None)
