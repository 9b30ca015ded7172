"""Default deny, proved over every model of hub/schemas: the shipped policy has a rule for every field (text or not)
of every kind each non-police domain receives, and taking any one rule away refuses the load, naming kind and field.
Also the purpose filters and envelope rules as data, validated at load, and the generated docs/privacy.md section."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from hub.errors import PolicyError
from hub.privacy.policy import ENVELOPE_FIELDS, POLICE_DOMAIN, default_policy, leaf_fields, policy_from_mapping
from hub.privacy.policy_doc import policy_markdown, replace_generated
from hub.schemas import KINDS, example_payload, sensitive_fields
from hub.topology import CANONICAL_KINDS

POLICY = default_policy()
DOC = Path(__file__).resolve().parents[3] / "docs" / "privacy.md"


def _doc() -> dict[str, Any]:
    return tomllib.loads(resources.files("hub.privacy").joinpath("default_policy.toml").read_text(encoding="utf-8"))


def _problems(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(doc)
    return list(info.value.problems)


def _rule_for(plan_rules: Any, path: str) -> tuple[str, Any]:
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        at = ".".join(parts[:n])
        if at in plan_rules:
            return at, plan_rules[at]
    raise AssertionError(path)


def test_every_shared_kind_is_a_model_of_hub_schemas_and_alerts_are_not_shared() -> None:
    """The kinds that have share topics are exactly the canonical models but the alert (which has its own topics)."""
    assert set(CANONICAL_KINDS) == set(KINDS) - {"alert"}


@pytest.mark.parametrize("kind", CANONICAL_KINDS)
def test_shipped_policy_rules_every_field_of_every_kind_outside_the_police(kind: str) -> None:
    """Every leaf field (and every text field in particular: nested, in lists) has a rule of its own, or one on an
    object holding it that drops it (text) or covers it (numbers, times, enumerations)."""
    for domain in POLICY.domains.values():
        plan = domain.plan(kind)
        if domain.is_police or plan is None:
            continue
        for path, is_text in leaf_fields(KINDS[kind].model):
            at, rule = _rule_for(plan.rules, path)
            assert at == path or rule.action == "drop" or not is_text, (domain.name, kind, path)
        assert set(domain.envelope) == set(ENVELOPE_FIELDS), domain.name
        assert domain.envelope_rule("hubsourceid").action == "pseudonymise"


def _field_rules(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(domain, kind, dotted path) of every per-field rule in the policy document."""
    found: list[tuple[str, str, str]] = []

    def walk(domain: str, kind: str, table: dict[str, Any], prefix: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict) and "action" not in value:
                walk(domain, kind, value, f"{prefix}{key}.")
            else:
                found.append((domain, kind, f"{prefix}{key}"))

    for name, table in doc["domains"].items():
        if name == POLICE_DOMAIN:
            continue
        for kind, sub in table.get("fields", {}).items():
            walk(name, kind, sub, "")
    return found


@pytest.mark.parametrize(("domain", "kind", "path"), _field_rules(_doc()))
def test_removing_any_field_rule_refuses_the_load_naming_it(domain: str, kind: str, path: str) -> None:
    """Take one per-field rule away: the load fails, naming the domain, the kind and the field (or one inside it)."""
    doc = copy.deepcopy(_doc())
    table = doc["domains"][domain]["fields"][kind]
    *parents, leaf = path.split(".")
    for part in parents:
        table = table[part]
    del table[leaf]
    problems: list[str] = []
    try:
        policy = policy_from_mapping(doc)
    except PolicyError as exc:
        problems = list(exc.problems)
    if problems:
        assert f"domain {domain!r}, kind {kind!r}, field '{path}" in "\n".join(problems)
        return
    # Still valid only where a classification rule (explicit too) takes over every marked field under it.
    marks = sensitive_fields(KINDS[kind].model)
    plan = policy.domain(domain).plan(kind)
    assert plan is not None
    under = [p for p, _ in leaf_fields(KINDS[kind].model) if p == path or p.startswith(f"{path}.")]
    assert under
    assert all(p in marks and marks[p] in doc["domains"][domain]["rules"] for p in under), under


@pytest.mark.parametrize("attribute", ENVELOPE_FIELDS)
def test_removing_an_envelope_rule_refuses_the_load(attribute: str) -> None:
    """The envelope's source, source id and schema need a rule too in every non-police domain with events."""
    doc = _doc()
    del doc["domains"]["havag"]["envelope"][attribute]
    assert f"domain 'havag', envelope, attribute '{attribute}' (text): no rule lets it out" in _problems(doc)[0]


def test_removing_a_classification_rule_refuses_the_load() -> None:
    """Without rules.operational_secret the Ordnungsamt's unit call sign is uncovered: named, once."""
    doc = _doc()
    del doc["domains"]["ordnungsamt"]["rules"]["operational_secret"]
    assert _problems(doc) == [
        "domain 'ordnungsamt', kind 'unit-status', field 'unit' (operational_secret): no rule covers it; "
        "add rules.operational_secret or fields.unit-status.unit"
    ]


def test_keeping_an_object_does_not_let_the_text_in_it_out() -> None:
    """A keep on the incident's location covers its numbers, not its address: that needs a rule of its own."""
    doc = _doc()
    doc["domains"]["havag"]["rules"]["personal"] = "keep"
    doc["domains"]["havag"]["fields"]["incident"]["location"] = "keep"
    doc["domains"]["havag"]["fields"]["incident"]["description"] = "drop"
    del doc["domains"]["havag"]["rules"]["personal"]
    problems = _problems(doc)
    assert any("field 'location.address' (personal): no rule covers it" in p for p in problems)


def test_hubsourceid_must_be_pseudonymised_outside_the_police() -> None:
    """A source record id may hold a call sign: keeping it for a non-police domain is refused."""
    doc = _doc()
    doc["domains"]["analytics"]["envelope"]["hubsourceid"] = "keep"
    assert "attribute 'hubsourceid': a source record id may hold a call sign" in "\n".join(_problems(doc))


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "vehicle", "present": True}, "why must say why"),
        ({"field": "vehicel", "present": True, "why": "x"}, "unknown field path 'vehicel'"),
        ({"field": "origin", "in": ["tram_driver"], "why": "x"}, "not among the field's values"),
        ({"field": "type_code", "prefix": ["TRAM"], "why": "x"}, "not type codes the hub knows: TRAM"),
        ({"field": "line", "prefix": ["TRANSIT"], "why": "x"}, "prefix applies to type codes only"),
        ({"field": "references.agency", "in": ["HAVAG"], "why": "x"}, "do not match the field's pattern"),
        ({"field": "vehicle", "present": True, "in": ["1"], "why": "x"}, "a condition is"),
    ],
)
def test_filter_conditions_are_validated(condition: dict[str, Any], message: str) -> None:
    """Purpose filters are data, checked at load against the schema like the rules."""
    doc = _doc()
    doc["domains"]["havag"]["filters"]["incident"]["any_of"].append(condition)
    assert message in "\n".join(_problems(doc))


def test_filter_for_a_kind_not_received_is_refused() -> None:
    """A filter on a kind the domain does not receive is dead configuration."""
    doc = _doc()
    doc["domains"]["havag"]["filters"]["unit-status"] = {"any_of": [{"field": "emergency", "in": ["x"], "why": "x"}]}
    assert "the domain does not receive kind 'unit-status'" in _problems(doc)[0]


def _incident(**changes: Any) -> dict[str, Any]:
    base = {
        **example_payload("incident", 5),
        "type_code": "CRIME/THREAT",
        "origin": "citizen_call",
        "confidentiality": "restricted",
        "stop_dhid": None,
        "line": None,
        "vehicle": None,
        "references": [],
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    ("changes", "havag", "ordnungsamt"),
    [
        ({}, False, False),  # a threat in a flat: neither's business
        ({"vehicle": "654"}, True, False),
        ({"line": "2"}, True, False),
        ({"stop_dhid": "de:15002:5232"}, True, False),
        ({"type_code": "TRANSIT/OBSTRUCTION"}, True, False),
        ({"origin": "driver_alarm"}, True, False),
        ({"references": [{"agency": "havag", "ref_id": "H-1"}]}, True, False),
        ({"type_code": "PUBLIC_ORDER/NUISANCE"}, False, True),
        ({"type_code": "SAFETY/HELPLESS_PERSON"}, False, True),
        ({"type_code": "SAFETY/MISSING_PERSON"}, False, False),
        ({"type_code": "TECHNICAL/LIGHTING"}, False, True),
        ({"origin": "open311"}, False, True),
        ({"references": [{"agency": "ordnungsamt", "ref_id": "O-1"}]}, False, True),
        ({"type_code": "PUBLIC_ORDER", "vehicle": "654", "confidentiality": "confidential"}, False, False),
        ({"type_code": "CRIME/DOMESTIC", "confidentiality": "confidential"}, False, False),
    ],
)
def test_purpose_filters_of_the_shipped_policy(changes: dict[str, Any], havag: bool, ordnungsamt: bool) -> None:
    """HAVAG: its vehicles, lines, stops, the transit operation, its reports, a reference to it; the Ordnungsamt: its
    remit, its reports, assigned to it; neither a confidential incident; analytics and the police every one."""
    data = _incident(**changes)
    KINDS["incident"].model.model_validate(data)
    assert POLICY.domain("havag").admits("incident", data) is havag
    assert POLICY.domain("ordnungsamt").admits("incident", data) is ordnungsamt
    assert POLICY.domain("analytics").admits("incident", data)
    assert POLICY.domain("polizei").admits("incident", data)


def test_generated_policy_section_of_docs_privacy_is_current() -> None:
    """docs/privacy.md says field by field what the shipped policy does: python -m tools.privacy_policy_doc."""
    document = DOC.read_text(encoding="utf-8")
    assert replace_generated(document, policy_markdown(POLICY)) == document
    generated = policy_markdown(POLICY)
    assert "| `legal_basis` |  | generalise (citation) |" in generated
    assert "`state.router.*`" in generated


def test_recipients_are_the_receivers_whose_filter_admits() -> None:
    """``Policy.recipients``: what the stage sends (and the demo waits for) for one event."""
    data = _incident(type_code="CRIME/DOMESTIC", confidentiality="confidential")
    assert POLICY.receivers("incident") == ("polizei", "havag", "ordnungsamt", "analytics")
    assert POLICY.recipients("incident", data) == ("polizei", "analytics")
    assert POLICY.recipients("incident", _incident(vehicle="654")) == ("polizei", "havag", "analytics")
