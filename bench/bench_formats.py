"""Parse speed of every source format: split plus to_canonical, in records per second.

Run: .venv/bin/python -m bench.bench_formats [--corpus DIR] [--seconds S]
Formats with files in the shared conformance corpus are measured on them (every file of the format's folders,
including the ones it refuses); the hub's own JSON webhook formats, which have no third-party corpus, on generated
messages. Prints one line per format: documents, records, canonical events, refused records, records/s. The rate
counts all the time spent, including parsing corpus documents that hold no record of that format (a TripUpdates
feed offered to the alerts format), so it is a floor for a feed that only carries the format's own records.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.errors import InvalidEventError
from hub.formats.base import Format
from hub.formats.registry import FORMATS
from hub.samples import sample_lines

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

#: Corpus folders per format (relative to the corpus root).
CORPUS_DIRS: dict[str, tuple[str, ...]] = {
    "gtfsrt-vehicle-positions": ("gtfs-rt",),
    "gtfsrt-trip-updates": ("gtfs-rt",),
    "gtfsrt-alerts": ("gtfs-rt",),
    "siri-sx": ("siri",),
    "siri-vm": ("siri",),
    "vdv454-aus": ("vdv454",),
    "cloudevents": ("cloudevents",),
    "cap": ("cap",),
    "open311": ("open311",),
}


@dataclass
class Tally:
    documents: int = 0
    records: int = 0
    events: int = 0
    refused: int = 0
    seconds: float = 0.0


def _generated(name: str, n: int = 2000) -> list[bytes]:
    """Messages in the hub's own webhook formats (no third-party corpus exists for them)."""
    t0 = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
    docs = []
    for i in range(n):
        when = (t0 + timedelta(seconds=i)).isoformat()
        if name == "driver-alarm":
            doc = {
                "alarm_id": f"A{i:06d}",
                "vehicle": str(600 + i % 80),
                "line": str(1 + i % 10),
                "mode": "silent" if i % 3 else "loud",
                "state": "raised" if i % 4 else "cleared",
                "next_stop": "de:15002:7185",
                "position": {"lat": 51.48 + (i % 50) / 1000, "lon": 11.97 + (i % 40) / 1000},
                "time": when,
            }
        elif name == "replay-ndjson":
            return sample_lines(n, 0)
        else:  # unit reports
            doc = {
                "unit": f"Florian-{i % 150}",
                "time": when,
                "status": 1 + i % 4,
                "location": {"lat": 51.48, "lon": 11.97, "position_error_m": 12.0, "velocity_kmh": 30.0},
            }
        docs.append(json.dumps(doc).encode())
    return docs


def _documents(name: str, corpus: Path) -> Iterator[bytes]:
    dirs = CORPUS_DIRS.get(name)
    if dirs is None:
        yield from _generated(name)
        return
    for folder in dirs:
        for path in sorted((corpus / folder).rglob("*")):
            if path.is_file():
                yield path.read_bytes()


def measure(fmt: Format, documents: list[bytes], seconds: float) -> Tally:
    """Run split + to_canonical over ``documents`` repeatedly for about ``seconds``."""
    tally = Tally()
    started = time.perf_counter()
    while True:
        for document in documents:
            tally.documents += 1
            try:
                records = fmt.split(document)
            except InvalidEventError:
                continue
            for record in records:
                tally.records += 1
                try:
                    tally.events += len(fmt.to_canonical(record.value))
                except InvalidEventError:
                    tally.refused += 1
        tally.seconds = time.perf_counter() - started
        if tally.seconds >= seconds:
            return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--seconds", type=float, default=1.0, help="minimum time per format")
    args = parser.parse_args()
    have_corpus = args.corpus.is_dir()
    if not have_corpus:
        print(f"no corpus at {args.corpus}: only the generated formats are measured")
    print(f"{'format':<26} {'source':<10} {'docs':>7} {'records':>8} {'events':>8} {'refused':>8} {'records/s':>10}")
    for name, fmt in sorted(FORMATS.items()):
        if name in CORPUS_DIRS and not have_corpus:
            continue
        documents = list(_documents(name, args.corpus))
        tally = measure(fmt, documents, args.seconds)
        rate = tally.records / tally.seconds if tally.seconds else 0.0
        source = "corpus" if name in CORPUS_DIRS else "generated"
        print(
            f"{name:<26} {source:<10} {tally.documents:>7} {tally.records:>8} {tally.events:>8} "
            f"{tally.refused:>8} {rate:>10,.0f}"
        )


if __name__ == "__main__":
    main()
