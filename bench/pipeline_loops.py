"""The two reference loops of ``bench.bench_pipeline``, each run as its own process so its CPU can be read from /proc
like a hub worker's:

- ``raw``: an aiokafka consume -> produce loop that does no work (the floor of what Python on this broker costs);
- ``faust``: a naive faust agent, one event at a time with ``topic.send`` (on the hub's app factory, so it gets the
  same broker tuning as the hub's workers).

Both copy ``--input`` to ``--output`` unchanged and write the number of records the broker has acknowledged to
``--progress`` (a small text file, replaced at most every 50 ms), which the benchmark polls.

Run: python -m bench.pipeline_loops raw|faust --bootstrap HOST:PORT --prefix P --input T --output T --progress FILE
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path
from typing import Any

FLUSH_EVERY_S = 0.05


class Progress:
    """The acknowledged count, written to a file now and then (atomically, so a reader never sees half of it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._written_at = 0.0
        self.write()

    def add(self, n: int) -> None:
        self.count += n
        if time.monotonic() - self._written_at >= FLUSH_EVERY_S:
            self.write()

    def write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(str(self.count))
        os.replace(tmp, self.path)
        self._written_at = time.monotonic()


async def raw_loop(args: argparse.Namespace) -> None:
    """Consume a batch, produce it, wait for the acknowledgements, commit; forever."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    progress = Progress(args.progress)
    consumer = AIOKafkaConsumer(
        args.input,
        bootstrap_servers=args.bootstrap,
        group_id=f"{args.prefix}bench-raw",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=10,
    )
    producer = AIOKafkaProducer(bootstrap_servers=args.bootstrap, acks="all", linger_ms=5, max_batch_size=262_144)
    await consumer.start()
    await producer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=100, max_records=2000)
            futures: list[Any] = []
            for records in batches.values():
                for r in records:
                    futures.append(await producer.send(args.output, r.value, key=r.key))
            if futures:
                await asyncio.gather(*futures)
                await consumer.commit()
                progress.add(len(futures))
            else:
                progress.write()
    finally:
        await producer.stop()
        await consumer.stop()


def faust_agent(args: argparse.Namespace) -> None:
    """The naive faust agent: ``async for event in stream: await output.send(...)``, on the hub's app factory."""
    import faust

    from hub.config import Settings
    from hub.workers.app import make_app

    settings = Settings(
        kafka_bootstrap=args.bootstrap,
        topic_prefix=args.prefix,
        state_dir=args.progress.parent / "faust-state",
        consumer_session_timeout_s=3.0,
    )
    app = make_app(settings, "bench-naive")
    progress = Progress(args.progress)
    output = app.topic(args.output)

    def acknowledged(_: Any) -> None:
        progress.add(1)

    @app.agent(app.topic(args.input), name="naive")
    async def naive(stream: Any) -> None:
        async for event in stream.events():
            await output.send(key=event.message.key, value=event.message.value, callback=acknowledged)

    @app.timer(interval=FLUSH_EVERY_S)
    async def flush() -> None:
        progress.write()

    faust.Worker(app, loglevel="warning", redirect_stdouts=False).execute_from_commandline()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("loop", choices=("raw", "faust"))
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--progress", type=Path, required=True)
    args = parser.parse_args()
    if args.loop == "raw":
        asyncio.run(raw_loop(args))
    else:
        faust_agent(args)


if __name__ == "__main__":
    main()
