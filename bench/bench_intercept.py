"""Intercept recommendation latency per incident, pruned search next to the brute-force reference, same run and inputs.

Run: .venv/bin/python -m bench.bench_intercept [--snapshots 5] [--seed 1] [--router roads]
With ``--router roads`` cars are routed on Halle's street graph (``hub.network.roads``) with its straight-line bound;
the shortest-path trees to every tram stop are computed before timing (as a live router would keep them warm).
Each snapshot is the live state at one moment: 200 trams in service on the Halle network (snapped, arrivals
predicted) and 150 units; every tram gets an incident. Prints p50/p99 per incident for both and checks that they
pick the same best unit and stop (and the same runners-up).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import get_args

from hub.eval.scenarios import road_params
from hub.network.roads import default_road_router
from hub.network.tram import load_tram_network
from hub.network.travel import RoadRouter, UnitType
from hub.router.intercept import recommend, vehicle_incident
from hub.router.model import InterceptParams, UnitState, VehicleIncident
from hub.router.reference import recommend_brute_force
from hub.sim.world import WorldConfig, build_world

VEHICLES = 200
UNITS = 150
# A 4.5-minute headway on every line puts a little over 200 trams in service (the real timetable runs fewer).
BENCH_HEADWAY_S = 270.0


class CountingRouter:
    """A router counting its calls (used in a separate pass so timing stays clean)."""

    def __init__(self, inner: RoadRouter) -> None:
        self.inner = inner
        self.calls = 0

    def travel_time_s(
        self, from_lat: float, from_lon: float, to_lat: float, to_lon: float, unit_type: UnitType
    ) -> float:
        self.calls += 1
        return self.inner.travel_time_s(from_lat, from_lon, to_lat, to_lon, unit_type)


@dataclass(frozen=True)
class Snapshot:
    now_s: float
    incidents: list[VehicleIncident]
    units: list[UnitState]


def snapshots(seed: int, count: int) -> list[Snapshot]:
    """``count`` moments of the simulated day, each with 200 trams (one incident each) and 150 units."""
    world = build_world(seed, WorldConfig(headways_s=(BENCH_HEADWAY_S,), units=UNITS))
    rng = random.Random(f"{seed}:bench")
    found = []
    for k in range(count):
        now = rng.uniform(8 * 3600, 20 * 3600)
        trams = sorted(world.trams_at(now), key=lambda trip: trip.trip_id)
        if len(trams) < VEHICLES:
            raise SystemExit(f"only {len(trams)} trams in service at {now:.0f} s; lower BENCH_HEADWAY_S")
        incidents = []
        for n, trip in enumerate(trams[:VEHICLES]):
            lat, lon = trip.position_at(now)
            snap = trip.direction.snap(lat, lon, hint_m=trip.distance_at(now))
            incidents.append(vehicle_incident(f"B{k}-{n}", trip.vehicle, trip.direction, snap, lat, lon, now))
        units = [u.state for u in world.units_at(now, f"bench-{k}")]
        found.append(Snapshot(now, incidents, units))
    return found


def percentile_ms(samples_ns: Sequence[int], q: float) -> float:
    ordered = sorted(samples_ns)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] / 1e6


def _crow_kmh(params: InterceptParams) -> dict[UnitType, float]:
    """The bound ``params`` prunes with, in km/h, so the counting pass prunes the same way."""
    speeds = params.crow_speed_mps
    return {kind: speeds[kind] * 3.6 for kind in get_args(UnitType) if kind in speeds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snapshots", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--router", choices=("straight", "roads"), default="straight")
    args = parser.parse_args()
    shots = snapshots(args.seed, args.snapshots)
    if args.router == "roads":
        router = default_road_router()
        network = load_tram_network()
        router.warm((s.lat, s.lon) for line in network.lines.values() for d in line.directions for s in d.stops)
        params = road_params(router)
    else:
        params = InterceptParams()
    fast: list[int] = []
    fast_cpu: list[int] = []  # the thread's CPU time: not inflated by waiting for a core on a shared machine
    brute: list[int] = []
    same_best = same_all = total = 0
    for shot in shots[:1]:  # warm up caches (schedules, code paths)
        for incident in shot.incidents[:20]:
            recommend(incident, shot.units, shot.now_s, params)
            recommend_brute_force(incident, shot.units, shot.now_s, params)
    gc.collect()
    for shot in shots:
        for incident in shot.incidents:
            c0 = time.thread_time_ns()
            t0 = time.perf_counter_ns()
            ours = recommend(incident, shot.units, shot.now_s, params)
            t1 = time.perf_counter_ns()
            fast_cpu.append(time.thread_time_ns() - c0)
            ref = recommend_brute_force(incident, shot.units, shot.now_s, params)
            t2 = time.perf_counter_ns()
            fast.append(t1 - t0)
            brute.append(t2 - t1)
            total += 1
            a, b = ours.best, ref.best
            same_best += (a is None and b is None) or (
                a is not None and b is not None and a.unit_id == b.unit_id and a.stop == b.stop
            )
            same_all += ours == ref
    counting = CountingRouter(params.router)
    counted = InterceptParams(router=counting, crow_speed_kmh=_crow_kmh(params))
    calls_fast = calls_brute = 0
    for shot in shots:
        for incident in shot.incidents:
            counting.calls = 0
            recommend(incident, shot.units, shot.now_s, counted)
            calls_fast += counting.calls
            counting.calls = 0
            recommend_brute_force(incident, shot.units, shot.now_s, counted)
            calls_brute += counting.calls
    stops = statistics.fmean(len(i.stops_ahead) for s in shots for i in s.incidents)
    print(
        f"intercept recommendation: {total} incidents, {VEHICLES} trams and {UNITS} units per snapshot, "
        f"{stops:.1f} stops ahead on average"
    )
    print(f"{'':<28}{'p50':>9}{'p99':>9}{'max':>9}{'router calls':>15}")
    for name, samples, calls in (("pruned (recommend)", fast, calls_fast), ("brute force", brute, calls_brute)):
        print(
            f"{name:<28}{percentile_ms(samples, 0.5):>6.3f} ms{percentile_ms(samples, 0.99):>6.3f} ms"
            f"{max(samples) / 1e6:>6.3f} ms{calls / total:>15.1f}"
        )
    print(
        f"{'pruned, thread CPU time':<28}{percentile_ms(fast_cpu, 0.5):>6.3f} ms"
        f"{percentile_ms(fast_cpu, 0.99):>6.3f} ms{max(fast_cpu) / 1e6:>6.3f} ms"
    )
    target = "2 ms" if args.router == "roads" else "5 ms"
    print(f"router: {args.router}; speed-up at p50: {statistics.median(brute) / statistics.median(fast):.1f}x")
    print(f"target p99 < {target}")
    print(f"same best unit and stop: {same_best}/{total}; identical ranking and runners-up: {same_all}/{total}")


if __name__ == "__main__":
    main()
