"""Five grades outside, 0–100 inside: people remember five levels, finer scales go unused."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from scoring.model import Text

GRADE_COUNT = 5


@dataclass(frozen=True, slots=True)
class GradeScale:
    """Grade boundaries and labels; grade 1 is the worst, 5 the best.

    ``bounds`` holds the lowest score of grades 2..5, increasing; grade 1 starts at 0.
    """

    bounds: tuple[float, ...]
    labels: tuple[Text, ...]
    emojis: tuple[str, ...]

    def __post_init__(self) -> None:
        if (
            len(self.bounds) != GRADE_COUNT - 1
            or len(self.labels) != GRADE_COUNT
            or len(self.emojis) != GRADE_COUNT
        ):
            raise ValueError("a grade scale has exactly five grades")
        if any(a >= b for a, b in zip(self.bounds, self.bounds[1:], strict=False)):
            raise ValueError("grade boundaries must increase")

    def grade(self, score: float | None) -> int | None:
        """The grade a score falls in; no score, no grade (unknown is not the worst grade)."""
        return None if score is None else bisect_right(self.bounds, score) + 1

    def ceiling(self, grade: int) -> float:
        """The highest score still inside ``grade``: where a cap to that grade clamps the score."""
        return 100.0 if grade >= GRADE_COUNT else math.nextafter(self.bounds[grade - 1], -math.inf)

    def label(self, grade: int) -> Text:
        return self.labels[grade - 1]

    def emoji(self, grade: int) -> str:
        return self.emojis[grade - 1]
