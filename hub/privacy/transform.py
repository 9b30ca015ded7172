"""The pseudonymiser's pure core: one canonical event in, the share one domain may see (or None) out.

``for_domain`` applies the domain's policy plan to a copy of the payload, re-derives id, subject and Kafka key
from the result, and checks at the end that no police assessment and no unassigned officer position leaves.
``share_of`` does the same by a ``SharePlan`` compiled once per domain and kind, and writes the share's wire form
directly: the stage's hot path (no share model is built per domain).
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Annotated, Any, NamedTuple, Protocol

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import to_json

from hub.errors import InvalidEventError, PolicyViolation
from hub.privacy.keys import KeyRing, SecretKey
from hub.privacy.policy import WITHHELD_TEXT, DomainPolicy, FieldStep, KindPlan, Policy, Rule, values_at
from hub.privacy.pseudonym import field_keys, keyed_event_id, pseudonymise
from hub.privacy.register import UNKNOWN_AGENCY, source_agency
from hub.schemas import (
    KINDS,
    KNOWN_TYPE_CODES,
    CloudEvent,
    Kind,
    Sensitivity,
    UnitStatus,
    sensitive_fields,
    top_level,
    validation_reason,
)
from hub.topology import spec

__all__ = [
    "ON_INCIDENT_DIGITS",
    "UNRECOGNISED_CITATION",
    "NearStop",
    "SharePlan",
    "ShareRecord",
    "StopIndex",
    "StopLike",
    "TransformContext",
    "bucket_time",
    "for_domain",
    "known_code",
    "legal_citation",
    "share_of",
    "share_plan",
    "share_record",
    "snap_to_grid",
    "steps_keep_valid",
    "street_name",
    "strip_house_numbers",
    "unit_on_shared_incident",
    "values_at",
]

_M_PER_DEG_LAT = 111_320.0
"""Metres per degree of latitude (WGS84 mean, good to 0.5 %); the grid is defined by it, so it never changes."""

ON_INCIDENT_DIGITS = frozenset({3, 4})
"""Status digits that mean "on the way to / at an incident" in both default code lists (the shared scheme)."""


# --- generalisation helpers (pure) ---------------------------------------------------------------------------


def snap_to_grid(lat: float, lon: float, metres: int) -> tuple[float, float]:
    """The centre of the grid cell of edge ``metres`` that holds (lat, lon).

    Rows are ``metres`` of latitude; within a row, columns are ``metres`` wide at the row's centre latitude. The
    grid is anchored at 0°/0°, so it is one fixed published geography (no ad-hoc cells that allow differencing).
    """
    d_lat = metres / _M_PER_DEG_LAT
    centre_lat = min(90.0, max(-90.0, (math.floor(lat / d_lat) + 0.5) * d_lat))
    d_lon = metres / (_M_PER_DEG_LAT * max(math.cos(math.radians(centre_lat)), 0.01))
    centre_lon = min(180.0, max(-180.0, (math.floor(lon / d_lon) + 0.5) * d_lon))
    return round(centre_lat, 6), round(centre_lon, 6)


def bucket_time(moment: datetime, minutes: int) -> datetime:
    """``moment`` floored to a bucket of ``minutes`` (counted from the Unix epoch), keeping its UTC offset."""
    seconds = minutes * 60
    stamp = moment.timestamp()
    return datetime.fromtimestamp(stamp - stamp % seconds, tz=moment.tzinfo)


# A house number: 1-4 digits not part of a longer number (5-digit postcodes stay), an optional letter (12a, 12 a)
# and an optional range (12-14, 3/4).
_HOUSE_NUMBER = re.compile(
    r"\s*(?<!\d)\d{1,4}(?!\d)(?:\s?[a-zA-Z](?![a-zA-ZäöüÄÖÜß]))?"
    r"(?:\s*[-\u2013/]\s*\d{1,4}(?!\d)(?:\s?[a-zA-Z](?![a-zA-ZäöüÄÖÜß]))?)?"
)


def strip_house_numbers(address: str) -> str | None:
    """The address without house numbers (``Leipziger Straße 12a, Halle`` -> ``Leipziger Straße, Halle``)."""
    text = _HOUSE_NUMBER.sub("", address)
    text = re.sub(r"\s+,", ",", text).strip(" ,")
    return text or None


# A street name as Halle writes them: its last word is a street word ("Geiststraße", "Hansering", "Leipziger
# Straße"), and at most three words before it, each an adjective of place or kind ("Leipziger", "Große", "Alte") or
# a preposition or article ("Am", "An der", "Zur"). A name ("Kowalski"), a noun ("Wohnung"), digits, an e-mail
# address or a phone number is none of these, so a part that holds one is not taken for a street.
_STREET_SUFFIX = re.compile(
    r"(?:stra(?:ß|ss)e|str\.|weg|platz|pl\.|gasse|allee|ring|ufer|damm|markt|chaussee|steg|brücke|berg|hof|"
    r"promenade|passage|graben|wall|anger|tor|zeile|bogen|winkel|siedlung|park|aue|höhe|feld|kirche)$",
    re.IGNORECASE,
)
_STREET_LINKS = frozenset(
    {"Am", "An", "Auf", "Im", "In", "Zum", "Zur", "Unter", "Hinter", "Vor", "Bei", "Beim", "der", "den", "dem", "die"}
)
_STREET_ADJECTIVE = re.compile(r"^[A-ZÄÖÜ][a-zäöüß]+(?:er|e|en|es)$")
_STREET_WORD = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöüß.-]*[a-zäöüß.]$")


def _is_street(candidate: str) -> bool:
    *before, last = candidate.split()
    if len(before) > 3 or not _STREET_WORD.match(last):
        return False
    if before and before[0] in _STREET_LINKS:  # "Am Kirchtor", "An der Marienkirche"
        return all(w in _STREET_LINKS or _STREET_ADJECTIVE.match(w) for w in before)
    return bool(_STREET_SUFFIX.search(last)) and all(_STREET_ADJECTIVE.match(w) for w in before)


def street_name(address: str) -> str | None:
    """The street of an address and nothing else: house numbers removed, then the first comma-separated part that is
    a recognised street name (``Geiststraße 17, bei Kowalski, 0345 ...`` -> ``Geiststraße``); None when no part is
    one. Whatever else the address holds (a name, a phone number, an e-mail, a flat) does not come along."""
    for part in address.split(","):
        candidate = " ".join((strip_house_numbers(part) or "").split())
        if 3 <= len(candidate) <= 64 and candidate.count(" ") < 4 and _is_street(candidate):
            return candidate
    return None


def known_code(code: str, levels: int = 4) -> str:
    """A type code cut to the longest code the hub knows (``KNOWN_TYPE_CODES`` or a top level), at most ``levels``
    deep: an open sub-code can hold anything a source typed (``CRIME/THEFT/MUELLER`` -> ``CRIME/THEFT``)."""
    parts = code.split("/")[:levels]
    for n in range(len(parts), 1, -1):
        candidate = "/".join(parts[:n])
        if candidate in KNOWN_TYPE_CODES:
            return candidate
    return top_level(code)


UNRECOGNISED_CITATION = "(nicht freigegeben)"
"""What a legal basis becomes outside the police domain when it is no recognised citation of a law."""

_LAWS = (
    "SOG LSA",
    "DSG LSA",
    "DSGVO",
    "GDPR",
    "BDSG",
    "StPO",
    "StGB",
    "OWiG",
    "PolG",
    "BGB",
    "SGB VIII",
    "SGB X",
    "IfSG",
    "PsychKG LSA",
    "KomVG LSA",
    "GO LSA",
    "StVO",
    "StVG",
    "PBefG",
    "BOStrab",
    "VwVfG",
    "VwVfG LSA",
)
_CITATION_TOKEN = re.compile(
    r"^(?:§|§§|Art\.|Abs\.|lit\.|Nr\.|S\.|Satz|Buchst\.|i\.\s?V\.\s?m\.|iVm|mit|und|sowie|,|;|\d{1,4}[a-z]?|[a-z]\)?|\(|\))$"
)


def legal_citation(text: str) -> str:
    """``text`` when it is a citation of laws the hub knows (``SOG LSA § 27``, ``DSGVO Art. 6 Abs. 1 lit. e``),
    else ``UNRECOGNISED_CITATION``: a legal basis is free text, and free text may hold anything."""
    rest = " ".join(text.replace(",", " , ").replace(";", " ; ").replace("(", " ( ").replace(")", " ) ").split())
    if not rest:
        return UNRECOGNISED_CITATION
    seen_law = False
    while rest:
        law = next((law for law in _LAWS if rest == law or rest.startswith(f"{law} ")), None)
        if law is not None:
            seen_law, rest = True, rest[len(law) :].strip()
            continue
        token, _, rest = rest.partition(" ")
        if not _CITATION_TOKEN.match(token):
            return UNRECOGNISED_CITATION
    return text if seen_law else UNRECOGNISED_CITATION


class StopLike(Protocol):
    """Anything with a stop id and a position, e.g. ``hub.network.gtfs_static.Stop``."""

    @property
    def stop_id(self) -> str: ...

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


@dataclass(frozen=True, slots=True)
class NearStop:
    """The stop nearest a position and how far it is."""

    stop_id: str
    lat: float
    lon: float
    distance_m: float


class StopIndex:
    """Nearest-stop look-up over a fixed set of stops, bucketed in cells so a query scans a few dozen stops.

    Distances use an equirectangular approximation at the query's latitude: within a city it errs by well under
    a metre per kilometre.
    """

    def __init__(self, stops: Iterable[StopLike], cell_m: float = 250.0) -> None:
        rows = [(s.stop_id, s.lat, s.lon) for s in stops]
        if not rows:
            raise ValueError("a stop index needs at least one stop")
        self._cell_m = cell_m
        self._cos = math.cos(math.radians(sum(r[1] for r in rows) / len(rows)))
        self._cells: dict[tuple[int, int], list[tuple[str, float, float]]] = {}
        for row in rows:
            self._cells.setdefault(self._cell(row[1], row[2]), []).append(row)

    def __len__(self) -> int:
        return sum(len(v) for v in self._cells.values())

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        y = lat * _M_PER_DEG_LAT / self._cell_m
        x = lon * _M_PER_DEG_LAT * self._cos / self._cell_m
        return math.floor(y), math.floor(x)

    def nearest(self, lat: float, lon: float, max_m: float) -> NearStop | None:
        """The nearest stop within ``max_m`` metres, or None. Scans rings of cells outwards and stops early."""
        cy, cx = self._cell(lat, lon)
        cos_here = max(math.cos(math.radians(lat)), 0.01)
        # Cells are cell_m wide at the stops' mean latitude; here they may be a little narrower or wider.
        cell_x_m = self._cell_m * cos_here / self._cos
        nearest_edge_m = min(self._cell_m, cell_x_m)
        best: tuple[str, float, float] | None = None
        best_d2 = max_m * max_m
        for ring in range(math.ceil(max_m / nearest_edge_m) + 1):
            for cell in _ring(cy, cx, ring):
                for stop in self._cells.get(cell, ()):
                    dy = (stop[1] - lat) * _M_PER_DEG_LAT
                    dx = (stop[2] - lon) * _M_PER_DEG_LAT * cos_here
                    d2 = dx * dx + dy * dy
                    if d2 <= best_d2:
                        best, best_d2 = stop, d2
            # Every cell of the next ring is at least ``ring`` cell edges away: nothing there can be nearer.
            if best is not None and best_d2 <= (ring * nearest_edge_m) ** 2:
                break
        return None if best is None else NearStop(best[0], best[1], best[2], math.sqrt(best_d2))


def _ring(cy: int, cx: int, ring: int) -> Iterator[tuple[int, int]]:
    """The cells at Chebyshev distance ``ring`` around (cy, cx)."""
    if ring == 0:
        yield cy, cx
        return
    for dx in range(-ring, ring + 1):
        yield cy - ring, cx + dx
        yield cy + ring, cx + dx
    for dy in range(-ring + 1, ring):
        yield cy + dy, cx - ring
        yield cy + dy, cx + ring


# --- context -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransformContext:
    """What the caller knows beyond the event itself.

    ``unit_assigned``: for a unit-status event, the unit is now assigned to an incident the recipient domain is
    involved in (see ``unit_on_shared_incident``); only then may its position reach a domain other than its own
    agency's. ``stops``: for ``generalise (stop)``; without it such a position is dropped. ``scrubber``: free
    text in, scrubbed text out; default ``hub.privacy.scrub``. ``pseudonyms``: value and key in, pseudonym out;
    the stage passes a cached ``pseudonymise`` (the same pseudonym, made once).
    """

    unit_assigned: bool = False
    stops: StopIndex | None = None
    scrubber: Callable[[str], str] | None = None
    pseudonyms: Callable[[str, SecretKey], str] = pseudonymise


def unit_on_shared_incident(status: UnitStatus, domain: str, involved: Mapping[str, Collection[str]]) -> bool:
    """Whether ``status``'s unit is on an incident that ``domain`` is involved in.

    The router knows both halves: a unit is on an incident while its last status is 3 or 4 with an
    ``incident_ref``; ``involved`` maps an incident id to the domains taking part in it (alerted, referenced,
    or reporting it).
    """
    if status.status_code not in ON_INCIDENT_DIGITS or status.incident_ref is None:
        return False
    return domain in involved.get(status.incident_ref, ())


def _default_scrub(text: str) -> str:
    # Looked up on first use, so that policies without a scrub rule never load the scrubber.
    module: Any = importlib.import_module("hub.privacy.scrub")
    result: str = module.scrub(text).text
    return result


# --- the transform -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharePlan:
    """How one domain receives one kind, worked out once from the policy and the key ring instead of per event:
    the domain's plan with every step's MAC key resolved, the envelope rules as flags, and the share topic."""

    domain: str
    kind: Kind
    policy: DomainPolicy
    plan: KindPlan
    key: SecretKey  # the domain's active key: share ids, the source id, and every step without an id key
    id_keys: Mapping[str, SecretKey]  # ``field_keys``: ``<kind>.<path>`` -> its id key (for the vault)
    steps: tuple[tuple[FieldStep, SecretKey], ...]
    topic: str
    source_to_agency: bool
    pseudonymise_source_id: bool
    drop_schema: bool
    keeps_valid: bool = False  # ``steps_keep_valid``: the share's payload need not be validated again

    def admits(self, data: Mapping[str, Any]) -> bool:
        """Whether the domain's purpose filter admits an event with payload ``data`` (``DomainPolicy.admits``)."""
        return self.plan.filter is None or self.plan.filter.admits(data)


def share_plan(policy: Policy, keys: KeyRing, domain: str, kind: str) -> SharePlan | None:
    """The plan for sharing events of ``kind`` with ``domain``, or None when the domain does not receive the kind.
    ``PolicyError`` for an unknown domain, ``ConfigError`` when the key ring holds no key for it."""
    domain_policy = policy.domain(domain)
    plan = domain_policy.plan(kind)
    if plan is None:
        return None
    key = keys.for_domain(domain).active
    id_keys = field_keys(keys, domain)  # ids pseudonymised under a long-lived id key (analytics' incident ids)
    return SharePlan(
        domain=domain,
        kind=KINDS[kind],
        policy=domain_policy,
        plan=plan,
        key=key,
        id_keys=id_keys,
        steps=tuple((step, id_keys.get(f"{kind}.{step.path}", key)) for step in plan.steps),
        topic=spec(f"share.{domain}.{kind}").name,
        source_to_agency=domain_policy.envelope_rule("source").method == "agency",
        pseudonymise_source_id=domain_policy.envelope_rule("hubsourceid").action == "pseudonymise",
        drop_schema=domain_policy.envelope_rule("dataschema").action == "drop",
        keeps_valid=steps_keep_valid(KINDS[kind].model, plan.steps),
    )


# The one model validator every payload model has (``StorableStrings``): it looks at strings only, and a dropped
# field is None.
_STRING_CHECK = frozenset({"_storable_strings"})


@cache  # per model and plan: a ``for_domain`` call compiles its plan each time
def steps_keep_valid(model: type[BaseModel], steps: tuple[FieldStep, ...]) -> bool:
    """Whether ``steps`` make a valid payload of ``model`` of every valid one, so that the share's payload need not
    be validated again: true when each step drops a top-level field to None that the field's own type (with its
    constraints and validators) takes, and the model checks nothing across fields (no field or model validator
    besides the string check, no ``model_post_init``). Then each field of the share is either as validated on
    input or None, which its type was just shown to take. Anything else (a nested path, a list emptied, a
    pseudonym, a generalised or scrubbed value) is validated per share, as before.
    """
    decorators = model.__pydantic_decorators__
    if (
        set(decorators.model_validators) - _STRING_CHECK
        or decorators.field_validators
        or decorators.validators
        or decorators.root_validators
        or model.model_post_init is not BaseModel.model_post_init
    ):
        return False
    return all(_drops_to_none(model, step) for step in steps)


def _drops_to_none(model: type[BaseModel], step: FieldStep) -> bool:
    info = model.model_fields.get(step.path)
    if step.rule.action != "drop" or step.drop_to_list or len(step.segments) != 1 or info is None:
        return False
    # The field's type as the model declares it: annotation, constraints and validators (``Field`` in ``Annotated``).
    field_type: Any = Annotated[info.annotation, info]
    try:
        return TypeAdapter(field_type).validate_python(None) is None
    except ValidationError:
        return False


class ShareRecord(NamedTuple):
    """A share and where it goes: ``share.<domain>.<kind>`` (without prefix), keyed by its new subject; ``id`` is
    the share's event id, ``raw`` its wire form (``CloudEvent.to_bytes`` of the share). A named tuple: one per
    share on the stage's hot path."""

    topic: str
    key: bytes
    id: str
    raw: bytes
    source_id: str | None = None  # the share's ``hubsourceid`` where the plan pseudonymised it (for the vault)

    def value(self) -> bytes:
        return self.raw

    @property
    def event(self) -> CloudEvent:
        """The share as an event (parsed from its wire form)."""
        return CloudEvent.from_bytes(self.raw)


def share_record(
    event: CloudEvent, domain: str, policy: Policy, keys: KeyRing, *, context: TransformContext
) -> ShareRecord | None:
    """``for_domain`` addressed to its share topic, with the Kafka key re-derived from the shared payload."""
    plan = _checked_plan(event, domain, policy, keys)
    if plan is None or not plan.admits(event.data):
        return None
    return share_of(event, plan, context)


def share_of(
    event: CloudEvent, plan: SharePlan, context: TransformContext, *, payload: BaseModel | None = None
) -> ShareRecord:
    """The share of canonical ``event`` by ``plan``, ready to send, for an event the plan admits: the transform of
    ``for_domain`` written straight to its wire form, without building a share model (the stage's hot path).
    ``payload``: the event's payload as the caller validated it (``unwrap``), which gives the subject of a share
    that leaves the payload unchanged."""
    changes = _changes(event, plan, context, payload)
    # The envelope's attributes in its field order, absent ones left out: what ``CloudEvent.to_bytes`` writes (a
    # test holds the two to the same bytes).
    doc: dict[str, Any] = {
        "specversion": event.specversion,
        "id": changes["id"],
        "source": changes.get("source", event.source),
        "type": event.type,
        "time": changes["time"],
        "subject": changes["subject"],
        "datacontenttype": event.datacontenttype,
    }
    dataschema = changes.get("dataschema", event.dataschema)  # None when the domain's rule drops it
    if dataschema is not None:
        doc["dataschema"] = dataschema
    doc["data"] = changes["data"]
    doc["hubkind"] = event.hubkind
    doc["hubrecipient"] = plan.domain
    doc["hubsourceid"] = changes.get("hubsourceid", event.hubsourceid)
    subject: str = changes["subject"]
    source_id = changes.get("hubsourceid")
    return ShareRecord(plan.topic, subject.encode("utf-8"), changes["id"], to_json(doc), source_id)


def for_domain(
    event: CloudEvent, domain: str, policy: Policy, keys: KeyRing, *, context: TransformContext
) -> CloudEvent | None:
    """The event as ``domain`` may see it, or None when the domain does not receive its kind or its purpose filter
    does not admit the event (``DomainPolicy.admits``). Never mutates.

    Raises ``InvalidEventError`` for an event that is not a canonical one or whose share would not validate, and
    ``PolicyViolation`` if a police assessment or an unassigned officer position would leave the police domain.
    Unchanged nested values may be shared between input and output; neither is ever changed in place.
    """
    plan = _checked_plan(event, domain, policy, keys)
    if plan is None or not plan.admits(event.data):
        return None  # not a kind the domain receives, or not an event its purpose covers
    # Every attribute changed is built by ``_changes`` from valid parts, so the envelope is copied, not re-validated.
    return event.model_copy(update=_changes(event, plan, context))


def _checked_plan(event: CloudEvent, domain: str, policy: Policy, keys: KeyRing) -> SharePlan | None:
    if event.hubrecipient is not None:
        raise ValueError(f"event {event.id} is already a share for {event.hubrecipient!r}; transform canon events")
    if policy.domain(domain).plan(event.hubkind) is None:
        return None
    kind = KINDS[event.hubkind]
    if event.type != kind.ce_type:  # checked before the keys, as an event's fault comes before the ring's
        raise InvalidEventError(f"type does not match hubkind {kind.name}", "undecodable")
    return share_plan(policy, keys, domain, event.hubkind)


def _changes(
    event: CloudEvent, plan: SharePlan, context: TransformContext, canonical: BaseModel | None = None
) -> dict[str, Any]:
    """The attributes of ``event`` that its share for ``plan.domain`` changes: the transformed payload, the keyed
    id, the subject re-derived from the shared payload, the bucketed time and the envelope by the domain's rules."""
    kind, domain_policy = plan.kind, plan.policy
    data = _applied(event.data, plan, context)
    position_allowed = True
    if kind.name == "unit-status" and not domain_policy.is_police:
        # Officers' positions reach another domain only while the unit is on an incident that domain shares.
        position_allowed = context.unit_assigned or data.get("agency") == plan.domain
        if not position_allowed:
            data["position"] = None
    # Subject and key always come from the payload as shared, never from the canonical envelope. A payload the
    # policy left unchanged was validated by the normaliser already, so it is not validated a second time; nor is
    # one the plan's steps provably keep valid (``steps_keep_valid``): the validated input with the dropped fields
    # None is what validating the share would give.
    if data != event.data:
        if plan.keeps_valid and position_allowed and canonical is not None:
            payload = canonical.model_copy(update={s.path: data[s.path] for s, _ in plan.steps if s.path in data})
        else:
            payload = _validated(kind, data, plan.domain)
    else:
        payload = canonical if canonical is not None else kind.model.model_construct(**data)
    subject = kind.partition_key(payload)
    if not domain_policy.is_police:
        _final_check(event.data, data, kind, plan.domain, subject, position_allowed)
    minutes = plan.plan.time_bucket_minutes
    changes: dict[str, Any] = {
        "id": keyed_event_id(event.id, plan.domain, plan.key),
        "time": bucket_time(event.time, minutes) if minutes else event.time,
        "subject": subject,
        "data": data,
        "hubrecipient": plan.domain,
    }
    # The envelope attributes a source wrote, by the domain's envelope rules (the policy allows only these forms).
    if plan.source_to_agency:
        agency = source_agency(event.source)
        changes["source"] = "/hub" if agency == UNKNOWN_AGENCY else f"/{agency}"
    if plan.pseudonymise_source_id:
        # Not through ``context.pseudonyms`` (the stage's cache): a source id is new with almost every record, so
        # caching it only evicts what does repeat; the stage hands this one to the vault entry (``source_id``).
        changes["hubsourceid"] = pseudonymise(event.hubsourceid, plan.key)
    if plan.drop_schema:
        changes["dataschema"] = None
    return changes


def _applied(original: Mapping[str, Any], plan: SharePlan, context: TransformContext) -> dict[str, Any]:
    """A copy of the payload ``original`` with the plan's steps applied; ``original`` stays as it was."""
    data = dict(original)  # every change below copies what it changes below the top level
    for step, key in plan.steps:
        if len(step.segments) > 1:
            data = _replace(data, step.segments, step, key, context)
        elif step.path in data:  # a top-level field: changed in place, ``data`` being this share's own copy
            data[step.path] = _change(data[step.path], step, key, context)
    return data


def _validated(kind: Kind, data: dict[str, Any], domain: str) -> BaseModel:
    """The share's payload as its model: a policy step must never produce what the schema does not allow."""
    try:
        return kind.model.model_validate(data)
    except ValidationError as exc:
        raise InvalidEventError(
            f"share of {kind.name} for {domain} does not validate: {validation_reason(exc, 'data')}",
            "processing_error",
        ) from exc


@cache
def _marks(model: type[BaseModel]) -> tuple[tuple[tuple[str, ...], str, Sensitivity], ...]:
    return tuple((tuple(path.split(".")), path, cls) for path, cls in sensitive_fields(model).items())


def _final_check(
    original: Mapping[str, Any], shared: Mapping[str, Any], kind: Kind, domain: str, subject: str, position_ok: bool
) -> None:
    """The second line of defence, independent of the plan: what must never leave, did not."""
    for segments, path, cls in _marks(kind.model):
        if cls == "police_assessment" and any(_present(v) for v in values_at(shared, segments)):
            raise PolicyViolation(f"the share of {kind.name} for {domain} would carry police assessment {path!r}")
        if cls == "operational_secret" and not any(_present(v) for v in values_at(shared, segments)):
            # A secret the payload does not carry (dropped, pseudonymised) must not reappear as the subject, which is
            # also the Kafka key. Non-police source ids are always pseudonyms, so they cannot carry it.
            for secret in values_at(original, segments):
                if isinstance(secret, str) and _in_key(secret, subject):
                    raise PolicyViolation(
                        f"the share of {kind.name} for {domain} would carry operational secret {path!r} in its key"
                    )
    if kind.name == "unit-status" and not position_ok and shared.get("position") is not None:
        raise PolicyViolation(f"the share of unit-status for {domain} would carry the position of an unassigned unit")


def _in_key(secret: str, subject: str) -> bool:
    # Keys join parts with ':' (agency:unit); a plain substring test would also match a short secret such as "1"
    # inside a pseudonym, so short secrets are compared part by part.
    return secret in subject.split(":") or (len(secret) >= 6 and secret in subject)


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def _replace(node: Any, segments: tuple[str, ...], step: FieldStep, key: SecretKey, context: TransformContext) -> Any:
    """``node`` with every value at a dotted path (through lists of objects) changed by ``step``: a new container
    along the path, the untouched rest shared."""
    if isinstance(node, list):
        return [_replace(item, segments, step, key, context) for item in node]
    if not isinstance(node, dict) or segments[0] not in node:
        return node
    head = segments[0]
    changed = dict(node)
    if len(segments) == 1:
        changed[head] = _change(node[head], step, key, context)
    else:
        changed[head] = _replace(node[head], segments[1:], step, key, context)
    return changed


def _change(value: Any, step: FieldStep, key: SecretKey, context: TransformContext) -> Any:
    """One field's new value under ``step``; None stays None, a list is changed item by item."""
    rule = step.rule
    if rule.action == "drop":
        return [] if step.drop_to_list else None
    if value is None:
        return None
    if isinstance(value, list):
        return [None if v is None else _change_one(v, rule, key, context) for v in value]
    return _change_one(value, rule, key, context)


def _change_one(value: Any, rule: Rule, key: SecretKey, context: TransformContext) -> Any:
    if rule.action == "pseudonymise":
        return context.pseudonyms(str(value), key)
    if rule.action == "scrub":
        return (context.scrubber or _default_scrub)(str(value))
    size = rule.size or 0
    if rule.method == "grid":
        return _to_grid(value, size)
    if rule.method == "stop":
        return _to_stop(value, size, context.stops)
    if rule.method == "time":
        return bucket_time(datetime.fromisoformat(value), size).isoformat()
    if rule.action == "withhold":
        return WITHHELD_TEXT
    if rule.method == "street":
        # Only a recognised street name is kept; scrubbing first would not help: the scrubber masks the street too.
        return street_name(str(value))
    if rule.method == "code":
        return known_code(str(value), size)
    if rule.method == "citation":
        return legal_citation(str(value))
    raise AssertionError(f"no transform for {rule.describe()}")  # the policy validated action and method


def _widened(position: dict[str, Any], lat: float, lon: float, extra_m: float, step_m: int) -> dict[str, Any]:
    """``position`` moved to (lat, lon); its uncertainty (or error) grows by ``extra_m``, rounded up to ``step_m``."""
    moved = {**position, "lat": lat, "lon": lon}
    for name in ("uncertainty_m", "error_m"):
        if name in moved:
            grown = (moved[name] or 0.0) + extra_m
            moved[name] = float(math.ceil(grown / step_m) * step_m)
    return moved


def _to_grid(position: dict[str, Any], metres: int) -> dict[str, Any]:
    lat, lon = snap_to_grid(position["lat"], position["lon"], metres)
    # The true point lies anywhere in the cell: up to half its diagonal from the centre. Rounded up to whole cells,
    # so the original uncertainty, a quasi-identifier of the report, does not show through.
    return _widened(position, lat, lon, metres * math.sqrt(2) / 2, metres)


def _to_stop(position: dict[str, Any], max_m: int, stops: StopIndex | None) -> dict[str, Any] | None:
    near = stops.nearest(position["lat"], position["lon"], max_m) if stops is not None else None
    if near is None:
        return None  # no stop near (or no stop table): fail closed, the exact position does not leave
    # Rounded to 100 m so the ring around the stop says little about where exactly the incident was.
    return _widened(position, near.lat, near.lon, near.distance_m, 100)
