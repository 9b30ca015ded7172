"""What keeping the router's state in faust tables costs: the router core's time per event with and without
working out the table entries after every batch, measured in the same run on the same events.

Run: .venv/bin/python -m bench.bench_router_state [--vehicles N] [--units N] [--incidents N] [--events N] [--profile]
Trams run along the Halle lines, units stand along them, incidents are open on some trams; every tram reports its
position in turn (a vehicle position re-ranks the incidents on that tram). The stage works in batches of up to 500
events within 50 ms, so ``--batch`` (default 50) is a busy but realistic batch. Prints microseconds per event for
``process`` alone, for ``process`` plus ``changes`` once per batch (what the faust shell does), the ratio, the
bytes written per event, and the cost of one tick's full comparison of every alert record. ``--profile`` runs one
more round under cProfile and prints where the time goes (the functions with the most cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import time
from datetime import UTC, datetime

from hub.config import Settings
from hub.logging import configure_logging
from hub.network.tram import load_tram_network
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS
from hub.privacy.pseudonym import pseudonymise
from hub.router.core import RouterCore
from hub.schemas import wrap
from hub.schemas.incident import Incident
from hub.schemas.transit import VehiclePosition
from hub.schemas.units import GeoFix, UnitStatus

T0 = 1_780_000_000.0


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _event(payload: object, n: int, t: float) -> bytes:
    return wrap(payload, source="/bench", source_record_id=str(n), time=_at(t)).to_bytes()  # type: ignore[arg-type]


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def _scenario(
    vehicles: int, units: int, incidents: int, events: int, seed: int
) -> tuple[list[tuple[str, bytes]], list[bytes]]:
    """(set-up events, timed events): positions of every tram and unit reports, open incidents; then positions."""
    rng = random.Random(seed)
    network = load_tram_network()
    directions = [line.directions[0] for line in network.lines.values()]
    trams = [(str(1000 + i), directions[i % len(directions)]) for i in range(vehicles)]
    offsets = {v: rng.uniform(0.1, 0.6) * d.length_m for v, d in trams}
    n = 0
    setup: list[tuple[str, bytes]] = []

    def position(vehicle: str, direction: object, t: float) -> bytes:
        nonlocal n
        n += 1
        lat, lon = direction.point_at(offsets[vehicle])  # type: ignore[attr-defined]
        report = VehiclePosition(
            vehicle=vehicle,
            line=direction.line,  # type: ignore[attr-defined]
            direction=direction.destination.stop_id,  # type: ignore[attr-defined]
            lat=lat,
            lon=lon,
            observed_at=_at(t),
        )
        return _event(report, n, t)

    for vehicle, direction in trams:
        setup.append(("canon.vehicle-position", position(vehicle, direction, T0 - 20)))
    for i in range(units):
        direction = directions[i % len(directions)]
        lat, lon = direction.point_at(rng.uniform(0, direction.length_m))
        n += 1
        unit = UnitStatus(
            agency="polizei" if i % 3 else "ordnungsamt",
            unit=f"U-{i}",
            status_code=rng.choice((1, 2, 2, 2, 6)),
            position=GeoFix(lat=lat + rng.uniform(-0.003, 0.003), lon=lon + rng.uniform(-0.003, 0.003)),
            observed_at=_at(T0 - 15),
        )
        setup.append(("canon.unit-status", _event(unit, n, T0 - 15)))
    for i in range(incidents):
        vehicle, direction = trams[i * max(1, vehicles // max(incidents, 1)) % vehicles]
        n += 1
        incident = Incident.model_validate(
            {
                "incident_id": f"DA-{i}",
                "mode": "actual",
                "origin": "driver_alarm",
                "type_code": "TRANSIT/DRIVER_ALARM/SILENT",
                "priority": 1,
                "status": "open",
                "reported_at": _at(T0 - 10),
                "confidentiality": "restricted",
                "legal_basis": "SOG LSA § 27",
                "retention_class": "standard",
                "vehicle": vehicle,
                "line": direction.line,
            }
        )
        setup.append(("canon.incident", _event(incident, n, T0 - 10)))
    timed: list[bytes] = []
    for k in range(events):
        vehicle, direction = trams[k % vehicles]
        offsets[vehicle] = min(offsets[vehicle] + 40.0, direction.length_m - 1)
        timed.append(position(vehicle, direction, T0 + k * 0.1))
    return setup, timed


def _run(setup: list[tuple[str, bytes]], timed: list[bytes], batch: int, save: bool) -> tuple[float, int, float]:
    """(µs per timed event, bytes of table values written per timed event, ms of one tick's full comparison)."""
    clock = _Clock()
    key = demo_keyring(DOMAINS).for_domain("havag").active
    core = RouterCore(network=load_tram_network(), clock=clock, reference=lambda v: pseudonymise(v, key))
    for topic, value in setup:
        core.process(topic, value)
    assert core.incidents, "the incidents are open"
    assert core.desk.contents().records, "and alerted"
    core.changes()
    written = 0
    started = time.perf_counter()
    for i in range(0, len(timed), batch):
        for value in timed[i : i + batch]:
            core.process("canon.vehicle-position", value)
        if save:
            written += sum(len(v) for _, _, v in core.changes() if v is not None)
    per_event_us = (time.perf_counter() - started) / len(timed) * 1e6
    core.tick()  # the next changes() compares every alert record
    tick_started = time.perf_counter()
    core.changes()
    tick_ms = (time.perf_counter() - tick_started) * 1e3
    return per_event_us, written // len(timed), tick_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--incidents", type=int, default=20)
    parser.add_argument("--events", type=int, default=4_000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of one round")
    args = parser.parse_args()
    configure_logging(Settings(log_level="warning"))  # the desk logs every alert it issues
    setup, timed = _scenario(args.vehicles, args.units, args.incidents, args.events, args.seed)
    plain, saved, written, tick = [], [], 0, 0.0
    for _ in range(args.rounds):  # interleaved, so machine noise hits both alike
        plain.append(_run(setup, timed, args.batch, save=False)[0])
        us, written, tick = _run(setup, timed, args.batch, save=True)
        saved.append(us)
    p, s = statistics.median(plain), statistics.median(saved)
    print(
        f"router core, {args.vehicles} trams, {args.units} units, {args.incidents} open incidents, "
        f"{args.events} positions in batches of {args.batch}, median of {args.rounds} rounds:"
    )
    print(f"  process only              {p:8.1f} us/event  ({1e6 / p:7.0f} events/s)")
    print(f"  process + table changes   {s:8.1f} us/event  ({1e6 / s:7.0f} events/s)")
    print(f"  ratio                     {s / p:8.2f}x      ({written} bytes of table values per event)")
    print(f"  one tick's full record comparison: {tick:.2f} ms")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(_run, setup, timed, args.batch, True)
        print("\nwhere the time goes (cProfile, one round with table changes; its overhead inflates every figure):")
        pstats.Stats(profile).strip_dirs().sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
