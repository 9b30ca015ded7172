"""The alert lifecycle: one alert per incident per recipient domain, revised as the incident, the vehicle and the
units move; acknowledgement, escalation, expiry, HAVAG grouping and inhibition, and the 3Z/4Z watchdog.

Pure and deterministic: no IO, the clock is injected. ``AlertDesk`` takes events and returns the ``Alert`` revisions
to send; docs/router.md has the state diagram, what each recipient sees, and the parameters.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal

from hub.router.live import ON_INCIDENT_STATUSES, UnitStateEntry
from hub.router.model import Meeting, Recommendation
from hub.schemas.alert import Alert, AlertEscalation, ClearReason, HoldRequest
from hub.schemas.codes import top_level
from hub.schemas.incident import Incident
from hub.schemas.transit import TransitDisruption

__all__ = [
    "RECIPIENTS",
    "AlertDesk",
    "AlertParams",
    "AlertRecord",
    "DeskContents",
    "Escalation",
    "Recipient",
    "alert_id",
]

Recipient = Literal["polizei", "ordnungsamt", "havag"]
RECIPIENTS: tuple[Recipient, ...] = ("polizei", "ordnungsamt", "havag")
AlertKind = Literal["incident", "watchdog"]

#: ``next_unit``: the proposal moved on to the next runner-up; ``supervisor``: no unit left to propose, the
#: recipient's supervisor role is asked; ``havag_unanswered``: HAVAG did not acknowledge a hold request, the police
#: alert says so (the police then phone the HAVAG control room, as before the M.App). The same values as the
#: alert's ``escalation`` field.
Escalation = AlertEscalation

_CLOSED = frozenset({"closed", "cancelled"})
_FINAL = frozenset({"resolved", "expired"})
# Fields that change every second without changing what a recipient does: compared with a tolerance.
_TIMES = ("unit_eta", "vehicle_eta")
_IGNORED_IN_COMPARISON = frozenset({"revision", "issued_at"})
_TOMBSTONE_S = 7 * 86_400.0  # the retention of the alerts.<domain> topics (hub.topology)


def _default_watchdog() -> Mapping[int, float]:
    return MappingProxyType({3: 900.0, 4: 1800.0})


def _default_supervisors() -> Mapping[str, str]:
    # ASSUMPTION (docs/router.md): the shift leader of the police control room and of the Ordnungsamt's; the
    # control rooms name the real roles.
    return MappingProxyType({"polizei": "Dienstgruppenleiter", "ordnungsamt": "Schichtleitung Ordnungsamt"})


@dataclass(frozen=True, slots=True)
class AlertParams:
    """Settings of the lifecycle; defaults and their reasons are in docs/router.md."""

    escalate_after_s: float = 90.0  # no acknowledgement this long after a proposal: escalate
    unit_escalations: int = 2  # runners-up proposed in turn before the supervisor is asked
    expire_after_s: float = 3600.0  # no update this long: expired
    group_window_s: float = 300.0  # HAVAG alerts on one line within this time reach the dispatcher as one
    time_tolerance_s: float = 60.0  # an ETA or hold that moves less than this is not a visible change
    watchdog_s: Mapping[int, float] = field(default_factory=_default_watchdog)  # status digit -> allowed silence
    runners_up_shown: int = 3
    havag_stop_priority: int = 2  # incidents at a stop, with no vehicle or line: HAVAG hears of priority 1..this
    retain_finished_s: float = 3600.0  # a resolved or expired alert is forgotten this long after it finished
    # recipient -> the role asked when an alert is escalated to the supervisor (the alert's ``escalated_to``)
    supervisor_roles: Mapping[str, str] = field(default_factory=_default_supervisors)

    def __post_init__(self) -> None:
        if min(self.escalate_after_s, self.expire_after_s, self.group_window_s) <= 0:
            raise ValueError("escalation, expiry and grouping times must be positive")
        if self.unit_escalations < 0 or self.time_tolerance_s < 0 or self.runners_up_shown < 0:
            raise ValueError("escalation count, time tolerance and runners-up must not be negative")
        if any(s <= 0 for s in self.watchdog_s.values()):
            raise ValueError("watchdog times must be positive")
        if any(not role.strip() for role in self.supervisor_roles.values()):
            raise ValueError("supervisor roles must not be empty")

    def supervisor(self, recipient: str) -> str:
        """The role asked when ``recipient``'s alert is escalated to the supervisor."""
        return self.supervisor_roles.get(recipient) or "supervisor"


def alert_id(key: str, recipient: Recipient, kind: AlertKind = "incident") -> str:
    """The stable id of the alert about ``key`` (an incident id; HAVAG: its reference token) for ``recipient``."""
    digest = hashlib.sha256(f"{kind}\x1f{recipient}\x1f{key}".encode()).hexdigest()[:24]
    return f"al-{recipient}-{digest}"


@dataclass(slots=True)
class _Member:
    """One incident inside an alert (HAVAG groups hold several; the others exactly one)."""

    incident: Incident
    recommendation: Recommendation | None
    closed: bool = False


@dataclass(slots=True)
class AlertRecord:
    """What the desk remembers about one alert. Read it through ``AlertDesk.record``; do not change it."""

    alert_id: str
    recipient: Recipient
    kind: AlertKind
    members: dict[str, _Member]  # by incident id, in arrival order; the first open one leads
    line: str | None
    created_s: float
    last_input_s: float
    alert: Alert | None = None  # the last revision sent
    state: Literal["new", "acknowledged", "resolved", "expired"] = "new"
    acknowledged_by: str | None = None
    proposed: Meeting | None = None  # the unit proposed now; sticky until acknowledged or escalated
    proposed_since_s: float = 0.0
    tried: list[str] = field(default_factory=list)  # units proposed so far, in order
    escalation: Escalation = "none"
    escalation_level: int = 0  # escalation steps taken (each runner-up, then the supervisor)
    havag_unanswered: bool = False  # polizei alerts: HAVAG has not acknowledged its hold request
    silent: dict[str, str] = field(default_factory=dict)  # watchdog: unit -> its warning line
    finished_s: float | None = None  # when it was resolved or expired

    @property
    def open(self) -> bool:
        return self.state not in _FINAL


@dataclass(slots=True)
class DeskContents:
    """Everything an ``AlertDesk`` remembers, for saving it and for another desk to take over (``restore``)."""

    records: dict[str, AlertRecord]
    disrupted: dict[str, frozenset[str]]  # open disruption id -> lines
    tokens: dict[str, str]  # incident id -> HAVAG reference token
    tombstones: dict[str, tuple[int, float]]  # forgotten alert id -> (last revision, when)
    inhibited: set[str]  # incidents whose HAVAG alert an open disruption suppressed


class AlertDesk:
    """Turns incidents, recommendations, acknowledgements, disruptions and clock ticks into alert revisions.

    ``clock`` gives POSIX seconds. ``reference`` makes HAVAG's reference token from an incident id: pass the
    HAVAG domain's keyed pseudonymiser (``hub.privacy.pseudonym.pseudonymise``), so the token links nothing
    outside that domain.
    """

    def __init__(
        self, *, clock: Callable[[], float], reference: Callable[[str], str], params: AlertParams | None = None
    ) -> None:
        self.clock = clock
        self.reference = reference
        self.params = params or AlertParams()
        self._records: dict[str, AlertRecord] = {}
        self._by_incident: dict[tuple[str, Recipient], str] = {}  # (incident id, recipient) -> alert id
        self._disrupted: dict[str, frozenset[str]] = {}  # open disruption id -> lines
        self._tokens: dict[str, str] = {}  # incident id -> HAVAG reference token, fixed for the alert's life
        self._tombstones: dict[str, tuple[int, float]] = {}  # forgotten alert id -> (last revision, when)
        self.inhibited: set[str] = set()  # incidents whose HAVAG alert an open disruption suppressed
        self.touched: set[str] = set()  # alert ids whose record may have changed or was forgotten, for the saver

    # --- saving and taking over ------------------------------------------------------------------------------

    def contents(self) -> DeskContents:
        """What the desk remembers now (its own containers, not copies: read them, do not change them)."""
        return DeskContents(self._records, self._disrupted, self._tokens, self._tombstones, self.inhibited)

    def restore(self, contents: DeskContents) -> None:
        """Take over what another desk remembered (``contents``), as a restarted router worker does."""
        # In creation order, as the desk that made them held them (ties: by id; the order only decides which of
        # several alerts of one tick is sent first).
        self._records = dict(sorted(contents.records.items(), key=lambda item: (item[1].created_s, item[0])))
        self._disrupted = dict(contents.disrupted)
        self._tokens = dict(contents.tokens)
        self._tombstones = dict(contents.tombstones)
        self.inhibited = set(contents.inhibited)
        self._by_incident = {
            (iid, record.recipient): aid
            for aid, record in self._records.items()
            if record.kind == "incident"  # a watchdog alert is found by its own id, never by incident
            for iid in record.members
        }
        self.touched = set()

    # --- reading -------------------------------------------------------------------------------------------

    def record(self, alert_id_: str) -> AlertRecord | None:
        """The desk's record of one alert, or None."""
        return self._records.get(alert_id_)

    def alert_for(self, incident_id: str, recipient: Recipient) -> Alert | None:
        """The last revision sent to ``recipient`` about ``incident_id`` (HAVAG: the group alert holding it)."""
        found = self._by_incident.get((incident_id, recipient))
        record = self._records.get(found) if found is not None else None
        return record.alert if record is not None else None

    @property
    def disrupted_lines(self) -> frozenset[str]:
        """Lines covered by an open disruption now."""
        return frozenset().union(*self._disrupted.values()) if self._disrupted else frozenset()

    # --- events ----------------------------------------------------------------------------------------------

    def incident(self, incident: Incident, recommendation: Recommendation | None = None) -> list[Alert]:
        """A new or updated incident, with the router's current recommendation for it (None: none yet)."""
        now = self.clock()
        out: list[Alert] = []
        iid = incident.incident_id
        closing = incident.status in _CLOSED
        if closing:
            self.inhibited.discard(iid)
        for recipient in ("polizei", "ordnungsamt"):
            record = self._incident_record(iid, recipient, incident, recommendation, now, create=not closing)
            if record is not None:
                self._update_member(record, incident, recommendation, now)
                out += self._emit(record, now)
        if _concerns_transit(incident, self.params.havag_stop_priority):
            out += self._havag_incident(incident, recommendation, now, closing)
        return out

    def ack(self, alert_id_: str, by: str, at: float | None = None) -> list[Alert]:
        """``by`` acknowledged the alert (a person or role of the recipient): escalation stops. Unknown or
        finished alerts are ignored, and so is a second acknowledgement."""
        record = self._records.get(alert_id_)
        if record is None or record.state != "new":
            return []
        now = self.clock() if at is None else at
        record.state = "acknowledged"
        record.acknowledged_by = by
        record.last_input_s = now
        out = self._emit(record, now)
        if record.recipient == "havag":
            for iid in record.members:
                out += self._set_havag_unanswered(iid, False, now)
        return out

    def disruption(self, disruption: TransitDisruption) -> list[Alert]:
        """Track which lines an open disruption covers (inhibits new per-vehicle HAVAG alerts); sends nothing:
        the disruption reaches HAVAG from its own system."""
        if disruption.status in _CLOSED:
            self._disrupted.pop(disruption.disruption_id, None)
        else:
            self._disrupted[disruption.disruption_id] = frozenset(disruption.lines)
        return []

    def tick(self, units: Iterable[UnitStateEntry] = ()) -> list[Alert]:
        """Time-driven rules: escalation of unacknowledged alerts, expiry, and the watchdog over ``units``."""
        now = self.clock()
        out: list[Alert] = []
        self._forget(now)
        for record in list(self._records.values()):
            if not record.open:
                continue
            if now - record.last_input_s >= self.params.expire_after_s:
                record.state = "expired"
                record.finished_s = now
                out += self._emit(record, now)
            elif (
                record.kind == "incident"  # a watchdog warning is itself the escalation
                and record.state == "new"
                and now - record.proposed_since_s >= self.params.escalate_after_s
            ):
                out += self._escalate(record, now)
        out += self._watchdog(units, now)
        return out

    def _token(self, incident_id: str) -> str:
        # Made once: a key rotation while the incident is open must not change its token or HAVAG alert id.
        token = self._tokens.get(incident_id)
        if token is None:
            token = self._tokens[incident_id] = self.reference(incident_id)
        return token

    def _forget(self, now: float) -> None:
        """Drop alerts finished longer than ``retain_finished_s`` ago, so memory stays bounded. Their last revision
        is remembered for as long as the alert topics keep records, so a reopened alert never repeats a revision."""
        self._tombstones = {aid: (rev, t) for aid, (rev, t) in self._tombstones.items() if now - t < _TOMBSTONE_S}
        gone = {
            aid
            for aid, r in self._records.items()
            if r.finished_s is not None and now - r.finished_s >= self.params.retain_finished_s
        }
        if gone:
            for aid in gone:
                self.touched.add(aid)
                record = self._records.pop(aid)
                if record.recipient == "havag":
                    for iid in record.members:
                        self._tokens.pop(iid, None)
                last = record.alert
                if last is not None:
                    self._tombstones[aid] = (last.revision, now)
            self._by_incident = {k: v for k, v in self._by_incident.items() if v not in gone}

    # --- incident alerts -----------------------------------------------------------------------------------

    def _incident_record(
        self,
        iid: str,
        recipient: Recipient,
        incident: Incident,
        recommendation: Recommendation | None,
        now: float,
        *,
        create: bool,
    ) -> AlertRecord | None:
        found = self._by_incident.get((iid, recipient))
        if found is not None:
            return self._records[found]
        if not create:
            return None
        # The Ordnungsamt hears about an incident only when one of its own units is in the running.
        if recipient == "ordnungsamt" and not self._candidates(recipient, recommendation):
            return None
        aid = alert_id(iid, recipient)
        record = AlertRecord(aid, recipient, "incident", {}, incident.line, now, now, proposed_since_s=now)
        self._records[aid] = record
        self._by_incident[(iid, recipient)] = aid
        return record

    def _update_member(
        self, record: AlertRecord, incident: Incident, recommendation: Recommendation | None, now: float
    ) -> None:
        member = record.members.get(incident.incident_id)
        if member is None:
            member = record.members[incident.incident_id] = _Member(incident, recommendation)
        member.incident = incident
        if recommendation is not None:
            member.recommendation = recommendation
        member.closed = incident.status in _CLOSED
        record.last_input_s = now
        if record.state == "expired" and not member.closed:
            record.state = "new"  # the incident outlived its alert's silence: it needs attention again
            record.proposed_since_s = now
            record.finished_s = None
        if record.recipient != "havag":
            self._refresh_proposal(record, member.recommendation, now)
        if record.open and all(m.closed for m in record.members.values()):
            record.state = "resolved"
            record.finished_s = now

    def _candidates(self, recipient: Recipient, recommendation: Recommendation | None) -> tuple[Meeting, ...]:
        if recommendation is None:
            return ()
        if recipient == "ordnungsamt":  # the Ordnungsamt sees its own units only
            return tuple(m for m in recommendation.ranked if m.agency == "ordnungsamt")
        return recommendation.ranked

    def _refresh_proposal(self, record: AlertRecord, recommendation: Recommendation | None, now: float) -> None:
        candidates = self._candidates(record.recipient, recommendation)
        if record.proposed is None:
            if record.state != "new":
                return
            fresh = [m for m in candidates if m.unit_id not in record.tried]
            if fresh:
                record.proposed = fresh[0]
                record.tried.append(fresh[0].unit_id)
                record.proposed_since_s = now
            return
        if record.state != "new":
            return  # acknowledged: the plan being carried out stays as it was accepted
        # The proposed unit drops out of later rankings once the hub marks it dispatched; keep its last meeting.
        same = next((m for m in candidates if m.unit_id == record.proposed.unit_id), None)
        if same is not None:
            record.proposed = same

    def _escalate(self, record: AlertRecord, now: float) -> list[Alert]:
        record.proposed_since_s = now  # the next step waits a full period again
        if record.recipient == "havag":
            out: list[Alert] = []
            if record.escalation == "none" and _havag_hold(record) is not None:
                record.escalation = "havag_unanswered"
                for iid, each in record.members.items():
                    if not each.closed:
                        out += self._set_havag_unanswered(iid, True, now)
            return out
        if record.escalation == "supervisor":
            return []
        member = _lead(record)
        candidates = self._candidates(record.recipient, member.recommendation if member else None)
        fresh = [m for m in candidates if m.unit_id not in record.tried]
        if fresh and len(record.tried) <= self.params.unit_escalations:
            record.proposed = fresh[0]
            record.tried.append(fresh[0].unit_id)
            record.escalation = "next_unit"
        else:
            record.escalation = "supervisor"
        record.escalation_level += 1
        sent = self._emit(record, now)
        if sent and record.recipient == "polizei":  # HAVAG's hold and police ETA follow the police proposal
            for iid in record.members:
                sent += self._havag_follow(iid, now)
        return sent

    def _havag_follow(self, iid: str, now: float) -> list[Alert]:
        found = self._by_incident.get((iid, "havag"))
        record = self._records.get(found) if found is not None else None
        return self._emit(record, now) if record is not None and record.open else []

    def _set_havag_unanswered(self, iid: str, value: bool, now: float) -> list[Alert]:
        found = self._by_incident.get((iid, "polizei"))
        record = self._records.get(found) if found is not None else None
        if record is None or not record.open or record.havag_unanswered == value:
            return []
        record.havag_unanswered = value
        return self._emit(record, now)

    # --- HAVAG: grouping and inhibition ----------------------------------------------------------------------

    def _havag_incident(
        self, incident: Incident, recommendation: Recommendation | None, now: float, closing: bool
    ) -> list[Alert]:
        iid = incident.incident_id
        found = self._by_incident.get((iid, "havag"))
        if found is None:
            if closing:
                return []
            if incident.vehicle is not None and incident.line is not None and incident.line in self.disrupted_lines:
                self.inhibited.add(iid)  # HAVAG already handles this line as a disruption
                return []
            self.inhibited.discard(iid)
            group = self._open_group(incident.line, incident.mode, now)
            if group is None:
                aid = alert_id(self._token(iid), "havag")
                group = AlertRecord(aid, "havag", "incident", {}, incident.line, now, now, proposed_since_s=now)
                self._records[aid] = group
            elif group.state == "acknowledged":
                group.state = "new"  # a new incident in the group needs the dispatcher's eyes again
                group.proposed_since_s = now
                group.escalation = "none"
            self._by_incident[(iid, "havag")] = group.alert_id
        else:
            group = self._records[found]
        self._update_member(group, incident, recommendation, now)
        return self._emit(group, now)

    def _open_group(self, line: str | None, mode: str, now: float) -> AlertRecord | None:
        if line is None:
            return None
        for record in self._records.values():
            if (
                record.recipient == "havag"
                and record.kind == "incident"
                and record.open
                and record.line == line
                and now - record.created_s <= self.params.group_window_s
                and all(m.incident.mode == mode for m in record.members.values())  # never an exercise in a real one
            ):
                return record
        return None

    # --- watchdog ------------------------------------------------------------------------------------------

    def _watchdog(self, units: Iterable[UnitStateEntry], now: float) -> list[Alert]:
        flagged: dict[str, dict[str, str]] = {}  # watchdog alert id -> unit -> line
        owners: dict[str, tuple[str, Recipient]] = {}
        for unit in units:
            limit = self.params.watchdog_s.get(unit.status_code)
            if limit is None or unit.status_code not in ON_INCIDENT_STATUSES or unit.incident_ref is None:
                continue
            if unit.agency not in ("polizei", "ordnungsamt"):
                continue
            recipient: Recipient = "polizei" if unit.agency == "polizei" else "ordnungsamt"
            silent = now - unit.last_heard_s
            if silent > limit:
                aid = alert_id(unit.incident_ref, recipient, "watchdog")
                owners[aid] = (unit.incident_ref, recipient)
                flagged.setdefault(aid, {})[unit.unit] = (
                    f"{unit.status_code}Z: unit {unit.unit} in status {unit.status_code} silent since "
                    f"{_hhmm(unit.last_heard_s)} (limit {limit / 60:.0f} min)"
                )
        out: list[Alert] = []
        for aid, (iid, recipient) in owners.items():
            record = self._records.get(aid)
            if record is not None and not record.open:  # silent again after an all-clear: the same alert reopens
                record.state, record.finished_s, record.acknowledged_by = "new", None, None
            if record is None:
                record = AlertRecord(aid, recipient, "watchdog", {}, None, now, now, proposed_since_s=now)
                incident_alert = self.alert_for(iid, recipient)
                record.members[iid] = _Member(_placeholder(iid, incident_alert), None)
                self._records[aid] = record
            record.silent = flagged[aid]
            record.last_input_s = now
            out += self._emit(record, now)
        for record in self._records.values():  # units heard again, or no longer on the incident: all clear
            if record.kind == "watchdog" and record.open and record.alert_id not in flagged:
                record.silent = {}
                record.state = "resolved"
                record.finished_s = now
                out += self._emit(record, now)
        return out

    # --- rendering -------------------------------------------------------------------------------------------

    def _emit(self, record: AlertRecord, now: float) -> list[Alert]:
        """The next revision when something the recipient sees changed, else nothing."""
        self.touched.add(record.alert_id)  # every change to a record ends in here
        fields = self._view(record)
        previous = record.alert
        if previous is not None:
            _stabilise(fields, previous, self.params.time_tolerance_s)
            old = previous.model_dump(exclude=set(_IGNORED_IN_COMPARISON))
            if old == Alert.model_validate({**fields, "revision": 1, "issued_at": _dt(now)}).model_dump(
                exclude=set(_IGNORED_IN_COMPARISON)
            ):
                return []
        if previous is not None:
            revision = previous.revision + 1
        else:
            revision = self._tombstones.pop(record.alert_id, (0, 0.0))[0] + 1
        record.alert = Alert.model_validate({**fields, "revision": revision, "issued_at": _dt(now)})
        return [record.alert]

    def _view(self, record: AlertRecord) -> dict[str, Any]:
        member = _lead(record)
        assert member is not None  # every record has a member from its creation on
        incident = member.incident
        priority = incident.priority
        if record.escalation == "supervisor" or record.havag_unanswered:
            priority = 1
        clear_reason = _clear_reason(record)
        view: dict[str, Any] = {
            "alert_id": record.alert_id,
            "incident_id": incident.incident_id,
            "recipient": record.recipient,
            "state": record.state,
            "category": top_level(incident.type_code),
            "priority": priority,
            "mode": incident.mode,
            "acknowledged_by": record.acknowledged_by,
            "clear_reason": clear_reason,
            "cleared_at": _dt(record.finished_s)
            if clear_reason is not None and record.finished_s is not None
            else None,
        }
        mode_note = [f"{incident.mode.upper()}: not a real incident"] if incident.mode != "actual" else []
        if record.kind == "watchdog":
            silent = [record.silent[u] for u in sorted(record.silent)]
            view["instructions"] = "; ".join(mode_note + (silent or ["all units heard"]))
            return view
        if record.recipient == "havag":
            return self._havag_view(record, view, mode_note)
        view.update(vehicle=incident.vehicle, line=incident.line, stop_dhid=incident.stop_dhid)
        view.update(
            escalation=record.escalation
            if record.escalation != "none"
            else ("havag_unanswered" if record.havag_unanswered else "none"),
            escalated_to=self.params.supervisor(record.recipient) if record.escalation == "supervisor" else None,
            escalation_level=record.escalation_level,
            havag_unanswered=record.havag_unanswered,
        )
        notes: list[str] = list(mode_note)
        proposed = record.proposed
        if proposed is not None:
            view.update(_meeting_fields(proposed))
            view["recommended_unit"] = proposed.unit_id
            others = [
                m.unit_id
                for m in self._candidates(record.recipient, member.recommendation)
                if m.unit_id not in record.tried
            ][: self.params.runners_up_shown]
            if others and record.state == "new":
                notes.append("runners-up: " + ", ".join(others))
        elif record.open:
            notes.append("no available unit")
        if record.escalation == "next_unit":
            notes.append(f"escalated: not acknowledged, next unit proposed (tried {', '.join(record.tried)})")
        elif record.escalation == "supervisor":
            notes.append(
                f"escalated to the supervisor ({view['escalated_to']}): not acknowledged and no further unit to propose"
            )
        if record.havag_unanswered:
            notes.append("HAVAG has not acknowledged the hold request: phone the HAVAG control room")
        notes += _clear_note(clear_reason, self.params.expire_after_s)
        view["instructions"] = "; ".join(notes) or None
        return view

    def _havag_view(self, record: AlertRecord, view: dict[str, Any], mode_note: list[str]) -> dict[str, Any]:
        """HAVAG's view: coarse category, vehicle, line, stop, the hold, the police ETA, a reference token, the
        clear-down. Never the caller, a description, an assessment, or a unit call sign."""
        member = _lead(record)
        assert member is not None
        incident = member.incident
        view["incident_id"] = self._token(incident.incident_id)
        view.update(vehicle=incident.vehicle, line=incident.line, stop_dhid=incident.stop_dhid)
        police = self._police_proposal(incident.incident_id)
        if police is not None:
            fields = _meeting_fields(police)
            view.update(fields)
        notes: list[str] = list(mode_note)
        open_members = [(iid, m) for iid, m in record.members.items() if not m.closed]
        if len(open_members) > 1:
            refs = [
                f"{self._token(iid)} (vehicle {m.incident.vehicle or '-'}"
                + (f", hold at {h.stop_dhid} up to {h.max_hold_s} s" if (h := self._member_hold(iid)) else "")
                + ")"
                for iid, m in open_members
            ]
            notes.append(f"{len(open_members)} incidents on line {record.line}: " + "; ".join(refs))
        if view["clear_reason"] == "incident_cancelled":
            notes.append("clear-down: incident cancelled, normal operation")
        elif record.state == "resolved":
            notes.append("clear-down: incident over, normal operation")
        elif record.state == "expired":
            notes += _clear_note("expired", self.params.expire_after_s)
        view["instructions"] = "; ".join(notes) or None
        return view

    def _police_proposal(self, iid: str) -> Meeting | None:
        found = self._by_incident.get((iid, "polizei"))
        record = self._records.get(found) if found is not None else None
        return record.proposed if record is not None else None

    def _member_hold(self, iid: str) -> HoldRequest | None:
        meeting = self._police_proposal(iid)
        return _hold(meeting) if meeting is not None else None


# --- helpers -------------------------------------------------------------------------------------------------


def _concerns_transit(incident: Incident, stop_priority: int) -> bool:
    """Whether HAVAG hears of the incident: on a vehicle or a line, or a serious one at a stop (few alerts)."""
    if incident.vehicle is not None or incident.line is not None:
        return True
    return incident.stop_dhid is not None and incident.priority <= stop_priority


def _clear_reason(record: AlertRecord) -> ClearReason | None:
    """Why a finished alert was cleared down; None while it is open."""
    if record.state == "expired":
        return "expired"
    if record.state != "resolved":
        return None
    if record.kind == "watchdog":
        return "units_heard"
    # A HAVAG group is cancelled only when every incident in it was; one closed incident makes it closed.
    if record.members and all(m.incident.status == "cancelled" for m in record.members.values()):
        return "incident_cancelled"
    return "incident_closed"


def _clear_note(reason: ClearReason | None, expire_after_s: float) -> list[str]:
    if reason == "incident_closed":
        return ["cleared: incident closed"]
    if reason == "incident_cancelled":
        return ["cleared: incident cancelled"]
    if reason == "expired":
        return [f"expired: no update for {expire_after_s / 60:.0f} min"]
    return []


def _lead(record: AlertRecord) -> _Member | None:
    members = list(record.members.values())
    for member in members:
        if not member.closed:
            return member
    return members[-1] if members else None


def _havag_hold(record: AlertRecord) -> HoldRequest | None:
    return record.alert.hold_request if record.alert is not None else None


def _hold(meeting: Meeting) -> HoldRequest | None:
    if meeting.kind != "stop" or meeting.stop is None or meeting.hold_s <= 0:
        return None
    return HoldRequest(action="hold_at_stop", stop_dhid=meeting.stop.stop_id, max_hold_s=math.ceil(meeting.hold_s))


def _meeting_fields(meeting: Meeting) -> dict[str, Any]:
    return {
        "intercept_stop_dhid": meeting.stop.stop_id if meeting.stop is not None else None,
        "unit_eta": _dt(meeting.unit_eta_s),
        "vehicle_eta": _dt(meeting.vehicle_eta_s) if meeting.vehicle_eta_s is not None else None,
        "hold_request": _hold(meeting),
    }


def _stabilise(fields: dict[str, Any], previous: Alert, tolerance_s: float) -> None:
    """Keep the previous ETAs and hold when they moved less than the tolerance, at the same stop and unit: a
    revision every few seconds would bury the one night dispatcher."""
    if fields.get("intercept_stop_dhid") != previous.intercept_stop_dhid:
        return
    if fields.get("recommended_unit") != previous.recommended_unit:
        return
    for name in _TIMES:
        new, old = fields.get(name), getattr(previous, name)
        if new is not None and old is not None and abs((new - old).total_seconds()) < tolerance_s:
            fields[name] = old
    # The runners-up are a hint at creation: their order reshuffles with every unit report, and a revision for
    # that alone paged the control room several times a minute (seen in the simulation).
    if _without_runners_up(fields.get("instructions")) == _without_runners_up(previous.instructions):
        fields["instructions"] = previous.instructions
    hold, old_hold = fields.get("hold_request"), previous.hold_request
    if (
        isinstance(hold, HoldRequest)
        and old_hold is not None
        and hold.stop_dhid == old_hold.stop_dhid
        and hold.max_hold_s is not None
        and old_hold.max_hold_s is not None
        and abs(hold.max_hold_s - old_hold.max_hold_s) < tolerance_s
    ):
        fields["hold_request"] = old_hold


def _without_runners_up(instructions: str | None) -> str:
    return "; ".join(part for part in (instructions or "").split("; ") if not part.startswith("runners-up: "))


def _placeholder(iid: str, incident_alert: Alert | None) -> Incident:
    """A stand-in incident for a watchdog warning about an incident the desk has no alert for (the unit took it
    outside the hub): category OTHER, priority 2, so the warning still goes out."""
    category = incident_alert.category if incident_alert is not None else "OTHER"
    return Incident.model_validate(
        {
            "incident_id": iid,
            "mode": incident_alert.mode if incident_alert is not None else "actual",
            "origin": "other",
            "type_code": category,
            "priority": incident_alert.priority if incident_alert is not None else 2,
            "status": "open",
            "reported_at": datetime(1970, 1, 1, tzinfo=UTC),
            "confidentiality": "restricted",
            "legal_basis": "SOG LSA § 27",
            "retention_class": "short",
        }
    )


def _dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _hhmm(seconds: float) -> str:
    return _dt(seconds).strftime("%H:%M:%S UTC")
