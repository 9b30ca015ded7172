"""The router stage: canon.incident, vehicle-position, trip-update, unit-status and transit-disruption in, and the
recipients' acknowledgements from ``acks.<domain>``; ``Alert`` CloudEvents out to ``alerts.<domain>``.
``RouterCore`` is the whole logic without faust; ``router_stage`` is the shell.

Live state lives in memory per worker (no faust tables yet): run one router worker, see docs/router.md.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from hub.config import Settings
from hub.errors import InvalidEventError
from hub.metrics import StageMetrics
from hub.network.tram import TramNetwork, load_tram_network
from hub.privacy.pseudonym import pseudonymise
from hub.router.alerts import AlertDesk, AlertParams, Recipient, alert_id
from hub.router.intercept import DEFAULT_PARAMS, recommend
from hub.router.live import (
    LiveConfig,
    LiveState,
    apply_trip_update,
    apply_unit_status,
    apply_vehicle_position,
    incident_view,
    mark_dispatched,
)
from hub.router.model import InterceptParams, Recommendation
from hub.schemas import CloudEvent, unwrap, wrap
from hub.schemas.alert import Alert
from hub.schemas.common import HubModel, NonEmptyStr, Timestamp
from hub.schemas.incident import Incident
from hub.schemas.transit import TransitDisruption, TripUpdate, VehiclePosition
from hub.schemas.units import UnitStatus
from hub.streams.pseudonymise import stage_keys, stage_policy
from hub.streams.stages import OutRecord, StageShell
from hub.topology import ALERT_DOMAINS, acks_topic, canon_topic

__all__ = [
    "ACK_INPUTS",
    "ROUTER_INPUTS",
    "ROUTER_SOURCE",
    "TICK_INTERVAL_S",
    "AckMessage",
    "EventClock",
    "RouterCore",
    "parse_ack",
    "router_stage",
]

ROUTER_SOURCE = "/hub/router"
ROUTER_INPUTS = tuple(
    canon_topic(kind) for kind in ("incident", "vehicle-position", "trip-update", "unit-status", "transit-disruption")
)
ACK_INPUTS = tuple(acks_topic(domain) for domain in ALERT_DOMAINS)
TICK_INTERVAL_S = 5.0  # escalation and watchdog times are minutes; five seconds late is within their precision

_CLOSED = frozenset({"closed", "cancelled"})
_INPUT_TYPES = (Incident, VehiclePosition, TripUpdate, UnitStatus, TransitDisruption)


class AckMessage(HubModel):
    """An acknowledgement on ``acks.<domain>``: ``by`` (a person or role of the domain) acknowledged the alert
    ``alert_id`` at ``at``. Keyed by alert id. Example: ``{"alert_id": "al-polizei-...", "by": "ELS Halle",
    "at": "2026-11-20T21:50:12+01:00"}``."""

    alert_id: NonEmptyStr
    by: NonEmptyStr
    at: Timestamp


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
        raw = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEventError(f"acknowledgement is not JSON: {exc}", "malformed_json") from exc
    if not isinstance(raw, dict):
        raise InvalidEventError("acknowledgement is not a JSON object", "malformed_json")
    try:
        ack = AckMessage.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in exc.errors())
        raise InvalidEventError(f"acknowledgement: {problems}", "schema_violation") from exc
    if not ack.alert_id.startswith(f"al-{domain}-"):
        raise InvalidEventError(f"{topic} acknowledges only alerts of {domain}, not {ack.alert_id!r}", "unsupported")
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

    def process(self, topic: str, value: bytes) -> list[OutRecord]:
        """One canonical event or acknowledgement from ``topic`` (declared name); ``InvalidEventError`` when it
        cannot be read."""
        if topic in ACK_INPUTS:
            message = parse_ack(topic, value)
            return self.ack(message.alert_id, message.by)
        try:
            event = CloudEvent.from_bytes(value)
        except Exception as exc:
            raise InvalidEventError(f"not a canonical CloudEvent: {exc}", "undecodable") from exc
        payload = unwrap(event)
        if not isinstance(payload, _INPUT_TYPES):
            raise InvalidEventError(f"{topic}: the router does not take {type(payload).__name__}", "unsupported")
        if isinstance(self.clock, EventClock):  # only events the router takes move its clock
            self.clock.observe(event.time.timestamp())
        alerts: list[Alert] = []
        if isinstance(payload, Incident):
            alerts = self._incident(payload)
        elif isinstance(payload, VehiclePosition):
            self.state = apply_vehicle_position(self.state, payload, self.config)
            alerts = self._refresh(lambda i: i.vehicle == payload.vehicle)
        elif isinstance(payload, TripUpdate):
            self.state = apply_trip_update(self.state, payload, self.config)
            alerts = self._refresh(lambda i: payload.vehicle is not None and i.vehicle == payload.vehicle)
        elif isinstance(payload, UnitStatus):
            self.state = apply_unit_status(self.state, payload, self.config)
            alerts = self._refresh(lambda i: True)  # any unit can change any ranking
        else:
            alerts = self.desk.disruption(payload)
        return [alert_record(a) for a in alerts]

    def tick(self) -> list[OutRecord]:
        """The time-driven rules (escalation, expiry, watchdog) at the clock's now."""
        alerts = self.desk.tick(self.state.units.values())
        now = self.clock()
        for incident_id in self.incidents:  # an escalation may have proposed the next unit
            self._mark_proposed(incident_id, now)
        return [alert_record(a) for a in alerts]

    def ack(self, alert_id: str, by: str) -> list[OutRecord]:
        """An acknowledgement from a recipient (``acks.<domain>``); unknown, finished or acknowledged alerts: none."""
        return [alert_record(a) for a in self.desk.ack(alert_id, by)]

    def _incident(self, incident: Incident) -> list[Alert]:
        if incident.status in _CLOSED:
            self.incidents.pop(incident.incident_id, None)
            return self.desk.incident(incident, None)
        self.incidents[incident.incident_id] = incident
        return self._alert(incident)

    def _refresh(self, concerned: Callable[[Incident], bool]) -> list[Alert]:
        out: list[Alert] = []
        for incident in list(self.incidents.values()):
            if concerned(incident):
                out += self._alert(incident)
        return out

    def _alert(self, incident: Incident) -> list[Alert]:
        now = self.clock()
        recommendation: Recommendation | None = None
        # Only real incidents move real units; exercises and tests are alerted without a proposal.
        if incident.mode == "actual":
            where, units = incident_view(self.state, incident, now, self.config)
            if where is not None:
                recommendation = recommend(where, list(units), now, self.intercept)
        alerts = self.desk.incident(incident, recommendation)
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


def _havag_reference(settings: Settings) -> Callable[[str], str]:
    """HAVAG's reference token: the incident id pseudonymised under the HAVAG domain's key."""
    key = stage_keys(settings, stage_policy(settings), os.environ).for_domain("havag").active
    return lambda incident_id: pseudonymise(incident_id, key)


def router_stage(settings: Settings, metrics: StageMetrics) -> StageShell:
    """canon.{incident,vehicle-position,trip-update,unit-status,transit-disruption} and acks.<domain> ->
    alerts.<domain>; bad records -> dlq.router. Escalation, expiry and the watchdog run on a timer."""
    clock: Callable[[], float] = EventClock() if settings.router_clock == "event" else time.time
    core = RouterCore(network=load_tram_network(), clock=clock, reference=_havag_reference(settings))
    shell = StageShell(settings, "router", metrics)

    async def route(stream: Any) -> None:
        async for events in shell.batches(stream):
            out: list[OutRecord] = []
            produced = 0
            for event in events:
                message = event.message
                try:
                    records = core.process(shell.declared(message.topic), message.value or b"")
                except InvalidEventError as exc:
                    out.append(shell.dead(exc.code, exc.reason, message))
                    continue
                except Exception as exc:  # a bug in the router must not stop the worker
                    shell.log.exception("router failed", topic=message.topic, offset=message.offset)
                    out.append(shell.dead("processing_error", f"{type(exc).__name__}: {exc}", message))
                    continue
                produced += len(records)
                out += records
            await shell.send_all(out)
            metrics.events_out.labels(shell.stage).inc(produced)

    async def tick() -> None:
        records = core.tick()
        if records:
            await shell.send_all(records)
            metrics.events_out.labels(shell.stage).inc(len(records))

    shell.app.agent(shell.topics([*ROUTER_INPUTS, *ACK_INPUTS]), name="router")(route)
    shell.app.timer(interval=TICK_INTERVAL_S)(tick)
    return shell
