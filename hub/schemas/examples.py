"""Deterministic, valid example payloads of every kind, for tests, the demo and benchmarks.

Stops (DHID, name, position) are real HAVAG stops from the MDV GTFS feed (CC BY 4.0, Mitteldeutscher
Verkehrsverbund GmbH); their order along each line follows OpenStreetMap (ODbL, OpenStreetMap contributors).
People, phone numbers (the Bundesnetzagentur's range for fiction, +49 30 23125 xxx), call signs and ids are
made up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, get_args

from hub.schemas.incident import IncidentOrigin

__all__ = ["example_payload"]

_T = TypeVar("_T")
_Stop = tuple[str, str, float, float]  # DHID, name, lat, lon

# A stretch of each line, in running order.
_LINES: dict[str, tuple[_Stop, ...]] = {
    "1": (
        ("de:15002:5177", "Frohe Zukunft", 51.508948, 11.994612),
        ("de:15002:5167", "Kornblumenweg", 51.506684, 11.991755),
        ("de:15002:3955", "Gertraudenfriedhof", 51.504518, 11.989236),
        ("de:15002:5096", "S-Bahnhof Dessauer Brücke (Tram)", 51.500818, 11.984845),
        ("de:15002:5077", "Äußere Hordorfer Str.", 51.496434, 11.981173),
        ("de:15002:5213", "Am Wasserturm", 51.493235, 11.981829),
        ("de:15002:5237", "Am Steintor", 51.488196, 11.978086),
    ),
    "2": (
        ("de:15002:5122", "S-Bahnhof Neustadt (Tram/Bus)", 51.478880, 11.921383),
        ("de:15002:5061", "Zentrum Neustadt", 51.479943, 11.927757),
        ("de:15002:5227", "An der Feuerwache", 51.480783, 11.934780),
        ("de:15002:5030", "Hyazinthenstr.", 51.481230, 11.939906),
        ("de:15002:5235", "Rennbahnkreuz", 51.482814, 11.946992),
        ("de:15002:5208", "Saline", 51.481550, 11.957220),
        ("de:15002:5228", "Ankerstr.", 51.482362, 11.963508),
    ),
    "3": (
        ("de:15002:5132", "Trotha", 51.519151, 11.957856),
        ("de:15002:5099", "Pfarrstr.", 51.513132, 11.958748),
        ("de:15002:5264", "Seebener Str.", 51.510773, 11.961376),
        ("de:15002:5073", "Geschwister-Scholl-Str.", 51.508071, 11.964068),
        ("de:15002:5722", "Kurallee", 51.504143, 11.966838),
        ("de:15002:5028", "Hegelstr.", 51.499520, 11.966552),
        ("de:15002:5257", "Reileck", 51.496145, 11.965987),
    ),
    "5": (
        ("de:15002:5143", "Kröllwitz", 51.507660, 11.927821),
        ("de:15002:22533", "Spechtweg", 51.503951, 11.929081),
        ("de:15002:5031", "Heide-Universitätsklinikum", 51.500045, 11.932849),
        ("de:15002:3945", "Straßburger Weg", 51.498332, 11.935548),
        ("de:15002:5164", "Weinberg Campus", 51.495905, 11.939108),
        ("de:15002:5098", "Gimritzer Damm", 51.486589, 11.945983),
        ("de:15002:5235", "Rennbahnkreuz", 51.482814, 11.946992),
    ),
    "7": (
        ("de:15002:5067", "Burg Giebichenstein", 51.502076, 11.955078),
        ("de:15002:5020", "Triftstr.", 51.500101, 11.958537),
        ("de:15002:5003", "Landesmuseum für Vorgeschichte", 51.498445, 11.962852),
        ("de:15002:5257", "Reileck", 51.496145, 11.965987),
        ("de:15002:5084", "Hermannstr.", 51.491130, 11.965921),
        ("de:15002:5005", "Moritzburgring", 51.487430, 11.966458),
        ("de:15002:5232", "Marktplatz", 51.482772, 11.969338),
    ),
    "8": (
        ("de:15002:5084", "Hermannstr.", 51.491130, 11.965921),
        ("de:15002:5005", "Moritzburgring", 51.487430, 11.966458),
        ("de:15002:5232", "Marktplatz", 51.482772, 11.969338),
        ("de:15002:5125", "Franckeplatz", 51.478548, 11.969596),
        ("de:15002:5258", "Rannischer Platz", 51.474278, 11.969592),
        ("de:15002:5204", "Melanchthonstr.", 51.470357, 11.968905),
    ),
    "9": (
        ("de:15002:5008", "Riebeckplatz", 51.478513, 11.982667),
        ("de:15002:5730", "Am Leipziger Turm", 51.478301, 11.977211),
        ("de:15002:5125", "Franckeplatz", 51.478548, 11.969596),
        ("de:15002:5728", "Glauchaer Platz", 51.479726, 11.964619),
        ("de:15002:5228", "Ankerstr.", 51.482362, 11.963508),
        ("de:15002:5232", "Marktplatz", 51.482772, 11.969338),
    ),
    "10": (
        ("de:15002:11316", "Hauptbahnhof (Tram/Bus)", 51.478501, 11.985836),
        ("de:15002:5095", "Freiimfelder Str.", 51.479148, 11.994789),
        ("de:15002:3937", "Betriebshof Freiimfelder Str.", 51.484831, 11.994759),
        ("de:15002:5051", "Berliner Brücke", 51.488599, 11.994703),
        ("de:15002:5236", "S-Bahnhof Steintorbrücke", 51.489815, 11.986516),
        ("de:15002:3950", "Friesenstr.", 51.489849, 11.980254),
        ("de:15002:5237", "Am Steintor", 51.488196, 11.978086),
    ),
    "12": (
        ("de:15002:5438", "Hauptbahnhof/ZOB", 51.477440, 11.984570),
        ("de:15002:5008", "Riebeckplatz", 51.478513, 11.982667),
        ("de:15002:5106", "Magdeburger Str.", 51.484674, 11.980478),
        ("de:15002:5237", "Am Steintor", 51.488196, 11.978086),
        ("de:15002:6520", "Lessingstr.", 51.490885, 11.975583),
        ("de:15002:5257", "Reileck", 51.496145, 11.965987),
    ),
}
_LINE_NAMES = tuple(_LINES)
_STREETS = (
    "Leipziger Straße",
    "Große Ulrichstraße",
    "Geiststraße",
    "Große Steinstraße",
    "Reilstraße",
    "Merseburger Straße",
    "Magdeburger Straße",
    "Hansering",
)
_NAMES = ("Erika Mustermann", "Max Mustermann", "Anna Beispiel", "Jonas Muster", "Leonie Probe")
_ORIGINS: tuple[str, ...] = get_args(IncidentOrigin)
_ID_PREFIX = {
    "citizen_call": "PI-HAL-E",
    "driver_alarm": "HAVAG-NR",
    "havag_report": "HAVAG-EV",
    "police_initiated": "PI-HAL-E",
    "ordnungsamt_patrol": "OA-HAL",
    "streetwork": "SW-HAL",
    "open311": "O311",
    "other": "HUB-X",
}
_LEGAL_BASIS = {
    "citizen_call": "SOG LSA § 27",
    "police_initiated": "SOG LSA § 27",
    "driver_alarm": "DSGVO Art. 6 Abs. 1 lit. d",
    "havag_report": "DSGVO Art. 6 Abs. 1 lit. f",
    "ordnungsamt_patrol": "SOG LSA § 27",
    "streetwork": "DSGVO Art. 6 Abs. 1 lit. e",
    "open311": "DSGVO Art. 6 Abs. 1 lit. e",
    "other": "DSGVO Art. 6 Abs. 1 lit. e",
}
_TYPE_CODES = (
    "CRIME/ASSAULT",
    "CRIME/THEFT",
    "CRIME/PROPERTY_DAMAGE",
    "CRIME/THREAT",
    "MEDICAL/HELPLESS_PERSON",
    "SAFETY/HELPLESS_PERSON",
    "TRANSIT/TRAFFIC_ACCIDENT",
    "PUBLIC_ORDER/NUISANCE",
    "PUBLIC_ORDER/LITTER",
    "TECHNICAL/LIGHTING",
    "CRIME",
    "OTHER",
)
_DESCRIPTIONS = (
    "Fahrgast wird in der Bahn von einer Gruppe bedrängt",
    "Person liegt hilflos an der Haltestelle",
    "Scheibe im Wartehäuschen eingeschlagen",
    "Streit zwischen zwei Fahrgästen, lautstark",
    "Tasche aus dem Kinderwagen entwendet",
    "Leuchte an der Haltestelle defekt, Bereich dunkel",
)
_BASE = datetime(2025, 6, 2, 6, 0, tzinfo=timezone(timedelta(hours=2)))  # a Monday morning, CEST


def _mix(i: int, salt: int) -> int:
    """A cheap deterministic scramble, so that fields of record i do not move in lockstep."""
    return ((i + 1) * 2654435761 + salt * 40503 + (i >> 3) * 97) % 4294967291


def _pick(seq: Sequence[_T], i: int, salt: int) -> _T:
    return seq[_mix(i, salt) % len(seq)]


def _time(i: int) -> datetime:
    # Wraps after a million records (about 18 months), so any record number gives a representable time.
    return _BASE + timedelta(seconds=(i % 1_000_000) * 47)


def _iso(t: datetime) -> str:
    return t.isoformat()


def _line_and_index(i: int, salt: int) -> tuple[str, tuple[_Stop, ...], int]:
    line = _pick(_LINE_NAMES, i, salt)
    stops = _LINES[line]
    return line, stops, _mix(i, salt + 1) % (len(stops) - 1)


def _jitter(i: int, salt: int, scale: float) -> float:
    return ((_mix(i, salt) % 2001) - 1000) / 1000 * scale


def _car(i: int, salt: int) -> str:
    return str(601 + _mix(i, salt) % 80)


def _incident(i: int) -> dict[str, Any]:
    origin = _ORIGINS[i % len(_ORIGINS)]
    line, stops, k = _line_and_index(i, 1)
    dhid, _name, lat, lon = stops[k]
    type_code = "TRANSIT/DRIVER_ALARM" if origin == "driver_alarm" else _pick(_TYPE_CODES, i, 2)
    mode = "exercise" if i % 23 == 11 else "test" if i % 29 == 7 else "actual"
    on_vehicle = origin in ("driver_alarm", "havag_report") or i % 3 == 0
    location = None
    if i % 7 != 3:
        location = {
            "lat": round(lat + _jitter(i, 3, 0.0008), 6),
            "lon": round(lon + _jitter(i, 4, 0.0012), 6),
            "uncertainty_m": 15.0 if origin == "driver_alarm" else float(25 + _mix(i, 5) % 1500),
            "address": f"{_pick(_STREETS, i, 6)} {1 + _mix(i, 7) % 120}, Halle (Saale)" if i % 4 == 1 else None,
        }
    caller = None
    if origin == "citizen_call":
        caller = {"name": _pick(_NAMES, i, 8), "phone": f"+49 30 23125 {_mix(i, 9) % 1000:03d}"}
    references = []
    if on_vehicle and origin != "havag_report":
        references.append({"agency": "havag", "ref_id": f"HAVAG-EV-{i:07d}"})
    if origin in ("driver_alarm", "havag_report", "ordnungsamt_patrol") and i % 2 == 0:
        references.append({"agency": "polizei", "ref_id": f"PI-HAL-E-{i:07d}"})
    police = origin in ("citizen_call", "police_initiated")
    return {
        "incident_id": f"{_ID_PREFIX[origin]}-{i:07d}",
        "mode": mode,
        "origin": origin,
        "type_code": type_code,
        "priority": 1 + _mix(i, 10) % 5,
        "status": _pick(("open", "open", "updated", "updated", "closed", "cancelled"), i, 11),
        "reported_at": _iso(_time(i)),
        "location": location,
        "area": None,
        "expires_at": None,
        "stop_dhid": dhid if i % 5 != 2 else None,
        "line": line if on_vehicle or i % 2 == 0 else None,
        "vehicle": _car(i, 12) if on_vehicle else None,
        "references": references,
        "confidentiality": "confidential" if police else "public" if origin == "open311" else "restricted",
        "legal_basis": _LEGAL_BASIS[origin],
        "retention_class": "short" if mode != "actual" else "long" if type_code.startswith("CRIME") else "standard",
        "description": _pick(_DESCRIPTIONS, i, 13) if i % 3 != 2 else None,
        "caller": caller,
        "assessment": "Gruppe vermutlich alkoholisiert, Eigensicherung beachten" if police and i % 2 == 0 else None,
    }


def _bearing(a: _Stop, b: _Stop) -> float:
    d_lon = math.radians(b[3] - a[3]) * math.cos(math.radians(a[2]))
    d_lat = math.radians(b[2] - a[2])
    return round(math.degrees(math.atan2(d_lon, d_lat)) % 360.0, 1)


def _vehicle_position(i: int) -> dict[str, Any]:
    line, stops, k = _line_and_index(i, 21)
    here, there = stops[k], stops[k + 1]
    frac = (i % 10) / 10
    at_stop = frac == 0.0
    run = 1 + _mix(i, 22) % 12
    return {
        "vehicle": _car(i, 23),
        "line": line,
        "direction": stops[-1][1],
        "trip_id": f"HAVAG-{line}-{run:02d}-{_time(i).strftime('%H%M')}" if i % 6 != 5 else None,
        "run": f"{line}/{run:02d}",
        "lat": round(here[2] + (there[2] - here[2]) * frac, 6),
        "lon": round(here[3] + (there[3] - here[3]) * frac, 6),
        "bearing": _bearing(here, there),
        "speed_mps": 0.0 if at_stop else round(4.0 + (_mix(i, 24) % 80) / 10, 1),
        "delay_s": (_mix(i, 25) % 420) - 60 if i % 8 != 7 else None,
        "observed_at": _iso(_time(i)),
        "current_stop_dhid": here[0],
        "next_stop_dhid": there[0],
    }


def _trip_update(i: int) -> dict[str, Any]:
    line, stops, k = _line_and_index(i, 26)
    run = 1 + _mix(i, 27) % 12
    delay = (_mix(i, 28) % 420) - 60
    observed = _time(i)
    coming = stops[k : k + 4]
    return {
        "trip_id": f"HAVAG-{line}-{run:02d}-{observed.strftime('%H%M')}",
        "line": line,
        "direction": stops[-1][1],
        "start_date": observed.strftime("%Y%m%d"),
        "vehicle": _car(i, 29),
        "delay_s": delay,
        "stop_updates": [
            {
                "stop_sequence": k + n,
                "stop_id": stop[0],
                "stop_dhid": stop[0],
                "arrival_time": _iso(observed + timedelta(seconds=90 * (n + 1) + delay)),
                "arrival_delay_s": delay,
            }
            for n, stop in enumerate(coming)
        ],
        "observed_at": _iso(observed),
    }


_DISRUPTIONS = (
    ("accident", "significant_delays", "severe", "Unfall"),
    ("construction", "detour", "warning", "Bauarbeiten"),
    ("police_activity", "no_service", "severe", "Polizeieinsatz"),
    ("technical_problem", "reduced_service", "warning", "Fahrzeugstörung"),
    ("demonstration", "detour", "info", "Versammlung"),
    ("medical_emergency", "significant_delays", "warning", "Rettungseinsatz"),
)


def _transit_disruption(i: int) -> dict[str, Any]:
    line, stops, k = _line_and_index(i, 31)
    cause, effect, severity, word = _pick(_DISRUPTIONS, i, 32)
    affected = stops[k : k + 2]
    start = _time(i)
    lines = [line]
    if i % 4 == 0:
        other = _pick(_LINE_NAMES, i, 33)
        if other != line:
            lines.append(other)
    return {
        "disruption_id": f"HAVAG-SX-{i:06d}",
        "lines": lines,
        "stop_dhids": [s[0] for s in affected],
        "cause": cause,
        "effect": effect,
        "severity": severity,
        "summary": f"Linie {line}: {word} zwischen {affected[0][1]} und {affected[-1][1]}",
        "valid_from": _iso(start),
        "valid_to": _iso(start + timedelta(minutes=30 + _mix(i, 34) % 180)) if i % 3 != 0 else None,
        "status": _pick(("open", "updated", "closed", "cancelled"), i, 35),
    }


_EVENTS = (
    ("Laternenfest", "Laternenfest Halle e. V.", 40_000),
    ("Wochenmarkt", "Stadtmarketing Halle (Saale) GmbH", 3_000),
    ("Konzert auf der Peißnitz", "Peißnitzhaus e. V.", 8_000),
    ("Heimspiel Hallescher FC", "Hallescher FC e. V.", 12_000),
    ("Weihnachtsmarkt", "Stadtmarketing Halle (Saale) GmbH", 15_000),
)


def _planned_event(i: int) -> dict[str, Any]:
    _line, stops, k = _line_and_index(i, 36)
    dhid, venue, lat, lon = stops[k]
    title, organiser, attendance = _pick(_EVENTS, i, 37)
    start = _time(i) + timedelta(days=3 + _mix(i, 38) % 60)
    return {
        "event_id": f"{i:06d}@veranstaltungen.example.org",
        "title": title,
        "description": f"{title} an der Haltestelle {venue}" if i % 2 == 0 else None,
        "organiser": {"name": organiser, "contact_email": "info@veranstaltungen.example.org" if i % 3 == 0 else None},
        "place": {"name": venue, "position": {"lat": lat, "lon": lon}, "nearest_stops": [dhid]},
        "starts_at": _iso(start),
        "ends_at": _iso(start + timedelta(hours=2 + _mix(i, 39) % 10)),
        "expected_attendance": attendance if i % 4 != 0 else None,
        "status": _pick(("confirmed", "confirmed", "confirmed", "tentative", "cancelled"), i, 40),
        "sequence": _mix(i, 41) % 4,
        "modified_at": _iso(_time(i)),
    }


_POLIZEI_DIGITS = (1, 1, 2, 3, 3, 4, 4, 6, 0, 5, 7)
_ORDNUNGSAMT_DIGITS = (1, 1, 2, 3, 4, 4, 6, 5, 0)


def _unit_status(i: int) -> dict[str, Any]:
    agency = "ordnungsamt" if i % 3 == 2 else "polizei"
    if agency == "polizei":
        unit = f"Saale {10 + _mix(i, 41) % 40}/{1 + _mix(i, 42) % 3}"
        digit = _pick(_POLIZEI_DIGITS, i, 43)
    else:
        unit = f"Ordnung {1 + _mix(i, 41) % 12}"
        digit = _pick(_ORDNUNGSAMT_DIGITS, i, 43)
    position = None
    if i % 5 != 4:
        _line, stops, k = _line_and_index(i, 44)
        _dhid, _name, lat, lon = stops[k]
        moving = digit == 3
        position = {
            "lat": round(lat + _jitter(i, 45, 0.002), 6),
            "lon": round(lon + _jitter(i, 46, 0.003), 6),
            "error_m": _pick((2.0, 20.0, 20.0, 200.0), i, 47),
            "speed_mps": round(5.0 + (_mix(i, 48) % 100) / 10, 1) if moving else 0.0,
            "heading_deg": float(_mix(i, 49) % 360) if moving else None,
            "fix_age_s": float(_mix(i, 50) % 30),
        }
    return {
        "agency": agency,
        "unit": unit,
        "status_code": digit,
        "position": position,
        "emergency": i % 101 == 50,
        "observed_at": _iso(_time(i)),
        "incident_ref": f"PI-HAL-E-{max(i - 3, 0):07d}" if digit in (3, 4) else None,
    }


_RECIPIENTS = ("polizei", "havag", "ordnungsamt", "analytics", "praevention")


def _alert(i: int) -> dict[str, Any]:
    recipient = _RECIPIENTS[i % len(_RECIPIENTS)]
    line, stops, k = _line_and_index(i, 51)
    here = stops[k]
    meet = stops[min(k + 1 + _mix(i, 52) % 2, len(stops) - 1)]
    issued = _time(i)
    operational = recipient in ("polizei", "havag", "ordnungsamt")
    state = _pick(("new", "new", "acknowledged", "resolved", "expired"), i, 55)
    finished = state in ("resolved", "expired")
    clear_reason: str | None = None
    if state == "expired":
        clear_reason = "expired"
    elif state == "resolved":
        clear_reason = _pick(("incident_closed", "incident_closed", "incident_cancelled"), i, 62)
    # Escalation is the police's and the Ordnungsamt's: HAVAG's own alerts never escalate.
    escalation = "none"
    if recipient in ("polizei", "ordnungsamt"):
        escalation = _pick(("none", "none", "next_unit", "supervisor", "havag_unanswered"), i, 63)
    if recipient == "ordnungsamt" and escalation == "havag_unanswered":
        escalation = "none"  # only the police are told that HAVAG did not answer
    escalation_level = {"none": 0, "next_unit": 1, "supervisor": 3, "havag_unanswered": 0}[escalation]
    escalated_to = {"polizei": "Dienstgruppenleiter", "ordnungsamt": "Schichtleitung Ordnungsamt"}.get(recipient)
    hold = None
    if recipient == "havag" and i % 2 == 1:
        hold = {
            "action": _pick(("hold_at_stop", "keep_doors_closed"), i, 53),
            "stop_dhid": meet[0],
            "max_hold_s": 180,
        }
    return {
        "alert_id": f"ALR-{i:07d}",
        "revision": 1 + _mix(i, 54) % 3,
        "incident_id": f"PI-HAL-E-{i:07d}",
        "recipient": recipient,
        "state": state,
        "category": _pick(("CRIME", "MEDICAL", "SAFETY", "TRANSIT", "PUBLIC_ORDER"), i, 56),
        "priority": 1 + _mix(i, 57) % 5,
        "vehicle": _car(i, 58) if operational else None,
        "line": line,
        "stop_dhid": here[0],
        "recommended_unit": f"Saale {10 + _mix(i, 59) % 40}/1" if recipient == "polizei" else None,
        "intercept_stop_dhid": meet[0] if operational else None,
        "unit_eta": _iso(issued + timedelta(seconds=240 + _mix(i, 60) % 300)) if operational else None,
        "vehicle_eta": _iso(issued + timedelta(seconds=120 + _mix(i, 61) % 300)) if operational else None,
        "hold_request": hold,
        "instructions": f"Polizei trifft an {meet[1]} auf das Fahrzeug; Türen geschlossen halten"
        if hold is not None
        else None,
        "issued_at": _iso(issued),
        "mode": _pick(("actual", "actual", "actual", "exercise", "test"), i, 64),
        "escalation": escalation,
        "escalated_to": escalated_to if escalation == "supervisor" else None,
        "escalation_level": escalation_level,
        "havag_unanswered": escalation == "havag_unanswered",
        "cleared_at": _iso(issued) if finished else None,
        "clear_reason": clear_reason,
    }


_BUILDERS: dict[str, Callable[[int], dict[str, Any]]] = {
    "incident": _incident,
    "vehicle-position": _vehicle_position,
    "trip-update": _trip_update,
    "transit-disruption": _transit_disruption,
    "unit-status": _unit_status,
    "planned-event": _planned_event,
    "alert": _alert,
}


def example_payload(kind: str, i: int) -> dict[str, Any]:
    """Example record ``i`` (``i >= 0``) of ``kind`` as a JSON-ready dict; the same inputs, the same dict."""
    if i < 0:
        raise ValueError(f"record number must be >= 0, got {i}")
    try:
        build = _BUILDERS[kind]
    except KeyError:
        raise KeyError(f"unknown kind {kind!r}; known: {', '.join(_BUILDERS)}") from None
    return build(i)
