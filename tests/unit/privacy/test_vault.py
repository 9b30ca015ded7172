"""The vault's pure side: which pseudonyms it records (exactly those the shares carry) and which requests may
may look into it (the reason rule; who asks is the database's check, tests/integration/test_db_roles.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS, default_policy
from hub.privacy.pseudonym import is_pseudonym
from hub.privacy.transform import TransformContext, for_domain
from hub.privacy.vault import case_references, reason_problem, request_problem, vault_entries
from hub.schemas import KINDS, CloudEvent, example_payload, wrap

POLICY = default_policy()
KEYS = demo_keyring(DOMAINS)
EXPIRES = datetime(2028, 1, 1, tzinfo=UTC)


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
    ("reason", "references"),
    [
        ("Rückruf zu E-2026-11-123", ["E-2026-11-123"]),
        ("Zeugenbefragung VG/123/26 und ST/0815/2026", ["VG/123/26", "ST/0815/2026"]),
        ("Einsatz PI-HAL-E-0000123", ["PI-HAL-E-0000123"]),
        ("Verfahren 123 Js 4567/26", ["123 Js 4567/26"]),
        ("Halter HAL-AB-123 ermitteln", []),  # a plate, not a case: fewer than five digits
        ("Halter HAL-AB 1234 ermitteln", []),
        ("e-2026-11-123 klein geschrieben", []),
        ("Einsatz 4711", []),
    ],
)
def test_case_references(reason: str, references: list[str]) -> None:
    """Letters then digit groups (five digits or more) joined by - or /, or a prosecutor's file number."""
    assert case_references(reason) == references


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("Rückruf beim Anrufer zu Einsatz PI-HAL-E-0000123", None),
        ("  Rückruf   beim Anrufer\n zu E-2026-11-123 ", None),
        ("a b c d e f g h", "no case reference"),
        ("", "no case reference"),
        ("E-2026-11-123 a b", "at least two words"),
        ("Rückruf 0345 1234567 zu E-2026-11-123", "five or more digits"),
        ("Rückruf 0345-1234567 zu E-2026-11-123", "five or more digits"),
        ("IBAN DE89 3704 0044 0532 0130 00 prüfen, E-2026-11-123", "five or more digits"),
        ("Mail an a.b@example.org zu E-2026-11-123", "e-mail"),
        ("x" * 301 + " E-2026-11-123", "at most 300"),
    ],
)
def test_reason_problem(reason: str, problem: str | None) -> None:
    """The database's rule, mirrored: a case reference, two more words, no e-mail, no long number."""
    found = reason_problem(reason)
    assert (found is None) == (problem is None)
    if problem is not None:
        assert found is not None
        assert problem in found


def test_request_problem_finds_names_and_plates_the_database_cannot_see() -> None:
    """The scrubber runs over the reason (its case references aside) and names the categories, never the value."""
    assert request_problem("Zeuge Thomas Müller befragen, E-2026-11-123") == (
        "personal data (NAME): name the case, not the person"
    )
    problem = request_problem("Halter HAL-AB 123 ermitteln, E-2026-11-123")
    assert problem is not None
    assert "PLATE" in problem
    assert "HAL" not in problem
    assert request_problem("Rückruf beim Anrufer zu Vorgang E-2026-11-123") is None
    assert request_problem("weil") == reason_problem("weil")
