"""``AlertDesk``: the one object the router core talks to. It wires the lifecycle, the HAVAG groups, the watchdog
and the rendering around one book of records, and hands their contents to the saver and back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hub.router.alerts.decisions import DecisionLog, DeskAction, Refusal
from hub.router.alerts.havag import HavagGroups, HavagTokens
from hub.router.alerts.lifecycle import Lifecycle
from hub.router.alerts.records import AlertBook, AlertParams, AlertRecord, DeskContents, Recipient
from hub.router.alerts.render import Renderer
from hub.router.alerts.watchdog import Watchdog
from hub.router.live import UnitStateEntry
from hub.router.model import Recommendation
from hub.schemas.alert import Alert
from hub.schemas.incident import Incident
from hub.schemas.transit import TransitDisruption

__all__ = ["AlertDesk"]


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
        self._book = AlertBook()
        self.decisions = DecisionLog()
        tokens = HavagTokens(reference)
        render = self._render = Renderer(self._book, self.params, tokens, self.decisions)
        self._lifecycle = Lifecycle(self._book, self.params, render)
        self._havag = HavagGroups(self._book, self.params, tokens, self._lifecycle, render)
        self._watchdog = Watchdog(self._book, self.params, render)

    @property
    def touched(self) -> set[str]:
        """Alert ids whose record may have changed or was forgotten, for the saver (which resets it)."""
        return self._book.touched

    @touched.setter
    def touched(self, value: set[str]) -> None:
        self._book.touched = value

    @property
    def inhibited(self) -> set[str]:
        """Incidents whose HAVAG alert an open disruption suppressed."""
        return self._havag.inhibited

    def contents(self) -> DeskContents:
        """What the desk remembers now (its own containers, not copies: read them, do not change them)."""
        book, havag = self._book, self._havag
        return DeskContents(book.records, havag.disrupted, havag.tokens.tokens, book.tombstones, havag.inhibited)

    def restore(self, contents: DeskContents) -> None:
        """Take over what another desk remembered (``contents``), as a restarted router worker does."""
        self._render.forget(list(self._book.records))
        self._book.restore(contents.records, contents.tombstones)
        self._havag.restore(contents.disrupted, contents.tokens, contents.inhibited)

    def record(self, alert_id_: str) -> AlertRecord | None:
        """The desk's record of one alert, or None."""
        return self._book.records.get(alert_id_)

    def alert_for(self, incident_id: str, recipient: Recipient) -> Alert | None:
        """The last revision sent to ``recipient`` about ``incident_id`` (HAVAG: the group alert holding it)."""
        record = self._book.find(incident_id, recipient)
        return record.alert if record is not None else None

    @property
    def disrupted_lines(self) -> frozenset[str]:
        """Lines covered by an open disruption now."""
        return self._havag.disrupted_lines

    def incident(
        self, incident: Incident, recommendation: Recommendation | None = None, *, refresh: bool = False
    ) -> list[Alert]:
        """A new or updated incident, with the router's current recommendation for it (None: none yet).

        ``refresh``: the incident is not news, only the recommendation is (a position or unit report re-ranked it);
        a record whose alert does not change is then not marked ``touched``, and reaches the tables with the next
        tick's comparison of every record instead of the next batch's save."""
        now = self.clock()
        out = self._lifecycle.incident(incident, recommendation, now, refresh=refresh)
        return out + self._havag.incident(incident, recommendation, now, refresh=refresh)

    def ack(self, alert_id_: str, by: str, at: float | None = None, *, revision: int | None = None) -> list[Alert]:
        """``by`` acknowledged the alert (a person or role of the recipient) as they saw it in ``revision`` (None:
        the latest): escalation stops. Ignored, and logged: unknown or finished alerts, a second acknowledgement,
        and a ``revision`` that is not the latest (the plan changed since; the person must see it first)."""
        record = self._actionable(alert_id_, "acknowledge", revision)
        if record is None:
            return []
        return self._lifecycle.ack(record, by, self.clock() if at is None else at)

    def resolve(self, alert_id_: str, *, revision: int | None = None) -> list[Alert]:
        """A person of the recipient resolved the open alert (dealt with), as they saw it in ``revision`` (None: the
        latest): its next revision is the clear-down, and nothing revises it again (docs/router.md). Ignored, and
        logged, as ``ack`` ignores what it cannot take."""
        record = self._actionable(alert_id_, "resolve", revision)
        if record is None:
            return []
        return self._lifecycle.resolve(record, self.clock())

    def note(self, alert_id_: str) -> None:
        """A note on the alert: the alert store keeps it; no alert changes."""
        self.decisions.noted(alert_id_)

    def _actionable(self, alert_id_: str, action: DeskAction, revision: int | None) -> AlertRecord | None:
        """The record ``action`` may change, or None (the refusal logged)."""
        record = self._book.records.get(alert_id_)
        latest = record.alert.revision if record is not None and record.alert is not None else None
        reason = _refusal(record, action, revision, latest)
        if reason is None:
            return record
        self.decisions.refused(alert_id_, action, reason, revision, latest)
        return None

    def disruption(self, disruption: TransitDisruption) -> list[Alert]:
        """Track which lines an open disruption covers (inhibits new per-vehicle HAVAG alerts); sends nothing:
        the disruption reaches HAVAG from its own system."""
        self._havag.disruption(disruption)
        return []

    def tick(self, units: Iterable[UnitStateEntry] = ()) -> list[Alert]:
        """Time-driven rules: escalation of unacknowledged alerts, expiry, and the watchdog over ``units``."""
        now = self.clock()
        forgotten = self._lifecycle.forget(now)
        self._havag.forget(forgotten)
        self._render.forget(r.alert_id for r in forgotten)
        out = self._lifecycle.expire_and_escalate(now)
        return out + self._watchdog.check(units, now)


def _refusal(
    record: AlertRecord | None, action: DeskAction, revision: int | None, latest: int | None
) -> Refusal | None:
    """Why ``action`` cannot change ``record`` (asked for ``revision``, its latest being ``latest``), or None."""
    if record is None or latest is None:
        return "unknown_alert"
    if not record.open:
        return "finished"
    if action == "acknowledge" and record.state != "new":
        return "already_acknowledged"
    if revision is not None and revision < latest:
        return "stale_revision"
    if revision is not None and revision > latest:
        return "revision_ahead"
    return None
