"""The sharing policy: the shipped default validates and says what docs/privacy.md says; bad policies are refused."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from hub.errors import ConfigError, PolicyError
from hub.privacy.policy import DOMAINS, Policy, Rule, default_policy, load_policy, parse_policy, policy_from_mapping
from hub.schemas import KINDS, sensitive_fields
from hub.topology import CANONICAL_KINDS, OPERATIONAL_DOMAINS, TOPICS


def _default_doc() -> dict[str, Any]:
    text = resources.files("hub.privacy").joinpath("default_policy.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _refused(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(doc)
    return list(info.value.problems)


def _one_problem(doc: dict[str, Any]) -> str:
    problems = _refused(doc)
    assert len(problems) == 1, problems
    return problems[0]


def test_default_policy_validates_and_covers_every_domain() -> None:
    """The shipped policy loads, declares every domain, and every domain with events has a share topic per kind."""
    policy = default_policy()
    assert tuple(policy.domains) == DOMAINS
    topics = {t.name for t in TOPICS}
    for name, domain in policy.domains.items():
        assert domain.purpose
        assert domain.legal_basis
        for kind in domain.kinds:
            assert f"share.{name}.{kind}" in topics
    assert set(OPERATIONAL_DOMAINS) | {"praevention"} == set(DOMAINS)
    assert "share.praevention.aggregates" in topics


def test_default_policy_every_sensitive_field_has_a_rule() -> None:
    """For every domain and kind it receives, every sensitive field resolves to a rule (or a dropped ancestor)."""
    for domain in default_policy().domains.values():
        for kind, plan in domain.plans.items():
            for path in sensitive_fields(KINDS[kind].model):
                parents = [".".join(path.split(".")[:n]) for n in range(1, path.count(".") + 1)]
                dropped = any(plan.rules.get(p) == Rule("drop") for p in parents)
                assert path in plan.rules or dropped, (domain.name, kind, path)


def test_default_policy_decisions() -> None:
    """The default says what docs/privacy.md argues: police keep all, others get less, prevention gets no events."""
    policy = default_policy()
    polizei = policy.domain("polizei")
    assert set(polizei.kinds) == set(CANONICAL_KINDS)
    assert all(r.action == "keep" for p in polizei.plans.values() for r in p.rules.values())

    amt = policy.domain("ordnungsamt").plan("incident")
    assert amt is not None
    assert amt.rules["description"] == Rule("scrub")
    assert amt.rules["caller.name"] == amt.rules["caller.phone"] == Rule("pseudonymise")
    assert amt.rules["location.address"] == Rule("generalise", "street")
    assert amt.rules["assessment"] == Rule("drop")
    assert policy.domain("ordnungsamt").legal_basis.startswith("SOG LSA § 27")

    havag = policy.domain("havag")
    assert havag.kinds == ("incident", "planned-event")
    plan = havag.plan("incident")
    assert plan is not None
    assert plan.rules["caller"] == plan.rules["description"] == plan.rules["assessment"] == Rule("drop")
    assert plan.rules["location.address"] == Rule("drop")
    assert plan.rules["location"] == Rule("generalise", "stop", 1000)
    assert "§ 28" in havag.legal_basis
    events = havag.plan("planned-event")
    assert events is not None
    assert events.rules["title"] == events.rules["place.position"] == events.rules["starts_at"] == Rule("keep")
    contacts = ("organiser.contact_name", "organiser.contact_phone", "organiser.contact_email")
    assert all(events.rules[path] == Rule("drop") for path in contacts)
    amt_events = policy.domain("ordnungsamt").plan("planned-event")
    assert amt_events is not None
    assert all(amt_events.rules[path] == Rule("pseudonymise") for path in contacts)

    analytics = policy.domain("analytics").plan("incident")
    assert analytics is not None
    assert analytics.rules["location"] == Rule("generalise", "grid", 250)
    assert analytics.rules["reported_at"] == Rule("generalise", "time", 60)
    assert analytics.rules["incident_id"] == Rule("pseudonymise")
    assert analytics.time_bucket_minutes == 60
    assert "Art. 89" in policy.domain("analytics").legal_basis

    assert policy.domain("praevention").kinds == ()
    assert policy.receivers("incident") == ("polizei", "havag", "ordnungsamt", "analytics")
    assert policy.receivers("unit-status") == ("polizei", "ordnungsamt")
    assert policy.receivers("planned-event") == ("polizei", "havag", "ordnungsamt", "analytics")


def test_uncovered_personal_field_refused_naming_it() -> None:
    """Removing the rule for personal data leaves caller and an organiser's contact uncovered: each is named with its
    kind."""
    doc = _default_doc()
    del doc["domains"]["ordnungsamt"]["rules"]["personal"]
    problems = _refused(doc)
    assert any(
        "'ordnungsamt', kind 'incident', field 'caller.name' (personal): no rule covers it" in p for p in problems
    )
    assert any("field 'caller.phone'" in p for p in problems)
    assert not any("field 'description'" in p for p in problems)  # covered by its override
    assert any("kind 'planned-event', field 'organiser.contact_email' (personal)" in p for p in problems)
    assert len(problems) == 5


def test_uncovered_field_of_new_kind_refused() -> None:
    """Giving havag unit-status without a rule for call signs is refused, naming the field."""
    doc = _default_doc()
    doc["domains"]["havag"]["kinds"].append("unit-status")
    del doc["domains"]["havag"]["rules"]["operational_secret"]
    problems = _refused(doc)
    uncovered = "domain 'havag', kind 'unit-status', field 'unit' (operational_secret): no rule covers it"
    assert any(uncovered in p for p in problems)
    # Default deny: every other field of the new kind needs its own rule too, each named.
    assert any("kind 'unit-status', field 'status_code' (no text): no rule lets it out" in p for p in problems)
    # unit, then agency, status_code, emergency, observed_at, incident_ref; position is dropped by rules.personal
    assert len(problems) == 6


def test_police_assessment_kept_for_havag_refused() -> None:
    """A police assessment with any action but drop in a non-police domain is refused, naming the law."""
    for spec in ("keep", "scrub", {"action": "generalise", "method": "street"}):
        doc = _default_doc()
        doc["domains"]["havag"]["fields"]["incident"]["assessment"] = spec
        problem = _one_problem(doc)
        assert "domain 'havag', kind 'incident', field 'assessment': police assessments never leave" in problem
        assert "SOG LSA § 26" in problem


def test_police_assessment_class_rule_keep_refused() -> None:
    """The classification rule alone (no override) is caught as well."""
    doc = _default_doc()
    doc["domains"]["analytics"]["rules"]["police_assessment"] = "keep"
    assert "field 'assessment': police assessments never leave" in _one_problem(doc)


def test_police_domain_may_keep_assessment() -> None:
    """The police domain owns the assessment; keeping it there is valid."""
    plan = default_policy().domain("polizei").plan("incident")
    assert plan is not None
    assert plan.rules["assessment"] == Rule("keep")


def test_unknown_field_path_refused() -> None:
    """An override for a field the schema does not have names domain, kind and path, and the fields that exist."""
    doc = _default_doc()
    doc["domains"]["havag"]["fields"]["incident"]["caller"] = {"nmae": "drop"}
    doc["domains"]["havag"]["fields"]["incident"]["callr"] = "drop"
    problems = _refused(doc)
    assert any("domain 'havag', kind 'incident': unknown field path 'caller.nmae'" in p for p in problems)
    assert any("unknown field path 'callr'" in p and "incident_id" in p for p in problems)


def test_path_through_a_scalar_refused() -> None:
    """A path that goes into a field holding no fields is unknown."""
    doc = _default_doc()
    doc["domains"]["havag"]["fields"]["incident"]["line"] = {"x": "drop"}
    problems = _refused(doc)
    assert "domain 'havag', kind 'incident': unknown field path 'line.x': line holds no fields" in problems
    assert any("field 'line' (text): no rule lets it out" in p for p in problems)  # its rule is gone


def test_unknown_kind_domain_action_classification_method_refused() -> None:
    """Every unknown name is an error naming it; all problems come in one report."""
    doc = _default_doc()
    doc["domains"]["stadtwerke"] = {"purpose": "x", "legal_basis": "y", "kinds": []}
    doc["domains"]["havag"]["kinds"].append("weather")
    doc["domains"]["havag"]["rules"]["biometric"] = "drop"
    doc["domains"]["havag"]["fields"]["incident"]["description"] = "hash"
    doc["domains"]["analytics"]["fields"]["incident"]["location"] = {"action": "generalise", "method": "hex"}
    problems = _refused(doc)
    text = "\n".join(problems)
    assert "unknown domain 'stadtwerke'" in text
    assert "domain 'havag': unknown kind 'weather'" in text
    assert "unknown classification 'biometric'" in text
    assert "field 'description': unknown action 'hash'" in text
    assert "generalise needs method = one of grid, stop, time, street, code, citation, agency, got 'hex'" in text
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(doc)
    assert str(info.value).count("\n  - ") == len(problems) == 5


def test_kind_without_share_topic_refused() -> None:
    """Alerts travel on alerts.<domain>, not through the pseudonymiser: listing them is refused."""
    doc = _default_doc()
    doc["domains"]["havag"]["kinds"].append("alert")
    assert "kind 'alert' has no share topic" in _one_problem(doc)


def test_override_for_kind_not_received_refused() -> None:
    """A field rule for a kind the domain does not receive is dead configuration, so it is refused."""
    doc = _default_doc()
    doc["domains"]["havag"]["fields"]["unit-status"] = {"unit": "drop"}
    assert "kind 'unit-status', which the domain does not receive" in _one_problem(doc)


def test_missing_domain_refused() -> None:
    """Every domain must be declared, even one that receives nothing."""
    doc = _default_doc()
    del doc["domains"]["praevention"]
    assert "domain 'praevention' is not declared" in _one_problem(doc)


def test_prevention_domain_gets_no_events() -> None:
    """Streetwork and the prevention council receive aggregates only: listing an event kind is refused."""
    doc = _default_doc()
    doc["domains"]["praevention"]["kinds"] = ["transit-disruption"]
    assert "aggregates only" in _one_problem(doc)


def test_drop_of_required_field_refused() -> None:
    """The call sign is required in a unit status, so it can be pseudonymised but not dropped."""
    doc = _default_doc()
    doc["domains"]["ordnungsamt"]["rules"]["operational_secret"] = "drop"
    assert "field 'unit': is required, so it cannot be dropped" in _one_problem(doc)


def test_action_must_fit_field_type() -> None:
    """Pseudonymising a position, a grid on text, a time bucket on text and a pseudonym in a patterned id fail."""
    doc = _default_doc()
    fields = doc["domains"]["ordnungsamt"]["fields"]
    fields["unit-status"]["position"] = "pseudonymise"
    fields["incident"]["description"] = {"action": "generalise", "method": "grid", "metres": 100}
    fields["incident"]["priority"] = {"action": "generalise", "method": "time", "minutes": 15}
    fields["incident"]["stop_dhid"] = "pseudonymise"
    fields["incident"]["vehicle"] = "pseudonymise"
    text = "\n".join(_refused(doc))
    assert "field 'position': pseudonymise needs a text field, this one holds GeoFix" in text
    assert "field 'description': generalise (grid, 100 m) needs a position" in text
    assert "field 'priority': generalise (time, 15 min) needs a timestamp" in text
    assert "field 'stop_dhid': has a fixed pattern" in text
    assert "field 'vehicle': holds at most 16 characters, a pseudonym needs 47" in text


def test_generalise_options_checked() -> None:
    """Sizes are required where they matter, bounded, whole numbers; options on other actions are refused."""
    cases: list[tuple[Any, str]] = [
        ("generalise", "generalise needs method"),
        ({"action": "generalise", "method": "grid"}, "needs metres = a whole number 10..100000, got None"),
        ({"action": "generalise", "method": "grid", "metres": 5}, "got 5"),
        ({"action": "generalise", "method": "grid", "metres": 2.5}, "got 2.5"),
        ({"action": "generalise", "method": "grid", "metres": 100, "minutes": 5}, "does not take minutes"),
        ({"action": "drop", "metres": 100}, "action 'drop' takes no options"),
        (7, "a rule is an action name or a table"),
    ]
    for spec, message in cases:
        doc = _default_doc()
        doc["domains"]["analytics"]["fields"]["incident"]["location"] = spec
        assert message in _one_problem(doc), spec


def test_rule_under_dropped_parent_refused() -> None:
    """A rule inside an object the policy drops as a whole can never apply, so it is refused as a mistake."""
    doc = _default_doc()
    doc["domains"]["havag"]["fields"]["incident"]["caller"] = {"action": "drop"}
    doc["domains"]["havag"]["fields"]["incident"]["caller.phone"] = "pseudonymise"
    assert "field 'caller.phone': rule has no effect, 'caller' is dropped as a whole" in _one_problem(doc)


def test_top_level_and_domain_keys_checked() -> None:
    """Version, unknown top-level and domain keys, empty purpose and legal basis are reported."""
    doc = _default_doc()
    doc["version"] = 2
    doc["extra"] = True
    doc["domains"]["havag"]["purpse"] = "typo"
    doc["domains"]["havag"]["legal_basis"] = " "
    text = "\n".join(_refused(doc))
    assert "version must be 1, got 2" in text
    assert "unknown top-level key 'extra'" in text
    assert "domain 'havag': unknown key 'purpse'" in text
    assert "domain 'havag': legal_basis must be a non-empty string" in text


def test_toml_dotted_keys_become_field_paths() -> None:
    """``incident.caller.name = ...`` in TOML addresses the nested field ``caller.name`` of incidents."""
    text = resources.files("hub.privacy").joinpath("default_policy.toml").read_text(encoding="utf-8")
    text = text.replace(
        '\nincident.description = "scrub"', '\nincident.description = "scrub"\nincident.caller.name = "drop"'
    )
    plan = parse_policy(text).domain("ordnungsamt").plan("incident")
    assert plan is not None
    assert plan.rules["caller.name"] == Rule("drop")
    assert plan.rules["caller.phone"] == Rule("pseudonymise")


def test_load_policy_from_file(tmp_path: Path) -> None:
    """A policy file loads; broken TOML and a missing file are ConfigErrors naming the file."""
    good = tmp_path / "policy.toml"
    good.write_text(resources.files("hub.privacy").joinpath("default_policy.toml").read_text(encoding="utf-8"))
    assert isinstance(load_policy(good), Policy)
    bad = tmp_path / "bad.toml"
    bad.write_text("version = [")
    with pytest.raises(PolicyError, match=r"(?s)bad\.toml.*not valid TOML"):
        load_policy(bad)
    with pytest.raises(ConfigError, match="cannot read sharing policy"):
        load_policy(tmp_path / "missing.toml")


def test_unknown_domain_lookup_names_it() -> None:
    """Asking a policy for a domain it does not know is an error naming the domain."""
    with pytest.raises(PolicyError, match="unknown domain 'feuerwehr'"):
        default_policy().domain("feuerwehr")


def test_policy_error_is_config_error() -> None:
    """Start-up code that catches ConfigError also catches a bad policy."""
    doc = copy.deepcopy(_default_doc())
    doc["version"] = 0
    with pytest.raises(ConfigError):
        policy_from_mapping(doc)
