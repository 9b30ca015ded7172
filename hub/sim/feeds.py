"""The scenario as the agencies' systems speak it: GTFS-RT VehiclePositions and TripUpdates (protobuf, with the
official bindings), unit reports and driver alarms (the hub's JSON), CAP 1.2 alerts from the police control room.

Pure renderers: the same scenario state always gives the same bytes. ``pushes`` lists every webhook body in order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from xml.sax.saxutils import escape

from google.transit import gtfs_realtime_pb2 as pb

from hub.sim.scenario import CAP_SENDER, RadioReport, Scenario, ScriptedIncident, TramState

__all__ = [
    "CAP_NS",
    "Channel",
    "Push",
    "cap_alert",
    "driver_alarm",
    "pushes",
    "trip_updates_feed",
    "unit_reports",
    "vehicle_positions_feed",
]

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"

#: Where a pushed document goes: one webhook connector instance each (see ``hub.sim.serve``).
Channel = Literal["driver-alarm", "polizei-cap", "polizei-units", "ordnungsamt-patrols"]


@dataclass(frozen=True, slots=True)
class Push:
    """One webhook body the simulator sends at simulation second ``t``."""

    t: float
    channel: Channel
    body: bytes
    content_type: str


def _header(scenario: Scenario, feed_t: float) -> pb.FeedHeader:
    return pb.FeedHeader(
        gtfs_realtime_version="2.0",
        incrementality=pb.FeedHeader.FULL_DATASET,
        timestamp=scenario.clock.posix(feed_t),
    )


def _trip(scenario: Scenario, state: TramState) -> pb.TripDescriptor:
    return pb.TripDescriptor(
        trip_id=state.trip_id,
        route_id=state.route_id,
        direction_id=state.direction,
        start_date=scenario.clock.service_date,
        schedule_relationship=pb.TripDescriptor.SCHEDULED,
    )


def _vehicle(state: TramState) -> pb.VehicleDescriptor:
    return pb.VehicleDescriptor(id=state.car, label=state.car)


def vehicle_positions_feed(scenario: Scenario, feed_t: float) -> bytes:
    """The VehiclePositions feed published at ``feed_t``: one entity per tram in service, keyed by car."""
    entities = []
    for state in scenario.trams(feed_t):
        vehicle = pb.VehiclePosition(
            trip=_trip(scenario, state),
            vehicle=_vehicle(state),
            position=pb.Position(
                latitude=state.lat, longitude=state.lon, bearing=state.bearing_deg, speed=state.speed_mps
            ),
            current_stop_sequence=state.stop_index,
            stop_id=state.stop_id,
            current_status=(pb.VehiclePosition.STOPPED_AT if state.stopped else pb.VehiclePosition.IN_TRANSIT_TO),
            timestamp=scenario.clock.posix(state.observed_s),
        )
        entities.append(pb.FeedEntity(id=f"vehicle-{state.car}", vehicle=vehicle))
    feed = pb.FeedMessage(header=_header(scenario, feed_t), entity=entities)
    return feed.SerializeToString(deterministic=True)


def trip_updates_feed(scenario: Scenario, feed_t: float) -> bytes:
    """The TripUpdates feed published at ``feed_t``: per trip in service, the delay and predicted arrivals ahead."""
    entities = []
    for state in scenario.trams(feed_t):
        updates = [
            pb.TripUpdate.StopTimeUpdate(
                stop_sequence=sequence,
                stop_id=stop_id,
                arrival=pb.TripUpdate.StopTimeEvent(time=arrival, delay=delay),
                schedule_relationship=pb.TripUpdate.StopTimeUpdate.SCHEDULED,
            )
            for sequence, stop_id, arrival, delay in state.arrivals
        ]
        update = pb.TripUpdate(
            trip=_trip(scenario, state),
            vehicle=_vehicle(state),
            stop_time_update=updates,
            timestamp=scenario.clock.posix(state.observed_s),
            delay=state.delay_s,
        )
        entities.append(pb.FeedEntity(id=f"trip-{state.trip_id}", trip_update=update))
    feed = pb.FeedMessage(header=_header(scenario, feed_t), entity=entities)
    return feed.SerializeToString(deterministic=True)


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def unit_reports(scenario: Scenario, reports: Sequence[RadioReport]) -> bytes:
    """One push of the radio gateway: a JSON array of unit reports (docs/formats/cap-open311-alarms-units.md)."""
    body = []
    for r in reports:
        location: dict[str, Any] = {
            "lat": r.lat,
            "lon": r.lon,
            "position_error_m": r.position_error_m,
            "velocity_kmh": r.velocity_kmh,
            "time_elapsed_s": r.time_elapsed_s,
        }
        if r.direction_deg is not None:
            location["direction_deg"] = r.direction_deg
        report: dict[str, Any] = {
            "unit": r.call_sign,
            "time": scenario.clock.iso(r.t),
            "status": r.status,
            "emergency": False,
            "location": location,
        }
        if r.incident_ref is not None:
            report["incident_ref"] = r.incident_ref
        body.append(report)
    return _json(body)


def driver_alarm(scenario: Scenario, incident: ScriptedIncident, state: Literal["raised", "cleared"]) -> bytes:
    """The on-board unit's driver alarm message: the key pressed, or the clear-down minutes later."""
    tram = incident.tram if state == "raised" else incident.cleared_tram
    t = incident.t if state == "raised" else incident.cleared_s
    if tram is None or t is None or incident.channel != "driver-alarm":
        raise ValueError(f"incident {incident.number} has no driver alarm {state}")
    alarm_id = incident.incident_ref.removeprefix("driver-alarm:")
    message: dict[str, Any] = {
        "alarm_id": alarm_id,
        "vehicle": tram.car,
        "line": tram.line,
        "run": tram.run,
        "mode": incident.alarm_mode,
        "state": state,
    }
    if state == "raised":
        message["last_stop"] = tram.last_stop_id
        if tram.next_stop_id is not None:
            message["next_stop"] = tram.next_stop_id
    # The on-board GNSS fix: good to 10-30 m; the accuracy is drawn from the car and the second, so it is stable.
    accuracy = 10 + (int(tram.car) + int(t)) % 21
    message["position"] = {"lat": round(tram.lat, 6), "lon": round(tram.lon, 6), "accuracy_m": accuracy}
    message["time"] = scenario.clock.iso(t)
    if state == "cleared":
        message["raised_at"] = scenario.clock.iso(incident.t)
    return _json(message)


def _stop_name(scenario: Scenario, stop_id: str | None) -> str:
    if stop_id is None:
        return "Endhaltestelle"
    stop = scenario.network.stops().get(stop_id)
    return stop.name.removeprefix("Halle (Saale), ") if stop else stop_id


def cap_alert(scenario: Scenario, incident: ScriptedIncident) -> bytes:
    """The police control room's CAP 1.2 export of an incident reported by phone (on a tram, or at a stop)."""
    if incident.channel != "cap":
        raise ValueError(f"incident {incident.number} is a driver alarm, not a CAP incident")
    ev = incident.event
    identifier = incident.incident_ref.split(",", 1)[1]
    params: dict[str, str] = {}
    if incident.tram is not None:
        tram = incident.tram
        origin = "havag_report" if incident.kind == "passenger_emergency" else "citizen_call"
        params = {"hub:vehicle": tram.car, "hub:line": tram.line, "hub:origin": origin}
        if tram.next_stop_id is not None:
            params["hub:stop_dhid"] = tram.next_stop_id
        towards = tram.headsign.removeprefix("Halle (Saale), ")
        area = (
            f"Straßenbahn Linie {tram.line}, Wagen {tram.car}, Richtung {towards}, "
            f"zwischen {_stop_name(scenario, tram.last_stop_id)} und {_stop_name(scenario, tram.next_stop_id)}"
        )
        headline = f"{ev.event} in Straßenbahn Linie {tram.line}"
        description = f"Meldung aus Wagen {tram.car}. Fahrzeug fährt weiter Richtung {tram.headsign}."
        radius_km = 0.1  # the tram moves on while the call is taken
    else:
        assert incident.stop is not None
        params = {"hub:stop_dhid": incident.stop.stop_id, "hub:origin": "citizen_call"}
        area = f"Haltestelle {_stop_name(scenario, incident.stop.stop_id)}"
        headline = f"{ev.event} an Haltestelle {_stop_name(scenario, incident.stop.stop_id)}"
        description = "Meldung über Notruf 110."
        radius_km = 0.05
    parameters = "".join(
        f"<parameter><valueName>{escape(k)}</valueName><value>{escape(v)}</value></parameter>"
        for k, v in params.items()
    )
    sent = scenario.clock.iso(incident.reported_s)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<alert xmlns="{CAP_NS}"><identifier>{identifier}</identifier><sender>{CAP_SENDER}</sender>'
        f"<sent>{sent}</sent><status>Actual</status><msgType>Alert</msgType><scope>Restricted</scope>"
        f"<incidents>{identifier}</incidents>"
        f"<info><language>de-DE</language><category>{ev.category}</category><event>{escape(ev.event)}</event>"
        "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>"
        f"<eventCode><valueName>hub:type_code</valueName><value>{ev.type_code}</value></eventCode>"
        f"<headline>{escape(headline)}</headline><description>{escape(description)}</description>{parameters}"
        f"<area><areaDesc>{escape(area)}</areaDesc>"
        f"<circle>{incident.lat:.6f},{incident.lon:.6f} {radius_km}</circle></area></info></alert>\n"
    )
    return xml.encode("utf-8")


def pushes(scenario: Scenario) -> list[Push]:
    """Every webhook body of the scenario in the order it is sent: driver alarms and CAP alerts when they happen,
    unit reports gathered per agency over ``report_batch_s`` and sent at the end of each batch."""
    out: list[tuple[float, int, Push]] = []
    for incident in scenario.incidents:
        if incident.channel == "driver-alarm":
            out.append(
                (incident.t, 0, Push(incident.t, "driver-alarm", driver_alarm(scenario, incident, "raised"), _JSON))
            )
            if incident.cleared_s is not None and incident.cleared_s < scenario.end_s:
                body = driver_alarm(scenario, incident, "cleared")
                out.append((incident.cleared_s, 0, Push(incident.cleared_s, "driver-alarm", body, _JSON)))
        elif incident.reported_s < scenario.end_s:
            body = cap_alert(scenario, incident)
            out.append((incident.reported_s, 0, Push(incident.reported_s, "polizei-cap", body, "application/xml")))
    step = scenario.config.report_batch_s
    batches: dict[tuple[int, str], list[RadioReport]] = {}
    for report in scenario.reports:
        batches.setdefault((math.floor(report.t / step), report.agency), []).append(report)
    for (n, agency), reports in sorted(batches.items()):
        t = min((n + 1) * step, scenario.end_s)
        channel: Channel = "polizei-units" if agency == "polizei" else "ordnungsamt-patrols"
        out.append((t, 1, Push(t, channel, unit_reports(scenario, reports), _JSON)))
    out.sort(key=lambda item: (item[0], item[1], item[2].channel))
    return [push for _, _, push in out]


_JSON = "application/json"
