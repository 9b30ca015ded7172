"""Pseudonymisation figures next to the normaliser's, measured in the same run on the same sample events.

Run: .venv/bin/python -m bench.bench_pseudonymise [--records N] [--rounds R]
Prints the normaliser core's cost per event (map_replay_record), the transform's cost per event for every kind
and recipient domain, and the whole pseudonymise stage's cost per canonical event (all its recipients).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from collections.abc import Callable

from hub.config import Settings
from hub.formats.replay import map_replay_record
from hub.network.gtfs_static import default_gtfs
from hub.privacy.keys import KeyRing, demo_keyring
from hub.privacy.policy import DOMAINS, Policy, default_policy
from hub.privacy.retention import RetentionPeriods
from hub.privacy.transform import StopIndex, TransformContext, for_domain
from hub.samples import sample_lines
from hub.schemas import CloudEvent
from hub.streams.pseudonymise import Pseudonymiser
from hub.topology import CANONICAL_KINDS


def _median_us(work: Callable[[], object], count: int, rounds: int) -> float:
    """Median over ``rounds`` of the microseconds per item of ``work`` (which handles ``count`` items)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(times)


def _per_kind(
    events: list[CloudEvent],
    receivers: list[str],
    policy: Policy,
    keys: KeyRing,
    context: TransformContext,
    rounds: int,
) -> None:
    """Print microseconds per share by kind and recipient."""
    for kind in CANONICAL_KINDS:
        of_kind = [e for e in events if e.hubkind == kind]
        cells = []
        for domain in receivers:
            # Only the events the domain is sent: its purpose filter may withhold some (issue 12).
            admitted = [e for e in of_kind if policy.domain(domain).admits(kind, e.data)]
            if not admitted:
                cells.append(f"{'-':>13}")
                continue

            def run(domain: str = domain, admitted: list[CloudEvent] = admitted) -> None:
                for event in admitted:
                    share = for_domain(event, domain, policy, keys, context=context)
                    assert share is not None
                    share.to_bytes()

            cells.append(f"{_median_us(run, len(admitted), rounds):13.1f}")
        print(f"  {kind:<20}" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    lines = sample_lines(args.records, 0)
    events: list[CloudEvent] = [map_replay_record(line)[0].event for line in lines]
    normalise_us = _median_us(lambda: [map_replay_record(line)[0].value() for line in lines], len(lines), args.rounds)

    policy, keys = default_policy(), demo_keyring(DOMAINS)
    real_scrubber = importlib.util.find_spec("hub.privacy.scrub") is not None
    context = TransformContext(
        stops=StopIndex(default_gtfs().stops.values()),
        scrubber=None if real_scrubber else (lambda text: text),
    )

    print(f"{len(events):,} sample events, median of {args.rounds} rounds, one process on this machine")
    print(f"normalise core (map_replay_record, JSON out): {normalise_us:8.1f} us/event")
    print("pseudonymise (for_domain + JSON out), us/event:")
    receivers = [d for d in DOMAINS if any(policy.domain(d).receives(k) for k in CANONICAL_KINDS)]
    print(f"  {'kind':<20}" + "".join(f"{d:>13}" for d in receivers))
    _per_kind(events, receivers, policy, keys, context, args.rounds)

    def stage() -> None:
        for event in events:
            for domain in receivers:
                share = for_domain(event, domain, policy, keys, context=context)
                if share is not None:
                    share.to_bytes()

    stage_us = _median_us(stage, len(events), args.rounds)
    fan_out = sum(len(policy.recipients(e.hubkind, e.data)) for e in events) / len(events)
    print(f"pseudonymise stage, all recipients of one canonical event ({fan_out:.1f} shares on average):")
    print(f"  {stage_us:8.1f} us/event, {stage_us / fan_out:.1f} us/share; {stage_us / normalise_us:.2f} x normalise")
    # The stage's whole pure core: decode, every share, register and vault rows (what the faust shell calls).
    pseudonymiser = Pseudonymiser(
        policy, keys, RetentionPeriods.from_settings(Settings()), stops=context.stops, scrubber=context.scrubber
    )
    raws = [event.to_bytes() for event in events]
    core_us = _median_us(lambda: [pseudonymiser.process(raw) for raw in raws], len(raws), args.rounds)
    print("pseudonymise stage core (Pseudonymiser.process: decode, shares, register and vault rows):")
    print(f"  {core_us:8.1f} us/event; {core_us / normalise_us:.2f} x normalise")
    if not real_scrubber:
        print("  note: hub.privacy.scrub not present, descriptions went through an identity stand-in")


if __name__ == "__main__":
    main()
