"""``hub report hotspots`` and ``hub report patrol``: read what was published to the prevention domain from
PostgreSQL, compute with ``hub.reports.hotspots``, write the page (``hub.reports.render``) or print the plan.
Progress goes to stderr, the patrol table to stdout.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.config import Settings
from hub.errors import ConfigError
from hub.network.gtfs_static import default_gtfs
from hub.network.tram import TramNetwork, load_tram_network
from hub.privacy.aggregates import cell_of, iso_week, week_bounds
from hub.reports.hotspots import HotspotReport, Place, PlannedEvent, build_report, patrol_plan, study_area
from hub.reports.planned import planned_events
from hub.reports.published import Period, Published, parse_week, published, weeks_before
from hub.reports.render import patrol_table, render_html
from hub.store.aggregates import load_published
from hub.store.planned import planned_between

__all__ = [
    "EVENTS_AHEAD_WEEKS",
    "REPORT_FILE",
    "add_arguments",
    "load_events",
    "load_exposure",
    "make_report",
    "write_pdf",
    "write_report",
]

REPORT_FILE = "hotspots.html"

EVENTS_AHEAD_WEEKS = 4
"""The section "Planned events ahead" lists the events of the planned week and the weeks after it, this many in all."""

Progress = Callable[[str], None]
_CHROMIUMS = ("chromium", "chromium-browser", "google-chrome")


def _stderr(message: str) -> None:
    print(f"hub report: {message}", file=sys.stderr, flush=True)


def places(network: TramNetwork) -> list[Place]:
    """The tram stops, by name without the town prefix: what cells are called in the report."""
    seen: dict[str, Place] = {}
    for line in network.lines.values():
        for direction in line.directions:
            for stop in direction.stops:
                seen.setdefault(stop.stop_id, Place(stop.name.removeprefix("Halle (Saale), "), stop.lat, stop.lon))
    return list(seen.values())


def load_exposure(path: Path) -> dict[str, float]:
    """Passengers or footfall per cell from a CSV file with a ``count`` column and either ``stop_id`` (a stop of
    the shipped GTFS) or ``lat`` and ``lon``; rows of one cell are added."""
    stops = default_gtfs().stops
    out: dict[str, float] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        if "count" not in columns or not ({"stop_id"} <= columns or {"lat", "lon"} <= columns):
            raise ConfigError(f"{path}: needs a count column and stop_id, or lat and lon")
        for number, row in enumerate(reader, 2):
            try:
                count = float(row["count"])
                if row.get("stop_id"):
                    stop = stops.get(row["stop_id"])
                    if stop is None:
                        raise ConfigError(f"{path}:{number}: unknown stop {row['stop_id']!r}")
                    lat, lon = stop.lat, stop.lon
                else:
                    lat, lon = float(row["lat"]), float(row["lon"])
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{path}:{number}: {exc}") from None
            if count < 0:
                raise ConfigError(f"{path}:{number}: a count cannot be negative")
            cell = cell_of(lat, lon).id
            out[cell] = out.get(cell, 0.0) + count
    return out


def _read(settings: Settings, weeks: Sequence[str], progress: Progress) -> Published:
    progress(f"reading the published aggregates of {len(weeks)} week(s) ({weeks[0]} to {weeks[-1]})")
    found = published(load_published(settings.database_conninfo(), weeks))
    progress(f"{len(found.figures)} published figure(s), {len(found.cells)} cell(s)")
    return found


def load_events(
    settings: Settings, week: str, progress: Progress, weeks: int = EVENTS_AHEAD_WEEKS
) -> list[PlannedEvent]:
    """The planned events of ``week`` and the ``weeks`` - 1 after it, from the stored latest states
    (``planned_events``), as the analytics domain may see them (``hub.reports.planned``: cell, hour, size, no
    title)."""
    start, _ = week_bounds(week)
    end = start + timedelta(days=7 * weeks)
    found = planned_events(planned_between(settings.database_conninfo(), start, end))
    progress(f"{len(found)} planned event(s) from {week} for {weeks} week(s)")
    return found


def make_report(
    settings: Settings,
    period: Period,
    *,
    categories: Sequence[str] | None = None,
    exposure: dict[str, float] | None = None,
    events: Sequence[PlannedEvent] | None = None,
    patrol_week: str | None = None,
    progress: Progress = _stderr,
) -> tuple[HotspotReport, TramNetwork]:
    """Read, and compute the report of ``period`` (patrol plan for the week after it unless ``patrol_week``; planned
    events from the week planned on, read from the database unless ``events`` are given)."""
    _, end = week_bounds(period.last)
    plan_week = patrol_week or iso_week(end + timedelta(days=1))
    weeks = sorted({*period.previous().weeks, *period.weeks, *weeks_before(plan_week, 4)})
    found = _read(settings, weeks, progress)
    if events is None:
        events = load_events(settings, plan_week, progress)
    network = load_tram_network()
    stops = places(network)
    progress("laying out the study area on the 500 m grid around the tram network")
    area = study_area(((p.lat, p.lon) for p in stops), found.cells.values())
    progress(f"Getis-Ord Gi* over {len(area)} cells, this period and the previous one; patrol plan for {plan_week}")
    report = build_report(
        found,
        period,
        area,
        categories=categories,
        places=stops,
        exposure=exposure,
        events=events,
        patrol_week=plan_week,
    )
    return report, network


def write_report(report: HotspotReport, network: TramNetwork, out: Path, progress: Progress = _stderr) -> Path:
    """Write the page to ``out/hotspots.html`` (the folder is made) and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / REPORT_FILE
    progress(f"writing {target}")
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    target.write_text(render_html(report, network, generated=generated), encoding="utf-8")
    return target


def write_pdf(page: Path, progress: Progress = _stderr) -> Path:
    """Print ``page`` to a PDF beside it with headless Chromium (offline: the page fetches nothing); ``ConfigError``
    when no Chromium is installed."""
    browser = next((found for name in _CHROMIUMS if (found := shutil.which(name))), None)
    if browser is None:
        raise ConfigError("--pdf needs Chromium (apt-get install chromium); the HTML page was written")
    target = page.with_suffix(".pdf")
    progress(f"printing {target} with {browser}")
    argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-pdf-header-footer", f"--print-to-pdf={target}",
            page.resolve().as_uri()]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not target.exists():
        raise ConfigError(f"Chromium could not print the page ({done.returncode}): {done.stderr.strip()[-300:]}")
    return target


def _cmd_hotspots(settings: Settings, args: argparse.Namespace) -> int:
    period = Period.between(parse_week(args.start), parse_week(args.end))
    exposure = load_exposure(args.exposure) if args.exposure else None
    report, network = make_report(settings, period, categories=args.category, exposure=exposure)
    target = write_report(report, network, args.out)
    if args.pdf:
        print(write_pdf(target))
    _stderr(f"done: {len(report.hot.hot)} hot cell(s); open {target}")
    print(target)
    return 0


def _cmd_patrol(settings: Settings, args: argparse.Namespace) -> int:
    week = parse_week(args.week)
    weeks = weeks_before(week, 4)
    found = _read(settings, weeks, _stderr)
    network = load_tram_network()
    stops = places(network)
    area = study_area(((p.lat, p.lon) for p in stops), found.cells.values())
    events = load_events(settings, week, _stderr, weeks=1)
    print(patrol_table(week, patrol_plan(found, week, area, places=stops, events=events, top=args.top)))
    return 0


def add_arguments(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``hub report hotspots`` and ``hub report patrol``."""
    report = sub.add_parser("report", help="reports from published aggregates (docs/hotspots.md)").add_subparsers(
        dest="report", required=True
    )
    hotspots = report.add_parser("hotspots", help="hot cells, unsafe places, lighting, patrol plan as one HTML page")
    hotspots.add_argument("--from", dest="start", required=True, metavar="WEEK", help="first ISO week or a date in it")
    hotspots.add_argument("--to", dest="end", required=True, metavar="WEEK", help="last ISO week or a date in it")
    hotspots.add_argument("--out", type=Path, required=True, metavar="DIR", help=f"folder for {REPORT_FILE}")
    hotspots.add_argument(
        "--category", action="append", metavar="CAT", help="analyse only these published categories (repeatable)"
    )
    hotspots.add_argument(
        "--exposure", type=Path, metavar="CSV", help="passengers or footfall in the period: stop_id or lat,lon; count"
    )
    hotspots.add_argument("--pdf", action="store_true", help="also print the page to hotspots.pdf (needs Chromium)")
    hotspots.set_defaults(func=_cmd_hotspots)
    patrol = report.add_parser("patrol", help="the cells where the Ordnungsamt's presence is most needed in a week")
    patrol.add_argument("--week", required=True, metavar="YYYY-Www", help="the week to plan (ISO week or a date)")
    patrol.add_argument("--top", type=int, default=10, help="cells listed (default 10)")
    patrol.set_defaults(func=_cmd_patrol)
