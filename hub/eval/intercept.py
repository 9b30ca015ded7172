"""Evaluation of the intercept recommendation against a naive dispatch, over seeded incidents on simulated trams.

Both sides see the same units, the same reported positions and the same tram movements (``hub.sim.world``); what
they see is aged and estimated, what happens is the world's truth. The rules are in docs/intercept.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hub.errors import SnapError
from hub.network.tram import TramNetwork, haversine_m
from hub.network.travel import DEFAULT_ROAD_PROFILES, StraightLineRouter, UnitType
from hub.router.intercept import recommend, screen_units, vehicle_incident
from hub.router.model import InterceptParams, Meeting, MeetingKind
from hub.sim.world import SimUnit, TramTrip, World, WorldConfig, build_world

__all__ = [
    "REPLANS",
    "EvaluationResult",
    "Figures",
    "IncidentOutcome",
    "evaluate",
    "format_table",
    "main",
    "percentile",
    "plot_distributions",
]

#: How often the hub plans again after the recommended unit reached its stop when the tram had left; after that the
#: last unit follows the tram along the line.
REPLANS = 2


@dataclass(frozen=True, slots=True)
class IncidentOutcome:
    """One incident: the time to contact each dispatch achieved in the world, and how ours went."""

    index: int
    trip_id: str
    line: str
    now_s: float
    reported_lat: float  # the tram's position as the dispatcher saw it (the naive unit's destination)
    reported_lon: float
    ours_s: float  # true time to contact, recommendation
    naive_s: float  # true time to contact, naive dispatch
    ours_unit: str
    naive_unit: str
    ours_kind: MeetingKind
    ours_hold_s: float
    ours_planned_s: float  # time to contact the recommendation predicted
    ours_missed: bool  # the unit reached its stop after the tram had left (then re-planned or followed it)


@dataclass(frozen=True, slots=True)
class Figures:
    """Distribution figures of one dispatch's time to contact, in seconds."""

    median_s: float
    p90_s: float
    mean_s: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Figures:
        ordered = sorted(values)
        if not ordered:
            return cls(math.nan, math.nan, math.nan)
        return cls(statistics.median(ordered), percentile(ordered, 0.9), statistics.fmean(ordered))


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """Outcomes of every incident and the figures the issue asks for (shares are of the evaluated incidents)."""

    seed: int
    incidents: int
    outcomes: tuple[IncidentOutcome, ...]
    skipped: int  # incidents with no eligible unit at all (neither side can dispatch)
    ours: Figures
    naive: Figures
    ours_wins: float
    naive_wins: float
    ties: float
    tie_tolerance_s: float
    median_reduction: float  # 1 - ours median / naive median
    missed_share: float  # of ours: the planned meeting failed in the world
    hold_share: float  # of ours: a hold was asked
    hold_mean_s: float  # of ours, over the incidents with a hold asked: mean seconds asked (NaN when none)
    hold_median_s: float  # the same, median
    terminus_share: float  # of ours: met at the terminus
    max_hold_s: float  # the settings evaluated
    min_hold_saving_s: float


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of sorted values, linearly interpolated between closest ranks (numpy's default)."""
    if not ordered:
        raise ValueError("no values")
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


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
    chase = _chase_speeds(params)
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


def _chase_speeds(params: InterceptParams) -> dict[UnitType, float]:
    # Following the line, a unit goes at its full road speed with no detour: roads rarely run beside the track the
    # whole way, so this favours the naive dispatch (and ours when it has to chase after a missed meeting).
    router = params.router
    profiles = router.profiles if isinstance(router, StraightLineRouter) else DEFAULT_ROAD_PROFILES
    return {kind: profile.speed_kmh / 3.6 for kind, profile in profiles.items()}


def _one_incident(
    world: World, rng: random.Random, index: int, params: InterceptParams, chase: dict[UnitType, float]
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
    ties = sum(1 for o in outcomes if abs(o.ours_s - o.naive_s) <= tie_tolerance_s)
    ours_wins = sum(1 for o in outcomes if o.naive_s - o.ours_s > tie_tolerance_s)
    naive_wins = n - ties - ours_wins

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
        ours_wins=share(ours_wins),
        naive_wins=share(naive_wins),
        ties=share(ties),
        tie_tolerance_s=tie_tolerance_s,
        median_reduction=1.0 - ours.median_s / naive.median_s if naive.median_s > 0 else math.nan,
        missed_share=share(sum(o.ours_missed for o in outcomes)),
        hold_share=share(len(held)),
        hold_mean_s=statistics.fmean(held) if held else math.nan,
        hold_median_s=statistics.median(held) if held else math.nan,
        terminus_share=share(sum(o.ours_kind == "terminus" for o in outcomes)),
        max_hold_s=params.max_hold_s,
        min_hold_saving_s=params.min_hold_saving_s,
    )


def format_table(result: EvaluationResult) -> str:
    """The figures as a small plain-text table (minutes)."""

    def minutes(seconds: float) -> str:
        return f"{seconds / 60:6.1f} min"

    rows = [
        f"intercept evaluation: {len(result.outcomes)} incidents on trams (seed {result.seed}, "
        f"{result.skipped} skipped: no eligible unit)",
        f"{'time to contact':<24}{'median':>11}{'p90':>11}{'mean':>11}",
        f"{'recommendation':<24}{minutes(result.ours.median_s)}  {minutes(result.ours.p90_s)}  "
        f"{minutes(result.ours.mean_s)}",
        f"{'naive dispatch':<24}{minutes(result.naive.median_s)}  {minutes(result.naive.p90_s)}  "
        f"{minutes(result.naive.mean_s)}",
        f"wins: recommendation {result.ours_wins:.1%}, naive {result.naive_wins:.1%}, "
        f"ties {result.ties:.1%} (within {result.tie_tolerance_s:g} s)",
        f"median time to contact {result.median_reduction:.1%} lower than naive (target: at least 25 %)",
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
    """Write a PNG with the two time-to-contact distributions: histogram and empirical CDF, medians marked."""
    import matplotlib  # an optional extra: imported only when a plot is asked for

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours = sorted(o.ours_s / 60 for o in result.outcomes)
    naive = sorted(o.naive_s / 60 for o in result.outcomes)
    n = len(ours)
    fig, (hist, cdf) = plt.subplots(1, 2, figsize=(11, 4.5))
    top = percentile(naive, 0.99) if naive else 1.0
    bins = [top * k / 40 for k in range(41)]
    hist.hist(naive, bins=bins, alpha=0.55, label="naive dispatch", color="tab:red")
    hist.hist(ours, bins=bins, alpha=0.55, label="recommendation", color="tab:blue")
    hist.set_xlabel("time to contact (min)")
    hist.set_ylabel("incidents")
    hist.set_title("Distribution")
    hist.legend()
    steps = [(k + 1) / n for k in range(n)]
    naive_label = f"naive dispatch (median {result.naive.median_s / 60:.1f} min)"
    ours_label = f"recommendation (median {result.ours.median_s / 60:.1f} min)"
    cdf.step(naive, steps, where="post", label=naive_label, color="tab:red")
    cdf.step(ours, steps, where="post", label=ours_label, color="tab:blue")
    cdf.set_xlim(0, top)
    cdf.set_xlabel("time to contact (min)")
    cdf.set_ylabel("share of incidents reached")
    cdf.set_title("Empirical CDF")
    cdf.grid(alpha=0.3)
    cdf.legend(loc="lower right")
    fig.suptitle(
        f"Intercept recommendation vs naive dispatch: {n} incidents on Halle trams (seed {result.seed}), "
        f"median {result.median_reduction:.0%} lower"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``hub eval intercept``."""
    saving = InterceptParams().min_hold_saving_s
    parser.add_argument("--seed", type=int, default=1, help="world and incident seed (default 1)")
    parser.add_argument("--incidents", type=int, default=1000, help="incidents on trams (default 1000)")
    parser.add_argument("--max-hold", type=float, default=120.0, help="longest hold asked of HAVAG, s (default 120)")
    parser.add_argument(
        "--min-hold-saving",
        type=float,
        default=saving,
        metavar="SECONDS",
        help="ask for a hold only when it makes contact at least this much earlier than the best option without "
        f"one, s (default {saving:g}; 0 takes every hold that helps)",
    )
    parser.add_argument("--plot", type=Path, default=None, help="write the distributions as a PNG to this path")


def run(args: argparse.Namespace) -> int:
    """Run the evaluation for parsed ``args``, print the table, write the plot when asked."""
    if args.incidents < 1:
        print("--incidents must be at least 1", file=sys.stderr)
        return 2
    if args.max_hold < 0:
        print("--max-hold must not be negative", file=sys.stderr)
        return 2
    if not args.min_hold_saving >= 0:
        print("--min-hold-saving must not be negative", file=sys.stderr)
        return 2
    params = InterceptParams(max_hold_s=args.max_hold, min_hold_saving_s=args.min_hold_saving)
    result = evaluate(args.seed, args.incidents, params=params)
    print(format_table(result))
    if args.plot is not None:
        try:
            plot_distributions(result, args.plot)
        except ImportError:
            print("the plot needs matplotlib: pip install 'hub[plot]'", file=sys.stderr)
            return 2
        print(f"plot written to {args.plot}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hub.eval.intercept``: the same as ``hub eval intercept``."""
    parser = argparse.ArgumentParser(prog="hub eval intercept", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
