"""Evaluation of the intercept recommendation against two dispatch rules, over seeded incidents on simulated trams.

The rules: a naive dispatch (nearest car by straight line to the tram's reported position, then follow the tram) and
a routed baseline, the way a modern CAD dispatcher works (the five nearest cars by straight line ranked by routed
travel time, the fastest sent to the reported position, then follow the tram). All see the same units, the same
reported positions and the same tram movements (``hub.sim.world``); what they see is aged and estimated, what
happens is the world's truth. The rules are in docs/intercept.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import random
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from hub.errors import SnapError
from hub.eval.results import EvaluationResult, Figures, IncidentOutcome, SensitivityRow, percentile
from hub.eval.scenarios import SCENARIOS, SENSITIVITY, Variant, road_params, scenario_network
from hub.network.tram import LineDirection, TramNetwork, haversine_m
from hub.network.travel import DEFAULT_ROAD_PROFILES, StraightLineRouter, UnitType
from hub.router.intercept import recommend, screen_units, vehicle_incident
from hub.router.model import InterceptParams, Meeting, UnitState
from hub.sim.world import SimUnit, TramTrip, World, WorldConfig, build_world

if TYPE_CHECKING:
    from hub.eval.report import Example

__all__ = [
    "REPLANS",
    "ROUTED_SHORTLIST",
    "Chase",
    "EvaluationResult",
    "Figures",
    "IncidentOutcome",
    "SensitivityRow",
    "evaluate",
    "format_sensitivity",
    "format_table",
    "main",
    "percentile",
    "plot_distributions",
    "routed_choice",
    "sensitivity",
]

#: How often the hub plans again after the recommended unit reached its stop when the tram had left; after that the
#: last unit follows the tram along the line.
REPLANS = 2

#: How many of the nearest cars by straight line the routed baseline ranks by routed travel time (as CAD systems
#: such as Resgrid do: a straight-line screen, then a routing engine on the shortlist).
ROUTED_SHORTLIST = 5


def evaluate(
    seed: int,
    incidents: int = 1000,
    *,
    config: WorldConfig | None = None,
    params: InterceptParams | None = None,
    network: TramNetwork | None = None,
    tie_tolerance_s: float = 1.0,
) -> EvaluationResult:
    """Simulate ``incidents`` incidents on random trams at random times and dispatch each both ways."""
    if incidents < 1:
        raise ValueError("need at least one incident")
    params = params or InterceptParams()
    world = build_world(seed, config, network=network)
    chase = Chase(params)
    rng = random.Random(f"{seed}:incidents")  # noqa: S311 (a seeded simulation, not security)
    outcomes: list[IncidentOutcome] = []
    skipped = 0
    for index in range(incidents):
        outcome = _one_incident(world, rng, index, params, chase)
        if outcome is None:
            skipped += 1
        else:
            outcomes.append(outcome)
    return _summarise(seed, incidents, outcomes, skipped, tie_tolerance_s, params)


class Chase:
    """How fast a unit following a tram gains ground along its line, per line-direction and unit type (m/s of
    track distance).

    With the straight-line router: the unit type's full road speed with no detour (roads rarely run beside the
    track the whole way, so this favours the rules that chase). With any other router (the road graph): the line's
    track length over the routed time from stop to stop along it, so the follower drives the streets.
    """

    def __init__(self, params: InterceptParams) -> None:
        self.router = params.router
        self._speeds: dict[LineDirection, dict[UnitType, float]] = {}

    def speeds(self, direction: LineDirection) -> dict[UnitType, float]:
        """The chase speeds on ``direction``, computed once per direction."""
        found = self._speeds.get(direction)
        if found is None:
            found = self._speeds[direction] = self._compute(direction)
        return found

    def _compute(self, direction: LineDirection) -> dict[UnitType, float]:
        router = self.router
        if isinstance(router, StraightLineRouter):
            return {kind: profile.speed_kmh / 3.6 for kind, profile in router.profiles.items()}
        stops = direction.stops
        track_m = stops[-1].distance_m - stops[0].distance_m
        speeds: dict[UnitType, float] = {}
        for kind in get_args(UnitType):
            seconds = sum(router.travel_time_s(a.lat, a.lon, b.lat, b.lon, kind) for a, b in itertools.pairwise(stops))
            fallback = DEFAULT_ROAD_PROFILES[kind].speed_kmh / 3.6
            speeds[kind] = track_m / seconds if seconds > 0 and track_m > 0 else fallback
        return speeds


def routed_choice(
    eligible: Sequence[UnitState], lat: float, lon: float, params: InterceptParams, shortlist: int = ROUTED_SHORTLIST
) -> UnitState | None:
    """The routed baseline's unit: of the ``shortlist`` eligible cars nearest to (lat, lon) by straight line (foot
    patrols only when no car is eligible), the one with the shortest routed drive there; call sign breaks ties."""
    cars = [u for u in eligible if u.unit_type != "on_foot"] or list(eligible)
    near = sorted(cars, key=lambda u: (haversine_m(u.lat, u.lon, lat, lon), u.unit_id))[:shortlist]
    travel = params.router.travel_time_s
    return min(near, key=lambda u: (travel(u.lat, u.lon, lat, lon, u.unit_type), u.unit_id), default=None)


def _one_incident(
    world: World, rng: random.Random, index: int, params: InterceptParams, chase_on: Chase
) -> IncidentOutcome | None:
    cfg = world.config
    while True:  # a time when at least one tram runs (always, in the default service window)
        now = rng.uniform(cfg.service_start_s, cfg.service_end_s)
        trams = world.trams_at(now)
        if trams:
            break
    trip = rng.choice(trams)
    fix_at = max(trip.start_s, now - rng.uniform(*cfg.vehicle_fix_age_s))
    lat, lon = trip.position_at(fix_at)
    direction = trip.direction
    chase = chase_on.speeds(direction)
    try:
        snap = direction.snap(lat, lon, hint_m=trip.distance_at(fix_at))
    except SnapError:  # cannot happen for a point on the line; kept so a data change fails loudly in the figures
        return None
    incident = vehicle_incident(f"E{index}", trip.vehicle, direction, snap, lat, lon, fix_at, timing=world.timing)
    units = world.units_at(now, str(index))
    states = [u.state for u in units]
    rec = recommend(incident, states, now, params)
    if rec.best is None:
        return None
    by_id = {u.state.unit_id: u for u in units}
    best = rec.best
    ours_contact, missed = _ours_contact(best, by_id, trip, now, params, chase)

    # Naive: the nearest eligible car by straight line drives to where the tram was reported, then follows it.
    # Foot patrols cannot follow a tram, so the naive dispatcher skips them while any car is eligible.
    eligible, _ = screen_units(states, now, params)
    cars = [u for u in eligible if u.unit_type != "on_foot"] or eligible
    naive = min(cars, key=lambda u: (haversine_m(u.lat, u.lon, lat, lon), u.unit_id))
    sim = by_id[naive.unit_id]
    arrive = now + params.turnout_s + _true_drive(sim, lat, lon, params)
    naive_contact = trip.caught_s(snap.distance_m, arrive, chase[naive.unit_type])

    # Routed baseline: the fastest of the nearest cars by routed time, to the reported position, then follow.
    routed = routed_choice(eligible, lat, lon, params)
    assert routed is not None  # the recommendation found an eligible unit
    sim = by_id[routed.unit_id]
    arrive = now + params.turnout_s + _true_drive(sim, lat, lon, params)
    routed_contact = trip.caught_s(snap.distance_m, arrive, chase[routed.unit_type])
    return IncidentOutcome(
        index=index,
        trip_id=trip.trip_id,
        line=direction.line,
        now_s=now,
        reported_lat=lat,
        reported_lon=lon,
        ours_s=ours_contact - now,
        naive_s=naive_contact - now,
        ours_unit=best.unit_id,
        naive_unit=naive.unit_id,
        routed_s=routed_contact - now,
        routed_unit=routed.unit_id,
        ours_meet_lat=best.stop.lat if best.stop is not None else lat,
        ours_meet_lon=best.stop.lon if best.stop is not None else lon,
        ours_kind=best.kind,
        ours_hold_s=best.hold_s,
        ours_planned_s=best.contact_s - now,
        ours_missed=missed,
    )


def _true_drive(unit: SimUnit, lat: float, lon: float, params: InterceptParams) -> float:
    # From where the unit really is (it moved since its fix), with this snapshot's traffic on its trips.
    base = params.router.travel_time_s(unit.true_lat, unit.true_lon, lat, lon, unit.state.unit_type)
    return base * unit.drive_factor


def _ours_contact(
    best: Meeting,
    units: dict[str, SimUnit],
    trip: TramTrip,
    now: float,
    params: InterceptParams,
    chase: dict[UnitType, float],
    replans: int = REPLANS,
) -> tuple[float, bool]:
    """(true contact time, planned meeting missed at least once) for the recommended unit in the world."""
    unit = units[best.unit_id]
    if best.stop is None:  # a place: the vehicle stands at its terminus already
        end = trip.direction.stops[-1]
        return now + params.turnout_s + _true_drive(unit, end.lat, end.lon, params), False
    j = best.stop.stop_index
    arrive = now + params.turnout_s + _true_drive(unit, best.stop.lat, best.stop.lon, params)
    tram_in = trip.arrive_s[j]
    if j == len(trip.arrive_s) - 1:  # the terminus: the tram stands there after its trip
        return max(arrive, tram_in), False
    # HAVAG holds the tram up to the asked seconds after its arrival, or its normal dwell if that is longer.
    leaves = max(trip.depart_s[j], tram_in + best.hold_s)
    if arrive <= leaves:
        return max(arrive, tram_in), False
    held = trip.held(j, leaves)
    stop = trip.direction.stops[j]
    if replans == 0:
        return held.caught_s(stop.distance_m, arrive, chase[unit.state.unit_type]), True
    # The hub sees the miss (the unit reports from the stop, the tram sends a fresh fix) and plans again with every
    # unit: the missed one from the stop, the others where they are, their reports as old as before.
    lat, lon = held.position_at(arrive)
    snap = trip.direction.snap(lat, lon, hint_m=held.distance_at(arrive))
    incident = vehicle_incident("replan", trip.vehicle, trip.direction, snap, lat, lon, arrive)
    later: dict[str, SimUnit] = {}
    for uid, other in units.items():
        if uid == best.unit_id:
            state = dataclasses.replace(other.state, lat=stop.lat, lon=stop.lon, fix_at_s=arrive)
            state = dataclasses.replace(state, last_dispatched_at_s=None)  # re-planning is not a second proposal
            later[uid] = SimUnit(state, stop.lat, stop.lon, other.drive_factor)
        else:
            age = now - other.state.fix_at_s
            state = dataclasses.replace(other.state, lat=other.true_lat, lon=other.true_lon, fix_at_s=arrive - age)
            later[uid] = SimUnit(state, other.true_lat, other.true_lon, other.drive_factor)
    again = recommend(incident, [u.state for u in later.values()], arrive, params).best
    if again is None:  # cannot happen: the missed unit is still eligible
        return held.caught_s(stop.distance_m, arrive, chase[unit.state.unit_type]), True
    contact, _ = _ours_contact(again, later, held, arrive, params, chase, replans - 1)
    return contact, True


def _summarise(
    seed: int,
    incidents: int,
    outcomes: list[IncidentOutcome],
    skipped: int,
    tie_tolerance_s: float,
    params: InterceptParams,
) -> EvaluationResult:
    n = len(outcomes)
    ours = Figures.of([o.ours_s for o in outcomes])
    naive = Figures.of([o.naive_s for o in outcomes])
    routed = Figures.of([o.routed_s for o in outcomes])
    ties = sum(1 for o in outcomes if abs(o.ours_s - o.naive_s) <= tie_tolerance_s)
    ours_wins = sum(1 for o in outcomes if o.naive_s - o.ours_s > tie_tolerance_s)
    naive_wins = n - ties - ours_wins
    ours_wins_routed = sum(1 for o in outcomes if o.routed_s - o.ours_s > tie_tolerance_s)
    routed_wins = sum(1 for o in outcomes if o.ours_s - o.routed_s > tie_tolerance_s)

    def share(count: int) -> float:
        return count / n if n else math.nan

    held = sorted(o.ours_hold_s for o in outcomes if o.ours_hold_s > 0)
    return EvaluationResult(
        seed=seed,
        incidents=incidents,
        outcomes=tuple(outcomes),
        skipped=skipped,
        ours=ours,
        naive=naive,
        routed=routed,
        ours_wins=share(ours_wins),
        naive_wins=share(naive_wins),
        ties=share(ties),
        ours_wins_routed=share(ours_wins_routed),
        routed_wins=share(routed_wins),
        tie_tolerance_s=tie_tolerance_s,
        median_reduction=_reduction(ours.median_s, naive.median_s),
        routed_median_reduction=_reduction(ours.median_s, routed.median_s),
        routed_p90_reduction=_reduction(ours.p90_s, routed.p90_s),
        naive_p90_reduction=_reduction(ours.p90_s, naive.p90_s),
        missed_share=share(sum(o.ours_missed for o in outcomes)),
        hold_share=share(len(held)),
        hold_mean_s=statistics.fmean(held) if held else math.nan,
        hold_median_s=statistics.median(held) if held else math.nan,
        terminus_share=share(sum(o.ours_kind == "terminus" for o in outcomes)),
        max_hold_s=params.max_hold_s,
        min_hold_saving_s=params.min_hold_saving_s,
    )


def _reduction(ours: float, other: float) -> float:
    """How much lower ``ours`` is than ``other``, as a share of ``other`` (NaN when there is nothing to compare)."""
    return 1.0 - ours / other if other > 0 else math.nan


def format_table(result: EvaluationResult) -> str:
    """The figures as a small plain-text table (minutes)."""

    def minutes(seconds: float) -> str:
        return f"{seconds / 60:6.1f} min"

    def row(name: str, figures: Figures) -> str:
        return f"{name:<24}{minutes(figures.median_s)}  {minutes(figures.p90_s)}  {minutes(figures.mean_s)}"

    rows = [
        f"intercept evaluation: {len(result.outcomes)} incidents on trams (seed {result.seed}, "
        f"{result.skipped} skipped: no eligible unit)",
        f"{'time to contact':<24}{'median':>11}{'p90':>11}{'mean':>11}",
        row("recommendation", result.ours),
        row("routed baseline", result.routed),
        row("naive dispatch", result.naive),
        f"wins: recommendation {result.ours_wins:.1%}, naive {result.naive_wins:.1%}, "
        f"ties {result.ties:.1%} (within {result.tie_tolerance_s:g} s); against the routed baseline: "
        f"recommendation {result.ours_wins_routed:.1%}, routed {result.routed_wins:.1%}",
        f"median time to contact {result.median_reduction:.1%} lower than naive (target: at least 25 %), "
        f"{result.routed_median_reduction:.1%} lower than the routed baseline",
        f"p90 time to contact {result.naive_p90_reduction:.1%} lower than naive, "
        f"{result.routed_p90_reduction:.1%} lower than the routed baseline",
        f"recommendation: met at terminus {result.terminus_share:.1%}, "
        f"planned meeting missed in the world {result.missed_share:.1%}",
        f"hold asked of HAVAG in {result.hold_share:.1%} of incidents"
        + (
            f", {result.hold_mean_s:.0f} s on average (median {result.hold_median_s:.0f} s)"
            if result.hold_share > 0
            else ""
        )
        + f" (min saving {result.min_hold_saving_s:g} s, max hold {result.max_hold_s:g} s)",
    ]
    return "\n".join(rows)


def plot_distributions(result: EvaluationResult, path: Path) -> None:
    """Write a PNG with the three time-to-contact distributions: histogram and empirical CDF, medians marked."""
    import matplotlib  # an optional extra: imported only when a plot is asked for

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours = sorted(o.ours_s / 60 for o in result.outcomes)
    naive = sorted(o.naive_s / 60 for o in result.outcomes)
    routed = sorted(o.routed_s / 60 for o in result.outcomes)
    n = len(ours)
    fig, (hist, cdf) = plt.subplots(1, 2, figsize=(11, 4.5))
    top = percentile(naive, 0.99) if naive else 1.0
    bins = [top * k / 40 for k in range(41)]
    hist.hist(naive, bins=bins, alpha=0.55, label="naive dispatch", color="tab:red")
    hist.hist(routed, bins=bins, alpha=0.45, label="routed baseline", color="tab:orange")
    hist.hist(ours, bins=bins, alpha=0.55, label="recommendation", color="tab:blue")
    hist.set_xlabel("time to contact (min)")
    hist.set_ylabel("incidents")
    hist.set_title("Distribution")
    hist.legend()
    steps = [(k + 1) / n for k in range(n)]
    naive_label = f"naive dispatch (median {result.naive.median_s / 60:.1f} min)"
    ours_label = f"recommendation (median {result.ours.median_s / 60:.1f} min)"
    cdf.step(naive, steps, where="post", label=naive_label, color="tab:red")
    routed_label = f"routed baseline (median {result.routed.median_s / 60:.1f} min)"
    cdf.step(routed, steps, where="post", label=routed_label, color="tab:orange")
    cdf.step(ours, steps, where="post", label=ours_label, color="tab:blue")
    cdf.set_xlim(0, top)
    cdf.set_xlabel("time to contact (min)")
    cdf.set_ylabel("share of incidents reached")
    cdf.set_title("Empirical CDF")
    cdf.grid(alpha=0.3)
    cdf.legend(loc="lower right")
    fig.suptitle(
        f"Intercept recommendation vs routed baseline and naive dispatch: {n} incidents on Halle trams "
        f"(seed {result.seed}), median {result.routed_median_reduction:.0%} / {result.median_reduction:.0%} lower"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``hub eval intercept``."""
    saving = InterceptParams().min_hold_saving_s
    parser.add_argument("--seed", type=int, default=1, help="world and incident seed (default 1)")
    parser.add_argument("--incidents", type=int, default=1000, help="incidents on trams per scenario (default 1000)")
    parser.add_argument(
        "--scenario",
        choices=("day", "night", "both"),
        default="both",
        help="day (dense units, all lines), night (few units, many busy, night headways) or both (default)",
    )
    parser.add_argument(
        "--router",
        choices=("roads", "straight"),
        default="roads",
        help="roads: cars routed on Halle's street graph (default); straight: straight line times a detour factor",
    )
    parser.add_argument("--max-hold", type=float, default=120.0, help="longest hold asked of HAVAG, s (default 120)")
    parser.add_argument(
        "--min-hold-saving",
        type=float,
        default=saving,
        metavar="SECONDS",
        help="ask for a hold only when it makes contact at least this much earlier than the best option without "
        f"one, s (default {saving:g}; 0 takes every hold that helps)",
    )
    parser.add_argument(
        "--sensitivity",
        type=int,
        default=0,
        metavar="INCIDENTS",
        help="also print the median gains with each assumption varied, over this many incidents per variant",
    )
    parser.add_argument(
        "--plot", type=Path, default=None, help="write the distributions as a PNG to this path (per scenario)"
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="DIR",
        help="write DIR/index.html: figures, distributions, sensitivity and a map of example intercepts",
    )


def run(args: argparse.Namespace) -> int:
    """Run the evaluation for parsed ``args``, print the tables, write the plots when asked."""
    problem = _usage_error(args)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    settings = {"max_hold_s": args.max_hold, "min_hold_saving_s": args.min_hold_saving}
    if args.router == "roads":
        from hub.network.roads import default_road_router

        params = road_params(default_road_router(), **settings)
    else:
        params = InterceptParams(max_hold_s=args.max_hold, min_hold_saving_s=args.min_hold_saving)
    names = ("day", "night") if args.scenario == "both" else (args.scenario,)
    report = _Report(args.report, params)
    for name in names:
        scenario = SCENARIOS[name]
        network = scenario_network(scenario)
        result = evaluate(args.seed, args.incidents, config=scenario.config, params=params, network=network)
        print(f"== {name}: {scenario.summary}; {_router_name(params)}")
        print(format_table(result))
        rows = sensitivity(args.seed, args.sensitivity, name, params) if args.sensitivity else []
        if rows:
            print(format_sensitivity(rows))
        report.add(name, f"{scenario.summary}; {_router_name(params)}", result, rows, scenario.config, network)
        if args.plot is not None:
            path = args.plot if len(names) == 1 else args.plot.with_name(f"{args.plot.stem}-{name}{args.plot.suffix}")
            try:
                plot_distributions(result, path)
            except ImportError:
                print("the plot needs matplotlib: pip install 'hub[plot]'", file=sys.stderr)
                return 2
            print(f"plot written to {path}")
        print()
    written = report.write()
    if written is not None:
        print(f"report written to {written}")
    return 0


def _usage_error(args: argparse.Namespace) -> str | None:
    if args.incidents < 1:
        return "--incidents must be at least 1"
    if args.max_hold < 0:
        return "--max-hold must not be negative"
    if not args.min_hold_saving >= 0:
        return "--min-hold-saving must not be negative"
    if args.sensitivity < 0:
        return "--sensitivity must not be negative"
    return None


class _Report:
    """What ``--report`` collects over the scenarios, written once at the end (nothing when no directory given)."""

    def __init__(self, directory: Path | None, params: InterceptParams) -> None:
        self.directory = directory
        self.params = params
        self.results: dict[str, EvaluationResult] = {}
        self.summaries: dict[str, str] = {}
        self.rows: dict[str, list[SensitivityRow]] = {}
        self.examples: list[Example] = []

    def add(
        self,
        name: str,
        summary: str,
        result: EvaluationResult,
        rows: list[SensitivityRow],
        config: WorldConfig,
        network: TramNetwork,
    ) -> None:
        if self.directory is None:
            return
        from hub.eval.report import pick_examples
        from hub.network.roads import RoadGraphRouter

        self.results[name], self.summaries[name], self.rows[name] = result, summary, rows
        router = self.params.router
        if not self.examples and isinstance(router, RoadGraphRouter):
            self.examples = pick_examples(result, build_world(result.seed, config, network=network), router)

    def write(self) -> Path | None:
        if self.directory is None:
            return None
        from hub.eval.report import write_report
        from hub.network.roads import RoadGraphRouter

        router = self.params.router if isinstance(self.params.router, RoadGraphRouter) else None
        return write_report(self.directory, self.results, self.summaries, self.rows, self.examples, router)


def _router_name(params: InterceptParams) -> str:
    if isinstance(params.router, StraightLineRouter):
        return "units on straight lines times a detour factor"
    return "cars routed on Halle's streets (OpenStreetMap)"


def sensitivity(
    seed: int, incidents: int, scenario: str, params: InterceptParams, variants: Sequence[Variant] | None = None
) -> list[SensitivityRow]:
    """The median figures and gains of ``scenario`` under each of ``variants`` (default: every variant of
    ``hub.eval.scenarios.SENSITIVITY``)."""
    base = SCENARIOS[scenario]
    network = scenario_network(base)
    rows = []
    for variant in SENSITIVITY if variants is None else variants:
        result = evaluate(
            seed, incidents, config=variant.config(base.config), params=variant.params(params), network=network
        )
        rows.append(
            SensitivityRow(
                variant.name,
                result.ours.median_s,
                result.routed.median_s,
                result.naive.median_s,
                result.routed_median_reduction,
                result.median_reduction,
            )
        )
    return rows


def format_sensitivity(rows: Sequence[SensitivityRow]) -> str:
    """The sensitivity rows as a plain-text table (minutes, and the median gains)."""
    lines = [
        f"{'sensitivity (median)':<26}{'ours':>8}{'routed':>8}{'naive':>8}{'vs routed':>11}{'vs naive':>10}",
    ]
    for r in rows:
        lines.append(
            f"{r.variant:<26}{r.ours_median_s / 60:>6.1f} m{r.routed_median_s / 60:>6.1f} m"
            f"{r.naive_median_s / 60:>6.1f} m{r.vs_routed:>11.1%}{r.vs_naive:>10.1%}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hub.eval.intercept``: the same as ``hub eval intercept``."""
    parser = argparse.ArgumentParser(prog="hub eval intercept", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
