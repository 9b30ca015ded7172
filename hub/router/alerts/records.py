"""What the alert desk remembers: the settings, the record of each alert and the book that holds the records.

Shared by the lifecycle, the HAVAG groups, the watchdog and the rendering. ``AlertRecord`` is what the router
saves in its ``alerts`` table (``hub.router.persist``): its fields and their order are the stored format.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from hub.router.model import Meeting, Recommendation
from hub.schemas.alert import Alert, AlertEscalation
from hub.schemas.incident import Incident

__all__ = [
    "CLOSED",
    "RECIPIENTS",
    "AlertBook",
    "AlertKind",
    "AlertParams",
    "AlertRecord",
    "DeskContents",
    "Escalation",
    "Member",
    "Recipient",
    "alert_id",
    "candidates",
    "lead",
    "untried",
]

Recipient = Literal["polizei", "ordnungsamt", "havag"]
RECIPIENTS: tuple[Recipient, ...] = ("polizei", "ordnungsamt", "havag")
AlertKind = Literal["incident", "watchdog"]

#: ``next_unit``: the proposal moved on to the next runner-up; ``supervisor``: no unit left to propose, the
#: recipient's supervisor role is asked; ``havag_unanswered``: HAVAG did not acknowledge a hold request, the police
#: alert says so (the police then phone the HAVAG control room, as before the M.App). The same values as the
#: alert's ``escalation`` field.
Escalation = AlertEscalation

#: Incident statuses that end an incident's part in its alerts.
CLOSED = frozenset({"closed", "cancelled"})
_FINAL = frozenset({"resolved", "expired"})


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


@functools.lru_cache(maxsize=8192)
def alert_id(key: str, recipient: Recipient, kind: AlertKind = "incident") -> str:
    """The stable id of the alert about ``key`` (an incident id; HAVAG: its reference token) for ``recipient``.
    Kept for the last few thousand keys: the core asks for an open incident's ids on every position of its tram."""
    digest = hashlib.sha256(f"{kind}\x1f{recipient}\x1f{key}".encode()).hexdigest()[:24]
    return f"al-{recipient}-{digest}"


@dataclass(slots=True)
class Member:
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
    members: dict[str, Member]  # by incident id, in arrival order; the first open one leads
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
    # Added with issue 10; defaulted, so records saved before them still load.
    acknowledged_revision: int | None = None  # the revision the acknowledgement confirmed
    resolved_by_recipient: bool = False  # a person of the recipient resolved it: finished for good (docs/router.md)

    @property
    def open(self) -> bool:
        return self.state not in _FINAL

    @property
    def retained_since_s(self) -> float | None:
        """From when a finished record counts towards ``retain_finished_s`` (None while open): its finish, or for
        one resolved by its recipient its last input, so it stays remembered while news of its incident comes."""
        if self.finished_s is None or not self.resolved_by_recipient:
            return self.finished_s
        return max(self.finished_s, self.last_input_s)


@dataclass(slots=True)
class DeskContents:
    """Everything an ``AlertDesk`` remembers, for saving it and for another desk to take over (``restore``)."""

    records: dict[str, AlertRecord]
    disrupted: dict[str, frozenset[str]]  # open disruption id -> lines
    tokens: dict[str, str]  # incident id -> HAVAG reference token
    tombstones: dict[str, tuple[int, float]]  # forgotten alert id -> (last revision, when)
    inhibited: set[str]  # incidents whose HAVAG alert an open disruption suppressed


class AlertBook:
    """The alert records and what finds them: by alert id, by (incident, recipient), and the last revision of the
    alerts already forgotten. One book is shared by every part of a desk; ``touched`` collects the ids of records
    that may have changed (or were forgotten) since the saver last looked."""

    def __init__(self) -> None:
        self.records: dict[str, AlertRecord] = {}  # in creation order
        self.by_incident: dict[tuple[str, Recipient], str] = {}  # (incident id, recipient) -> alert id
        self.tombstones: dict[str, tuple[int, float]] = {}  # forgotten alert id -> (last revision, when)
        self.touched: set[str] = set()

    def find(self, incident_id: str, recipient: Recipient) -> AlertRecord | None:
        """The alert ``recipient`` has about ``incident_id`` (HAVAG: the group holding it), or None."""
        found = self.by_incident.get((incident_id, recipient))
        return self.records.get(found) if found is not None else None

    def absorb(self, record: AlertRecord, now: float) -> bool:
        """Whether ``record`` was resolved by its recipient: news about it is then taken in silence (no revision,
        no reopening), and only keeps it remembered (``AlertRecord.retained_since_s``)."""
        if not record.resolved_by_recipient:
            return False
        record.last_input_s = now
        self.touched.add(record.alert_id)
        return True

    def forget(self, gone: set[str], now: float) -> list[AlertRecord]:
        """Drop the records ``gone`` and return them; each one's last revision stays as a tombstone from ``now``."""
        forgotten: list[AlertRecord] = []
        for aid in gone:
            self.touched.add(aid)
            record = self.records.pop(aid)
            forgotten.append(record)
            if record.alert is not None:
                self.tombstones[aid] = (record.alert.revision, now)
        if gone:
            self.by_incident = {k: v for k, v in self.by_incident.items() if v not in gone}
        return forgotten

    def restore(self, records: Mapping[str, AlertRecord], tombstones: Mapping[str, tuple[int, float]]) -> None:
        """Take over another book's records and tombstones (a restarted router worker)."""
        # In creation order, as the desk that made them held them (ties: by id; the order only decides which of
        # several alerts of one tick is sent first).
        self.records = dict(sorted(records.items(), key=lambda item: (item[1].created_s, item[0])))
        self.tombstones = dict(tombstones)
        self.by_incident = {
            (iid, record.recipient): aid
            for aid, record in self.records.items()
            if record.kind == "incident"  # a watchdog alert is found by its own id, never by incident
            for iid in record.members
        }
        self.touched = set()


def lead(record: AlertRecord) -> Member | None:
    """The member whose incident the alert shows: the first open one, else the last."""
    members = list(record.members.values())
    for member in members:
        if not member.closed:
            return member
    return members[-1] if members else None


def candidates(recipient: Recipient, recommendation: Recommendation | None) -> tuple[Meeting, ...]:
    """The ranked meetings ``recipient`` may be proposed."""
    if recommendation is None:
        return ()
    if recipient == "ordnungsamt":  # the Ordnungsamt sees its own units only
        return tuple(m for m in recommendation.ranked if m.agency == "ordnungsamt")
    return recommendation.ranked


def untried(record: AlertRecord, recommendation: Recommendation | None) -> list[Meeting]:
    """The record's candidates not proposed to it before, in rank order."""
    return [m for m in candidates(record.recipient, recommendation) if m.unit_id not in record.tried]
