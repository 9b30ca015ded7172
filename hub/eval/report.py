"""``hub eval intercept --report DIR``: one self-contained HTML page (inline SVG and CSS, nothing fetched) with the
figures per scenario, the distributions of the three dispatch rules, the sensitivity table and a map of a few
example intercepts on Halle's streets (© OpenStreetMap contributors, ODbL: the credit is on the page).

Pure string building from results the evaluation already has; the only input read is the shipped road graph.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hub.eval.results import EvaluationResult, SensitivityRow, percentile
from hub.network.roads import ROAD_CLASSES, RoadGraphRouter
from hub.sim.world import World

__all__ = ["Example", "pick_examples", "render_report", "write_report"]

#: Road classes drawn on the map (the rest would make the page several MB for little to see).
_MAP_CLASSES = ("motorway", "motorway_link", "expressway", "arterial", "main", "local")
_COLOURS = {"ours": "#1f77b4", "routed": "#ff7f0e", "naive": "#d62728"}
_W, _H = 900.0, 640.0


@dataclass(frozen=True, slots=True)
class Example:
    """One incident drawn on the map: the tram's line, where it was reported, where ours met it, and the routes."""

    title: str
    line: Sequence[tuple[float, float]]  # (lat, lon) of the line's stops
    reported: tuple[float, float]
    meeting: tuple[float, float]
    ours_route: Sequence[tuple[float, float]]
    routed_route: Sequence[tuple[float, float]]


def write_report(
    directory: Path,
    results: Mapping[str, EvaluationResult],
    summaries: Mapping[str, str],
    sensitivity: Mapping[str, Sequence[SensitivityRow]],
    examples: Sequence[Example],
    router: RoadGraphRouter | None,
) -> Path:
    """Write ``index.html`` into ``directory`` (created if needed) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "index.html"
    path.write_text(render_report(results, summaries, sensitivity, examples, router), encoding="utf-8")
    return path


def render_report(
    results: Mapping[str, EvaluationResult],
    summaries: Mapping[str, str],
    sensitivity: Mapping[str, Sequence[SensitivityRow]],
    examples: Sequence[Example],
    router: RoadGraphRouter | None,
) -> str:
    """The page as a string."""
    parts = [_HEAD]
    parts.append("<h1>Intercept recommendation: time to contact</h1>")
    parts.append(
        "<p>Recommendation (a unit sent to the stop where it meets the tram, a hold only when it saves at least the "
        "minimum) against a routed baseline (the five nearest cars by straight line ranked by routed time, the "
        "fastest sent to the reported position, then following the tram) and a naive dispatch (the nearest car by "
        "straight line, same chase). Assumptions: docs/intercept.md.</p>"
    )
    for name, result in results.items():
        parts.append(f"<h2>{html.escape(name)}</h2><p>{html.escape(summaries.get(name, ''))}</p>")
        parts.append(_figures_table(result))
        parts.append(_cdf_svg(result))
        rows = sensitivity.get(name)
        if rows:
            parts.append(_sensitivity_table(rows))
    if examples and router is not None:
        parts.append("<h2>Example intercepts on Halle's streets</h2>")
        parts.append(_map_svg(examples, router))
        parts.append(
            "<p class=legend><span style='color:#1f77b4'>&#9632;</span> recommended unit's route to the meeting stop "
            "(&#9679;), <span style='color:#ff7f0e'>&#9632;</span> routed baseline's route to the reported position "
            "(&#9650;), grey: the tram's line.</p>"
        )
    parts.append(
        "<footer>Street data © OpenStreetMap contributors, ODbL 1.0 (openstreetmap.org/copyright). Tram network "
        "derived from OpenStreetMap (ODbL); stops from the MDV GTFS feed (CC BY 4.0).</footer></body></html>"
    )
    return "\n".join(parts)


_HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hub eval intercept</title><style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}svg{background:#fafafa;border:1px solid #ddd}
footer{margin-top:2em;font-size:85%;color:#555}.legend{font-size:90%}
</style></head><body>"""


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def _figures_table(result: EvaluationResult) -> str:
    rows = [
        ("recommendation", result.ours.median_s, result.ours.p90_s, "", ""),
        (
            "routed baseline",
            result.routed.median_s,
            result.routed.p90_s,
            f"{result.routed_median_reduction:.1%}",
            f"{result.routed_p90_reduction:.1%}",
        ),
        (
            "naive dispatch",
            result.naive.median_s,
            result.naive.p90_s,
            f"{result.median_reduction:.1%}",
            f"{result.naive_p90_reduction:.1%}",
        ),
    ]
    body = "".join(
        f"<tr><td>{name}</td><td>{_minutes(med)}</td><td>{_minutes(p90)}</td><td>{gain}</td><td>{gain90}</td></tr>"
        for name, med, p90, gain, gain90 in rows
    )
    return (
        f"<table><tr><th>{len(result.outcomes)} incidents, seed {result.seed}</th><th>median</th><th>p90</th>"
        f"<th>ours lower (median)</th><th>ours lower (p90)</th></tr>{body}</table>"
        f"<p>Hold asked of HAVAG in {result.hold_share:.1%} of incidents; planned meeting missed in "
        f"{result.missed_share:.1%}; met at the terminus in {result.terminus_share:.1%}.</p>"
    )


def _cdf_svg(result: EvaluationResult) -> str:
    """Empirical CDFs of the three rules' times to contact, up to the naive p99."""
    series = {
        "ours": sorted(o.ours_s / 60 for o in result.outcomes),
        "routed": sorted(o.routed_s / 60 for o in result.outcomes),
        "naive": sorted(o.naive_s / 60 for o in result.outcomes),
    }
    if not series["naive"]:
        return ""
    top = max(1.0, percentile(series["naive"], 0.99))
    w, h, pad = 640.0, 260.0, 36.0
    lines = []
    for name, values in series.items():
        n = len(values)
        points = " ".join(
            f"{pad + min(v, top) / top * (w - 2 * pad):.1f},{h - pad - (k + 1) / n * (h - 2 * pad):.1f}"
            for k, v in enumerate(values)
        )
        lines.append(f"<polyline fill='none' stroke='{_COLOURS[name]}' stroke-width='2' points='{points}'/>")
    ticks = []
    step = max(1, math.ceil(top / 8))
    for m in range(0, int(top) + 1, step):
        x = pad + m / top * (w - 2 * pad)
        ticks.append(f"<text x='{x:.1f}' y='{h - pad + 16:.1f}' font-size='11' text-anchor='middle'>{m}</text>")
    labels = "".join(
        f"<text x='{w - pad - 150}' y='{pad + 16 * (i + 1)}' font-size='12' fill='{_COLOURS[name]}'>{label}</text>"
        for i, (name, label) in enumerate(
            (("ours", "recommendation"), ("routed", "routed baseline"), ("naive", "naive dispatch"))
        )
    )
    axes = (
        f"<line x1='{pad}' y1='{h - pad}' x2='{w - pad}' y2='{h - pad}' stroke='#888'/>"
        f"<line x1='{pad}' y1='{pad}' x2='{pad}' y2='{h - pad}' stroke='#888'/>"
        f"<text x='{w / 2}' y='{h - 4}' font-size='12' text-anchor='middle'>time to contact (min)</text>"
        f"<text x='4' y='{pad - 8}' font-size='12'>share of incidents reached (0-1)</text>"
    )
    return f"<svg width='{w:.0f}' height='{h:.0f}'>{axes}{''.join(ticks)}{''.join(lines)}{labels}</svg>"


def _sensitivity_table(rows: Sequence[SensitivityRow]) -> str:
    body = "".join(
        f"<tr><td>{html.escape(r.variant)}</td><td>{_minutes(r.ours_median_s)}</td>"
        f"<td>{_minutes(r.routed_median_s)}</td><td>{_minutes(r.naive_median_s)}</td>"
        f"<td>{r.vs_routed:.1%}</td><td>{r.vs_naive:.1%}</td></tr>"
        for r in rows
    )
    return (
        "<table><tr><th>sensitivity (medians)</th><th>ours</th><th>routed</th><th>naive</th>"
        f"<th>lower than routed</th><th>lower than naive</th></tr>{body}</table>"
    )


def _map_svg(examples: Sequence[Example], router: RoadGraphRouter) -> str:
    """The main roads around the examples, and each example's line and routes, in a local equirectangular
    projection framed on the routes and meeting points (the lines may run off the frame)."""
    g = router.graph
    points = [p for ex in examples for p in (*ex.ours_route, *ex.routed_route, ex.reported, ex.meeting)]
    lat_lo, lat_hi = min(p[0] for p in points) - 0.01, max(p[0] for p in points) + 0.01
    lon_lo, lon_hi = min(p[1] for p in points) - 0.016, max(p[1] for p in points) + 0.016
    kx = math.cos(math.radians((lat_lo + lat_hi) / 2))
    scale = min(_W / ((lon_hi - lon_lo) * kx), _H / (lat_hi - lat_lo))

    def xy(lat: float, lon: float) -> str:
        return f"{(lon - lon_lo) * kx * scale:.1f},{(lat_hi - lat) * scale:.1f}"

    drawn = {ROAD_CLASSES.index(name) for name in _MAP_CLASSES}
    roads = []
    for u, v, cls in zip(g.edge_u.tolist(), g.edge_v.tolist(), g.edge_class.tolist(), strict=True):
        if cls in drawn and lat_lo <= g.lat[u] <= lat_hi and lon_lo <= g.lon[u] <= lon_hi:
            roads.append(f"M{xy(g.lat[u], g.lon[u])}L{xy(g.lat[v], g.lon[v])}")
    parts = [f"<path d='{''.join(roads)}' stroke='#bbb' stroke-width='0.6' fill='none'/>"]
    for ex in examples:
        line = " ".join(xy(lat, lon) for lat, lon in ex.line)
        parts.append(f"<polyline points='{line}' stroke='#666' stroke-width='1.5' fill='none' opacity='0.7'/>")
        for key, route in (("routed", ex.routed_route), ("ours", ex.ours_route)):
            pts = " ".join(xy(lat, lon) for lat, lon in route)
            parts.append(f"<polyline points='{pts}' stroke='{_COLOURS[key]}' stroke-width='2.5' fill='none'/>")
        rx, ry = xy(*ex.reported).split(",")
        mx, my = xy(*ex.meeting).split(",")
        parts.append(
            f"<path d='M{rx},{float(ry) - 6}l5,9h-10z' fill='{_COLOURS['routed']}'><title>"
            f"{html.escape(ex.title)}: reported position</title></path>"
        )
        parts.append(
            f"<circle cx='{mx}' cy='{my}' r='5' fill='{_COLOURS['ours']}'><title>{html.escape(ex.title)}: meeting "
            "stop</title></circle>"
        )
        parts.append(f"<text x='{float(mx) + 7}' y='{my}' font-size='12'>{html.escape(ex.title)}</text>")
    size = f"width='{_W:.0f}' height='{_H:.0f}'"
    return f"<svg {size} viewBox='0 0 {_W:.0f} {_H:.0f}' overflow='hidden'>{''.join(parts)}</svg>"


def pick_examples(result: EvaluationResult, world: World, router: RoadGraphRouter, count: int = 3) -> list[Example]:
    """``count`` incidents of ``result`` to draw: the first (by index) where ours met the tram at a stop ahead with
    another unit than the routed baseline and at least a minute earlier, on distinct lines."""
    chosen: list[Example] = []
    lines: set[str] = set()
    trips = {trip.trip_id: trip for trip in world.trips}
    for o in result.outcomes:
        if len(chosen) == count:
            break
        if o.ours_kind != "stop" or o.ours_unit == o.routed_unit or o.routed_s - o.ours_s < 60 or o.line in lines:
            continue
        units = {u.state.unit_id: u.state for u in world.units_at(o.now_s, str(o.index))}
        ours, routed = units[o.ours_unit], units[o.routed_unit]
        if ours.unit_type == "on_foot" or routed.unit_type == "on_foot":
            continue
        lines.add(o.line)
        stops = trips[o.trip_id].direction.stops
        chosen.append(
            Example(
                f"line {o.line}: {o.ours_s / 60:.1f} vs {o.routed_s / 60:.1f} min",
                [(s.lat, s.lon) for s in stops],
                (o.reported_lat, o.reported_lon),
                (o.ours_meet_lat, o.ours_meet_lon),
                _route_points(router, (ours.lat, ours.lon), (o.ours_meet_lat, o.ours_meet_lon)),
                _route_points(router, (routed.lat, routed.lon), (o.reported_lat, o.reported_lon)),
            )
        )
    return chosen


def _route_points(
    router: RoadGraphRouter, start: tuple[float, float], end: tuple[float, float]
) -> list[tuple[float, float]]:
    _, path = router.route_m(*start, *end)
    g = router.graph
    return [start, *((float(g.lat[i]), float(g.lon[i])) for i in path), end]
