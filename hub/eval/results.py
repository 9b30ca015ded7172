"""The results of ``hub eval intercept``: each incident's outcome, the distribution figures, the sensitivity rows.

Plain frozen data shared by the evaluation (``hub.eval.intercept``) and its HTML report (``hub.eval.report``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from hub.router.model import MeetingKind

__all__ = ["EvaluationResult", "Figures", "IncidentOutcome", "SensitivityRow", "percentile"]


@dataclass(frozen=True, slots=True)
class IncidentOutcome:
    """One incident: the time to contact each dispatch achieved in the world, and how ours went."""

    index: int
    trip_id: str
    line: str
    now_s: float
    reported_lat: float  # the tram's position as the dispatcher saw it (the naive unit's destination)
    reported_lon: float
    ours_s: float  # true time to contact, recommendation
    naive_s: float  # true time to contact, naive dispatch
    ours_unit: str
    naive_unit: str
    routed_s: float  # true time to contact, routed baseline
    routed_unit: str
    ours_meet_lat: float  # where ours planned to meet the tram (its stop, or the tram's position for a place)
    ours_meet_lon: float
    ours_kind: MeetingKind
    ours_hold_s: float
    ours_planned_s: float  # time to contact the recommendation predicted
    ours_missed: bool  # the unit reached its stop after the tram had left (then re-planned or followed it)


@dataclass(frozen=True, slots=True)
class Figures:
    """Distribution figures of one dispatch's time to contact, in seconds."""

    median_s: float
    p90_s: float
    mean_s: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Figures:
        ordered = sorted(values)
        if not ordered:
            return cls(math.nan, math.nan, math.nan)
        return cls(statistics.median(ordered), percentile(ordered, 0.9), statistics.fmean(ordered))


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """Outcomes of every incident and the figures the issue asks for (shares are of the evaluated incidents)."""

    seed: int
    incidents: int
    outcomes: tuple[IncidentOutcome, ...]
    skipped: int  # incidents with no eligible unit at all (neither side can dispatch)
    ours: Figures
    naive: Figures
    routed: Figures
    ours_wins: float
    naive_wins: float
    ties: float
    ours_wins_routed: float  # ours earlier than the routed baseline by more than the tolerance
    routed_wins: float  # the routed baseline earlier than ours by more than the tolerance
    tie_tolerance_s: float
    median_reduction: float  # 1 - ours median / naive median
    routed_median_reduction: float  # 1 - ours median / routed baseline median
    routed_p90_reduction: float  # the same at the 90th percentile
    naive_p90_reduction: float
    missed_share: float  # of ours: the planned meeting failed in the world
    hold_share: float  # of ours: a hold was asked
    hold_mean_s: float  # of ours, over the incidents with a hold asked: mean seconds asked (NaN when none)
    hold_median_s: float  # the same, median
    terminus_share: float  # of ours: met at the terminus
    max_hold_s: float  # the settings evaluated
    min_hold_saving_s: float


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of sorted values, linearly interpolated between closest ranks (numpy's default)."""
    if not ordered:
        raise ValueError("no values")
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True, slots=True)
class SensitivityRow:
    """The base run's figures with one assumption varied."""

    variant: str
    ours_median_s: float
    routed_median_s: float
    naive_median_s: float
    vs_routed: float  # median reduction against the routed baseline
    vs_naive: float
