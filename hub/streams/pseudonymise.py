"""The pseudonymise stage's pure core: one canonical event in; its shares, the transfer-register rows and the
police-only vault entries out (``Pseudonymiser.process``, no Kafka, database or clock). ``hub.privacy.setup``
builds its policy, keys and scrubber at worker start.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any, NamedTuple

from hub.errors import InvalidEventError
from hub.privacy.keys import KeyRing
from hub.privacy.policy import Policy
from hub.privacy.pseudonym import pseudonymise
from hub.privacy.register import Transfer, content_digest, is_transfer, source_agency
from hub.privacy.retention import RetentionPeriods
from hub.privacy.transform import (
    SharePlan,
    StopIndex,
    TransformContext,
    share_of,
    share_plan,
    unit_on_shared_incident,
)
from hub.privacy.vault import VaultEntry, vault_entries
from hub.schemas import CloudEvent, Incident, UnitStatus, unwrap
from hub.topology import CANONICAL_KINDS

__all__ = [
    "PSEUDONYM_CACHE",
    "SCRUB_CACHE",
    "IncidentDomains",
    "Pseudonymised",
    "Pseudonymiser",
    "Share",
    "involved_domains",
]


class Share(NamedTuple):
    """One share ready to send: recipient domain, declared topic, Kafka key and value. (Named tuples here: one or
    more of each per event, made in a quarter of a frozen dataclass's time.)"""

    domain: str
    topic: str
    key: bytes
    value: bytes


class Pseudonymised(NamedTuple):
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


PSEUDONYM_CACHE = 16_384
"""Pseudonyms kept per worker, by value and key: an incident's id, a trip's id, the source id recur across updates
and domains (the vault entries repeat the transform's), and an HMAC costs more than a look-up."""

SCRUB_CACHE = 1_024
"""Scrubbed texts kept per worker: a text goes to every domain that scrubs it, and updates repeat their text."""


class Pseudonymiser:
    """Turns canonical events into shares by the policy; keeps the incident -> domains table between events.

    The share plans are compiled once per kind (``hub.privacy.transform.share_plan``), and pseudonyms and scrubbed
    texts are cached (bounded LRUs, ``PSEUDONYM_CACHE``, ``SCRUB_CACHE``): both are pure functions of their input,
    so the shares are the same bytes as without the caches. The caches hold originals (ids, free text) in memory,
    as the worker does while it handles them; they never leave the process.
    """

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
        self._pseudonyms = lru_cache(maxsize=PSEUDONYM_CACHE)(pseudonymise)
        scrub = lru_cache(maxsize=SCRUB_CACHE)(scrubber) if scrubber is not None else None
        self._unassigned = TransformContext(stops=stops, scrubber=scrub, pseudonyms=self._pseudonyms)
        self._assigned = replace(self._unassigned, unit_assigned=True)
        self._plans: dict[str, tuple[SharePlan, ...]] = {}

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
        for plan in self._plans_of(event.hubkind):
            domain = plan.domain
            if not plan.admits(event.data):
                withheld.append(domain)  # not its business: no share, no register row, no vault entry
                continue
            record = share_of(event, plan, self._context(payload, domain), payload=payload)
            value = record.raw
            shares.append(Share(domain, record.topic, record.key, value))
            if is_transfer(agency, domain):
                transfers.append(
                    Transfer(
                        share_id=record.id,
                        canonical_id=event.id,
                        recipient=domain,
                        source_agency=agency,
                        kind=event.hubkind,
                        topic=record.topic,
                        purpose=plan.policy.purpose,
                        legal_basis=plan.policy.legal_basis,
                        content_sha256=content_digest(value),
                    )
                )
            if not plan.policy.is_police:
                vault += vault_entries(
                    event,
                    domain,
                    plan.plan,
                    plan.key,
                    retention_class,
                    expires_at,
                    plan.id_keys,
                    self._pseudonyms,
                    source_pseudonym=record.source_id,
                )
        if isinstance(payload, Incident):  # only once every share of it was made
            self.incidents.record(payload.incident_id, involved_domains(payload, agency, [s.domain for s in shares]))
        return Pseudonymised(event.id, tuple(shares), tuple(transfers), tuple(vault), tuple(withheld))

    def _plans_of(self, kind: str) -> tuple[SharePlan, ...]:
        """The share plans of ``kind``, one per receiving domain in ``DOMAINS`` order; compiled on first use, so a
        ring without a receiving domain's key fails at the first event of a kind that domain receives."""
        plans = self._plans.get(kind)
        if plans is None:
            compiled = (share_plan(self.policy, self.keys, domain, kind) for domain in self.policy.receivers(kind))
            plans = self._plans[kind] = tuple(p for p in compiled if p is not None)
        return plans

    def _context(self, payload: Any, domain: str) -> TransformContext:
        if isinstance(payload, UnitStatus) and unit_on_shared_incident(payload, domain, self.incidents):
            return self._assigned
        return self._unassigned
