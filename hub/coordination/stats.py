"""Small, pure statistics shared by the scorecards and the monthly reports (no Flask, no database)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float | None:
    """The usual median (mean of the two middle values for an even count); None when empty."""
    return statistics.median(values) if values else None


def nearest_rank(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the ceil(fraction x n)-th smallest value (easy to check by hand)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None
