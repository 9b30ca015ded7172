"""HAVAG's alerts: one per line group (incidents on a line within ``group_window_s``), none for a vehicle on a line
an open disruption covers (inhibition), and the reference token that stands in for the incident id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hub.router.alerts.lifecycle import Lifecycle
from hub.router.alerts.records import CLOSED, AlertBook, AlertParams, AlertRecord, alert_id
from hub.router.alerts.render import Renderer
from hub.router.model import Recommendation
from hub.schemas.alert import Alert
from hub.schemas.incident import Incident
from hub.schemas.transit import TransitDisruption

__all__ = ["HavagGroups", "HavagTokens"]


class HavagTokens:
    """HAVAG's reference token per incident, made by ``reference`` (the HAVAG domain's keyed pseudonymiser) once
    and kept while the incident's HAVAG alert lives."""

    def __init__(self, reference: Callable[[str], str]) -> None:
        self.reference = reference
        self.tokens: dict[str, str] = {}  # incident id -> token

    def __call__(self, incident_id: str) -> str:
        # Made once: a key rotation while the incident is open must not change its token or HAVAG alert id.
        token = self.tokens.get(incident_id)
        if token is None:
            token = self.tokens[incident_id] = self.reference(incident_id)
        return token


class HavagGroups:
    """Which HAVAG alert an incident belongs to, if any; the open disruptions and the incidents they inhibited."""

    def __init__(
        self, book: AlertBook, params: AlertParams, tokens: HavagTokens, lifecycle: Lifecycle, render: Renderer
    ) -> None:
        self.book = book
        self.params = params
        self.tokens = tokens
        self.lifecycle = lifecycle
        self.render = render
        self.disrupted: dict[str, frozenset[str]] = {}  # open disruption id -> lines
        self.inhibited: set[str] = set()  # incidents whose HAVAG alert an open disruption suppressed

    @property
    def disrupted_lines(self) -> frozenset[str]:
        """Lines covered by an open disruption now."""
        return frozenset().union(*self.disrupted.values()) if self.disrupted else frozenset()

    def disruption(self, disruption: TransitDisruption) -> None:
        """Track which lines an open disruption covers."""
        if disruption.status in CLOSED:
            self.disrupted.pop(disruption.disruption_id, None)
        else:
            self.disrupted[disruption.disruption_id] = frozenset(disruption.lines)

    def incident(
        self, incident: Incident, recommendation: Recommendation | None, now: float, *, refresh: bool = False
    ) -> list[Alert]:
        """HAVAG's alert about a new or updated incident, if HAVAG hears of it (``refresh``: see
        ``Lifecycle.incident``)."""
        iid = incident.incident_id
        if incident.status in CLOSED:
            self.inhibited.discard(iid)
        if not _concerns_transit(incident, self.params.havag_stop_priority):
            return []
        found = self.book.by_incident.get((iid, "havag"))
        group = self._group_for_new(incident, now) if found is None else self.book.records[found]
        if group is None or self.book.absorb(group, now):
            return []
        self.lifecycle.update_member(group, incident, recommendation, now)
        return self.render.emit(group, now, refresh=refresh)

    def _group_for_new(self, incident: Incident, now: float) -> AlertRecord | None:
        """The group a new incident joins (an open one on its line, else a new one); None when it gets no alert."""
        iid = incident.incident_id
        if incident.status in CLOSED:
            return None
        if incident.vehicle is not None and incident.line is not None and incident.line in self.disrupted_lines:
            self.inhibited.add(iid)  # HAVAG already handles this line as a disruption
            return None
        self.inhibited.discard(iid)
        group = self._open_group(incident.line, incident.mode, now)
        if group is None:
            aid = alert_id(self.tokens(iid), "havag")
            group = AlertRecord(aid, "havag", "incident", {}, incident.line, now, now, proposed_since_s=now)
            self.book.records[aid] = group
        elif group.state == "acknowledged":
            group.state = "new"  # a new incident in the group needs the dispatcher's eyes again
            group.proposed_since_s = now
            group.escalation = "none"
        self.book.by_incident[(iid, "havag")] = group.alert_id
        return group

    def _open_group(self, line: str | None, mode: str, now: float) -> AlertRecord | None:
        if line is None:
            return None
        for record in self.book.records.values():
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

    def forget(self, records: Iterable[AlertRecord]) -> None:
        """The tokens of forgotten HAVAG alerts' incidents go with them."""
        for record in records:
            if record.recipient == "havag":
                for iid in record.members:
                    self.tokens.tokens.pop(iid, None)

    def restore(self, disrupted: dict[str, frozenset[str]], tokens: dict[str, str], inhibited: set[str]) -> None:
        """Take over another desk's disruptions, tokens and inhibited incidents."""
        self.disrupted = dict(disrupted)
        self.tokens.tokens = dict(tokens)
        self.inhibited = set(inhibited)


def _concerns_transit(incident: Incident, stop_priority: int) -> bool:
    """Whether HAVAG hears of the incident: on a vehicle or a line, or a serious one at a stop (few alerts)."""
    if incident.vehicle is not None or incident.line is not None:
        return True
    return incident.stop_dhid is not None and incident.priority <= stop_priority
