"""Five grades from 0–100, and the two ways of combining elements."""

from __future__ import annotations

import pytest

from scoring.aggregation import aggregate, tightest_cap, weighted_mean
from scoring.grades import GradeScale
from scoring.model import Text

SCALE = GradeScale((25.0, 45.0, 65.0, 80.0), tuple(Text(str(g), str(g)) for g in range(1, 6)), ("a",) * 5)
CEILINGS = (0.0, *(SCALE.ceiling(g) for g in range(1, 6)))
FIREWOOD_CAP = (0, 1, 2)


@pytest.mark.parametrize(
    ("score", "grade"),
    [(0.0, 1), (24.9, 1), (25.0, 2), (44.99, 2), (45.0, 3), (79.9, 4), (80.0, 5), (100.0, 5)],
)
def test_grade_boundaries_are_lower_inclusive(score: float, grade: int) -> None:
    assert SCALE.grade(score) == grade


def test_no_score_no_grade() -> None:
    assert SCALE.grade(None) is None


def test_ceiling_is_the_top_of_a_grade() -> None:
    assert SCALE.grade(SCALE.ceiling(2)) == 2
    assert SCALE.ceiling(2) < 45.0
    assert SCALE.ceiling(5) == 100.0


def test_scale_refuses_non_increasing_bounds() -> None:
    with pytest.raises(ValueError, match="increase"):
        GradeScale((25.0, 25.0, 65.0, 80.0), SCALE.labels, SCALE.emojis)


def test_weighted_mean_skips_unknown_and_switched_off() -> None:
    assert weighted_mean([100.0, None, 0.0, 50.0], [1.0, 5.0, 0.0, 1.0]) == 75.0
    assert weighted_mean([None, None], [1.0, 1.0]) is None


def test_tightest_cap_ignores_unknown_and_switched_off_elements() -> None:
    caps = [FIREWOOD_CAP, (1, 1, 2)]
    assert tightest_cap([None, 3, 5, 5], [1, 1, 1, 1], caps) == (5, None)
    assert tightest_cap([1, 3, 5, 5], [0, 1, 1, 1], caps) == (5, None)
    assert tightest_cap([1, 3, 5, 5], [1, 1, 1, 1], caps) == (2, 0)


def test_chain_caps_score_inside_the_capped_grade() -> None:
    overall = aggregate((10.0, 100.0, 100.0, 100.0), (1, 5, 5, 5), (1, 1, 1, 10), [FIREWOOD_CAP], CEILINGS)
    assert overall.base == pytest.approx((10 + 100 + 100 + 1000) / 13)
    assert SCALE.grade(overall.score) == 2
    assert overall.capped_by == 0


def test_chain_leaves_a_score_already_below_the_cap() -> None:
    overall = aggregate((10.0, 20.0, None, None), (1, 1, None, None), (1, 1, 1, 1), [FIREWOOD_CAP], CEILINGS)
    assert overall.score == overall.base == 15.0
    assert overall.capped_by is None


def test_weighted_mode_has_no_caps() -> None:
    overall = aggregate((10.0, 100.0, 100.0, 100.0), (1, 5, 5, 5), (1, 1, 1, 10), (), CEILINGS)
    assert overall.score == overall.base
