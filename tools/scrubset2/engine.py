"""Turns a written sentence pattern into text and labelled spans.

A pattern is German text with two kinds of marks:

- `{KIND}` or `{KIND:arg}` is filled by a generator of tools.scrubset2.values (or, for places, times and
  numbers that are not personal, by a filler here); `@x` at the end binds a person so that a later
  `{NG@x}`/`{NS@x}`/`{MAIL@x}` names the same person again.
- `[[text|LABEL]]` is a value written by hand in the pattern, labelled as given.

The spans come from the segments the generators return, never from searching the finished text, so a value
that also occurs as an ordinary word elsewhere in the sentence cannot be mislabelled.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from tools.scrubset2 import names as N
from tools.scrubset2 import places as P
from tools.scrubset2 import values as V

Segs = V.Segs
_MARK = re.compile(r"\{([A-Z]+)(?::([^}@]*))?(?:@(\w+))?\}|\[\[(.+?)\|([A-Z]+)\]\]")

_CALLSIGNS = (
    "Leo {a}/{b}",
    "Peter {a}/{b}",
    "Florian Halle {a}/83-1",
    "Christoph 36",
    "Leo {a}/{b}-{c}",
    "Merkur {a}",
    "Halle {a}/{b}",
    "Saale {a}/{b}",
    "Rotkreuz Halle {a}/83-2",
    "Johannes Halle {a}/83-1",
    "Ordnung {a}",
)


def _filler(kind: str, arg: str, rng: random.Random) -> str:  # noqa: C901 - one branch a filler
    if kind == "STOP":
        return rng.choice(P.STOPS)
    if kind == "STR":
        return rng.choice(P.STREETS)
    if kind == "LINE":
        return rng.choice(P.TRAM_LINES)
    if kind == "BUS":
        return rng.choice(P.BUS_LINES)
    if kind == "WAGEN":
        return str(rng.choice([rng.randint(601, 680), rng.randint(1001, 1056), rng.randint(651, 699)]))
    if kind == "TIME":
        h, m = rng.randint(0, 23), rng.randint(0, 59)
        if arg == "bare":  # the pattern writes "Uhr" itself
            return rng.choice([f"{h:02d}:{m:02d}", f"{h}.{m:02d}", f"{h}:{m:02d}"])
        return rng.choice([f"{h:02d}:{m:02d}", f"{h}.{m:02d} Uhr", f"{h:02d}{m:02d}", f"{h}:{m:02d} Uhr"])
    if kind == "CALL":
        return rng.choice(_CALLSIGNS).format(a=rng.randint(10, 49), b=rng.randint(1, 9), c=rng.randint(1, 3))
    if kind == "AGE":
        lo, hi = (int(x) for x in (arg or "18-70").split("-"))
        return str(rng.randint(lo, hi))
    if kind == "EUR":
        return rng.choice(
            [
                f"{rng.randint(5, 900)} Euro",
                f"{rng.randint(5, 300)},{rng.randint(0, 99):02d} €",
                f"{rng.randint(20, 2000)} EUR",
                f"ca. {rng.randint(2, 40)}0 €",
            ]
        )
    if kind == "CASE":
        return rng.choice(
            [
                f"E-2026-{rng.randint(1, 12):02d}-{rng.randint(100, 9999)}",
                f"{rng.randint(100, 999)} Js {rng.randint(1000, 9999)}/26",
                f"OWi 26-{rng.randint(100000, 999999):06d}",
                f"VG {rng.randint(2026000, 2026999)}",
                f"Az. 32.{rng.randint(1, 9)}-{rng.randint(1000, 9999)}/26",
                f"ESt {rng.randint(4000, 9999)}",
            ]
        )
    if kind == "DATE":
        d, m = rng.randint(1, 28), rng.randint(1, 12)
        return rng.choice([f"{d:02d}.{m:02d}.2026", f"{d}.{m}.", f"{d}.{m}.26", f"{d:02d}.{m:02d}."])
    if kind == "NUM":
        lo, hi = (int(x) for x in (arg or "2-9").split("-"))
        return str(rng.randint(lo, hi))
    if kind == "HNR":
        return V.house_no(rng)
    if kind == "PICK":
        return rng.choice(arg.split("|"))
    raise KeyError(kind)


def _foreign_plate(rng: random.Random, form: str) -> Segs:
    c, v = V.foreign_plate(rng)
    adj = {"PL": "poln.", "CZ": "tschech.", "NL": "niederl.", "UA": "ukr.", "RO": "rumän.", "BG": "bulg."}[c]
    f = form or rng.choice(["kz", "brack", "adj", "pre"])
    if f == "kz":
        return [(f"{c}-Kennzeichen ", None), (v, "PLATE")]
    if f == "brack":
        return [(v, "PLATE"), (f" ({c})", None)]
    if f == "adj":
        return [(f"{adj} Kz. ", None), (v, "PLATE")]
    return [(f"{c} ", None), (v, "PLATE")]


def fill(pattern: str, rng: random.Random) -> Segs:
    """The segments of one sentence made from `pattern`."""
    segs: Segs = []
    bound: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    pos = 0
    for m in _MARK.finditer(pattern):
        if m.start() > pos:
            segs.append((pattern[pos : m.start()], None))
        pos = m.end()
        if m.group(4) is not None:
            segs.append((m.group(4), m.group(5)))
            continue
        kind, arg, var = m.group(1), m.group(2) or "", m.group(3)
        new = _slot(kind, arg, var, bound, rng)
        # Two unbound names in one sentence are two people: never "Manni, Manni".
        for _ in range(10):
            if kind not in ("N", "AN") or var or not {t for t, lab in new if lab == "NAME"} & used:
                break
            new = _slot(kind, arg, var, bound, rng)
        used.update(t for t, lab in new if lab == "NAME")
        segs.extend(new)
    if pos < len(pattern):
        segs.append((pattern[pos:], None))
    return segs


def _slot(  # noqa: C901 - one branch a kind of mark
    kind: str, arg: str, var: str | None, bound: dict[str, tuple[str, str]], rng: random.Random
) -> Segs:
    gens: dict[str, Callable[[], Segs]] = {
        "P": lambda: V.phone(rng, arg),
        "PO": lambda: V.office_phone(rng),
        "K": lambda: V.plate(rng, arg),
        "FK": lambda: _foreign_plate(rng, arg),
        "IBAN": lambda: V.iban(rng, arg),
        "DOB": lambda: V.dob(rng, young=arg == "young"),
        "ADR": lambda: V.address(rng, arg),
        "ID": lambda: V.idnumber(rng, arg),
        "O": lambda: V.origin_word(rng, arg),
    }
    if kind in gens:
        return gens[kind]()
    if kind == "AN":
        art, nick = rng.choice(N.ARTICLE_NICKNAMES)
        return [(art + " ", None), (nick, "NAME")]
    if kind == "N":
        pair = None
        if var:
            sex, _, form = arg.partition(".")
            org = form.split("/", 1)[1] if "/" in form else ""
            if var not in bound:
                bound[var] = V.person(rng, sex or rng.choice("mf"), org or V.origin(rng))
            pair = bound[var]
        return V.name(rng, arg, pair)
    if kind == "MAIL" and var is None:
        return V.email(rng)
    if kind in ("NG", "NS", "MAIL", "NI"):
        assert var is not None, kind
        if var not in bound:
            bound[var] = V.person(rng)
        g, s = bound[var]
        if kind == "NG":
            return [(g, "NAME")]
        if kind == "NS":
            return [(s, "NAME")]
        if kind == "NI":
            return [(f"{g[0]}. {s}", "NAME")]
        return V.email(rng, g, s) if arg != "office" else V.office_email(rng, g, s)
    return [(_filler(kind, arg, rng), None)]


def merge(segs: Segs) -> Segs:
    """Joins neighbouring unlabelled segments; drops empty ones."""
    out: Segs = []
    for text, label in segs:
        if not text:
            continue
        if out and label is None and out[-1][1] is None:
            if out[-1][0].endswith(".") and text.startswith(".") and not text.startswith(".."):
                text = text[1:]  # "Str." at the end of a sentence takes no second full stop
            out[-1] = (out[-1][0] + text, None)
        else:
            out.append((text, label))
    return out


_AM_AM = re.compile(r"\b[aA]m ([aA]m )")


def to_record(segs: Segs, style: str) -> dict[str, object]:
    text = ""
    spans: list[dict[str, object]] = []
    for t, label in merge(segs):
        if label is None:
            t = _AM_AM.sub(r"\1", t)  # "am Am Steintor" is said "Am Steintor"
        if label is not None:
            spans.append({"start": len(text), "end": len(text) + len(t), "label": label})
        text += t
    return {"text": text, "spans": spans, "split": "heldout2", "style": style}
