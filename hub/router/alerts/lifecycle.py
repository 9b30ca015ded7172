"""The life of an incident alert: one per incident for the police and the Ordnungsamt, the sticky proposal,
acknowledgement, escalation (runner-up, then supervisor; HAVAG's silence shows on the police alert), expiry, and
forgetting finished alerts. The HAVAG groups (``hub.router.alerts.havag``) use its member updates.
"""

from __future__ import annotations

from dataclasses import replace

from hub.router.alerts.records import (
    CLOSED,
    AlertBook,
    AlertParams,
    AlertRecord,
    Member,
    Recipient,
    alert_id,
    candidates,
    lead,
    untried,
)
from hub.router.alerts.render import Renderer
from hub.router.model import Meeting, Recommendation
from hub.schemas.alert import Alert
from hub.schemas.incident import Incident

__all__ = ["Lifecycle"]

_TOMBSTONE_S = 7 * 86_400.0  # the retention of the alerts.<domain> topics (hub.topology)
_UNIT_RECIPIENTS: tuple[Recipient, ...] = ("polizei", "ordnungsamt")


class Lifecycle:
    """States and escalation of the alerts in ``book``; every change goes out through ``render.emit``."""

    def __init__(self, book: AlertBook, params: AlertParams, render: Renderer) -> None:
        self.book = book
        self.params = params
        self.render = render

    def incident(
        self, incident: Incident, recommendation: Recommendation | None, now: float, *, refresh: bool = False
    ) -> list[Alert]:
        """The police's and the Ordnungsamt's alerts about a new or updated incident (``refresh``: the incident is as
        it was, the recommendation is new; see ``Renderer.emit``)."""
        out: list[Alert] = []
        for recipient in _UNIT_RECIPIENTS:
            record = self._record_for(incident, recipient, recommendation, now)
            if record is not None and not self.book.absorb(record, now):
                self.update_member(record, incident, recommendation, now)
                out += self.render.emit(record, now, refresh=refresh)
        return out

    def _record_for(
        self, incident: Incident, recipient: Recipient, recommendation: Recommendation | None, now: float
    ) -> AlertRecord | None:
        iid = incident.incident_id
        found = self.book.by_incident.get((iid, recipient))
        if found is not None:
            return self.book.records[found]
        if incident.status in CLOSED:
            return None
        # The Ordnungsamt hears about an incident only when one of its own units is in the running.
        if recipient == "ordnungsamt" and not candidates(recipient, recommendation):
            return None
        aid = alert_id(iid, recipient)
        record = AlertRecord(aid, recipient, "incident", {}, incident.line, now, now, proposed_since_s=now)
        self.book.records[aid] = record
        self.book.by_incident[(iid, recipient)] = aid
        return record

    def update_member(
        self, record: AlertRecord, incident: Incident, recommendation: Recommendation | None, now: float
    ) -> None:
        """Take the incident's news into its member of ``record`` (added if new), and the state that follows."""
        member = record.members.get(incident.incident_id)
        if member is None:
            member = record.members[incident.incident_id] = Member(incident, None)
        member.incident = incident
        if recommendation is not None and record.recipient != "havag":  # HAVAG's view follows the police proposal
            member.recommendation = _kept(recommendation)
        member.closed = incident.status in CLOSED
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

    def _refresh_proposal(self, record: AlertRecord, recommendation: Recommendation | None, now: float) -> None:
        if record.state != "new":
            return  # acknowledged: the plan being carried out stays as it was accepted
        if record.proposed is None:
            fresh = untried(record, recommendation)
            if fresh:
                _propose(record, fresh[0])
                record.proposed_since_s = now
            return
        # The proposed unit drops out of later rankings once the hub marks it dispatched; keep its last meeting.
        unit = record.proposed.unit_id
        same = next((m for m in candidates(record.recipient, recommendation) if m.unit_id == unit), None)
        if same is not None:
            record.proposed = same

    def ack(self, record: AlertRecord, by: str, now: float) -> list[Alert]:
        """``by`` acknowledged ``record`` (new) as its latest revision shows it: escalation stops; HAVAG's
        acknowledgement clears the police alerts' note that HAVAG did not answer."""
        record.state = "acknowledged"
        record.acknowledged_by = by
        record.acknowledged_revision = record.alert.revision if record.alert is not None else None
        record.last_input_s = now
        return self.render.emit(record, now) + self._havag_answered(record, now)

    def resolve(self, record: AlertRecord, now: float) -> list[Alert]:
        """A person of the recipient resolved ``record`` (open): it is finished for good, as far as that recipient
        is concerned (``AlertBook.absorb``). HAVAG's resolution answers its hold request as an acknowledgement does."""
        record.state = "resolved"
        record.resolved_by_recipient = True
        record.finished_s = record.last_input_s = now
        return self.render.emit(record, now) + self._havag_answered(record, now)

    def _havag_answered(self, record: AlertRecord, now: float) -> list[Alert]:
        """HAVAG answered ``record``: the police alerts of its incidents no longer say that it did not."""
        out: list[Alert] = []
        if record.recipient == "havag":
            for iid in record.members:
                out += self._set_havag_unanswered(iid, False, now)
        return out

    def expire_and_escalate(self, now: float) -> list[Alert]:
        """Expire the open alerts with no input for ``expire_after_s``; escalate the unacknowledged ones."""
        out: list[Alert] = []
        for record in list(self.book.records.values()):
            if not record.open:
                continue
            if now - record.last_input_s >= self.params.expire_after_s:
                record.state = "expired"
                record.finished_s = now
                out += self.render.emit(record, now)
            elif (
                record.kind == "incident"  # a watchdog warning is itself the escalation
                and record.state == "new"
                and now - record.proposed_since_s >= self.params.escalate_after_s
            ):
                out += self._escalate(record, now)
        return out

    def _escalate(self, record: AlertRecord, now: float) -> list[Alert]:
        record.proposed_since_s = now  # the next step waits a full period again
        if record.recipient == "havag":
            return self._havag_unanswered(record, now)
        if record.escalation == "supervisor":
            return []
        self._step_up(record)
        sent = self.render.emit(record, now)
        if sent and record.recipient == "polizei":  # HAVAG's hold and police ETA follow the police proposal
            for iid in record.members:
                sent += self._havag_follow(iid, now)
        return sent

    def _step_up(self, record: AlertRecord) -> None:
        """The next escalation step: the next runner-up while there is one and steps are left, else the
        supervisor."""
        member = lead(record)
        fresh = untried(record, member.recommendation if member else None)
        if fresh and len(record.tried) <= self.params.unit_escalations:
            _propose(record, fresh[0])
            record.escalation = "next_unit"
        else:
            record.escalation = "supervisor"
        record.escalation_level += 1

    def _havag_unanswered(self, group: AlertRecord, now: float) -> list[Alert]:
        """HAVAG's own alert never escalates (nobody to escalate to at night): an unanswered hold request shows on
        the police alerts of the group's open incidents instead."""
        out: list[Alert] = []
        hold = group.alert.hold_request if group.alert is not None else None
        if group.escalation == "none" and hold is not None:
            group.escalation = "havag_unanswered"
            for iid, each in group.members.items():
                if not each.closed:
                    out += self._set_havag_unanswered(iid, True, now)
        return out

    def _havag_follow(self, iid: str, now: float) -> list[Alert]:
        record = self.book.find(iid, "havag")
        return self.render.emit(record, now) if record is not None and record.open else []

    def _set_havag_unanswered(self, iid: str, value: bool, now: float) -> list[Alert]:
        record = self.book.find(iid, "polizei")
        if record is None or not record.open or record.havag_unanswered == value:
            return []
        record.havag_unanswered = value
        return self.render.emit(record, now)

    def forget(self, now: float) -> list[AlertRecord]:
        """Drop alerts finished longer than ``retain_finished_s`` ago, so memory stays bounded, and return them.
        Their last revision is remembered for as long as the alert topics keep records, so a reopened alert never
        repeats a revision."""
        book = self.book
        book.tombstones = {aid: (rev, t) for aid, (rev, t) in book.tombstones.items() if now - t < _TOMBSTONE_S}
        gone = {
            aid
            for aid, record in book.records.items()
            if (since := record.retained_since_s) is not None and now - since >= self.params.retain_finished_s
        }
        return book.forget(gone, now)


def _kept(recommendation: Recommendation | None) -> Recommendation | None:
    """What a record keeps of a recommendation: the ranking, without the units left out of it (``excluded``, most of
    the units with many of them; no alert shows them), so it is not encoded into the alerts table with every save."""
    if recommendation is None or not recommendation.excluded:
        return recommendation
    return replace(recommendation, excluded=())


def _propose(record: AlertRecord, meeting: Meeting) -> None:
    record.proposed = meeting
    record.tried.append(meeting.unit_id)
