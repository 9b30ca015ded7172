"""The pseudonymise stage's pure core: one canonical event in; its shares, the transfer-register rows and the
police-only vault entries out (``Pseudonymiser.process``, no Kafka, database or clock). ``hub.privacy.setup``
builds its policy, keys and scrubber at worker start.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from hub.errors import InvalidEventError
from hub.privacy.keys import KeyRing
from hub.privacy.policy import Policy
from hub.privacy.pseudonym import field_keys
from hub.privacy.register import Transfer, content_digest, is_transfer, source_agency
from hub.privacy.retention import RetentionPeriods
from hub.privacy.transform import StopIndex, TransformContext, share_record, unit_on_shared_incident
from hub.privacy.vault import VaultEntry, vault_entries
from hub.schemas import CloudEvent, Incident, UnitStatus, unwrap
from hub.topology import CANONICAL_KINDS

__all__ = [
    "IncidentDomains",
    "Pseudonymised",
    "Pseudonymiser",
    "Share",
    "involved_domains",
]


@dataclass(frozen=True)
class Share:
    """One share ready to send: recipient domain, declared topic, Kafka key and value."""

    domain: str
    topic: str
    key: bytes
    value: bytes


@dataclass(frozen=True)
class Pseudonymised:
    """What one canonical event becomes: its shares, the transfers among them, the vault entries they need, and the
    domains that receive its kind but were not sent it because their purpose filter does not admit it."""

    event_id: str
    shares: tuple[Share, ...]
    transfers: tuple[Transfer, ...]
    vault: tuple[VaultEntry, ...]
    withheld: tuple[str, ...] = ()


def involved_domains(incident: Incident, reporting_agency: str, alerted: Collection[str]) -> frozenset[str]:
    """The domains taking part in an incident, for the unit-position rule: those alerted (sent a share of it),
    assigned (named in its ``references``) and the one reporting it."""
    assigned = {ref.agency for ref in incident.references}
    return frozenset(alerted) | assigned | {reporting_agency}


class IncidentDomains(Mapping[str, frozenset[str]]):
    """Incident id -> the domains the incident was shared with, for the unit-position rule; the newest
    ``max_incidents`` only (an LRU), so a long-running worker stays bounded.

    Held in memory per worker for now: a unit status handled by a worker that has not seen its incident finds no
    domain involved, and the position stays out (fail closed). The router will own this table (with the alerted
    domains and the references), and this stage will read it from there.
    """

    def __init__(self, max_incidents: int = 100_000) -> None:
        self._max = max_incidents
        self._domains: OrderedDict[str, frozenset[str]] = OrderedDict()

    def record(self, incident_id: str, domains: Collection[str]) -> None:
        """Note that ``incident_id`` went to ``domains`` (added to the domains it went to before)."""
        self._domains[incident_id] = self._domains.get(incident_id, frozenset()) | frozenset(domains)
        self._domains.move_to_end(incident_id)
        while len(self._domains) > self._max:
            self._domains.popitem(last=False)

    def __getitem__(self, incident_id: str) -> frozenset[str]:
        return self._domains[incident_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._domains)

    def __len__(self) -> int:
        return len(self._domains)


class Pseudonymiser:
    """Turns canonical events into shares by the policy; keeps the incident -> domains table between events."""

    def __init__(
        self,
        policy: Policy,
        keys: KeyRing,
        periods: RetentionPeriods,
        *,
        stops: StopIndex | None = None,
        scrubber: Callable[[str], str] | None = None,
        incidents: IncidentDomains | None = None,
    ) -> None:
        self.policy = policy
        self.keys = keys
        self.periods = periods
        self.incidents = incidents if incidents is not None else IncidentDomains()
        self._unassigned = TransformContext(stops=stops, scrubber=scrubber)
        self._assigned = replace(self._unassigned, unit_assigned=True)

    def process(self, raw: bytes) -> Pseudonymised:
        """The shares of one ``canon.*`` record, all or none.

        Raises ``InvalidEventError`` for a record that is no canonical event or whose share would not validate, and
        ``PolicyViolation`` when a share would carry what must never leave the police domain; in both cases no
        share of the event is made.
        """
        event = CloudEvent.from_bytes(raw)
        if event.hubrecipient is not None:
            raise InvalidEventError(
                "a share (hubrecipient is set), not a canonical event; only canon.* is pseudonymised",
                "undecodable",
            )
        if event.hubkind not in CANONICAL_KINDS:
            raise InvalidEventError(
                f"hubkind has no share topics (shared kinds: {', '.join(CANONICAL_KINDS)})", "unknown_kind"
            )
        payload = unwrap(event)  # the canon topic is trusted to be canonical, but checked: it costs little
        agency = source_agency(event.source)
        retention_class, expires_at = self.periods.expires_at(event.hubkind, event.data, event.time)
        shares: list[Share] = []
        transfers: list[Transfer] = []
        vault: list[VaultEntry] = []
        withheld: list[str] = []
        for domain in self.policy.receivers(event.hubkind):
            if not self.policy.domain(domain).admits(event.hubkind, event.data):
                withheld.append(domain)  # not its business: no share, no register row, no vault entry
                continue
            record = share_record(event, domain, self.policy, self.keys, context=self._context(payload, domain))
            if record is None:
                continue
            value = record.value()
            shares.append(Share(domain, record.topic, record.key, value))
            domain_policy = self.policy.domain(domain)
            if is_transfer(agency, domain):
                transfers.append(
                    Transfer(
                        share_id=record.event.id,
                        canonical_id=event.id,
                        recipient=domain,
                        source_agency=agency,
                        kind=event.hubkind,
                        topic=record.topic,
                        purpose=domain_policy.purpose,
                        legal_basis=domain_policy.legal_basis,
                        content_sha256=content_digest(value),
                    )
                )
            plan = domain_policy.plan(event.hubkind)
            if not domain_policy.is_police and plan is not None:
                key = self.keys.for_domain(domain).active
                ids = field_keys(self.keys, domain)
                vault += vault_entries(event, domain, plan, key, retention_class, expires_at, ids)
        if isinstance(payload, Incident):  # only once every share of it was made
            self.incidents.record(payload.incident_id, involved_domains(payload, agency, [s.domain for s in shares]))
        return Pseudonymised(event.id, tuple(shares), tuple(transfers), tuple(vault), tuple(withheld))

    def _context(self, payload: Any, domain: str) -> TransformContext:
        if isinstance(payload, UnitStatus) and unit_on_shared_incident(payload, domain, self.incidents):
            return self._assigned
        return self._unassigned
