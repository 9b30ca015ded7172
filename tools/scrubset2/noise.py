"""How people mistype: applied to citizens' and chat messages after a pattern is filled.

Typos touch only the words around values (a typo inside a value would change what the value is); lower case
touches everything, values included, because people who write without capitals write names that way too.
"""

from __future__ import annotations

import random

from tools.scrubset2.values import Segs

_SWAPS = {"ß": "ss", "ä": "ae", "ö": "oe", "ü": "ue"}


def _typo_word(w: str, rng: random.Random) -> str:
    if len(w) < 4 or not w.isalpha():
        return w
    i = rng.randrange(1, len(w) - 1)
    r = rng.randrange(4)
    if r == 0:
        return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    if r == 1:
        return w[:i] + w[i + 1 :]
    if r == 2:
        return w[:i] + w[i] + w[i:]
    return "".join(_SWAPS.get(c, c) for c in w)


def typos(segs: Segs, rng: random.Random, rate: float) -> Segs:
    out: Segs = []
    for text, label in segs:
        if label is None:
            words = text.split(" ")
            text = " ".join(_typo_word(w, rng) if rng.random() < rate else w for w in words)
        out.append((text, label))
    return out


def lower(segs: Segs) -> Segs:
    out: Segs = []
    for text, label in segs:
        low = text.lower()
        # str.lower keeps the length for German text; a character that does not is left as it was.
        out.append((low if len(low) == len(text) else text, label))
    return out


def drop_final_punct(segs: Segs) -> Segs:
    if segs and segs[-1][1] is None and segs[-1][0].endswith((".", "!")):
        t = segs[-1][0].rstrip(".!")
        return [*segs[:-1], (t, None)]
    return segs


def upper(segs: Segs) -> Segs:
    out: Segs = []
    for text, label in segs:
        up = text.upper()
        out.append((up if len(up) == len(text) else text, label))
    return out
