"""The hotspot report as one self-contained HTML page: an inline SVG map (grid cells, the tram network and stops
from the hub's own data), tables, a weekly chart, a chart by hour of week and the method in German and English.
Pure: a report and the network in, text out; nothing is fetched, no script, no external style or font.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape

from hub.network.tram import TramNetwork, haversine_m
from hub.privacy.aggregates import GRID_M, Cell
from hub.reports.hotspots import (
    PATROL_BANDS,
    PATROL_LOOKBACK_WEEKS,
    PLACE_REPORTS,
    CellResult,
    HotspotReport,
    PatrolCell,
    PlaceCount,
)

__all__ = ["patrol_table", "render_html"]

_MAP_W = 960.0
_FRAME_M = 7000.0
_TOP = 15
_UNSAFE, _LIGHTING = "SAFETY/UNSAFE_PLACE", "TECHNICAL/LIGHTING"
_M_PER_DEG = 111_320.0
_CATEGORY_COLOURS = {
    "CRIME": "#b2182b",
    "PUBLIC_ORDER": "#ef8a62",
    "TRANSIT": "#2166ac",
    "MEDICAL": "#67a9cf",
    "SAFETY": "#4d9221",
    "TECHNICAL": "#8c510a",
    "SAFETY/UNSAFE_PLACE": "#e08214",
    "TECHNICAL/LIGHTING": "#d9b310",
    "FIRE": "#762a83",
    "OTHER": "#878787",
}

_STYLE = """
body{font-family:sans-serif;margin:1.5em auto;max-width:1000px;color:#222;line-height:1.4}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f0f0f0;text-align:left}td.n{text-align:right}.note{color:#555;font-size:.9em}
.cols{display:flex;gap:2em;flex-wrap:wrap}.cols>div{flex:1;min-width:300px}
svg text{font-family:sans-serif}
"""


class _Projection:
    """Equirectangular projection of the report's box onto the map's pixels (north up, metres equal both ways)."""

    def __init__(self, cells: Sequence[Cell], network: TramNetwork) -> None:
        stops = [s for line in network.lines.values() for d in line.directions for s in d.stops]
        # Framed on the city: the stops within _FRAME_M of the network's middle (an overland line would shrink
        # the city to a corner; what lies outside is clipped) and every cell the report marks.
        mid_lat = sorted(s.lat for s in stops)[len(stops) // 2]
        mid_lon = sorted(s.lon for s in stops)[len(stops) // 2]
        near = [s for s in stops if haversine_m(mid_lat, mid_lon, s.lat, s.lon) <= _FRAME_M]
        lats = [c.lat for c in cells] + [s.lat for s in near]
        lons = [c.lon for c in cells] + [s.lon for s in near]
        self.cos = math.cos(math.radians(sum(lats) / len(lats)))
        self.north, self.west = max(lats) + 0.003, min(lons) - 0.004
        south, east = min(lats) - 0.003, max(lons) + 0.004
        self.scale = _MAP_W / ((east - self.west) * self.cos)
        self.height = (self.north - south) * self.scale

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.west) * self.cos * self.scale, (self.north - lat) * self.scale

    def cell_rect(self, cell: Cell) -> str:
        half_lat = GRID_M / 2 / _M_PER_DEG
        half_lon = half_lat / self.cos
        x, y = self.xy(cell.lat + half_lat, cell.lon - half_lon)
        x2, y2 = self.xy(cell.lat - half_lat, cell.lon + half_lon)
        return f'x="{x:.1f}" y="{y:.1f}" width="{x2 - x:.1f}" height="{y2 - y:.1f}"'


def _short(name: str) -> str:
    return name.removeprefix("Halle (Saale), ")


def _map(report: HotspotReport, network: TramNetwork) -> str:
    marked = [c.cell for c in report.hot.cells if c.count] + [p.cell for p in report.patrol]
    marked += [p.cell for counts in report.reports.values() for p in counts]
    proj = _Projection(marked, network)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_MAP_W:.0f}" height="{proj.height:.0f}" '
        f'viewBox="0 0 {_MAP_W:.0f} {proj.height:.0f}" role="img" aria-label="Karte / map">',
        f'<rect width="{_MAP_W:.0f}" height="{proj.height:.0f}" fill="#fafaf7"/>',
    ]
    most = max((c.count for c in report.hot.cells), default=0) or 1
    for result in report.hot.cells:
        if result.count == 0:
            continue
        fill = "#d7191c" if result.hot else "#4a6fa5"
        opacity = 0.35 + 0.5 * result.count / most if result.hot else 0.12 + 0.4 * result.count / most
        title = escape(f"{result.place or result.cell.id}: {result.count} (z {result.z:.2f})")
        out.append(
            f'<rect class="cell{" hot" if result.hot else ""}" {proj.cell_rect(result.cell)} fill="{fill}" '
            f'fill-opacity="{opacity:.2f}" stroke="{fill}" stroke-width="0.6"><title>{title}</title></rect>'
        )
    for line in network.lines.values():
        points = " ".join("{:.1f},{:.1f}".format(*proj.xy(s.lat, s.lon)) for s in line.directions[0].stops)
        out.append(
            f'<polyline class="tram" points="{points}" fill="none" stroke="{escape(line.color)}" stroke-width="2.2"'
            f' stroke-opacity="0.85"><title>Linie {escape(line.name)}</title></polyline>'
        )
    seen: set[str] = set()
    for line in network.lines.values():
        for direction in line.directions:
            for stop in direction.stops:
                if stop.stop_id in seen:
                    continue
                seen.add(stop.stop_id)
                x, y = proj.xy(stop.lat, stop.lon)
                out.append(
                    f'<circle class="stop" cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#fff" stroke="#333" '
                    f'stroke-width="0.8"><title>{escape(_short(stop.name))}</title></circle>'
                )
    out.extend(_report_markers(proj, report.reports))
    for rank, patrol in enumerate(report.patrol, 1):
        out.append(
            f'<rect class="patrol" {proj.cell_rect(patrol.cell)} fill="none" stroke="#1a1a80" stroke-width="2" '
            f'stroke-dasharray="4 2"><title>{escape(f"Streife/patrol {rank}: {patrol.reasons}")}</title></rect>'
        )
    for rank, result in enumerate(report.hot.top(_TOP), 1):  # numbered as in the table of top places
        x, y = proj.xy(result.cell.lat, result.cell.lon)
        out.append(
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="11" font-weight="bold">{rank}</text>'
        )
    out.append(_legend(proj.height))
    out.append("</svg>")
    return "\n".join(out)


def _report_markers(proj: _Projection, reports: dict[str, list[PlaceCount]]) -> Iterable[str]:
    shapes = {_UNSAFE: (-0.25, _CATEGORY_COLOURS[_UNSAFE]), _LIGHTING: (0.25, _CATEGORY_COLOURS[_LIGHTING])}
    for category, counts in reports.items():
        dx, colour = shapes[category]
        for count in counts:
            half = GRID_M / _M_PER_DEG / proj.cos
            x, y = proj.xy(count.cell.lat, count.cell.lon + dx * half)
            r = 3 + min(count.count, 40) / 5
            title = escape(f"{category} {count.place or count.cell.id}: {count.count}")
            if category == _UNSAFE:
                points = f"{x:.1f},{y - r:.1f} {x - r:.1f},{y + r:.1f} {x + r:.1f},{y + r:.1f}"
                out = (
                    f'<polygon class="report safety" points="{points}" fill="{colour}" stroke="#333" '
                    'stroke-width="0.5">'
                )
            else:
                out = (
                    f'<circle class="report technical" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}" '
                    f'stroke="#333" stroke-width="0.5">'
                )
            yield f"{out}<title>{title}</title></{'polygon' if category == _UNSAFE else 'circle'}>"


def _legend(height: float) -> str:
    y = height - 86
    items = [
        '<rect x="0" y="0" width="12" height="12" fill="#d7191c" fill-opacity="0.7"/>'
        '<text x="18" y="10" font-size="11">Hot cell (Gi*, FDR 5 %)</text>',
        '<rect x="0" y="16" width="12" height="12" fill="#4a6fa5" fill-opacity="0.4"/>'
        '<text x="18" y="26" font-size="11">Published cell / veröffentlichte Zelle</text>',
        '<polygon points="6,32 0,44 12,44" fill="#e08214"/>'
        '<text x="18" y="42" font-size="11">Angsträume / unsafe places (reports)</text>',
        '<circle cx="6" cy="54" r="6" fill="#d9b310"/>'
        '<text x="18" y="58" font-size="11">Beleuchtung / lighting (reports)</text>',
        '<rect x="0" y="64" width="12" height="12" fill="none" stroke="#1a1a80" stroke-dasharray="4 2" '
        'stroke-width="2"/>'
        '<text x="18" y="74" font-size="11">Streife / patrol</text>',
    ]
    frame = '<rect x="-4" y="-4" width="250" height="84" fill="#fff" fill-opacity="0.85"/>'
    return f'<g transform="translate(8,{y:.0f})">{frame}{"".join(items)}</g>'


def _trend(result: CellResult) -> str:
    change = f"{result.count - result.previous:+d}" if result.previous_figures else "— (no figure before)"
    status = {"new": "new hot / neu", "still": "still hot / weiterhin", "cooled": "cooled / abgekühlt"}.get(
        result.trend, ""
    )
    return f"{change} {status}".strip()


def _number(value: int, figures: Sequence[object]) -> str:
    """A sum of published figures, or a dash: no figure was published (none, or below the threshold each week)."""
    return str(value) if figures else "—"


def _hot_table(report: HotspotReport) -> str:
    rows = []
    rate_head = "<th>per 10,000 passengers</th>" if report.exposure_given else ""
    for rank, r in enumerate(report.hot.top(_TOP), 1):
        rate = ""
        if report.exposure_given:
            rate = f'<td class="n">{r.rate:.2f}</td>' if r.rate is not None else "<td>no exposure</td>"
        rows.append(
            f"<tr><td>{rank}</td><td>{escape(r.place or '—')}</td><td><code>{escape(r.cell.id)}</code></td>"
            f'<td class="n">{r.count}</td><td class="n">{_number(r.previous, r.previous_figures)}</td>'
            f"<td>{escape(_trend(r))}</td>{rate}"
            f'<td class="n">{r.z:.2f}</td><td class="n">{r.q:.3f}</td><td>{"yes" if r.hot else ""}</td></tr>'
        )
    if not rows:
        return (
            '<p class="note">No cell has a published figure in this period. / '
            "Keine Zelle hat eine veröffentlichte Zahl.</p>"
        )
    return (
        '<table id="top-cells"><tr><th>#</th><th>Near / nahe</th><th>Cell</th><th>Incidents</th><th>Previous</th>'
        f"<th>Trend</th>{rate_head}<th>Gi* z</th><th>q (BH)</th><th>Hot</th></tr>" + "".join(rows) + "</table>"
    )


def _reports_table(category: str, counts: Sequence[PlaceCount]) -> str:
    if not counts:
        return f'<p class="note">No cell reached the threshold for {category} in this period.</p>'
    rows = "".join(
        f"<tr><td>{escape(c.place or '—')}</td><td><code>{escape(c.cell.id)}</code></td>"
        f'<td class="n">{c.count}</td><td class="n">{_number(c.previous, c.previous_figures)}</td></tr>'
        for c in counts[:15]
    )
    table_id = "reports-" + category.lower().replace("/", "-")
    return (
        f'<table class="reports" id="{table_id}"><tr><th>Near / nahe</th><th>Cell</th>'
        f"<th>{category}</th><th>Previous</th></tr>{rows}</table>"
    )


def _weekly_chart(report: HotspotReport) -> str:
    weeks = report.weeks
    categories = sorted({c for w in weeks for c in w.counts})
    if not weeks:
        return ""
    top = max((sum(w.counts.values()) for w in weeks), default=0) or 1
    width, height, left, bottom = 900.0, 220.0, 40.0, 30.0
    bar = (width - left) / len(weeks)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" id="weekly-chart">']
    for n, week in enumerate(weeks):
        x = left + n * bar + bar * 0.15
        y = height - bottom
        for category in categories:
            value = week.counts.get(category, 0)
            h = value / top * (height - bottom - 20)
            y -= h
            colour = _CATEGORY_COLOURS.get(category, "#999")
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.7:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(f'{week.week} {category}: {value}')}</title></rect>"
            )
        total = sum(week.counts.values())
        out.append(f'<text x="{x + bar * 0.35:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle">{total}</text>')
        out.append(
            f'<text x="{x + bar * 0.35:.1f}" y="{height - 12:.1f}" font-size="10" text-anchor="middle">'
            f"{escape(week.week)}</text>"
        )
    out.append("</svg>")
    legend = " ".join(
        f'<span style="color:{_CATEGORY_COLOURS.get(c, "#999")}">■</span> {escape(c)}' for c in categories
    )
    rows = "".join(
        f"<tr><td>{escape(w.week)}</td>"
        + "".join(f'<td class="n">{w.counts.get(c, "—")}</td>' for c in categories)
        + f"<td>{escape(', '.join(w.suppressed)) or ''}</td></tr>"
        for w in weeks
    )
    table = (
        '<table id="weekly"><tr><th>Week</th>'
        + "".join(f"<th>{escape(c)}</th>" for c in categories)
        + f"<th>fewer than {report.min_count} / unter {report.min_count}</th></tr>{rows}</table>"
    )
    return "\n".join(out) + f"<p>{legend}</p>" + table


_WEEKDAY_COLOUR, _WEEKEND_COLOUR = "#4a6fa5", "#e08214"


def _band_chart(report: HotspotReport) -> str:
    """Incidents per hour-of-week band, weekday and weekend bars side by side for each four hours of the day, each
    the published figures of the period summed; "—" where no figure was published (below the threshold)."""
    by_band = {b.band: b for b in report.bands}
    hours = [b.band.split(":")[1] for b in report.bands if not b.weekend]
    top = max((b.count for b in report.bands), default=0) or 1
    width, height, left, bottom = 900.0, 220.0, 40.0, 34.0
    group = (width - left) / max(len(hours), 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" id="band-chart" '
        'role="img" aria-label="Vorfälle nach Wochenzeit / incidents by hour of week">'
    ]
    for n, span in enumerate(hours):
        for k, (days, colour) in enumerate((("weekday", _WEEKDAY_COLOUR), ("weekend", _WEEKEND_COLOUR))):
            band = by_band[f"{days}:{span}"]
            x = left + n * group + group * (0.12 + 0.38 * k)
            h = band.count / top * (height - bottom - 24)
            y = height - bottom - h
            label = str(band.count) if band.figures else "—"
            out.append(
                f'<rect class="band{" weekend" if band.weekend else ""}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{group * 0.36:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(f'{band.label}: {label}')}</title></rect>"
            )
            out.append(
                f'<text x="{x + group * 0.18:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle">{label}</text>'
            )
        out.append(
            f'<text x="{left + (n + 0.5) * group:.1f}" y="{height - 16:.1f}" font-size="11" text-anchor="middle">'
            f"{escape(span)} h</text>"
        )
    out.append("</svg>")
    legend = (
        f'<span style="color:{_WEEKDAY_COLOUR}">■</span> Mo-Fr / weekdays (5 days) '
        f'<span style="color:{_WEEKEND_COLOUR}">■</span> Sa-So / weekend (2 days)'
    )
    rows = []
    for span in hours:
        cells = []
        for days in ("weekday", "weekend"):
            band = by_band[f"{days}:{span}"]
            cells.append(f'<td class="n">{_number(band.count, band.figures)}</td>')
        for days in ("weekday", "weekend"):
            band = by_band[f"{days}:{span}"]
            cells.append(f'<td class="n">{f"{band.per_hour:.2f}" if band.figures else "—"}</td>')
        rows.append(f"<tr><td>{escape(span)}</td>{''.join(cells)}</tr>")
    table = (
        '<table id="bands"><tr><th>Uhrzeit / hours</th><th>Mo-Fr</th><th>Sa-So</th>'
        "<th>Mo-Fr per hour</th><th>Sa-So per hour</th></tr>" + "".join(rows) + "</table>"
    )
    return "\n".join(out) + f"<p>{legend}</p>" + table


def _patrol_html(report: HotspotReport) -> str:
    if not report.patrol:
        return '<p class="note">No published figure in the weeks before: nothing to plan from.</p>'
    rows = "".join(
        f"<tr><td>{n}</td><td>{escape(p.place or '—')}</td><td><code>{escape(p.cell.id)}</code></td>"
        f'<td class="n">{p.score:.1f}</td><td>{escape(p.hours)}</td><td>{escape(p.reasons)}</td></tr>'
        for n, p in enumerate(report.patrol, 1)
    )
    return (
        '<table id="patrol"><tr><th>#</th><th>Near / nahe</th><th>Cell</th><th>Per week</th>'
        f"<th>Busiest hours (city-wide) / Zeiten</th><th>Why / warum</th></tr>{rows}</table>"
    )


def _events_html(report: HotspotReport) -> str:
    if not report.events:
        return (
            '<p class="note" id="events-none">Keine geplanten Veranstaltungen in den nächsten Wochen bekannt. / No '
            "planned events known for the weeks ahead.</p>"
        )
    rows = "".join(
        f"<tr><td>{escape(e.label)}</td><td><code>{escape(e.cell)}</code></td>"
        f"<td>{e.start:%Y-%m-%d %H:%M}</td><td>{e.end:%Y-%m-%d %H:%M}</td>"
        f'<td class="n">{"—" if e.attendance is None else f"{e.attendance:,}"}</td></tr>'
        for e in sorted(report.events, key=lambda e: (e.start, e.cell))
    )
    note = (
        '<p class="note">Wie der Analyse-Bereich sie sieht: Zelle, Stunde, Größe, kein Titel. / As the analytics '
        "domain sees them: cell, hour, size, no title.</p>"
        if all(e.title is None for e in report.events)
        else ""
    )
    return (
        f"{note}"
        '<table id="events"><tr><th>Event</th><th>Cell</th><th>Start</th><th>End</th><th>Expected</th></tr>'
        f"{rows}</table>"
    )


def _method(report: HotspotReport) -> str:
    hot = report.hot
    cats = ", ".join(hot.categories) or "—"
    k = report.min_count
    return f"""
<div class="cols"><div lang="de"><h3>Deutsch</h3>
<p>Grundlage sind ausschließlich die veröffentlichten Wochenzahlen je 500-m-Rasterzelle und Kategorie, die der
Präventionsbereich erhält (keine Einzelfälle). Zahlen unter {k} werden nie veröffentlicht; eine Zelle ohne
veröffentlichte Zahl zählt hier als 0 und wird als „—“ gezeigt. Sexualdelikte und häusliche Gewalt stehen nur in
den stadtweiten Zahlen, nie auf einer Zelle.</p>
<p>Brennpunkte: Getis-Ord Gi* (PySAL esda) über die Summe der Kategorien {escape(cats)} im Zeitraum, binäre
Gewichte, Nachbarn sind die Zellen mit Mittelpunkt höchstens {hot.band_m:.0f} m entfernt (die acht umliegenden
Zellen) und die Zelle selbst. p-Werte zweiseitig aus der Normalverteilung, korrigiert nach Benjamini-Hochberg
(False Discovery Rate); Brennpunkt heißt q ≤ {hot.alpha:g}, z &gt; 0 und eine veröffentlichte Zahl in der
Zelle selbst. Trend: Vergleich mit dem gleich langen
Zeitraum davor.</p>
<p>Wochenzeit: stadtweit veröffentlichte Zahlen je Kategorie und Zeitband (sechs Bänder zu vier Stunden Ortszeit
der Meldung, jeweils Montag bis Freitag und Samstag/Sonntag), über die Wochen des Zeitraums summiert; nie je Zelle.
Ein Band unter {k} wird nicht veröffentlicht („—“); ein Band wird auch dann zurückgehalten, wenn es zusammen mit
den Zellenzahlen weniger als {k} Vorfälle eingrenzen würde. Sexualdelikte und häusliche Gewalt sind in keinem Band.
Die Streifenplanung nennt je Zelle die {PATROL_BANDS} stadtweit stärksten Bänder (Vorfälle je Stunde), gewichtet
mit den Kategorien der Zelle: Zellen haben keine Uhrzeit, es ist das Zeitmuster der Stadt, nicht das der Zelle.</p>
<p>Grenzen: Kleine Zahlen fehlen, Brennpunkte werden daher eher unterschätzt. Uhrzeiten gibt es nur stadtweit und
in Bändern von vier Stunden; ein Band, dessen Zahl in einer Woche zurückgehalten wurde, fehlt in der Summe.
Vorfälle, die Streifen selbst feststellen, erscheinen dort, wo Streifen sind. Meldungen von Angsträumen und
defekter Beleuchtung (Open311) zählen getrennt; in Wochen, die vor dieser Trennung veröffentlicht wurden, stecken
sie in SAFETY und TECHNICAL. Ohne Fahrgast- oder Passantenzahlen sind belebte Orte (Markt, Hauptbahnhof) nicht
vergleichbar.</p>
</div><div lang="en"><h3>English</h3>
<p>Only the published weekly counts per 500 m grid cell and category that the prevention domain receives are
used (no person-level data). Counts below {k} are never published; a cell without a published figure counts 0 here
and is shown as "—". Sexual offences and domestic violence are in city-wide figures only, never on a cell.</p>
<p>Hot cells: Getis-Ord Gi* (PySAL esda) of the sum of categories {escape(cats)} over the period, binary weights,
neighbours are the cells whose centres lie within {hot.band_m:.0f} m (the eight around a cell) plus the cell itself.
Two-sided normal p-values, Benjamini-Hochberg false discovery rate correction; a hot cell has q ≤ {hot.alpha:g},
z &gt; 0 and a published figure of its own. Trend: against the previous period of equal length.</p>
<p>Hour of week: city-wide published counts per category and band (six bands of four hours of local time of the
report, Monday to Friday and Saturday/Sunday apart), summed over the period's weeks; never per cell. A band below
{k} is not published ("—"); a band is also held back where, together with the cell figures, it would narrow fewer
than {k} incidents down. Sexual offences and domestic violence are in no band. The patrol plan names per cell the
city's {PATROL_BANDS} busiest bands (incidents per hour), weighted by the cell's categories: cells have no hours, so
this is the city's time pattern, not the cell's own.</p>
<p>Limits: small counts are missing, so hot spots tend to be understated. Hours are city-wide only and in bands of
four hours; a band held back in a week is missing from the sum. Incidents found by patrols appear where patrols go.
Residents' reports of unsafe places and broken lighting (Open311) are counted apart; in weeks published before
they were, they are inside SAFETY and TECHNICAL. Without passenger or footfall counts, busy places (Markt,
Hauptbahnhof) are not comparable.</p>
</div></div>"""


def render_html(report: HotspotReport, network: TramNetwork, *, generated: str) -> str:
    """The report page: map, hot cells with trend, place reports, weekly chart, chart by hour of week, patrol plan,
    events, method."""
    period = escape(report.period.label())
    previous = escape(report.period.previous().label())
    exposure = (
        "Rates per 10,000 passengers from the exposure file given."
        if report.exposure_given
        else "No passenger or footfall file was given: counts, not rates."
    )
    place_sections = "".join(
        f"<div><h3>{escape(cat)}</h3><p class='note'>{escape(PLACE_REPORTS[cat])}</p>"
        f"{_reports_table(cat, report.reports[cat])}</div>"
        for cat in PLACE_REPORTS
    )
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Brennpunkte / Hot spots {period}</title><style>{_STYLE}</style></head><body>
<h1>Brennpunkte, Angsträume und Streifenplanung — Halle (Saale)<br>
<small>Hot spots, unsafe places and patrol planning, {period}</small></h1>
<p class="note">Zeitraum / period: <b id="period">{period}</b> (compared with {previous}).
Published aggregates only; threshold {report.min_count}. {escape(exposure)} Generated {escape(generated)}.</p>
<h2>Karte / Map</h2>
{_map(report, network)}
<h2>Brennpunkte / Hot cells</h2>
<p><b id="hot-count">{len(report.hot.hot)}</b> hot cell(s) of {len(report.hot.cells)} in the study area.</p>
{_hot_table(report)}
<h2>Angsträume und Beleuchtung / Unsafe places and lighting</h2>
<div class="cols">{place_sections}</div>
<h2>Nach Woche / By week</h2>
<p class="note">City-wide published counts per week of this period and the previous one.</p>
{_weekly_chart(report)}
<h2>Nach Wochenzeit / By hour of week</h2>
<p class="note">City-wide published counts per band of four hours (local time of the report), weekdays and weekend
apart, of {escape(", ".join(report.hot.categories) or "—")}, summed over the weeks of {period}; never per cell.
Weekday bands span five days, weekend bands two: compare per hour. "—": no figure published (below
{report.min_count}, or held back).</p>
{_band_chart(report)}
<h2>Streifenplanung / Patrol plan {escape(report.patrol_week)}</h2>
<p class="note">Hot cells of the {PATROL_LOOKBACK_WEEKS} weeks before first, then planned events, then published
incidents and unsafe-place reports per week. Hours: the city-wide busiest bands of those weeks for the cell's kind
of incidents; cells have no hours of their own.</p>
{_patrol_html(report)}
<h2>Geplante Veranstaltungen / Planned events ahead</h2>
{_events_html(report)}
<h2>Methode und Grenzen / Method and limits</h2>
{_method(report)}
</body></html>
"""


def patrol_table(week: str, plan: Sequence[PatrolCell]) -> str:
    """The patrol plan as plain text for the control room."""
    lines = [
        f"Patrol plan {week} (cells of the published 500 m grid; hours: the city-wide busiest bands for the cell's "
        "incidents, cells have none of their own)"
    ]
    if not plan:
        lines.append("  no published figure in the weeks before: nothing to plan from")
    for n, p in enumerate(plan, 1):
        lines.append(
            f"{n:>3}  {(p.place or '-'):<28.28} {p.cell.id:<18} {p.score:>6.1f}/wk  {p.hours:<24}  {p.reasons}"
        )
    return "\n".join(lines)
