"""The pseudonymise stage's pure core: one canonical event in; its shares, the transfer-register rows and the
police-only vault entries out (``Pseudonymiser.process``, no Kafka, database or clock). ``stage_policy``,
``stage_keys`` and ``stage_scrubber`` set it up at worker start and refuse to start on a bad policy or missing keys.
"""

from __future__ import annotations

import importlib
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import structlog

from hub.config import Settings
from hub.errors import ConfigError, InvalidEventError
from hub.privacy.keys import KEY_DIR_ENV, KEY_ENV_PREFIX, KeyRing, demo_keyring, load_keyring
from hub.privacy.policy import Policy, default_policy, load_policy
from hub.privacy.register import Transfer, content_digest, is_transfer, source_agency
from hub.privacy.retention import RetentionPeriods
from hub.privacy.transform import StopIndex, TransformContext, share_record, unit_on_shared_incident
from hub.privacy.vault import VaultEntry, vault_entries
from hub.schemas import CloudEvent, Incident, UnitStatus, unwrap
from hub.topology import CANONICAL_KINDS

__all__ = [
    "WITHHELD_TEXT",
    "IncidentDomains",
    "Pseudonymised",
    "Pseudonymiser",
    "Share",
    "receiving_domains",
    "stage_keys",
    "stage_policy",
    "stage_scrubber",
]

log = structlog.get_logger(__name__)

WITHHELD_TEXT = "[Freitext zurückgehalten]"
"""What a ``scrub`` rule yields while no scrubber is installed: the whole text is withheld (fail closed)."""


@dataclass(frozen=True)
class Share:
    """One share ready to send: recipient domain, declared topic, Kafka key and value."""

    domain: str
    topic: str
    key: bytes
    value: bytes


@dataclass(frozen=True)
class Pseudonymised:
    """What one canonical event becomes: its shares, the transfers among them, the vault entries they need."""

    event_id: str
    shares: tuple[Share, ...]
    transfers: tuple[Transfer, ...]
    vault: tuple[VaultEntry, ...]


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
                f"a share for {event.hubrecipient!r}, not a canonical event; only canon.* is pseudonymised",
                "undecodable",
            )
        if event.hubkind not in CANONICAL_KINDS:
            raise InvalidEventError(f"kind {event.hubkind!r} has no share topics", "unknown_kind")
        payload = unwrap(event)  # the canon topic is trusted to be canonical, but checked: it costs little
        agency = source_agency(event.source)
        retention_class, expires_at = self.periods.expires_at(event.hubkind, event.data, event.time)
        shares: list[Share] = []
        transfers: list[Transfer] = []
        vault: list[VaultEntry] = []
        for domain in self.policy.receivers(event.hubkind):
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
                vault += vault_entries(event, domain, plan, key, retention_class, expires_at)
        if isinstance(payload, Incident):  # only once every share of it was made
            self.incidents.record(payload.incident_id, [s.domain for s in shares])
        return Pseudonymised(event.id, tuple(shares), tuple(transfers), tuple(vault))

    def _context(self, payload: Any, domain: str) -> TransformContext:
        if isinstance(payload, UnitStatus) and unit_on_shared_incident(payload, domain, self.incidents):
            return self._assigned
        return self._unassigned


# --- set-up at worker start ----------------------------------------------------------------------------------


def stage_policy(settings: Settings) -> Policy:
    """The policy of ``HUB_POLICY_PATH``, else the shipped one, validated (``PolicyError`` names every problem)."""
    return load_policy(settings.policy_path) if settings.policy_path is not None else default_policy()


def receiving_domains(policy: Policy) -> tuple[str, ...]:
    """The domains that receive any event kind, and so need a key."""
    return tuple(name for name, domain in policy.domains.items() if domain.kinds)


def stage_keys(settings: Settings, policy: Policy, environ: Mapping[str, str]) -> KeyRing:
    """The key ring: configured keys, or with ``HUB_PSEUDONYM_KEYS=demo`` (and only then) the public demo keys.

    Demo keys while real key material is configured, or no keys for a receiving domain, refuse the start.
    """
    domains = receiving_domains(policy)
    if settings.pseudonym_keys == "demo":
        configured = sorted(n for n in environ if (n == KEY_DIR_ENV or n.startswith(KEY_ENV_PREFIX)) and environ[n])
        if configured:
            raise ConfigError(
                f"HUB_PSEUDONYM_KEYS=demo, but key material is configured ({', '.join(configured)}); "
                "unset HUB_PSEUDONYM_KEYS to use that key material, or remove it to run on the demo keys"
            )
        log.warning(
            "DEMO PSEUDONYMISATION KEYS: derived from a public seed, anyone can recompute every pseudonym; "
            "never use them with real data (unset HUB_PSEUDONYM_KEYS and configure keys, see docs/privacy.md)"
        )
        return demo_keyring(domains)
    try:
        return load_keyring(domains, environ)
    except ConfigError as exc:
        raise ConfigError(
            f"{exc}. The pseudonymise stage does not start without keys; "
            "for the demo and tests only, HUB_PSEUDONYM_KEYS=demo uses public demo keys"
        ) from None


def stage_scrubber(policy: Policy) -> Callable[[str], str] | None:
    """The free-text scrubber for ``scrub`` rules: ``hub.privacy.scrub``; while it is not installed, one that
    withholds the whole text (fail closed, with a warning). None when the policy has no ``scrub`` rule."""
    needed = any(
        step.rule.action == "scrub"
        for domain in policy.domains.values()
        for plan in domain.plans.values()
        for step in plan.steps
    )
    if not needed:
        return None
    try:
        module: Any = importlib.import_module("hub.privacy.scrub")
    except ModuleNotFoundError as exc:
        if exc.name != "hub.privacy.scrub":
            raise  # the scrubber is there but broken: refuse to start rather than guess
        log.warning("hub.privacy.scrub is not installed: free text under a scrub rule is withheld whole")
        return _withhold

    def scrub(text: str) -> str:
        result: str = module.scrub(text).text
        return result

    return scrub


def _withhold(text: str) -> str:
    return WITHHELD_TEXT
