"""The pseudonymise stage's core as it was before the compiled share plans and caches (decision of 2026-12-06,
issue 13): one pydantic round trip per recipient domain. Kept only as the reference that
``test_pseudonymise_equivalence`` compares the production core against, byte for byte; nothing else imports it.
The helpers the two share unchanged (``_replace``, ``_final_check``, ``_validated``, ``vault_entries``) are
imported, the code that changed is copied as it was."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hub.errors import InvalidEventError
from hub.privacy.keys import KeyRing, SecretKey
from hub.privacy.policy import DomainPolicy, Policy
from hub.privacy.pseudonym import field_keys, keyed_event_id, pseudonymise
from hub.privacy.register import UNKNOWN_AGENCY, Transfer, content_digest, is_transfer, source_agency
from hub.privacy.retention import RetentionPeriods
from hub.privacy.transform import (
    TransformContext,
    _final_check,
    _replace,
    _validated,
    bucket_time,
    unit_on_shared_incident,
)
from hub.privacy.vault import VaultEntry, vault_entries
from hub.schemas import KINDS, CloudEvent, Incident, UnitStatus, unwrap
from hub.streams.pseudonymise import IncidentDomains, Pseudonymised, Share, involved_domains
from hub.topology import CANONICAL_KINDS, spec


def old_for_domain(
    event: CloudEvent, domain: str, policy: Policy, keys: KeyRing, *, context: TransformContext
) -> CloudEvent | None:
    if event.hubrecipient is not None:
        raise ValueError(f"event {event.id} is already a share for {event.hubrecipient!r}; transform canon events")
    domain_policy = policy.domain(domain)
    plan = domain_policy.plan(event.hubkind)
    if plan is None:
        return None
    kind = KINDS[event.hubkind]
    if event.type != kind.ce_type:
        raise InvalidEventError(f"type does not match hubkind {kind.name}", "undecodable")
    key = keys.for_domain(domain).active
    if not domain_policy.admits(event.hubkind, event.data):
        return None
    overrides = field_keys(keys, domain)
    data = dict(event.data)
    for step in plan.steps:
        data = _replace(data, step.segments, step, overrides.get(f"{kind.name}.{step.path}", key), context)
    position_allowed = True
    if kind.name == "unit-status" and not domain_policy.is_police:
        position_allowed = context.unit_assigned or data.get("agency") == domain
        if not position_allowed:
            data["position"] = None
    unchanged = data == event.data
    payload = kind.model.model_construct(**data) if unchanged else _validated(kind, data, domain)
    subject = kind.partition_key(payload)
    if not domain_policy.is_police:
        _final_check(event.data, data, kind, domain, subject, position_allowed)
    return event.model_copy(
        update={
            "id": keyed_event_id(event.id, domain, key),
            "time": bucket_time(event.time, plan.time_bucket_minutes) if plan.time_bucket_minutes else event.time,
            "subject": subject,
            "data": data,
            "hubrecipient": domain,
            **_old_envelope(event, domain_policy, key),
        }
    )


def _old_envelope(event: CloudEvent, domain_policy: DomainPolicy, key: SecretKey) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if domain_policy.envelope_rule("source").method == "agency":
        agency = source_agency(event.source)
        changed["source"] = "/hub" if agency == UNKNOWN_AGENCY else f"/{agency}"
    if domain_policy.envelope_rule("hubsourceid").action == "pseudonymise":
        changed["hubsourceid"] = pseudonymise(event.hubsourceid, key)
    if domain_policy.envelope_rule("dataschema").action == "drop":
        changed["dataschema"] = None
    return changed


def old_process(
    policy: Policy,
    keys: KeyRing,
    periods: RetentionPeriods,
    incidents: IncidentDomains,
    unassigned: TransformContext,
    raw: bytes,
) -> Pseudonymised:
    """``Pseudonymiser.process`` as it was, with the parts a ``Pseudonymiser`` held passed in."""
    event = CloudEvent.from_bytes(raw)
    if event.hubrecipient is not None:
        raise InvalidEventError(
            "a share (hubrecipient is set), not a canonical event; only canon.* is pseudonymised", "undecodable"
        )
    if event.hubkind not in CANONICAL_KINDS:
        raise InvalidEventError(
            f"hubkind has no share topics (shared kinds: {', '.join(CANONICAL_KINDS)})", "unknown_kind"
        )
    payload = unwrap(event)
    agency = source_agency(event.source)
    retention_class, expires_at = periods.expires_at(event.hubkind, event.data, event.time)
    assigned = replace(unassigned, unit_assigned=True)
    shares: list[Share] = []
    transfers: list[Transfer] = []
    vault: list[VaultEntry] = []
    withheld: list[str] = []
    for domain in policy.receivers(event.hubkind):
        if not policy.domain(domain).admits(event.hubkind, event.data):
            withheld.append(domain)
            continue
        on_incident = isinstance(payload, UnitStatus) and unit_on_shared_incident(payload, domain, incidents)
        share = old_for_domain(event, domain, policy, keys, context=assigned if on_incident else unassigned)
        if share is None:
            continue
        assert share.subject is not None
        topic, key, value = spec(f"share.{domain}.{share.hubkind}").name, share.subject.encode(), share.to_bytes()
        shares.append(Share(domain, topic, key, value))
        domain_policy = policy.domain(domain)
        if is_transfer(agency, domain):
            transfers.append(
                Transfer(
                    share_id=share.id,
                    canonical_id=event.id,
                    recipient=domain,
                    source_agency=agency,
                    kind=event.hubkind,
                    topic=topic,
                    purpose=domain_policy.purpose,
                    legal_basis=domain_policy.legal_basis,
                    content_sha256=content_digest(value),
                )
            )
        plan = domain_policy.plan(event.hubkind)
        if not domain_policy.is_police and plan is not None:
            active = keys.for_domain(domain).active
            vault += vault_entries(event, domain, plan, active, retention_class, expires_at, field_keys(keys, domain))
    if isinstance(payload, Incident):
        incidents.record(payload.incident_id, involved_domains(payload, agency, [s.domain for s in shares]))
    return Pseudonymised(event.id, tuple(shares), tuple(transfers), tuple(vault), tuple(withheld))
