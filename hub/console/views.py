"""What an agency is shown: ``AlertView``, ``ActionView`` and ``MapView`` as JSON-ready dicts, the changes between
revisions, and the second lock of the separation: for HAVAG every field the schema marks ``operational_secret``,
``police_assessment`` or ``personal`` is dropped, whatever the alert holds. Every view of the console (API,
stream, CAP) is built here, and only for the agency the alert was sent to.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from hub.console.places import Places
from hub.console.source import Fix, StoredAction, StoredAlert
from hub.schemas import Sensitivity, sensitive_fields
from hub.schemas.alert import Alert
from hub.store.alerts import changes as store_changes

__all__ = [
    "BERLIN",
    "HIDDEN_FROM",
    "action_view",
    "alert_view",
    "changes",
    "hidden_fields",
    "map_view",
    "redact",
    "redacted_alert",
    "revision_changes",
]

BERLIN = ZoneInfo("Europe/Berlin")

#: What each agency must never see of an alert, by sensitivity. HAVAG is not a police or security body (SOG LSA
#: § 26): no police assessment, no call signs or deployment details, no personal data.
HIDDEN_FROM: Mapping[str, frozenset[Sensitivity]] = {
    "havag": frozenset({"operational_secret", "police_assessment", "personal"}),
}


@cache
def hidden_fields(agency: str) -> tuple[str, ...]:
    """The dotted paths of the Alert's fields ``agency`` must not see."""
    hidden = HIDDEN_FROM.get(agency, frozenset())
    return tuple(sorted(path for path, mark in sensitive_fields(Alert).items() if mark in hidden))


def _drop(data: Any, path: list[str]) -> None:
    """Remove ``path`` from a dumped model, going into nested objects and every item of lists."""
    if isinstance(data, list):
        for item in data:
            _drop(item, path)
    elif isinstance(data, dict):
        if len(path) == 1:
            data.pop(path[0], None)
        elif path[0] in data:
            _drop(data[path[0]], path[1:])


def redact(data: Mapping[str, Any], agency: str) -> dict[str, Any]:
    """A copy of a dumped Alert without the fields ``agency`` must not see."""
    result = copy.deepcopy(dict(data))
    for path in hidden_fields(agency):
        _drop(result, path.split("."))
    return result


def _own(alert: Alert, agency: str) -> None:
    # Every read of the store is already filtered by recipient; this is the lock on the view itself.
    if alert.recipient != agency:
        raise PermissionError(f"an alert for {alert.recipient} is never shown to {agency}")


def redacted_alert(alert: Alert, agency: str) -> Alert:
    """The Alert as ``agency`` may see it (hidden fields emptied); fails rather than leak if one cannot be."""
    _own(alert, agency)
    if not hidden_fields(agency):
        return alert
    return Alert.model_validate(redact(alert.model_dump(mode="json"), agency))


def local_time(moment: datetime | None) -> str | None:
    """``HH:MM:SS`` in Europe/Berlin."""
    return None if moment is None else moment.astimezone(BERLIN).strftime("%H:%M:%S")


def group_of(alert: Alert) -> str:
    """How the router groups alerts: HAVAG's by line (one alert per line group), the others by incident."""
    if alert.recipient == "havag" and alert.line is not None:
        return f"line {alert.line}"
    return alert.incident_id


def alert_view(stored: StoredAlert, agency: str, places: Places) -> dict[str, Any]:
    """One revision as ``agency`` sees it: the Alert's fields it may see, stop names, local times, group."""
    alert = redacted_alert(stored.alert, agency)
    view = redact(alert.model_dump(mode="json"), agency)
    view.update(
        stop_name=places.stop_name(alert.stop_dhid),
        intercept_stop_name=places.stop_name(alert.intercept_stop_dhid),
        issued_at_local=local_time(alert.issued_at),
        unit_eta_local=local_time(alert.unit_eta),
        vehicle_eta_local=local_time(alert.vehicle_eta),
        group=group_of(alert),
        stored_at=stored.stored_at.isoformat(),
    )
    return view


def changes(before: Alert, after: Alert, agency: str) -> list[dict[str, Any]]:
    """What changed from one revision to another as ``agency`` sees them, field by field (nested ones dotted; the
    revision and issue time left out): the alert store's ``changes``, so the console and ``hub alerts`` agree."""
    shown_before, shown_after = redacted_alert(before, agency), redacted_alert(after, agency)
    hidden = set(hidden_fields(agency))
    return [
        {"field": c.field, "before": c.before, "after": c.after}
        for c in store_changes(shown_before, shown_after)
        if c.field not in hidden
    ]


def revision_changes(revisions: Sequence[Alert], agency: str) -> list[list[dict[str, Any]]]:
    """For each revision (ascending), what changed from the one before it (nothing for the first)."""
    return [[], *(changes(a, b, agency) for a, b in itertools.pairwise(revisions))][: len(revisions)]


def action_view(action: StoredAction, agency: str) -> dict[str, Any]:
    """One action on an alert of ``agency``."""
    if action.recipient != agency:
        raise PermissionError(f"an action of {action.recipient} is never shown to {agency}")
    return {
        "alert_id": action.alert_id,
        "action": action.action,
        "revision": action.revision,
        "by": action.by,
        "at": action.at.isoformat(),
        "note": action.note,
        "stored_at": action.stored_at.isoformat(),
    }


#: A position older than this before the alert's revision is not drawn: it would show the vehicle or unit where it
#: was, not where it is (a feed that stopped, or a replay of old data).
FIX_MAX_AGE = timedelta(minutes=15)


def _fix(key: str, fix: Fix | None, issued_at: datetime) -> dict[str, Any] | None:
    if fix is None or fix.at < issued_at - FIX_MAX_AGE:
        return None
    return {key: fix.ident, "lat": fix.lat, "lon": fix.lon, "at": fix.at.isoformat()}


def map_view(stored: StoredAlert, agency: str, places: Places, vehicle: Fix | None, unit: Fix | None) -> dict[str, Any]:
    """What the detail page draws: the line, the stops ahead up to the intercept stop, the vehicle, the unit
    (police and Ordnungsamt only: their own units), and the intercept with both arrival times and the hold. A
    position more than ``FIX_MAX_AGE`` older than the revision is left out."""
    alert = redacted_alert(stored.alert, agency)
    hold = alert.hold_request
    intercept = None
    if alert.intercept_stop_dhid is not None:
        intercept = {
            "stop_dhid": alert.intercept_stop_dhid,
            "unit_eta": None if alert.unit_eta is None else alert.unit_eta.isoformat(),
            "vehicle_eta": None if alert.vehicle_eta is None else alert.vehicle_eta.isoformat(),
            "hold_s": None if hold is None else hold.max_hold_s,
        }
    shows_units = agency != "havag" and alert.recommended_unit is not None
    shown_unit = _fix("unit", unit, alert.issued_at) if shows_units else None
    return {
        "line": alert.line,
        "stops_ahead": places.stops_ahead(alert.line, alert.stop_dhid, alert.intercept_stop_dhid),
        "vehicle": _fix("vehicle", vehicle, alert.issued_at),
        "units": [] if shown_unit is None else [shown_unit],
        "intercept": intercept,
    }
