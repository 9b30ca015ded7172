"""Free-text scrubber figures: span-level precision and recall per category on a labelled German set, the cost of
the name lists, and throughput.

Run: .venv/bin/python -m bench.bench_scrub [--data FILE.jsonl] [--rounds N] [--cpu FILE.jsonl ...]
--data: any JSON-lines file of the labelled format (default: the development set tests/data/scrub_dev_de.jsonl;
also tests/data/scrub_de.jsonl, scrub_dev2_de.jsonl .. scrub_dev4_de.jsonl, and a held-out set). Each split the file
holds is reported on its own, then all together, then exact recall and precision per writing style when the lines
carry a "style". Exact: same start, end and label. Overlap: same label and at least one shared character.
Covered (what matters for privacy): a gold value is found when every letter and digit of it lies inside some found
span of any label, and a found span is right when it overlaps some gold value of any label.
--rules: the rules alone (the sequence tagger off), for a before/after comparison of the tagger.
Throughput is the pure function in-process, one core.
--cpu: instead of all that, the CPU time (time.process_time, best of 5 passes after a warm-up) per sentence over
the sentences of the given files, of the rules alone and with the sequence tagger (passes alternating): the figure to
compare two versions by, run alternately in separate processes on a shared machine, where wall-clock rates vary with
the load.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path

from hub.privacy.scrub import CATEGORIES, Category, ScrubResult, scrub
from hub.privacy.scrub_eval import Example, Report, evaluate_all, load_examples

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "scrub_dev_de.jsonl"


def print_report(title: str, examples: list[Example], scrubber: Callable[[str], ScrubResult] = scrub) -> None:
    """One table: per label and overall, exact, overlap and covered precision/recall, and the number of gold
    spans."""
    reports = evaluate_all(examples, scrubber)
    print(f"\n{title}: {len(examples)} sentences, {reports.exact.overall.gold} labelled spans")
    print(
        f"  {'label':8s} {'gold':>5s} {'found':>6s}   exact P   exact R   overlap P  overlap R   covered P  covered R"
    )
    for label in CATEGORIES:
        _row(label, reports, label)
    _row("overall", reports, None)


def _row(name: str, reports: tuple[Report, Report, Report], label: Category | None) -> None:
    e, o, c = (r.overall if label is None else r.per_label[label] for r in reports)
    print(
        f"  {name:8s} {e.gold:5d} {e.found:6d}   {e.precision:7.3f}   {e.recall:7.3f}   {o.precision:9.3f}  "
        f"{o.recall:9.3f}   {c.precision:9.3f}  {c.recall:9.3f}"
    )


def print_styles(path: Path, examples: list[Example], scrubber: Callable[[str], ScrubResult] = scrub) -> None:
    """Exact, overlap and covered recall and exact precision per writing style (the "style" of each line), for
    lines that carry one."""
    styles = [json.loads(line).get("style") for line in path.read_text(encoding="utf-8").splitlines()]
    names = sorted({s for s in styles if s})
    if not names:
        return
    print("\nby style:")
    for name in names:
        subset = [e for e, s in zip(examples, styles, strict=True) if s == name]
        exact, overlap, covered = evaluate_all(subset, scrubber)
        o = exact.overall
        print(
            f"  {name:12s} {o.gold:5d} spans   exact R {o.recall:.3f}  P {o.precision:.3f}   overlap R "
            f"{overlap.overall.recall:.3f}   covered R {covered.overall.recall:.3f}  P {covered.overall.precision:.3f}"
        )


def bench_cpu(paths: list[Path]) -> None:
    """CPU time per sentence, best of 5 passes over every sentence of ``paths``, of the rules alone and of the rules
    with the sequence tagger, the passes of the two alternating so both see the same load."""
    texts = [e.text for path in paths for e in load_examples(path)]
    variants = {"rules only": partial(scrub, statistical=False), "rules + tagger": scrub}
    for fn in variants.values():
        for text in texts:
            fn(text)  # lists and weights loaded, caches warm
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(5):
        for name, fn in variants.items():
            times[name].append(_cpu_pass(texts, fn))
    for name, passes in times.items():
        best = min(passes)
        print(
            f"{name:15s} {len(texts)} sentences: {best * 1e6 / len(texts):.0f} us CPU per sentence, "
            f"{len(texts) / best:,.0f} sentences/s (best of 5)"
        )


def _cpu_pass(texts: list[str], fn: Callable[[str], object]) -> float:
    started = time.process_time()
    for text in texts:
        fn(text)
    return time.process_time() - started


def bench_throughput(texts: list[str], rounds: int) -> tuple[float, float]:
    """(median sentences/s, median microseconds per sentence) of scrub over ``texts``."""
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            scrub(text)
        rates.append(len(texts) / (time.perf_counter() - started))
    rate = statistics.median(rates)
    return rate, 1e6 / rate


def bench_lists() -> None:
    """Time and memory of loading the world name lists (done once per process, on the first scrub)."""
    from hub.privacy.scrub_lexicon_names import world_given_names, world_surnames

    tracemalloc.start()
    started = time.perf_counter()
    sizes = len(world_given_names()), len(world_surnames())
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\nname lists: {sizes[0]:,} given names, {sizes[1]:,} surnames; loaded in {elapsed * 1000:.0f} ms, "
        f"{peak / 1e6:.1f} MB (tracemalloc peak)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="labelled JSON-lines file")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cpu", type=Path, nargs="+", help="only the CPU time per sentence over these files")
    parser.add_argument("--rules", action="store_true", help="the rules alone, without the sequence tagger")
    parser.add_argument("--no-throughput", action="store_true", help="only the figures, no throughput runs")
    args = parser.parse_args()
    if args.cpu:
        bench_cpu(args.cpu)
        return
    bench_lists()
    scrubber = partial(scrub, statistical=False) if args.rules else scrub
    examples = load_examples(args.data)
    splits = sorted({e.split for e in examples})
    what = "rules only" if args.rules else "rules + tagger"
    for split in splits:
        print_report(f"{args.data.name}, split {split!r} ({what})", [e for e in examples if e.split == split], scrubber)
    if len(splits) > 1:
        print_report(f"{args.data.name}, all ({what})", examples, scrubber)
    print_styles(args.data, examples, scrubber)
    if args.no_throughput:
        return

    texts = [e.text for e in examples]
    scrub(texts[0])  # build the lazy lexicons and regexes outside the timing
    long = [" ".join(texts[i : i + 25]) for i in range(0, len(texts) - 25, 25)]
    print("\nthroughput (pure function, in-process, one core):")
    for title, batch in (
        ("labelled sentences", texts),
        ("sentences without personal data", [e.text for e in examples if not e.spans]),
        ("long descriptions (25 sentences each)", long),
    ):
        if not batch:
            continue  # a small file has no negatives or too few sentences for long descriptions
        rate, us = bench_throughput(batch, args.rounds)
        chars = statistics.mean(map(len, batch))
        print(f"  {title:38s} avg {chars:5,.0f} chars  {rate:>8,.0f}/s  {us:>7,.0f} us each")


if __name__ == "__main__":
    main()
