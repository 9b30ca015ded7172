"""The 3Z/4Z watchdog: a warning to a unit's own agency when a unit in status 3 or 4 on an incident has not been
heard for longer than ``watchdog_s`` allows; one warning alert per incident and agency, cleared when all are heard.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from hub.router.alerts.records import AlertBook, AlertParams, AlertRecord, Member, Recipient, alert_id
from hub.router.alerts.render import Renderer, utc
from hub.router.live import ON_INCIDENT_STATUSES, UnitStateEntry
from hub.schemas.alert import Alert
from hub.schemas.incident import Incident

__all__ = ["Watchdog"]


class Watchdog:
    """Raises, revises, reopens and clears the watchdog alerts in ``book``."""

    def __init__(self, book: AlertBook, params: AlertParams, render: Renderer) -> None:
        self.book = book
        self.params = params
        self.render = render

    def check(self, units: Iterable[UnitStateEntry], now: float) -> list[Alert]:
        """The watchdog alerts that follow from ``units`` as they stand at ``now``."""
        flagged: dict[str, dict[str, str]] = {}  # watchdog alert id -> unit -> its warning line
        owners: dict[str, tuple[str, Recipient]] = {}  # watchdog alert id -> (incident id, recipient)
        for unit in units:
            watched = self._watched(unit)
            if watched is None:
                continue
            incident_ref, recipient, limit = watched
            aid = alert_id(incident_ref, recipient, "watchdog")
            if now - unit.last_heard_s > limit and self._noticeable(unit, limit, aid):
                owners[aid] = (incident_ref, recipient)
                flagged.setdefault(aid, {})[unit.unit] = (
                    f"{unit.status_code}Z: unit {unit.unit} in status {unit.status_code} silent since "
                    f"{utc(unit.last_heard_s).strftime('%H:%M:%S UTC')} (limit {limit / 60:.0f} min)"
                )
        out: list[Alert] = []
        for aid, (iid, recipient) in owners.items():
            out += self._warn(aid, iid, recipient, flagged[aid], now)
        return out + self._all_clear(flagged, now)

    def _watched(self, unit: UnitStateEntry) -> tuple[str, Recipient, float] | None:
        """(incident, agency, allowed silence) of a police or Ordnungsamt unit on an incident; None for others."""
        limit = self.params.watchdog_s.get(unit.status_code)
        if limit is None or unit.status_code not in ON_INCIDENT_STATUSES or unit.incident_ref is None:
            return None
        if unit.agency not in ("polizei", "ordnungsamt"):
            return None
        return unit.incident_ref, "polizei" if unit.agency == "polizei" else "ordnungsamt", limit

    def _noticeable(self, unit: UnitStateEntry, limit: float, aid: str) -> bool:
        """Whether the unit's silence is one the router saw fall: its last report arrived within ``limit`` of
        being made (unknown arrival: a unit saved before it was recorded), or the unit is already in the open
        warning ``aid`` (a report that arrives late then does not clear it). A report already older than ``limit``
        on arrival (a replay or back-fill on the wall clock, a feed hours behind) is no unit gone silent now."""
        if unit.received_s is None or unit.received_s - unit.last_heard_s <= limit:
            return True
        record = self.book.records.get(aid)
        return record is not None and record.open and unit.unit in record.silent

    def _warn(self, aid: str, iid: str, recipient: Recipient, silent: dict[str, str], now: float) -> list[Alert]:
        record = self.book.records.get(aid)
        if record is not None and not record.open:
            # Silences the recipient resolved stay resolved; a unit silent anew (another one, or one heard since)
            # reopens the alert, as silence after an all-clear does.
            if set(silent.values()) <= set(record.silent.values()) and self.book.absorb(record, now):
                return []
            record.state, record.finished_s, record.acknowledged_by = "new", None, None
            record.acknowledged_revision, record.resolved_by_recipient = None, False
        if record is None:
            record = AlertRecord(aid, recipient, "watchdog", {}, None, now, now, proposed_since_s=now)
            incident_record = self.book.find(iid, recipient)
            incident_alert = incident_record.alert if incident_record is not None else None
            record.members[iid] = Member(_placeholder(iid, incident_alert), None)
            self.book.records[aid] = record
        record.silent = silent
        record.last_input_s = now
        return self.render.emit(record, now)

    def _all_clear(self, flagged: dict[str, dict[str, str]], now: float) -> list[Alert]:
        """Units heard again, or no longer on the incident: their open warnings are resolved."""
        out: list[Alert] = []
        for record in self.book.records.values():
            if record.kind == "watchdog" and record.open and record.alert_id not in flagged:
                record.silent = {}
                record.state = "resolved"
                record.finished_s = now
                out += self.render.emit(record, now)
        return out


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
