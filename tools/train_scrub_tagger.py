"""Train the scrubber's sequence tagger (hub/privacy/scrub_tagger.py) and write its weights into the package.

Run: .venv/bin/python -m tools.train_scrub_tagger [--cv [--floors 0.8,0.85] [--dump FILE]] [--synth N]
Training data: the development sets (tests/data/scrub_de.jsonl, scrub_dev_de.jsonl .. scrub_dev5_de.jsonl) and the
generated sentences of tools/gen_scrub_synth.py; never a held-out set. CRFsuite's L-BFGS with fixed parameters on
data in a fixed order: the same model every run. Writes hub/data/scrub_tagger/model.crfsuite.
--cv: instead, hold out one development set at a time, train on the rest and the generated text, and print the
rules', the tagger's alone and the combined scrubber's exact and overlap precision and recall (per confidence floor)
on the held-out development set; --dump appends the combined scrubber's misses and false finds there to FILE;
--only NAME[,NAME]: hold out only these development sets (file names), e.g. --only scrub_dev5_de.jsonl.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterable
from pathlib import Path
from unittest import mock

import pycrfsuite

from hub.privacy import scrub_tagger
from hub.privacy.scrub import CATEGORIES, ScrubResult, Span, scrub
from hub.privacy.scrub_eval import Example, Report, evaluate, load_examples
from hub.privacy.scrub_tagger import features, labels_from_spans, tokenize
from tools.gen_scrub_synth import generate

ROOT = Path(__file__).resolve().parents[1]
DEV_SETS = tuple(
    ROOT / "tests" / "data" / name
    for name in (
        "scrub_de.jsonl",
        "scrub_dev_de.jsonl",
        "scrub_dev2_de.jsonl",
        "scrub_dev3_de.jsonl",
        "scrub_dev4_de.jsonl",
        "scrub_dev5_de.jsonl",
    )
)
MODEL = ROOT / "hub" / "data" / "scrub_tagger" / "model.crfsuite"
PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 200, "feature.possible_transitions": True}


def _examples(path: Path) -> list[Example]:
    # The old set's held-out split is the project's earliest held-out measure: it stays out of training too.
    return [e for e in load_examples(path) if e.split != "heldout"]


def synth_examples(count: int) -> list[Example]:
    """The generated sentences as examples."""
    return [
        Example(
            str(r["text"]),
            tuple((int(s["start"]), int(s["end"]), s["label"]) for s in r["spans"]),  # type: ignore[attr-defined,misc]
            "synth",
        )
        for r in generate(count)
    ]


def train(examples: Iterable[Example], model: Path) -> None:
    """Fit the CRF on ``examples`` and write it to ``model``."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for ex in examples:
        tokens = tokenize(ex.text)
        if tokens:
            trainer.append(features(tokens, ex.text), labels_from_spans(tokens, ex.spans))
    trainer.set_params(PARAMS)
    trainer.train(str(model))


def _print(title: str, exact: Report, overlap: Report) -> None:
    e, o = exact.overall, overlap.overall
    print(f"  {title:10s} exact P {e.precision:.3f} R {e.recall:.3f}   overlap P {o.precision:.3f} R {o.recall:.3f}")
    cells = [
        f"{c} {exact.per_label[c].precision:.2f}/{exact.per_label[c].recall:.2f}"
        for c in CATEGORIES
        if exact.per_label[c].gold
    ]
    print("             " + ", ".join(cells))


def _tagger_only(text: str) -> ScrubResult:
    spans = tuple(Span(s, e, c) for s, e, c in scrub_tagger.tag(text) if c in scrub_tagger.TAGGED)  # type: ignore[arg-type]
    return ScrubResult(text, spans)


def cross_validate(
    synth: list[Example], floors: Iterable[float], dump: Path | None, only: frozenset[str] = frozenset()
) -> None:
    """Hold out each development set (or each of ``only``) in turn; print rules alone and rules with the tagger."""
    sets = {p.name: _examples(p) for p in DEV_SETS}
    for held, test in sets.items():
        if only and held not in only:
            continue
        rest = [e for name, exs in sets.items() if name != held for e in exs]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.crfsuite"
            train([*rest, *synth], path)
            tagger = pycrfsuite.Tagger()
            tagger.open(str(path))
            print(f"{held}: {len(test)} sentences")
            _print("rules", *evaluate(test, lambda t: scrub(t, statistical=False)))
            with mock.patch.object(scrub_tagger, "_tagger", return_value=tagger):
                _print("tagger", *evaluate(test, _tagger_only))
                for floor in floors:
                    with mock.patch.object(scrub_tagger, "MIN_CONFIDENCE", floor):
                        _print(f"comb {floor}", *evaluate(test, scrub))
                if dump is not None:
                    _dump(dump, held, test)


def _dump(path: Path, held: str, test: list[Example]) -> None:
    # The combined scrubber's false finds and misses on a development set, for a look (never on a held-out set).
    with path.open("a", encoding="utf-8") as f:
        for ex in test:
            found = {(s.start, s.end, s.category) for s in scrub(ex.text).spans}
            gold = set(ex.spans)
            for s, e, c in sorted(found - gold):
                f.write(f"{held}\tFP {c}\t{ex.text[s:e]!r}\t{ex.text}\n")
            for s, e, c in sorted(gold - found):
                f.write(f"{held}\tFN {c}\t{ex.text[s:e]!r}\t{ex.text}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true")
    parser.add_argument("--synth", type=int, default=6000)
    parser.add_argument("--floors", default="0.5", help="--cv: comma-separated confidence floors to compare")
    parser.add_argument("--dump", type=Path, help="--cv: append the false finds and misses to this file")
    parser.add_argument("--only", default="", help="--cv: comma-separated development sets to hold out")
    args = parser.parse_args()
    synth = synth_examples(args.synth)
    if args.cv:
        only = frozenset(x for x in args.only.split(",") if x)
        cross_validate(synth, [float(x) for x in args.floors.split(",")], args.dump, only)
        return
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    train([e for p in DEV_SETS for e in _examples(p)] + synth, MODEL)
    print(f"{MODEL.stat().st_size} bytes -> {MODEL}")


if __name__ == "__main__":
    main()
