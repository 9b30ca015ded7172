"""Normaliser figures: the pure core alone, and the whole first path through the embedded broker and database.

Run: .venv/bin/python -m bench.bench_normalise [--records N]
Prints events/s for the pure mapper (in-process, no I/O) and for replay -> normalise -> sink -> PostgreSQL with
real worker processes, plus the ratio of the two, all measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from hub.config import Settings
from hub.connectors.replay import replay
from hub.devstack import EmbeddedStack
from hub.formats.replay import map_replay_record
from hub.kafka_admin import apply_topology
from hub.logging import configure_logging
from hub.processes import StageProcess, free_port
from hub.samples import sample_lines, write_sample
from hub.store.migrate import migrate


def bench_core(lines: list[bytes], rounds: int = 5) -> tuple[float, float]:
    """(median events/s, median microseconds per event) of map_replay_record over valid lines."""
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for line in lines:
            map_replay_record(line)[0].value()
        rates.append(len(lines) / (time.perf_counter() - started))
    rate = statistics.median(rates)
    return rate, 1e6 / rate


def bench_pipeline(records: int, state: Path) -> float:
    """Events/s from the start of the replay until the sink has stored every record."""
    with EmbeddedStack(state, broker_port=free_port(), postgres_port=free_port()) as ep:
        settings = Settings(
            kafka_bootstrap=ep.kafka_bootstrap,
            database_url=ep.database_url,  # type: ignore[arg-type]
            state_dir=state,
            consumer_session_timeout_s=3.0,
        )
        apply_topology(settings.bootstrap())
        migrate(settings.database_conninfo())
        workers = [StageProcess(settings, s, free_port(), state / f"{s}.log") for s in ("normalise", "sink")]
        try:
            for w in workers:
                w.start()
            for w in workers:
                w.wait_ready()
            path = write_sample(state / "bench.ndjson", records, 0)
            started = time.perf_counter()
            replay(settings, path)
            while workers[1].counter("hub_events_out_total", stage="sink") < records:
                workers[1].check_alive()
                time.sleep(0.02)
            return records / (time.perf_counter() - started)
        finally:
            for w in workers:
                w.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    configure_logging(Settings(log_level="warning"))
    lines = sample_lines(5_000, 0)
    core_rate, core_us = bench_core(lines)
    print(f"normalise core (pure, in-process):  {core_rate:>9,.0f} events/s  ({core_us:.1f} us/event)")
    with tempfile.TemporaryDirectory() as tmp:
        rate = bench_pipeline(args.records, Path(tmp))
    print(f"replay -> normalise -> sink -> PG:  {rate:>9,.0f} events/s  ({args.records:,} events, 2 workers)")
    print(f"pipeline / core ratio:              {rate / core_rate:>9.2f}")


if __name__ == "__main__":
    main()
