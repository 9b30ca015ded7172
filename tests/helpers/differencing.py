"""The differencing attacker of the aggregate tests: which secret counts are linear combinations of published
figures (cells, city totals, hour-of-week bands), each figure and secret given as the set of incidents it counts;
and the groups whose small counts are secret."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from hub.privacy.aggregates import Counted

Figure = frozenset[str]
"""The incidents a published number (or a kept-back count) counts."""


def recoverable(published: Sequence[Figure], secrets: Sequence[Figure]) -> list[Figure]:
    """The secrets that are a linear combination of published figures: what differencing can reveal exactly. Each
    secret's indicator vector is projected onto the span of the figures' (an orthonormal basis from the SVD, the
    rank cut as ``numpy.linalg.lstsq`` cuts it); a secret is recoverable when nothing is left over."""
    if not published or not secrets:
        return []
    atoms = sorted(set().union(*published, *secrets))
    index = {a: n for n, a in enumerate(atoms)}

    def matrix(figures: Sequence[Figure]) -> np.ndarray:
        out = np.zeros((len(atoms), len(figures)))
        for column, members in enumerate(figures):
            out[[index[a] for a in members], column] = 1.0
        return out

    basis = matrix(published)  # atoms x figures
    targets = matrix(secrets)
    u, s, _ = np.linalg.svd(basis, full_matrices=False)
    span = u[:, s > s.max() * max(basis.shape) * np.finfo(float).eps]
    residual = np.abs(targets - span @ (span.T @ targets)).max(axis=0)
    return [secret for secret, r in zip(secrets, residual, strict=True) if r < 1e-6]


def small_groups(incidents: Iterable[Counted], min_count: int) -> list[Figure]:
    """The groups of ``incidents`` whose count the aggregates must never give away, those with 1..min_count-1: per
    category, the city's, each cell's and the incidents' on no cell, each hour-of-week band's and the incidents' in
    no band (victim-sensitive), and each of those cells within each of those bands (bands and cells partition the
    same incidents: differencing the two would isolate these). Without duplicates, in a stable order."""
    groups: dict[tuple[str, str, str], set[str]] = {}
    for item in incidents:
        for cell in ("*", item.cell or "-"):
            for band in ("*", item.band or "-"):
                groups.setdefault((item.category, cell, band), set()).add(item.incident)
    out: dict[Figure, None] = {}
    for key in sorted(groups):
        members = frozenset(groups[key])
        if 0 < len(members) < min_count:
            out[members] = None
    return list(out)
