"""From element scores to the overall score: chained (default) or a plain weighted average.

The bonfire's elements are chained: firewood enables ember, ember needs wind, the fire is their result.
A weighted average lets good usage hide a missing PO, so ``chain`` takes the weighted average and then
lets a weak upstream element cap the overall grade. Both are monotonic: raising an element score never
lowers the overall score. Unknown elements (``None``) are left out, never counted as zero, and an
element switched off (weight 0) neither counts nor caps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from scoring.grades import GRADE_COUNT

Cap = tuple[int, int, int]
"""(element index, at or below this grade, overall at most this grade)."""


class Overall(NamedTuple):
    score: float | None
    base: float | None
    """The weighted average before any cap."""
    capped_by: int | None
    """Index of the element whose cap applied, if one did."""
    cap_grade: int | None


def weighted_mean(scores: Sequence[float | None], weights: Sequence[float]) -> float | None:
    """Average of the known scores by weight; ``None`` when no weighted score is known."""
    total = 0.0
    weight_sum = 0.0
    for score, weight in zip(scores, weights, strict=True):
        if score is not None and weight > 0:
            total += weight * score
            weight_sum += weight
    return total / weight_sum if weight_sum > 0 else None


def tightest_cap(
    grades: Sequence[int | None], weights: Sequence[float], caps: Sequence[Cap]
) -> tuple[int, int | None]:
    """The lowest overall grade any cap allows, and the element that set it."""
    limit = GRADE_COUNT
    by: int | None = None
    for element, at_or_below, at_most in caps:
        grade = grades[element]
        if grade is not None and grade <= at_or_below and at_most < limit and weights[element] > 0:
            limit = at_most
            by = element
    return limit, by


def aggregate(
    scores: Sequence[float | None],
    grades: Sequence[int | None],
    weights: Sequence[float],
    caps: Sequence[Cap],
    ceilings: Sequence[float],
) -> Overall:
    """Overall score from element scores and grades; ``caps=()`` is the plain weighted mode.

    ``ceilings[g]`` is the highest score inside grade ``g``: a cap clamps the score there, so score and
    grade always agree.
    """
    base = weighted_mean(scores, weights)
    if base is None or not caps:
        return Overall(base, base, None, None)
    limit, by = tightest_cap(grades, weights, caps)
    if by is None or base <= ceilings[limit]:
        return Overall(base, base, None, None)
    return Overall(ceilings[limit], base, by, limit)
