"""The pseudonymise stage's pure core: shares per domain, transfers, vault entries, unit positions, bad input, and
the start-up checks (policy, keys, scrubber) that refuse to run rather than leak."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.errors import ConfigError, InvalidEventError, PolicyError, PolicyViolation
from hub.metrics import StageMetrics
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS, KindPlan, Policy, default_policy
from hub.privacy.pseudonym import is_pseudonym
from hub.privacy.register import content_digest
from hub.privacy.retention import RetentionPeriods
from hub.privacy.setup import WITHHELD_TEXT, key_names, receiving_domains, stage_keys, stage_policy, stage_scrubber
from hub.schemas import KINDS, CloudEvent, example_payload, wrap
from hub.streams.pseudonymise import IncidentDomains, Pseudonymiser
from hub.workers.pseudonymise import pseudonymise_stage

POLICY = default_policy()
KEYS = demo_keyring(DOMAINS)
PERIODS = RetentionPeriods(timedelta(days=30), timedelta(days=180), timedelta(days=730), timedelta(days=1095))
TIME = datetime(2026, 11, 20, 21, 17, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_keys_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests decide about key material; a developer's own HUB_PSEUDONYM_* variables must not leak in."""
    import os

    for name in list(os.environ):
        if name.startswith("HUB_PSEUDONYM_") or name == "HUB_POLICY_PATH":
            monkeypatch.delenv(name)


def _scrub(text: str) -> str:
    return "[scrubbed]"


def _core(policy: Policy = POLICY) -> Pseudonymiser:
    return Pseudonymiser(policy, KEYS, PERIODS, scrubber=_scrub)


def _raw(kind: str, data: dict[str, Any], source: str, record: str) -> bytes:
    payload = KINDS[kind].model.model_validate(data)
    event = wrap(payload, source=source, source_record_id=record, time=TIME, subject=KINDS[kind].partition_key(payload))
    return event.to_bytes()


def _incident(**changes: Any) -> dict[str, Any]:
    # A citizen call about a nuisance on a tram, with caller, description and assessment; restricted, so that every
    # domain's purpose filter admits it.
    data = {**example_payload("incident", 0), "confidentiality": "restricted"}
    data["location"] = {"lat": 51.4829, "lon": 11.9701, "uncertainty_m": 30.0, "address": "Geiststraße 7, Halle"}
    return {**data, **changes}


def _unit(status: int, incident_ref: str | None) -> dict[str, Any]:
    return {
        "agency": "polizei",
        "unit": "Adler 41/2",
        "status_code": status,
        "position": {"lat": POSITION[0], "lon": POSITION[1], "error_m": 5.0},
        "observed_at": TIME.isoformat(),
        "incident_ref": incident_ref,
    }


def test_incident_goes_to_every_receiving_domain_once() -> None:
    """A police incident becomes one share per domain that receives incidents, on that domain's topic."""
    result = _core().process(_raw("incident", _incident(), "/polizei/els", "E-1"))
    assert [s.domain for s in result.shares] == ["polizei", "havag", "ordnungsamt", "analytics"]
    for share in result.shares:
        event = CloudEvent.from_bytes(share.value)
        assert share.topic == f"share.{share.domain}.incident"
        assert event.hubrecipient == share.domain
        assert share.key == (event.subject or "").encode()
    police = CloudEvent.from_bytes(result.shares[0].value)
    assert police.data["caller"]["name"] == _incident()["caller"]["name"]
    assessment = _incident()["assessment"]
    assert all(assessment not in s.value.decode() for s in result.shares[1:])


def test_transfers_are_the_shares_to_other_agencies() -> None:
    """A police event shared with the police is no transfer; every other share is, with purpose, basis, digest."""
    result = _core().process(_raw("incident", _incident(), "/polizei/els", "E-1"))
    assert [t.recipient for t in result.transfers] == ["havag", "ordnungsamt", "analytics"]
    by_domain = {s.domain: s for s in result.shares}
    for t in result.transfers:
        share = by_domain[t.recipient]
        assert t.share_id == CloudEvent.from_bytes(share.value).id
        assert t.canonical_id == CloudEvent.from_bytes(_raw("incident", _incident(), "/polizei/els", "E-1")).id
        assert t.source_agency == "polizei"
        assert t.kind == "incident"
        assert t.topic == share.topic
        assert t.content_sha256 == content_digest(share.value)
        assert t.purpose == POLICY.domain(t.recipient).purpose
        assert t.legal_basis == POLICY.domain(t.recipient).legal_basis


def test_havag_data_to_the_police_is_a_transfer() -> None:
    """A HAVAG vehicle position delivered to the police domain goes to another agency: it is registered."""
    result = _core().process(_raw("vehicle-position", example_payload("vehicle-position", 3), "/havag/itcs", "v-3"))
    assert {t.recipient for t in result.transfers} == {"polizei", "ordnungsamt"}
    assert all(t.source_agency == "havag" for t in result.transfers)


def test_unknown_source_counts_as_another_agency_everywhere() -> None:
    """An event whose source names no agency is registered for every recipient, the police included."""
    result = _core().process(_raw("incident", _incident(), "/ext/somewhere", "E-1"))
    assert [t.recipient for t in result.transfers] == ["polizei", "havag", "ordnungsamt", "analytics"]
    assert {t.source_agency for t in result.transfers} == {"unknown"}


def test_vault_holds_every_pseudonym_made_with_its_original() -> None:
    """Each pseudonym in a non-police share is in the vault with its original; none for the police domain."""
    data = _incident()
    result = _core().process(_raw("incident", data, "/polizei/els", "E-1"))
    entries = {(e.domain, e.field): e for e in result.vault}
    amt = entries[("ordnungsamt", "incident.caller.name")]
    assert amt.original == data["caller"]["name"]
    assert entries[("ordnungsamt", "incident.caller.phone")].original == data["caller"]["phone"]
    assert entries[("analytics", "incident.incident_id")].original == data["incident_id"]
    assert entries[("havag", "incident.hubsourceid")].original == "E-1"
    assert not any(e.domain == "polizei" for e in result.vault)
    shares = {s.domain: s.value.decode() for s in result.shares}
    for e in result.vault:
        assert is_pseudonym(e.pseudonym)
        assert e.pseudonym in shares[e.domain], (e.domain, e.field)
        assert e.retention_class == data["retention_class"]
        assert e.expires_at == TIME + PERIODS.of(data["retention_class"])


def test_unit_position_follows_the_incident_the_unit_is_on() -> None:
    """A police unit's position reaches the Ordnungsamt only after an incident shared with it, while on it."""
    core = _core()
    incident_id = _incident()["incident_id"]
    before = core.process(_raw("unit-status", _unit(3, incident_id), "/polizei/tetra", "u-1"))
    assert _shared_position(before, "ordnungsamt") is None, "incident not seen yet: fail closed"
    core.process(_raw("incident", _incident(), "/polizei/els", "E-1"))
    assert core.incidents[incident_id] == frozenset({"polizei", "havag", "ordnungsamt", "analytics"})
    on_it = core.process(_raw("unit-status", _unit(3, incident_id), "/polizei/tetra", "u-2"))
    assert _shared_position(on_it, "ordnungsamt") == POSITION
    free = core.process(_raw("unit-status", _unit(2, incident_id), "/polizei/tetra", "u-3"))
    assert _shared_position(free, "ordnungsamt") is None
    elsewhere = core.process(_raw("unit-status", _unit(4, "PI-HAL-E-9999999"), "/polizei/tetra", "u-4"))
    assert _shared_position(elsewhere, "ordnungsamt") is None
    assert _shared_position(free, "polizei") == POSITION


def test_incident_outside_a_domains_purpose_is_withheld_from_it() -> None:
    """A confidential domestic-violence call with no stop, line or vehicle: shared with the police and analytics only;
    HAVAG and the Ordnungsamt get no share, no register row, no vault entry, and are named as withheld."""
    call = _incident(
        type_code="CRIME/DOMESTIC",
        confidentiality="confidential",
        stop_dhid=None,
        line=None,
        vehicle=None,
        references=[],
    )
    result = _core().process(_raw("incident", call, "/polizei/els", "E-9"))
    assert [s.domain for s in result.shares] == ["polizei", "analytics"]
    assert result.withheld == ("havag", "ordnungsamt")
    assert [t.recipient for t in result.transfers] == ["analytics"]
    assert {v.domain for v in result.vault} == {"analytics"}


def test_involved_means_alerted_assigned_or_reporting() -> None:
    """Officers' positions reach the Ordnungsamt for an incident it reported or is named in, even when its purpose
    filter withheld the incident itself; not for one it has nothing to do with."""
    reported = _incident(type_code="CRIME/THEFT", incident_id="O-1", vehicle=None, references=[])
    assigned = _incident(
        type_code="CRIME/THEFT", incident_id="P-2", references=[{"agency": "ordnungsamt", "ref_id": "OA-2"}]
    )
    unrelated = _incident(type_code="CRIME/THEFT", incident_id="P-3", references=[])
    core = _core()
    core.process(_raw("incident", reported, "/ordnungsamt/open311", "O-1"))
    core.process(_raw("incident", assigned, "/polizei/els", "P-2"))
    core.process(_raw("incident", unrelated, "/polizei/els", "P-3"))
    assert "ordnungsamt" in core.incidents["O-1"]
    assert "ordnungsamt" in core.incidents["P-2"]
    assert "ordnungsamt" not in core.incidents["P-3"]
    for ref, expected in (("O-1", POSITION), ("P-2", POSITION), ("P-3", None)):
        result = core.process(_raw("unit-status", _unit(4, ref), "/polizei/tetra", f"u-{ref}"))
        assert _shared_position(result, "ordnungsamt") == expected, ref


def test_withheld_shares_are_counted_by_domain() -> None:
    """The worker counts each withheld share in hub_shares_withheld_total{stage, domain, reason="purpose"}."""
    registry = CollectorRegistry()
    metrics = StageMetrics.create(registry)
    metrics.withheld.labels("pseudonymise", "havag", "purpose").inc()
    value = registry.get_sample_value(
        "hub_shares_withheld_total", {"stage": "pseudonymise", "domain": "havag", "reason": "purpose"}
    )
    assert value == 1.0


POSITION = (51.4912, 11.9612)


def _shared_position(result: Any, domain: str) -> tuple[float, float] | None:
    share = next(s for s in result.shares if s.domain == domain)
    position = CloudEvent.from_bytes(share.value).data["position"]
    return None if position is None else (position["lat"], position["lon"])


def test_incident_table_is_bounded() -> None:
    """The incident -> domains table keeps only the newest incidents, and merges the domains of updates."""
    table = IncidentDomains(max_incidents=2)
    table.record("a", ["polizei"])
    table.record("b", ["havag"])
    table.record("a", ["ordnungsamt"])
    table.record("c", ["analytics"])
    assert dict(table) == {"a": frozenset({"polizei", "ordnungsamt"}), "c": frozenset({"analytics"})}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not json", "malformed_json"),
        (b'{"id": "x"}', "undecodable"),
        (
            wrap(
                KINDS["alert"].model.model_validate(example_payload("alert", 1)),
                source="/hub/router",
                source_record_id="a-1",
                time=TIME,
            ).to_bytes(),
            "unknown_kind",
        ),
    ],
)
def test_bad_input_is_an_invalid_event(raw: bytes, code: str) -> None:
    """Bytes that are no canonical event of a shared kind raise InvalidEventError with the dead-letter code."""
    with pytest.raises(InvalidEventError) as info:
        _core().process(raw)
    assert info.value.code == code


def test_a_share_is_not_pseudonymised_again() -> None:
    """A share put on a canonical topic is refused, not shared a second time under stacked pseudonyms."""
    share = _core().process(_raw("incident", _incident(), "/polizei/els", "E-1")).shares[1]
    with pytest.raises(InvalidEventError, match="not a canonical event"):
        _core().process(share.value)


def test_payload_that_does_not_validate_is_refused() -> None:
    """A canonical envelope around an invalid payload is refused before any share is made."""
    event = json.loads(_raw("incident", _incident(), "/polizei/els", "E-1"))
    event["data"]["priority"] = 9
    with pytest.raises(InvalidEventError) as info:
        _core().process(json.dumps(event).encode())
    assert info.value.code == "schema_violation"


def test_policy_violation_makes_no_share_at_all() -> None:
    """When one domain's share would carry an assessment, the event yields nothing, not even the other shares."""
    havag = POLICY.domain("havag")
    leaky = dataclasses.replace(havag, plans=MappingProxyType({"incident": KindPlan("incident", {}, (), None)}))
    core = _core(Policy(MappingProxyType({**POLICY.domains, "havag": leaky})))
    with pytest.raises(PolicyViolation):
        core.process(_raw("incident", _incident(), "/polizei/els", "E-1"))
    assert len(core.incidents) == 0


def test_stage_keys_demo_only_when_asked() -> None:
    """Without keys the stage refuses to start and says how; demo keys only with HUB_PSEUDONYM_KEYS=demo."""
    with pytest.raises(ConfigError, match=r"no pseudonymisation key for domain 'polizei'.*HUB_PSEUDONYM_KEYS=demo"):
        stage_keys(Settings(), POLICY, {})
    demo = stage_keys(Settings(pseudonym_keys="demo"), POLICY, {})
    assert demo.for_domain("havag").active.kid == "demo"
    assert set(receiving_domains(POLICY)) == {"polizei", "havag", "ordnungsamt", "analytics"}
    assert set(demo.domains) == {*receiving_domains(POLICY), "analytics_ids"}


def test_stage_keys_refuse_demo_next_to_real_keys() -> None:
    """Asking for demo keys while real key material is configured is refused rather than silently chosen."""
    with pytest.raises(ConfigError, match="HUB_PSEUDONYM_KEY_HAVAG"):
        stage_keys(Settings(pseudonym_keys="demo"), POLICY, {"HUB_PSEUDONYM_KEY_HAVAG": "k1:abc"})


def test_stage_keys_from_the_environment() -> None:
    """Configured keys are loaded for every receiving domain, each its own."""
    environ = {
        f"HUB_PSEUDONYM_KEY_{d.upper()}": f"k1:{base64.b64encode(os.urandom(32)).decode()}" for d in key_names(POLICY)
    }
    ring = stage_keys(Settings(), POLICY, environ)
    assert ring.for_domain("analytics").active.kid == "k1"


def test_bad_policy_refuses_the_stage_naming_the_field(tmp_path: Path) -> None:
    """A policy that leaves a personal field uncovered stops the worker before it connects, naming the field."""
    text = resources.files("hub.privacy").joinpath("default_policy.toml").read_text(encoding="utf-8")
    # HAVAG without its rule for personal data and without dropping the caller: caller.name is uncovered.
    text = text.replace('[domains.havag.rules]\npersonal = "drop"\n', "[domains.havag.rules]\n", 1)
    text = "\n".join(line for line in text.splitlines() if not line.startswith('incident.caller = "drop"'))
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    settings = Settings(policy_path=path, pseudonym_keys="demo", database_url="postgresql://nowhere/x")  # type: ignore[arg-type]
    with pytest.raises(PolicyError, match=r"domain 'havag', kind 'incident', field 'caller.name' \(personal\)"):
        stage_policy(settings)
    with pytest.raises(PolicyError, match=r"caller\.name"):
        pseudonymise_stage(settings, StageMetrics.create(CollectorRegistry()), {})


def test_stage_without_keys_refuses_before_connecting() -> None:
    """`hub worker pseudonymise` without key material fails at start with the key error, not at the first event."""
    settings = Settings(database_url="postgresql://nowhere/x", kafka_bootstrap="nowhere:1")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="does not start without keys"):
        pseudonymise_stage(settings, StageMetrics.create(CollectorRegistry()), {})


def test_scrubber_fails_closed_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without hub.privacy.scrub, scrub rules withhold the whole text; a policy without scrub needs no scrubber."""
    import importlib

    real = importlib.import_module

    def missing(name: str, package: str | None = None) -> Any:
        if name == "hub.privacy.scrub":
            raise ModuleNotFoundError("No module named 'hub.privacy.scrub'", name="hub.privacy.scrub")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", missing)
    scrubber = stage_scrubber(POLICY)
    assert scrubber is not None
    assert scrubber("Anrufer Max Mustermann, 0345 1234567") == WITHHELD_TEXT
    scrubbing = ("ordnungsamt", "havag")  # havag: a planned event's description
    no_scrub = Policy(MappingProxyType({**POLICY.domains, **{d: _without_scrub(d) for d in scrubbing}}))
    assert stage_scrubber(no_scrub) is None


def _without_scrub(domain: str) -> Any:
    policy = POLICY.domain(domain)
    plans = {
        kind: dataclasses.replace(plan, steps=tuple(s for s in plan.steps if s.rule.action != "scrub"))
        for kind, plan in policy.plans.items()
    }
    return dataclasses.replace(policy, plans=MappingProxyType(plans))


def test_withheld_text_through_the_core() -> None:
    """With the fail-closed scrubber the Ordnungsamt gets the incident with its description withheld."""
    core = Pseudonymiser(POLICY, KEYS, PERIODS, scrubber=lambda text: WITHHELD_TEXT)
    result = core.process(_raw("incident", _incident(), "/polizei/els", "E-1"))
    amt = CloudEvent.from_bytes(next(s for s in result.shares if s.domain == "ordnungsamt").value)
    assert amt.data["description"] == WITHHELD_TEXT
