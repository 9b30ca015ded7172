"""What a recipient sees of an alert record: the ``Alert`` payload for police, Ordnungsamt, HAVAG and the watchdog,
and the rule that only a visible change makes a new revision (``Renderer.emit``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from hub.router.alerts.decisions import DecisionLog
from hub.router.alerts.records import AlertBook, AlertParams, AlertRecord, Member, lead, untried
from hub.router.model import Meeting
from hub.schemas.alert import Alert, ClearReason, HoldRequest
from hub.schemas.codes import top_level
from hub.schemas.incident import Incident

__all__ = ["Renderer", "utc"]

# Fields that change every second without changing what a recipient does: compared with a tolerance.
_TIMES = ("unit_eta", "vehicle_eta")
_IGNORED_IN_COMPARISON = frozenset({"revision", "issued_at"})
_RESOLVED_NOTE = "cleared: resolved by the recipient"


class Renderer:
    """Turns records into ``Alert`` revisions, and logs each one sent. ``token`` gives an incident's HAVAG
    reference token."""

    def __init__(
        self, book: AlertBook, params: AlertParams, token: Callable[[str], str], decisions: DecisionLog
    ) -> None:
        self.book = book
        self.params = params
        self.token = token
        self.decisions = decisions
        # Per alert id: the last revision sent and the view (after ``_stabilise``) known to render as it. A view equal
        # to that one renders the same alert, so the common case, a position that moves nothing the recipient sees,
        # is told without building and dumping pydantic models (issue 13). Not saved: a restored desk fills it again.
        self._shown: dict[str, tuple[Alert, dict[str, Any]]] = {}

    def emit(self, record: AlertRecord, now: float, *, refresh: bool = False) -> list[Alert]:
        """The next revision when something the recipient sees changed, else nothing.

        Every change to a record ends in here, which marks it ``touched`` for the next save, except a ``refresh``
        (only the live state around the incident moved: a position, a unit report) that changes nothing the
        recipient sees: what it changed in the record (the latest ranking, the time of the last news) is saved by the
        next tick's comparison of every record, not after every batch (issue 13; docs/router.md)."""
        if not refresh:
            self.book.touched.add(record.alert_id)
        fields = self.view(record)
        previous = record.alert
        if previous is not None:
            _stabilise(fields, previous, self.params.time_tolerance_s)
            shown = self._shown.get(record.alert_id)
            if shown is not None and shown[0] is previous and shown[1] == fields:
                return []
            old = previous.model_dump(exclude=set(_IGNORED_IN_COMPARISON))
            if old == Alert.model_validate({**fields, "revision": 1, "issued_at": utc(now)}).model_dump(
                exclude=set(_IGNORED_IN_COMPARISON)
            ):
                self._shown[record.alert_id] = (previous, fields)
                return []
        self.book.touched.add(record.alert_id)
        if previous is not None:
            revision = previous.revision + 1
        else:
            revision = self.book.tombstones.pop(record.alert_id, (0, 0.0))[0] + 1
        record.alert = Alert.model_validate({**fields, "revision": revision, "issued_at": utc(now)})
        self._shown[record.alert_id] = (record.alert, fields)
        self.decisions.revision(previous, record.alert, record.kind)
        return [record.alert]

    def forget(self, alert_ids: Iterable[str]) -> None:
        """Drop what is kept about alerts the desk forgot (or all, after a restore: ``forget(list(...))``)."""
        for aid in alert_ids:
            self._shown.pop(aid, None)

    def view(self, record: AlertRecord) -> dict[str, Any]:
        """The alert's fields as ``record``'s recipient sees them now."""
        member = lead(record)
        assert member is not None  # every record has a member from its creation on
        incident = member.incident
        view = _common_view(record, incident)
        mode_note = [f"{incident.mode.upper()}: not a real incident"] if incident.mode != "actual" else []
        if record.kind == "watchdog":
            silent = [record.silent[u] for u in sorted(record.silent)]
            resolved = [_RESOLVED_NOTE] if record.resolved_by_recipient else []
            view["instructions"] = "; ".join(mode_note + (silent or ["all units heard"]) + resolved)
            return view
        if record.recipient == "havag":
            return self._havag_view(record, view, mode_note)
        return self._unit_view(record, member, view, mode_note)

    def _unit_view(
        self, record: AlertRecord, member: Member, view: dict[str, Any], mode_note: list[str]
    ) -> dict[str, Any]:
        """The police's and the Ordnungsamt's view: the proposed unit and its meeting, runners-up, escalation."""
        incident = member.incident
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
            others = [m.unit_id for m in untried(record, member.recommendation)][: self.params.runners_up_shown]
            if others and record.state == "new":
                notes.append("runners-up: " + ", ".join(others))
        elif record.open:
            notes.append("no available unit")
        notes += _escalation_notes(record, view["escalated_to"])
        notes += _clear_note(view["clear_reason"], self.params.expire_after_s)
        view["instructions"] = "; ".join(notes) or None
        return view

    def _havag_view(self, record: AlertRecord, view: dict[str, Any], mode_note: list[str]) -> dict[str, Any]:
        """HAVAG's view: coarse category, vehicle, line, stop, the hold, the police ETA, a reference token, the
        clear-down. Never the caller, a description, an assessment, or a unit call sign."""
        member = lead(record)
        assert member is not None
        incident = member.incident
        view["incident_id"] = self.token(incident.incident_id)
        view.update(vehicle=incident.vehicle, line=incident.line, stop_dhid=incident.stop_dhid)
        police = self._police_proposal(incident.incident_id)
        if police is not None:
            view.update(_meeting_fields(police))
        notes: list[str] = list(mode_note)
        notes += self._group_note(record)
        if view["clear_reason"] == "incident_cancelled":
            notes.append("clear-down: incident cancelled, normal operation")
        elif view["clear_reason"] == "resolved_by_recipient":
            notes.append("clear-down: resolved by HAVAG")
        elif record.state == "resolved":
            notes.append("clear-down: incident over, normal operation")
        elif record.state == "expired":
            notes += _clear_note("expired", self.params.expire_after_s)
        view["instructions"] = "; ".join(notes) or None
        return view

    def _group_note(self, record: AlertRecord) -> list[str]:
        """A HAVAG group with several open incidents lists each: its token, vehicle and hold."""
        open_members = [(iid, m) for iid, m in record.members.items() if not m.closed]
        if len(open_members) <= 1:
            return []
        refs = [
            f"{self.token(iid)} (vehicle {m.incident.vehicle or '-'}"
            + (f", hold at {h.stop_dhid} up to {h.max_hold_s} s" if (h := self._member_hold(iid)) else "")
            + ")"
            for iid, m in open_members
        ]
        return [f"{len(open_members)} incidents on line {record.line}: " + "; ".join(refs)]

    def _police_proposal(self, iid: str) -> Meeting | None:
        record = self.book.find(iid, "polizei")
        return record.proposed if record is not None else None

    def _member_hold(self, iid: str) -> HoldRequest | None:
        meeting = self._police_proposal(iid)
        return _hold(meeting) if meeting is not None else None


def _common_view(record: AlertRecord, incident: Incident) -> dict[str, Any]:
    """The fields every recipient's view has, the watchdog's too."""
    priority = incident.priority
    if record.escalation == "supervisor" or record.havag_unanswered:
        priority = 1
    clear_reason = _clear_reason(record)
    return {
        "alert_id": record.alert_id,
        "incident_id": incident.incident_id,
        "recipient": record.recipient,
        "state": record.state,
        "category": top_level(incident.type_code),
        "priority": priority,
        "mode": incident.mode,
        "acknowledged_by": record.acknowledged_by,
        "acknowledged_revision": record.acknowledged_revision,
        "clear_reason": clear_reason,
        "cleared_at": utc(record.finished_s) if clear_reason is not None and record.finished_s is not None else None,
    }


def _escalation_notes(record: AlertRecord, escalated_to: str | None) -> list[str]:
    notes = []
    if record.escalation == "next_unit":
        notes.append(f"escalated: not acknowledged, next unit proposed (tried {', '.join(record.tried)})")
    elif record.escalation == "supervisor":
        notes.append(f"escalated to the supervisor ({escalated_to}): not acknowledged and no further unit to propose")
    if record.havag_unanswered:
        notes.append("HAVAG has not acknowledged the hold request: phone the HAVAG control room")
    return notes


def _clear_reason(record: AlertRecord) -> ClearReason | None:
    """Why a finished alert was cleared down; None while it is open."""
    if record.state == "expired":
        return "expired"
    if record.state != "resolved":
        return None
    if record.resolved_by_recipient:
        return "resolved_by_recipient"
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
    if reason == "resolved_by_recipient":
        return [_RESOLVED_NOTE]
    return []


def _hold(meeting: Meeting) -> HoldRequest | None:
    if meeting.kind != "stop" or meeting.stop is None or meeting.hold_s <= 0:
        return None
    return _hold_request(meeting.stop.stop_id, math.ceil(meeting.hold_s))


@functools.lru_cache(maxsize=4096)
def _hold_request(stop_dhid: str, max_hold_s: int) -> HoldRequest:
    """The hold request at a stop, made (and validated) once: every view of a HAVAG group asks it for each member's
    proposal, on every position of each member's tram (issue 13). A few thousand stops and seconds at most; hub models
    are frozen, so one instance serves every alert."""
    return HoldRequest(action="hold_at_stop", stop_dhid=stop_dhid, max_hold_s=max_hold_s)


def _meeting_fields(meeting: Meeting) -> dict[str, Any]:
    return {
        "intercept_stop_dhid": meeting.stop.stop_id if meeting.stop is not None else None,
        "unit_eta": utc(meeting.unit_eta_s),
        "vehicle_eta": utc(meeting.vehicle_eta_s) if meeting.vehicle_eta_s is not None else None,
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
    if _same_hold(fields.get("hold_request"), previous.hold_request, tolerance_s):
        fields["hold_request"] = previous.hold_request


def _same_hold(hold: object, old_hold: HoldRequest | None, tolerance_s: float) -> bool:
    """Whether ``hold`` asks what ``old_hold`` asked: the same stop, a maximum less than the tolerance apart."""
    return (
        isinstance(hold, HoldRequest)
        and old_hold is not None
        and hold.stop_dhid == old_hold.stop_dhid
        and hold.max_hold_s is not None
        and old_hold.max_hold_s is not None
        and abs(hold.max_hold_s - old_hold.max_hold_s) < tolerance_s
    )


def _without_runners_up(instructions: str | None) -> str:
    return "; ".join(part for part in (instructions or "").split("; ") if not part.startswith("runners-up: "))


def utc(seconds: float) -> datetime:
    """POSIX seconds as an aware UTC datetime, as alerts carry times."""
    return datetime.fromtimestamp(seconds, tz=UTC)
