"""The differencing attacker of the aggregate tests: which secret counts are linear combinations of published
figures, each figure and secret given as the set of incidents it counts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Figure = frozenset[str]
"""The incidents a published number (or a kept-back count) counts."""


def recoverable(published: Sequence[Figure], secrets: Sequence[Figure]) -> list[Figure]:
    """The secrets that are a linear combination of published figures: what differencing can reveal exactly."""
    if not published or not secrets:
        return []
    atoms = sorted(set().union(*published, *secrets))
    index = {a: n for n, a in enumerate(atoms)}

    def vector(members: Figure) -> list[float]:
        row = [0.0] * len(atoms)
        for a in members:
            row[index[a]] = 1.0
        return row

    basis = np.array([vector(f) for f in published]).T  # atoms x figures
    targets = np.array([vector(s) for s in secrets]).T
    solution, *_ = np.linalg.lstsq(basis, targets, rcond=None)
    residual = np.abs(basis @ solution - targets).max(axis=0)
    return [s for s, r in zip(secrets, residual, strict=True) if r < 1e-6]
