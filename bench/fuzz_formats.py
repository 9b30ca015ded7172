"""Fuzzing every source format: mutated documents through ``split``, mutated raw records through ``to_canonical``.

Run: .venv/bin/python -m bench.fuzz_formats [--inputs N] [--seed S] [--format F]... [--corpus DIR] [--out DIR]
Seeds are the format tests' own documents and the shared conformance corpus (files up to 64 KiB) where present;
the mutations are those of tests/unit/formats/fuzz.py (byte edits, and poisons where values go: 5,000-digit
integers, lone surrogates, nesting past the recursion limit, NUL, whitespace in ids). Half the inputs are documents
(split, then every record it gives is mapped), half are raw records (mapped). A format may only answer with
records or an ``InvalidEventError`` with a proper reason code; anything else is an uncaught exception.

Prints per format the outcomes by side and reason code, the uncaught exceptions (the first few with the input that
caused them, each input also written to ``--out``) and the slowest input with its time. Exits 1 if any input
raised an uncaught exception.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import random
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.bench_formats import DEFAULT_CORPUS
from hub.formats.base import Format
from hub.formats.registry import FORMATS
from tests.unit.formats.fuzz import Uncaught, map_outcome, mutate, split_outcome
from tests.unit.formats.seeds import corpus_seeds, own_seeds

#: Uncaught exceptions shown (and written) per format; the count covers all of them.
SHOWN = 3
#: The slowest inputs of the run are timed again this often, and the one slowest at its best is reported: on a
#: shared machine one pause of the process would otherwise be reported as the slowest input.
_CANDIDATES, _RETIMES = 5, 3


@dataclass
class Slowest:
    """The input that took longest, split and map together."""

    seconds: float = 0.0
    side: str = ""
    size: int = 0
    head: bytes = b""


@dataclass
class Report:
    """What fuzzing one format found."""

    inputs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    uncaught: int = 0
    examples: list[tuple[str, bytes, str]] = field(default_factory=list)
    slowest: Slowest = field(default_factory=Slowest)
    candidates: list[tuple[float, int, str, bytes]] = field(default_factory=list)
    seconds: float = 0.0

    def timed(self, seconds: float, index: int, side: str, data: bytes) -> None:
        """Keep ``data`` if it is among the slowest inputs so far (a min-heap of ``_CANDIDATES``)."""
        item = (seconds, index, side, data)
        if len(self.candidates) < _CANDIDATES:
            heapq.heappush(self.candidates, item)
        elif seconds > self.candidates[0][0]:
            heapq.heapreplace(self.candidates, item)


def _raw_records(fmt: Format, seeds: list[bytes]) -> list[bytes]:
    """The raw records the seeds split into: what the normaliser reads, mutated for the map side."""
    records: list[bytes] = []
    for seed in seeds:
        try:
            _, split = split_outcome(fmt, seed)
        except Uncaught:
            continue  # reported when fuzzing; a seed that breaks the rule gives no records to mutate
        records.extend(record.value for record in split)
    return records


def _one(fmt: Format, side: str, data: bytes, report: Report) -> None:
    """Judge one input: a document (split, then map what it gives) or a raw record (map)."""
    if side == "split":
        outcome, records = split_outcome(fmt, data)
        report.outcomes[f"split {outcome.code or 'records'}"] += 1
        for record in records:
            mapped = map_outcome(fmt, record.value)
            report.outcomes[f"map (of split) {mapped.code or 'events'}"] += 1
    else:
        outcome = map_outcome(fmt, data)
        report.outcomes[f"map {outcome.code or 'events'}"] += 1


def fuzz(name: str, inputs: int, seed: int, corpus: Path, progress: bool = True) -> Report:
    """Fuzz format ``name`` with ``inputs`` mutated inputs drawn from ``random.Random(f"{seed}:{name}")``."""
    fmt = FORMATS[name]
    documents = own_seeds(name) + corpus_seeds(name, corpus)
    records = _raw_records(fmt, documents) or documents
    rng = random.Random(f"{seed}:{name}")
    report = Report()
    started = time.perf_counter()
    step = max(inputs // 10, 1)
    for index in range(inputs):
        side = "split" if index % 2 == 0 else "map"
        pool = documents if side == "split" else records
        data = mutate(pool[rng.randrange(len(pool))], rng)
        began = time.perf_counter()
        try:
            _one(fmt, side, data, report)
        except Uncaught as exc:
            report.uncaught += 1
            if len(report.examples) < SHOWN:
                cause = exc.__cause__ or exc
                report.examples.append((side, data, "".join(traceback.format_exception(cause, limit=-4))))
        report.timed(time.perf_counter() - began, index, side, data)
        report.inputs += 1
        if progress and (index + 1) % step == 0:
            rate = report.inputs / (time.perf_counter() - started)
            done = f"{index + 1:,}/{inputs:,}"
            print(f"  {name}: {done} inputs, {report.uncaught} uncaught, {rate:,.0f}/s", file=sys.stderr)
    report.seconds = time.perf_counter() - started
    report.slowest = _slowest(fmt, report.candidates)
    return report


def _slowest(fmt: Format, candidates: list[tuple[float, int, str, bytes]]) -> Slowest:
    """The candidate slowest at its best of ``_RETIMES`` runs."""
    slowest = Slowest()
    for _, _, side, data in candidates:
        best = float("inf")
        for _ in range(_RETIMES):
            began = time.perf_counter()
            with contextlib.suppress(Uncaught):
                _one(fmt, side, data, Report())
            best = min(best, time.perf_counter() - began)
        if best > slowest.seconds:
            slowest = Slowest(best, side, len(data), data[:60])
    return slowest


def _write_examples(name: str, report: Report, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number, (side, data, trace) in enumerate(report.examples, start=1):
        path = out / f"{name}-{number}-{side}.bin"
        path.write_bytes(data)
        path.with_suffix(".txt").write_text(trace)
        written.append(path)
    return written


def print_report(name: str, report: Report, out: Path) -> None:
    rate = report.inputs / report.seconds if report.seconds else 0.0
    print(f"{name}: {report.inputs:,} inputs in {report.seconds:.1f} s ({rate:,.0f}/s), {report.uncaught} uncaught")
    for outcome, count in sorted(report.outcomes.items()):
        print(f"    {outcome:<40} {count:>9,}")
    slow = report.slowest
    print(f"    slowest: {slow.seconds * 1000:.1f} ms ({slow.side}, {slow.size:,} bytes, starting {slow.head!r})")
    for (side, _, trace), path in zip(report.examples, _write_examples(name, report, out), strict=True):
        print(f"    UNCAUGHT ({side}), input in {path}:")
        print("      " + trace.strip().replace("\n", "\n      "))


def _share(outcomes: Counter[str], side: str) -> str:
    """How the inputs of one side ended: made records (or events), else the reason codes, the four most frequent."""
    counts = Counter({k.split(" ")[-1]: n for k, n in outcomes.items() if k.split(" ")[0] == side and "(" not in k})
    total = sum(counts.values()) or 1
    top = counts.most_common(4)
    rest = total - sum(n for _, n in top)
    shares = [f"{code} {100 * n / total:.0f} %" for code, n in top]
    return ", ".join(shares + ([f"other {100 * rest / total:.0f} %"] if rest else []))


def print_summary(reports: dict[str, Report]) -> None:
    """One Markdown table of all formats, for bench/RESULTS.md."""
    print("\n| format | inputs | inputs/s | split: records or reason | map: events or reason | uncaught | slowest |")
    print("| --- | ---: | ---: | --- | --- | ---: | --- |")
    for name, r in reports.items():
        rate = r.inputs / r.seconds if r.seconds else 0.0
        slow = f"{r.slowest.seconds * 1000:.1f} ms ({r.slowest.side}, {r.slowest.size:,} B)"
        split, mapped = _share(r.outcomes, "split"), _share(r.outcomes, "map")
        print(f"| {name} | {r.inputs:,} | {rate:,.0f} | {split} | {mapped} | {r.uncaught} | {slow} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="mutated inputs per format (default 100,000)")
    parser.add_argument("--seed", type=int, default=2026, help="the run's seed; the same seed gives the same inputs")
    parser.add_argument("--format", action="append", choices=sorted(FORMATS), help="only this format (repeatable)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared conformance corpus")
    parser.add_argument("--out", type=Path, default=Path(".hub/fuzz"), help="where inputs that raised are written")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: seeds are the format tests' own documents only")
    reports = {}
    for name in args.format or sorted(FORMATS):
        reports[name] = fuzz(name, args.inputs, args.seed, args.corpus)
        print_report(name, reports[name], args.out)
    print_summary(reports)
    total = sum(r.uncaught for r in reports.values())
    print(f"uncaught exceptions in all formats: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
