"""The sharing policy as data: per recipient domain its purpose, legal basis, kinds and a rule per sensitive field.

``load_policy`` reads a TOML file and validates it against the canonical schemas; every problem is reported at
once, each naming its domain, kind and field. ``default_policy`` is the shipped ``default_policy.toml``.
"""

from __future__ import annotations

import re
import tomllib
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from hub.errors import ConfigError, PolicyError
from hub.privacy.pseudonym import MAX_PSEUDONYM_LENGTH
from hub.schemas import INCIDENT_TOP_LEVELS, KINDS, SENSITIVITIES, Sensitivity, sensitive_fields
from hub.schemas.codes import TYPE_CODE_PATTERN
from hub.topology import CANONICAL_KINDS

__all__ = [
    "ACTIONS",
    "AGGREGATES_ONLY_DOMAINS",
    "DOMAINS",
    "ENVELOPE_FIELDS",
    "METHODS",
    "POLICE_DOMAIN",
    "WITHHELD_TEXT",
    "Action",
    "Condition",
    "Domain",
    "DomainPolicy",
    "FieldStep",
    "KindFilter",
    "KindPlan",
    "Method",
    "Policy",
    "Rule",
    "default_policy",
    "leaf_fields",
    "load_policy",
    "parse_policy",
    "policy_from_mapping",
    "values_at",
]

Domain = Literal["polizei", "havag", "ordnungsamt", "analytics", "praevention"]
DOMAINS: tuple[Domain, ...] = get_args(Domain)
"""Every pseudonymisation domain (EDPB 01/2025): one recipient, one key, its own share topics."""

POLICE_DOMAIN: Domain = "polizei"
"""The owner of incident and unit data, and the only domain police assessments may reach (SOG LSA § 26)."""

AGGREGATES_ONLY_DOMAINS: frozenset[str] = frozenset({"praevention"})
"""Domains that get aggregates only, never person-level events: the policy may list no kinds for them."""

Action = Literal["keep", "pseudonymise", "generalise", "scrub", "withhold", "drop"]
ACTIONS: tuple[Action, ...] = get_args(Action)
Method = Literal["grid", "stop", "time", "street", "code", "citation", "agency"]
METHODS: tuple[Method, ...] = get_args(Method)

WITHHELD_TEXT = "[Freitext zurückgehalten]"
"""What ``withhold`` puts in place of a text (a required one cannot be dropped), and what a ``scrub`` rule yields
while no scrubber is installed (fail closed)."""

ENVELOPE_FIELDS: tuple[str, ...] = ("source", "hubsourceid", "dataschema")
"""The share envelope's attributes that carry what a source wrote; outside the police domain each needs a rule in
``[domains.<name>.envelope]``. The others are the hub's own: ``id`` keyed, ``subject`` re-derived from the shared
payload, ``time`` bucketed with the payload's coarsest time rule, ``type``, ``hubkind``, ``hubrecipient`` fixed."""

# The actions each envelope attribute allows: the source may be cut to its agency, the source record id
# pseudonymised, the data schema URI dropped.
_ENVELOPE_ACTIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "source": frozenset({"keep", "generalise:agency"}),
        "hubsourceid": frozenset({"keep", "pseudonymise"}),
        "dataschema": frozenset({"keep", "drop"}),
    }
)

# (option name, default, lowest, highest) per generalisation method; None default = required.
_METHOD_OPTIONS: Mapping[str, tuple[str, int | None, int, int] | None] = MappingProxyType(
    {
        "grid": ("metres", None, 10, 100_000),  # cell edge
        "stop": ("metres", 1000, 10, 10_000),  # farthest a stop may be; beyond it the position is dropped
        "time": ("minutes", None, 1, 7 * 24 * 60),  # bucket length
        "street": None,  # only a recognised street name of an address is kept
        "code": ("levels", 4, 1, 4),  # a type code cut to the longest code the hub knows, at most this deep
        "citation": None,  # a legal basis kept only when it is a recognised citation of a law
        "agency": None,  # the envelope source cut to the agency it names
    }
)
_POLICY_VERSION = 1


@dataclass(frozen=True, slots=True)
class Rule:
    """What happens to one field: an action and, for ``generalise``, a method and its size (metres/minutes)."""

    action: Action
    method: Method | None = None
    size: int | None = None

    def describe(self) -> str:
        """Human-readable form, e.g. ``generalise (grid, 250 m)``."""
        if self.action != "generalise":
            return self.action
        unit = {"grid": " m", "stop": " m max", "time": " min", "code": " level(s) deep"}.get(str(self.method), "")
        return f"generalise ({self.method}{f', {self.size}{unit}' if self.size is not None else ''})"


@dataclass(frozen=True, slots=True)
class FieldStep:
    """One rule bound to one field path of one kind, ready for the transform."""

    path: str
    segments: tuple[str, ...]
    rule: Rule
    drop_to_list: bool = False  # dropping a list empties it; dropping anything else sets None


ConditionTest = Literal["present", "in", "prefix"]


def values_at(node: Any, segments: tuple[str, ...]) -> Iterator[Any]:
    """Every value at a dotted path, through lists of objects (the transform, filters and vault walk events so)."""
    if isinstance(node, list):
        for item in node:
            yield from values_at(item, segments)
        return
    if not isinstance(node, dict) or segments[0] not in node:
        return
    if len(segments) == 1:
        yield node[segments[0]]
    else:
        yield from values_at(node[segments[0]], segments[1:])


def _flat_values(data: Mapping[str, Any], segments: tuple[str, ...]) -> Iterator[Any]:
    for value in values_at(data, segments):
        if isinstance(value, list):
            yield from value
        elif value not in (None, ""):
            yield value


@dataclass(frozen=True, slots=True)
class Condition:
    """One test of a purpose filter on a canonical payload: a field is present, holds one of some values, or (a
    type code) lies under one of some codes; ``why`` says why it makes the event the domain's business."""

    path: str
    segments: tuple[str, ...]
    test: ConditionTest
    values: tuple[str, ...]
    why: str

    def holds(self, data: Mapping[str, Any]) -> bool:
        found = [v for v in _flat_values(data, self.segments) if v not in (None, "", {})]
        if self.test == "present":
            return bool(found)
        if self.test == "in":
            return any(str(v) in self.values for v in found)
        return any(str(v) == p or str(v).startswith(f"{p}/") for v in found for p in self.values)

    def describe(self) -> str:
        """Human-readable form, e.g. ``type_code under PUBLIC_ORDER, TECHNICAL``."""
        if self.test == "present":
            return f"`{self.path}` is given"
        joined = ", ".join(f"`{v}`" for v in self.values)
        return f"`{self.path}` is one of {joined}" if self.test == "in" else f"`{self.path}` is (under) {joined}"


@dataclass(frozen=True)
class KindFilter:
    """Which events of a kind a domain receives: all of ``all_of`` and, when ``any_of`` is given, one of it."""

    all_of: tuple[Condition, ...]
    any_of: tuple[Condition, ...]

    def admits(self, data: Mapping[str, Any]) -> bool:
        if not all(c.holds(data) for c in self.all_of):
            return False
        return not self.any_of or any(c.holds(data) for c in self.any_of)


@dataclass(frozen=True)
class KindPlan:
    """How one domain receives one kind: the rule of every covered field and the steps that change data."""

    kind: str
    rules: Mapping[str, Rule]  # every resolved field path, including ``keep``
    steps: tuple[FieldStep, ...]  # the non-``keep`` ones, in path order
    time_bucket_minutes: int | None  # the coarsest time generalisation; the envelope time is bucketed to it
    filter: KindFilter | None = None  # purpose binding: None = every event of the kind


@dataclass(frozen=True)
class DomainPolicy:
    """One domain's part of the policy."""

    name: str
    purpose: str
    legal_basis: str
    kinds: tuple[str, ...]
    plans: Mapping[str, KindPlan]
    envelope: Mapping[str, Rule] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_police(self) -> bool:
        return self.name == POLICE_DOMAIN

    def receives(self, kind: str) -> bool:
        return kind in self.plans

    def admits(self, kind: str, data: Mapping[str, Any]) -> bool:
        """Whether an event of ``kind`` with payload ``data`` is this domain's business (its purpose filter)."""
        plan = self.plans.get(kind)
        return plan is not None and (plan.filter is None or plan.filter.admits(data))

    def envelope_rule(self, attribute: str) -> Rule:
        """The rule for an envelope attribute (``ENVELOPE_FIELDS``); unruled ones are kept (police only)."""
        return self.envelope.get(attribute, Rule("keep"))

    def plan(self, kind: str) -> KindPlan | None:
        """The plan for ``kind``, or None when this domain does not receive it."""
        return self.plans.get(kind)


@dataclass(frozen=True)
class Policy:
    """A validated policy: every domain in ``DOMAINS``, each with a plan per kind it receives."""

    domains: Mapping[str, DomainPolicy]
    source: str = field(default="<policy>", compare=False)

    def domain(self, name: str) -> DomainPolicy:
        """The policy of domain ``name``; ``PolicyError`` names an unknown domain."""
        try:
            return self.domains[name]
        except KeyError:
            raise PolicyError(self.source, [f"unknown domain {name!r} (known: {', '.join(DOMAINS)})"]) from None

    def receivers(self, kind: str) -> tuple[str, ...]:
        """The domains that receive ``kind``, in ``DOMAINS`` order."""
        return tuple(name for name, domain in self.domains.items() if domain.receives(kind))

    def recipients(self, kind: str, data: Mapping[str, Any]) -> tuple[str, ...]:
        """The domains that are sent an event of ``kind`` with payload ``data``: they receive the kind and their
        purpose filter admits the event."""
        return tuple(name for name, domain in self.domains.items() if domain.admits(kind, data))


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; ``PolicyError`` lists every problem, ``ConfigError`` if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read sharing policy {path}: {exc.strerror}") from exc
    return parse_policy(text, source=str(path))


@cache
def default_policy() -> Policy:
    """The shipped policy (``hub/privacy/default_policy.toml``), validated on first use."""
    text = resources.files("hub.privacy").joinpath("default_policy.toml").read_text(encoding="utf-8")
    return parse_policy(text, source="hub/privacy/default_policy.toml")


def parse_policy(text: str, *, source: str = "<string>") -> Policy:
    """Validate policy TOML ``text``; ``source`` names it in error messages."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, [f"not valid TOML: {exc}"]) from exc
    return policy_from_mapping(doc, source=source)


def policy_from_mapping(doc: Mapping[str, Any], *, source: str = "<mapping>") -> Policy:
    """Validate a policy given as the mapping its TOML parses to (for tests and generated policies)."""
    problems: list[str] = []
    policy = _build(doc, source, problems)
    if problems:
        raise PolicyError(source, problems)
    return policy


# --- building and validating -------------------------------------------------------------------------------------


def _build(doc: Mapping[str, Any], source: str, problems: list[str]) -> Policy:
    for key in doc:
        if key not in ("version", "domains"):
            problems.append(f"unknown top-level key {key!r} (known: version, domains)")
    if doc.get("version") != _POLICY_VERSION:
        problems.append(f"version must be {_POLICY_VERSION}, got {doc.get('version')!r}")
    tables = doc.get("domains")
    if not isinstance(tables, dict):
        problems.append("[domains] table missing")
        return Policy(MappingProxyType({}), source)
    for name in tables:
        if name not in DOMAINS:
            problems.append(f"unknown domain {name!r} (known: {', '.join(DOMAINS)})")
    domains: dict[str, DomainPolicy] = {}
    for name in DOMAINS:
        table = tables.get(name)
        if not isinstance(table, dict):
            problems.append(f"domain {name!r} is not declared; declare it (with kinds = [] if it gets nothing)")
            continue
        domains[name] = _domain(name, table, problems)
    return Policy(MappingProxyType(domains), source)


def _domain(name: str, table: Mapping[str, Any], problems: list[str]) -> DomainPolicy:
    where = f"domain {name!r}"
    for key in table:
        if key not in _DOMAIN_KEYS:
            problems.append(f"{where}: unknown key {key!r} (known: {', '.join(_DOMAIN_KEYS)})")
    texts = {}
    for key in ("purpose", "legal_basis"):
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {key} must be a non-empty string")
        texts[key] = value if isinstance(value, str) else ""
    kinds = _kinds(where, table.get("kinds"), problems)
    if name in AGGREGATES_ONLY_DOMAINS and kinds:
        problems.append(f"{where} receives aggregates only, never person-level events; it may list no kinds")
        kinds = []
    rules = _class_rules(where, table.get("rules", {}), problems)
    overrides = _overrides(where, table.get("fields", {}), kinds, problems)
    filters = _filters(where, table.get("filters", {}), kinds, problems)
    plans = {
        kind: replace(_plan(name, kind, rules, overrides.get(kind, {}), problems), filter=filters.get(kind))
        for kind in kinds
    }
    envelope = _envelope(name, table.get("envelope", {}), bool(kinds), problems)
    return DomainPolicy(name, texts["purpose"], texts["legal_basis"], tuple(kinds), MappingProxyType(plans), envelope)


_DOMAIN_KEYS = ("purpose", "legal_basis", "kinds", "rules", "fields", "filters", "envelope")


def _envelope(name: str, table: Any, receives: bool, problems: list[str]) -> Mapping[str, Rule]:
    """The rules for the envelope's attributes; outside the police domain each of ``ENVELOPE_FIELDS`` needs one."""
    where = f"domain {name!r}, envelope"
    if not isinstance(table, dict):
        problems.append(f"{where}: envelope must be a table of attribute = action")
        return MappingProxyType({})
    rules: dict[str, Rule] = {}
    for attribute, spec in table.items():
        allowed = _ENVELOPE_ACTIONS.get(attribute)
        if allowed is None:
            problems.append(f"{where}: no rule for attribute {attribute!r} (rules for: {', '.join(ENVELOPE_FIELDS)})")
            continue
        rule = _rule(spec, f"{where}, attribute {attribute!r}", problems)
        if rule is None:
            continue
        form = rule.action if rule.method is None else f"{rule.action}:{rule.method}"
        if form not in allowed:
            shown = ", ".join(sorted(a.replace(":", " ") for a in allowed))
            problems.append(f"{where}, attribute {attribute!r}: {rule.describe()} does not fit it (allowed: {shown})")
            continue
        if name != POLICE_DOMAIN and attribute == "hubsourceid" and rule.action != "pseudonymise":
            problems.append(
                f"{where}, attribute 'hubsourceid': a source record id may hold a call sign or a name; "
                "outside the police domain it must be pseudonymised"
            )
            continue
        rules[attribute] = rule
    if name != POLICE_DOMAIN and receives:
        for attribute in ENVELOPE_FIELDS:
            if attribute not in rules:
                problems.append(
                    f"{where}, attribute {attribute!r} (text): no rule lets it out; outside the police domain every "
                    f"field needs an explicit rule (default deny): add envelope.{attribute}"
                )
    return MappingProxyType(rules)


def _filters(where: str, table: Any, kinds: list[str], problems: list[str]) -> dict[str, KindFilter]:
    """The purpose filters per kind: ``[domains.<name>.filters.<kind>]`` with ``all_of`` and ``any_of`` lists."""
    if not isinstance(table, dict):
        problems.append(f"{where}: filters must be a table of <kind> = {{ all_of = [...], any_of = [...] }}")
        return {}
    result: dict[str, KindFilter] = {}
    for kind, spec in table.items():
        at = f"{where}, filters.{kind}"
        if kind not in kinds:
            problems.append(f"{at}: the domain does not receive kind {kind!r} (see kinds)")
            continue
        if not isinstance(spec, dict) or not spec or set(spec) - {"all_of", "any_of"}:
            problems.append(f"{at}: a filter is a table with all_of and/or any_of, each a list of conditions")
            continue
        groups = {
            group: tuple(_conditions(at, group, kind, spec.get(group, []), problems)) for group in ("all_of", "any_of")
        }
        result[kind] = KindFilter(groups["all_of"], groups["any_of"])
    return result


def _conditions(at: str, group: str, kind: str, specs: Any, problems: list[str]) -> Iterator[Condition]:
    if not isinstance(specs, list):
        problems.append(f"{at}: {group} must be a list of conditions")
        return
    for n, spec in enumerate(specs):
        condition = _condition(f"{at}.{group}[{n}]", kind, spec, problems)
        if condition is not None:
            yield condition


def _condition(at: str, kind: str, spec: Any, problems: list[str]) -> Condition | None:
    tests: list[ConditionTest] = [t for t in get_args(ConditionTest) if isinstance(spec, dict) and t in spec]
    if not isinstance(spec, dict) or len(tests) != 1 or set(spec) - {"field", "why", *tests}:
        problems.append(
            f"{at}: a condition is {{ field = ..., present = true | in = [...] | prefix = [...], why = ... }}"
        )
        return None
    path, why, test = spec.get("field"), spec.get("why"), tests[0]
    if not isinstance(why, str) or not why.strip():
        problems.append(f"{at}: why must say why the condition makes the event the domain's business")
        return None
    shape = _shape(KINDS[kind].model, tuple(str(path).split("."))) if isinstance(path, str) else "no field given"
    if isinstance(shape, str):
        problems.append(f"{at}: unknown field path {path!r}: {shape}")
        return None
    assert isinstance(path, str)
    values = spec[test]
    trouble = _condition_problem(test, values, shape)
    if trouble is not None:
        problems.append(f"{at}, field {path!r}: {trouble}")
        return None
    return Condition(path, tuple(path.split(".")), test, () if test == "present" else tuple(values), why.strip())


def _condition_problem(test: str, values: Any, shape: _Shape) -> str | None:
    if test == "present":
        return None if values is True else "present takes true"
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        return f"{test} takes a non-empty list of strings"
    if test == "prefix":
        if shape.pattern != TYPE_CODE_PATTERN:
            return "prefix applies to type codes only"
        bad = [v for v in values if not re.match(TYPE_CODE_PATTERN, v) or v.split("/")[0] not in INCIDENT_TOP_LEVELS]
        return f"not type codes the hub knows: {', '.join(bad)}" if bad else None
    allowed = _literal_values(shape.base)
    if allowed is not None:
        bad = [v for v in values if v not in allowed]
        return f"not among the field's values ({', '.join(allowed)}): {', '.join(bad)}" if bad else None
    if shape.pattern is not None:
        bad = [v for v in values if not re.match(shape.pattern, v)]
        return f"values do not match the field's pattern: {', '.join(bad)}" if bad else None
    return None


def _literal_values(base: Any) -> tuple[str, ...] | None:
    return tuple(str(a) for a in get_args(base)) if get_origin(base) is Literal else None


def _kinds(where: str, value: Any, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        problems.append(f"{where}: kinds must be a list of kind names")
        return []
    kinds: list[str] = []
    for kind in value:
        if kind not in KINDS:
            problems.append(f"{where}: unknown kind {kind!r} (known: {', '.join(CANONICAL_KINDS)})")
        elif kind not in CANONICAL_KINDS:
            problems.append(f"{where}: kind {kind!r} has no share topic (shared kinds: {', '.join(CANONICAL_KINDS)})")
        elif kind in kinds:
            problems.append(f"{where}: kind {kind!r} is listed twice")
        else:
            kinds.append(kind)
    return kinds


def _class_rules(where: str, table: Any, problems: list[str]) -> dict[Sensitivity, Rule]:
    if not isinstance(table, dict):
        problems.append(f"{where}: rules must be a table of classification = action")
        return {}
    rules: dict[Sensitivity, Rule] = {}
    for cls, spec in table.items():
        sensitivity = next((s for s in SENSITIVITIES if s == cls), None)
        if sensitivity is None:
            problems.append(f"{where}: unknown classification {cls!r} in rules (known: {', '.join(SENSITIVITIES)})")
            continue
        rule = _rule(spec, f"{where}, rules.{cls}", problems)
        if rule is not None:
            rules[sensitivity] = rule
    return rules


def _overrides(where: str, table: Any, kinds: list[str], problems: list[str]) -> dict[str, dict[str, Rule]]:
    if not isinstance(table, dict):
        problems.append(f"{where}: fields must be a table of <kind>.<field path> = action")
        return {}
    result: dict[str, dict[str, Rule]] = {}
    for kind, sub in table.items():
        if kind not in KINDS:
            problems.append(f"{where}: fields name unknown kind {kind!r} (known: {', '.join(CANONICAL_KINDS)})")
            continue
        if kind not in kinds:
            problems.append(f"{where}: fields name kind {kind!r}, which the domain does not receive (see kinds)")
            continue
        if not isinstance(sub, dict):
            problems.append(f"{where}, kind {kind!r}: fields.{kind} must be a table of field path = action")
            continue
        leaves: dict[str, Any] = {}
        _flatten(sub, "", leaves)
        result[kind] = {}
        for path, spec in leaves.items():
            rule = _rule(spec, f"{where}, kind {kind!r}, field {path!r}", problems)
            # A rule that is wrong is reported once, here: it stands in as keep so that the field is not reported a
            # second time as uncovered (the policy is refused anyway).
            result[kind][path] = rule if rule is not None else Rule("keep")
    return result


def _is_rule_table(value: Mapping[str, Any]) -> bool:
    return isinstance(value.get("action"), str)


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    """TOML dotted keys (``caller.name = "drop"``) arrive as nested tables; turn them back into dotted paths."""
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not _is_rule_table(value):
            _flatten(value, f"{path}.", out)
        else:
            out[path] = value


def _rule(spec: Any, where: str, problems: list[str]) -> Rule | None:
    if isinstance(spec, str):
        action_name, options = spec, {}
    elif isinstance(spec, dict) and _is_rule_table(spec):
        action_name, options = spec["action"], {k: v for k, v in spec.items() if k != "action"}
    else:
        problems.append(f"{where}: a rule is an action name or a table with action = ...")
        return None
    action = next((a for a in ACTIONS if a == action_name), None)
    if action is None:
        problems.append(f"{where}: unknown action {action_name!r} (known: {', '.join(ACTIONS)})")
        return None
    if action != "generalise":
        if options:
            problems.append(f"{where}: action {action!r} takes no options, got {', '.join(options)}")
            return None
        return Rule(action)
    method = next((m for m in METHODS if m == options.get("method")), None)
    if method is None:
        problems.append(
            f"{where}: generalise needs method = one of {', '.join(METHODS)}, got {options.get('method')!r}"
        )
        return None
    spec_option = _METHOD_OPTIONS[method]
    allowed = {"method"} | ({spec_option[0]} if spec_option else set())
    unknown = sorted(set(options) - allowed)
    if unknown:
        problems.append(f"{where}: generalise ({method}) does not take {', '.join(unknown)}")
        return None
    if spec_option is None:
        return Rule(action, method)
    name, default, low, high = spec_option
    size = options.get(name, default)
    if isinstance(size, bool) or not isinstance(size, int) or not low <= size <= high:
        problems.append(f"{where}: generalise ({method}) needs {name} = a whole number {low}..{high}, got {size!r}")
        return None
    return Rule(action, method, size)


# --- field shapes and coverage -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """What the schema says about one field path: innermost type, optional, list, length and pattern limits."""

    base: Any
    nullable: bool
    is_list: bool
    max_length: int | None
    pattern: str | None

    @property
    def is_text(self) -> bool:
        return self.base is str


def _shape(model: type[BaseModel], segments: tuple[str, ...]) -> _Shape | str:
    """The shape of a field path, or the reason it does not exist."""
    current: type[BaseModel] = model
    shape: _Shape | None = None
    for n, name in enumerate(segments):
        info = current.model_fields.get(name)
        if info is None:
            at = ".".join(segments[:n]) or current.__name__
            return f"{at} has no field {name!r} (fields: {', '.join(current.model_fields)})"
        shape = _unwrap(info.annotation, list(info.metadata))
        if n < len(segments) - 1:
            if not (isinstance(shape.base, type) and issubclass(shape.base, BaseModel)):
                return f"{'.'.join(segments[: n + 1])} holds no fields"
            current = shape.base
    assert shape is not None  # segments is never empty
    return shape


def _unwrap(annotation: Any, metadata: list[Any]) -> _Shape:
    nullable = is_list = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            inner, *extra = get_args(annotation)
            metadata.extend(extra)
            annotation = inner
        elif origin in (Union, types.UnionType):
            args = get_args(annotation)
            others = [a for a in args if a is not type(None)]
            nullable = nullable or len(others) < len(args)
            if len(others) != 1:
                break
            annotation = others[0]
        elif origin is list:
            is_list = True
            annotation = get_args(annotation)[0]
        else:
            break
    constraints = [*metadata, *(m for item in metadata for m in getattr(item, "metadata", ()))]
    lengths = [c.max_length for c in constraints if isinstance(getattr(c, "max_length", None), int)]
    patterns = [str(c.pattern) for c in constraints if getattr(c, "pattern", None)]
    return _Shape(annotation, nullable, is_list, min(lengths) if lengths else None, patterns[0] if patterns else None)


_TEXT_ACTIONS = frozenset({"pseudonymise", "scrub", "withhold"})
_TEXT_METHODS = frozenset({"street", "code", "citation"})


def _is_position(base: Any) -> bool:
    return isinstance(base, type) and issubclass(base, BaseModel) and {"lat", "lon"} <= set(base.model_fields)


def _text_problem(rule: Rule, shape: _Shape) -> str | None:
    """Why a rule that writes text of its own cannot apply to a field of ``shape``, or None."""
    base_name = getattr(shape.base, "__name__", str(shape.base))
    if rule.method == "agency":
        return "generalise (agency) applies to the envelope's source only"
    if (rule.action in _TEXT_ACTIONS or rule.method in _TEXT_METHODS) and shape.base is not str:
        return f"{rule.describe()} needs a text field, this one holds {base_name}"
    if rule.method == "code" and shape.pattern != TYPE_CODE_PATTERN:
        return "generalise (code) needs a type code field"
    if rule.action == "withhold" or rule.method == "citation":
        if shape.pattern is not None:
            return f"{rule.describe()} puts in a text the field's fixed pattern does not allow"
        if shape.max_length is not None and shape.max_length < len(WITHHELD_TEXT):
            return f"holds at most {shape.max_length} characters, too few for {WITHHELD_TEXT!r}"
    return None


def _type_problem(rule: Rule, shape: _Shape) -> str | None:
    """Why ``rule`` cannot apply to a field of ``shape``, or None."""
    base_name = getattr(shape.base, "__name__", str(shape.base))
    if rule.action == "drop" and not (shape.nullable or shape.is_list):
        return "is required, so it cannot be dropped; pseudonymise or generalise it, or do not send the kind"
    text = _text_problem(rule, shape)
    if text is not None:
        return text
    if rule.action == "pseudonymise":
        if shape.pattern is not None:
            return "has a fixed pattern a pseudonym does not match"
        if shape.max_length is not None and shape.max_length < MAX_PSEUDONYM_LENGTH:
            return f"holds at most {shape.max_length} characters, a pseudonym needs {MAX_PSEUDONYM_LENGTH}"
    if rule.method in ("grid", "stop") and not _is_position(shape.base):
        return f"{rule.describe()} needs a position (a model with lat and lon), this one holds {base_name}"
    if rule.method == "stop" and not shape.nullable:
        return "generalise (stop) drops the position when no stop is near, but the field is required"
    if rule.method == "time" and shape.base is not datetime:
        return f"{rule.describe()} needs a timestamp, this one holds {base_name}"
    return None


def _dropped_ancestor(path: str, overrides: Mapping[str, Rule]) -> str | None:
    parts = path.split(".")
    for n in range(1, len(parts)):
        ancestor = ".".join(parts[:n])
        rule = overrides.get(ancestor)
        if rule is not None and rule.action == "drop":
            return ancestor
    return None


def _plan(
    domain: str, kind: str, rules: Mapping[Sensitivity, Rule], overrides: Mapping[str, Rule], problems: list[str]
) -> KindPlan:
    model = KINDS[kind].model
    marks = sensitive_fields(model)
    where = f"domain {domain!r}, kind {kind!r}"
    resolved = _resolve_rules(where, kind, marks, rules, overrides, problems)
    for path in sorted(resolved):
        shape = _shape(model, tuple(path.split(".")))
        if isinstance(shape, str):
            problems.append(f"{where}: unknown field path {path!r}: {shape}")
            continue
        trouble = _type_problem(resolved[path], shape)
        if trouble is not None:
            problems.append(f"{where}, field {path!r}: {trouble}")
    if domain != POLICE_DOMAIN:
        uncovered = frozenset(p for p in marks if p not in resolved and _dropped_ancestor(p, resolved) is None)
        _deny_unruled(where, kind, model, resolved, uncovered, problems)
        for path, cls in marks.items():
            found = resolved.get(path)
            if cls == "police_assessment" and found is not None and found.action != "drop":
                problems.append(
                    f"{where}, field {path!r}: police assessments never leave the police domain (SOG LSA § 26); "
                    f"the rule must be drop, not {found.describe()}"
                )
    steps = tuple(
        FieldStep(path, tuple(path.split(".")), rule, drop_to_list=_is_list_field(model, path))
        for path, rule in sorted(resolved.items())
        if rule.action != "keep"
    )
    buckets = [r.size for r in resolved.values() if r.method == "time" and r.size is not None]
    return KindPlan(kind, MappingProxyType(resolved), steps, max(buckets) if buckets else None)


def _resolve_rules(
    where: str,
    kind: str,
    marks: Mapping[str, Sensitivity],
    rules: Mapping[Sensitivity, Rule],
    overrides: Mapping[str, Rule],
    problems: list[str],
) -> dict[str, Rule]:
    """The rule of every field: its own (``fields.<kind>.<path>``), else its sensitivity class's; a marked field
    that no rule covers, and a rule under a dropped ancestor, are problems."""
    resolved: dict[str, Rule] = {}
    for path, rule in overrides.items():
        dropped = _dropped_ancestor(path, overrides)
        if dropped is not None:
            problems.append(f"{where}, field {path!r}: rule has no effect, {dropped!r} is dropped as a whole")
        else:
            resolved[path] = rule
    for path, cls in marks.items():
        if path in overrides or _dropped_ancestor(path, overrides) is not None:
            continue
        if cls not in rules:
            problems.append(
                f"{where}, field {path!r} ({cls}): no rule covers it; add rules.{cls} or fields.{kind}.{path}"
            )
            continue
        resolved[path] = rules[cls]
    return resolved


def leaf_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, bool]]:
    """Every leaf field of ``model`` (nested models walked, list items without an index) and whether it can hold a
    string (``str``, ``list[str]``, patterned ids; ``Literal`` enumerations, numbers and times cannot)."""
    for name, info in model.model_fields.items():
        shape = _unwrap(info.annotation, list(info.metadata))
        if isinstance(shape.base, type) and issubclass(shape.base, BaseModel):
            yield from leaf_fields(shape.base, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", shape.is_text


def _covering_rule(path: str, resolved: Mapping[str, Rule]) -> tuple[str, Rule] | None:
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        at = ".".join(parts[:n])
        if at in resolved:
            return at, resolved[at]
    return None


def _self_and_ancestors(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


def _deny_unruled(
    where: str,
    kind: str,
    model: type[BaseModel],
    resolved: Mapping[str, Rule],
    uncovered_marks: frozenset[str],
    problems: list[str],
) -> None:
    """Default deny: outside the police domain every leaf field needs a rule of its own, or a rule on an object that
    holds it. A rule on an object covers the text inside it only when it drops the object: keeping or generalising
    an object must not let out text nobody wrote a rule for."""
    for path, is_text in leaf_fields(model):
        if any(p in uncovered_marks for p in _self_and_ancestors(path)):
            continue  # reported already as a sensitive field no rule covers
        covering = _covering_rule(path, resolved)
        if covering is not None and (covering[0] == path or covering[1].action == "drop" or not is_text):
            continue
        what = "text" if is_text else "no text"
        problems.append(
            f"{where}, field {path!r} ({what}): no rule lets it out; outside the police domain every field needs an "
            f"explicit rule (default deny): add fields.{kind}.{path}"
        )


def _is_list_field(model: type[BaseModel], path: str) -> bool:
    shape = _shape(model, tuple(path.split(".")))
    return isinstance(shape, _Shape) and shape.is_list and not shape.nullable
