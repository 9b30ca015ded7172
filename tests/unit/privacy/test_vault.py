"""The vault's pure side: which pseudonyms it records (exactly those the shares carry) and which requests may
look into it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS, default_policy
from hub.privacy.pseudonym import is_pseudonym
from hub.privacy.transform import TransformContext, for_domain
from hub.privacy.vault import check_request, vault_entries
from hub.schemas import KINDS, CloudEvent, example_payload, wrap

POLICY = default_policy()
KEYS = demo_keyring(DOMAINS)
EXPIRES = datetime(2028, 1, 1, tzinfo=UTC)
ROLES = {"polizei-lagedienst"}
PSEUDONYM = "ps1.k1." + "a" * 26


def _event(kind: str, data: dict[str, Any], record: str) -> CloudEvent:
    payload = KINDS[kind].model.model_validate(data)
    return wrap(payload, source="/polizei/els", source_record_id=record, time=datetime(2026, 11, 20, tzinfo=UTC))


def _entries(event: CloudEvent, domain: str) -> list[Any]:
    plan = POLICY.domain(domain).plan(event.hubkind)
    assert plan is not None
    return vault_entries(event, domain, plan, KEYS.for_domain(domain).active, "standard", EXPIRES)


@pytest.mark.parametrize("i", range(0, 40, 3))
@pytest.mark.parametrize(
    ("domain", "kind"),
    [("ordnungsamt", "incident"), ("analytics", "incident"), ("ordnungsamt", "unit-status"), ("havag", "incident")],
)
def test_vault_entries_are_the_pseudonyms_in_the_share(domain: str, kind: str, i: int) -> None:
    """Every pseudonym in a share has a vault entry with its original, and the vault has no other pseudonym."""
    event = _event(kind, example_payload(kind, i), f"{kind}-{i}")
    share = for_domain(event, domain, POLICY, KEYS, context=TransformContext(scrubber=lambda t: "", unit_assigned=True))
    if share is None:  # the domain's purpose filter does not admit this example: the stage makes no vault entry
        assert not POLICY.domain(domain).admits(kind, event.data)
        return
    text = share.to_bytes().decode()
    entries = _entries(event, domain)
    assert {e.pseudonym for e in entries} == {w for w in _tokens(text) if is_pseudonym(w)}
    for e in entries:
        assert e.domain == domain
        assert e.retention_class == "standard"
        assert e.expires_at == EXPIRES


def _tokens(text: str) -> set[str]:
    import re

    return set(re.findall(r"ps1\.[A-Za-z0-9_-]+\.[a-z2-7]{26}", text))


def test_vault_entry_fields_and_originals() -> None:
    """Entries name the kind and field path and keep the value as it was, list items one by one."""
    data = example_payload("incident", 12)  # an Ordnungsamt patrol report with references to HAVAG and the police
    event = _event("incident", data, "OA-HAL-12")
    by_field: dict[str, set[str]] = {}
    for e in _entries(event, "ordnungsamt"):
        by_field.setdefault(e.field, set()).add(e.original)
    assert by_field["incident.incident_id"] == {data["incident_id"]}
    assert by_field["incident.references.ref_id"] == {ref["ref_id"] for ref in data["references"]}
    assert len(data["references"]) == 2
    assert by_field["incident.hubsourceid"] == {"OA-HAL-12"}


def test_unit_call_sign_is_in_the_vault_for_the_police_only_to_read() -> None:
    """The Ordnungsamt sees a call sign as a pseudonym; the vault maps it back to the call sign."""
    data = example_payload("unit-status", 0)
    entries = {e.field: e for e in _entries(_event("unit-status", data, "u-0"), "ordnungsamt")}
    assert entries["unit-status.unit"].original == data["unit"]


def test_empty_values_make_no_entry() -> None:
    """A caller without a phone number gives no entry for the phone."""
    data = {**example_payload("incident", 0), "caller": {"name": "Erika Mustermann", "phone": None}}
    fields = {e.field for e in _entries(_event("incident", data, "E-0"), "ordnungsamt")}
    assert "incident.caller.name" in fields
    assert "incident.caller.phone" not in fields


@pytest.mark.parametrize(
    ("pseudonym", "role", "reason", "outcome"),
    [
        (PSEUDONYM, "polizei-lagedienst", "Rückruf beim Anrufer zu Einsatz PI-HAL-E-0000123", None),
        (PSEUDONYM, "ordnungsamt-leitstelle", "Rückruf beim Anrufer zu Einsatz PI-HAL-E-0000123", "refused_role"),
        (PSEUDONYM, "", "Rückruf beim Anrufer zu Einsatz PI-HAL-E-0000123", "refused_role"),
        (PSEUDONYM, "polizei-lagedienst", "", "refused_reason"),
        (PSEUDONYM, "polizei-lagedienst", "weil halt", "refused_reason"),
        (PSEUDONYM, "polizei-lagedienst", "a b c", "refused_reason"),
        ("Erika Mustermann", "polizei-lagedienst", "Rückruf beim Anrufer zu Einsatz 123", "refused_pseudonym"),
    ],
)
def test_check_request(pseudonym: str, role: str, reason: str, outcome: str | None) -> None:
    """Only an authorised role with a reason of some words and a well-formed pseudonym gets to the vault."""
    assert check_request(pseudonym, role, reason, ROLES) == outcome
