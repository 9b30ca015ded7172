"""The sharing policy as data: per recipient domain its purpose, legal basis, kinds and a rule per sensitive field.

``load_policy`` reads a TOML file and validates it against the canonical schemas; every problem is reported at
once, each naming its domain, kind and field. ``default_policy`` is the shipped ``default_policy.toml``.
"""

from __future__ import annotations

import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from hub.errors import ConfigError, PolicyError
from hub.privacy.pseudonym import MAX_PSEUDONYM_LENGTH
from hub.schemas import KINDS, SENSITIVITIES, Sensitivity, sensitive_fields
from hub.topology import CANONICAL_KINDS

__all__ = [
    "ACTIONS",
    "AGGREGATES_ONLY_DOMAINS",
    "DOMAINS",
    "METHODS",
    "POLICE_DOMAIN",
    "Action",
    "Domain",
    "DomainPolicy",
    "FieldStep",
    "KindPlan",
    "Method",
    "Policy",
    "Rule",
    "default_policy",
    "load_policy",
    "parse_policy",
    "policy_from_mapping",
]

Domain = Literal["polizei", "havag", "ordnungsamt", "analytics", "praevention"]
DOMAINS: tuple[Domain, ...] = get_args(Domain)
"""Every pseudonymisation domain (EDPB 01/2025): one recipient, one key, its own share topics."""

POLICE_DOMAIN: Domain = "polizei"
"""The owner of incident and unit data, and the only domain police assessments may reach (SOG LSA § 26)."""

AGGREGATES_ONLY_DOMAINS: frozenset[str] = frozenset({"praevention"})
"""Domains that get aggregates only, never person-level events: the policy may list no kinds for them."""

Action = Literal["keep", "pseudonymise", "generalise", "scrub", "drop"]
ACTIONS: tuple[Action, ...] = get_args(Action)
Method = Literal["grid", "stop", "time", "street"]
METHODS: tuple[Method, ...] = get_args(Method)

# (option name, default, lowest, highest) per generalisation method; None default = required.
_METHOD_OPTIONS: Mapping[str, tuple[str, int | None, int, int] | None] = MappingProxyType(
    {
        "grid": ("metres", None, 10, 100_000),  # cell edge
        "stop": ("metres", 1000, 10, 10_000),  # farthest a stop may be; beyond it the position is dropped
        "time": ("minutes", None, 1, 7 * 24 * 60),  # bucket length
        "street": None,  # house numbers removed from an address
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
        unit = {"grid": " m", "stop": " m max", "time": " min"}.get(str(self.method), "")
        return f"generalise ({self.method}{f', {self.size}{unit}' if self.size is not None else ''})"


@dataclass(frozen=True, slots=True)
class FieldStep:
    """One rule bound to one field path of one kind, ready for the transform."""

    path: str
    segments: tuple[str, ...]
    rule: Rule
    drop_to_list: bool = False  # dropping a list empties it; dropping anything else sets None


@dataclass(frozen=True)
class KindPlan:
    """How one domain receives one kind: the rule of every covered field and the steps that change data."""

    kind: str
    rules: Mapping[str, Rule]  # every resolved field path, including ``keep``
    steps: tuple[FieldStep, ...]  # the non-``keep`` ones, in path order
    time_bucket_minutes: int | None  # the coarsest time generalisation; the envelope time is bucketed to it


@dataclass(frozen=True)
class DomainPolicy:
    """One domain's part of the policy."""

    name: str
    purpose: str
    legal_basis: str
    kinds: tuple[str, ...]
    plans: Mapping[str, KindPlan]

    @property
    def is_police(self) -> bool:
        return self.name == POLICE_DOMAIN

    def receives(self, kind: str) -> bool:
        return kind in self.plans

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
        if key not in ("purpose", "legal_basis", "kinds", "rules", "fields"):
            problems.append(f"{where}: unknown key {key!r} (known: purpose, legal_basis, kinds, rules, fields)")
    texts = {}
    for key in ("purpose", "legal_basis"):
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {key} must be a non-empty string")
        texts[key] = value if isinstance(value, str) else ""
    kinds = _kinds(where, table.get("kinds"), problems)
    if name in AGGREGATES_ONLY_DOMAINS and kinds:
        problems.append(f"{where} receives aggregates only, never person-level events; it may list no kinds")
    rules = _class_rules(where, table.get("rules", {}), problems)
    overrides = _overrides(where, table.get("fields", {}), kinds, problems)
    plans = {kind: _plan(name, kind, rules, overrides.get(kind, {}), problems) for kind in kinds}
    return DomainPolicy(name, texts["purpose"], texts["legal_basis"], tuple(kinds), MappingProxyType(plans))


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
            if rule is not None:
                result[kind][path] = rule
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
    has_pattern: bool


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
    patterns = [c for c in constraints if getattr(c, "pattern", None)]
    return _Shape(annotation, nullable, is_list, min(lengths) if lengths else None, bool(patterns))


def _is_position(base: Any) -> bool:
    return isinstance(base, type) and issubclass(base, BaseModel) and {"lat", "lon"} <= set(base.model_fields)


def _type_problem(rule: Rule, shape: _Shape) -> str | None:
    """Why ``rule`` cannot apply to a field of ``shape``, or None."""
    base_name = getattr(shape.base, "__name__", str(shape.base))
    if rule.action == "drop" and not (shape.nullable or shape.is_list):
        return "is required, so it cannot be dropped; pseudonymise or generalise it, or do not send the kind"
    if (rule.action in ("pseudonymise", "scrub") or rule.method == "street") and shape.base is not str:
        return f"{rule.describe()} needs a text field, this one holds {base_name}"
    if rule.action == "pseudonymise":
        if shape.has_pattern:
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


def _is_list_field(model: type[BaseModel], path: str) -> bool:
    shape = _shape(model, tuple(path.split(".")))
    return isinstance(shape, _Shape) and shape.is_list and not shape.nullable
