"""The bonfire model's plain data: the facts we score and the health result we hand back.

Everything here is a slotted dataclass so it can be compared and passed between processes, and so the
scoring hot path pays no validation cost. The facts are frozen; the results are read-only by convention
(see "results" below). Reasons carry message keys and values, never wording: the i18n catalogs turn
them into Japanese or English.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class Element(StrEnum):
    """The four parts of the bonfire, upstream first: people, their reason, our touchpoints, the result."""

    FIREWOOD = "firewood"
    EMBER = "ember"
    WIND = "wind"
    FIRE = "fire"


ELEMENTS: tuple[Element, ...] = tuple(Element)


class Role(StrEnum):
    """Key-person roles a question can be tied to, so that someone leaving overrides a stale answer."""

    PO = "po"
    PL = "pl"
    DECISION_MAKER = "decision_maker"
    CHAMPION = "champion"


class Expectation(StrEnum):
    """How a touchpoint landed against what the customer expected: お節介 / ハッピー / がっかり."""

    OVER = "over"
    FIT = "fit"
    UNDER = "under"


@dataclass(frozen=True, slots=True)
class Text:
    """A label in both languages; ``localized`` lets the Translator pick the reader's one."""

    ja: str
    en: str

    def localized(self, locale: str) -> str:
        return self.en if locale == "en" else self.ja


# --- facts ---------------------------------------------------------------------------------------

AnswerValue = int | bool | str | None
"""``int`` 1–5 for ``scale5``, ``bool`` for ``yes_no``, the choice id for ``choice``, ``None`` = unknown."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The latest answer a CSM gave to one question, and when: answers age out."""

    question_id: str
    value: AnswerValue
    answered_on: date


@dataclass(frozen=True, slots=True)
class Touchpoint:
    """One contact with the customer (meeting, visit, call, mail, ...), rated against expectation if known."""

    on: date
    kind: str
    expectation: Expectation | None = None


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """Daily values of one pulled metric, sorted by date, so the latest value is found without a scan."""

    dates: tuple[date, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.dates) != len(self.values):
            raise ValueError("dates and values must have the same length")
        if any(a >= b for a, b in zip(self.dates, self.dates[1:], strict=False)):
            raise ValueError("dates must be strictly increasing")

    @classmethod
    def from_points(cls, points: Mapping[date, float] | Iterable[tuple[date, float]]) -> MetricSeries:
        items = sorted(points.items() if isinstance(points, Mapping) else points)
        return cls(tuple(d for d, _ in items), tuple(float(v) for _, v in items))

    def latest(self, today: date) -> tuple[date, float] | None:
        """The last point on or before ``today`` (values dated in the future are ignored)."""
        dates = self.dates
        if not dates:
            return None
        i = len(dates) - 1 if dates[-1] <= today else bisect_right(dates, today) - 1
        return None if i < 0 else (dates[i], self.values[i])


@dataclass(frozen=True, slots=True)
class KeyPerson:
    """Someone holding a key role at the customer; ``left_on`` set and nobody after them = vacant role."""

    role: Role
    since: date | None = None
    left_on: date | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Onboarding:
    """Planned end and actual completion of onboarding; a late finish is an early sign of a weak fire."""

    planned_end: date | None = None
    completed_on: date | None = None


def _frozen_mapping(value: Mapping[str, MetricSeries]) -> Mapping[str, MetricSeries]:
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """Everything known about one account on the scoring day, as plain data.

    ``answers`` holds the latest answer per question (if a question appears twice, the later entry
    counts); ``metrics`` maps a fire metric id to its daily series.
    """

    account_id: str
    segment: str
    answers: tuple[Answer, ...] = ()
    touchpoints: tuple[Touchpoint, ...] = ()
    metrics: Mapping[str, MetricSeries] = field(default_factory=dict)
    key_people: tuple[KeyPerson, ...] = ()
    onboarding: Onboarding | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", _frozen_mapping(self.metrics))


# --- results -------------------------------------------------------------------------------------
# Not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__, which makes
# building one about twice as slow, and scoring builds about ten of these per account on every pass
# (bench/score.py: 100,000 accounts). Nothing changes a result once scoring has returned it.


@dataclass(slots=True)
class Reason:
    """One fact behind a score: a catalog key, its values, and how much it moved the overall score.

    ``impact`` is signed, in points of the 0–100 overall score relative to a neutral 50 (negative pulled
    the grade down). Unknown/stale items carry the share of the model's weight they hold instead, so
    the nudge list can be ordered by what confidence would gain.
    """

    key: str
    params: Mapping[str, object]
    impact: float


@dataclass(slots=True)
class ElementResult:
    """One element's score 0–100 and grade 1–5 (``None`` when nothing about it is known)."""

    element: Element
    score: float | None
    grade: int | None
    confidence: float


@dataclass(slots=True)
class HealthResult:
    """The health of one account on one day, under one configuration version.

    ``grade`` is ``None`` when nothing is known (shown as 未評価), never the worst grade. ``reasons`` are
    the facts that moved the grade most, strongest first; ``unknowns`` are what to go and find out.

    The elements' scores, grades and confidences are kept as three tuples in ``ELEMENTS`` order (what
    the snapshot stores) rather than as four objects per result; ``elements`` and ``element`` give them
    as ``ElementResult``.
    """

    account_id: str
    as_of: date
    config_version: str
    score: float | None
    grade: int | None
    confidence: float
    element_scores: tuple[float | None, ...]
    element_grades: tuple[int | None, ...]
    element_confidences: tuple[float, ...]
    reasons: tuple[Reason, ...]
    unknowns: tuple[Reason, ...]
    capped_by: Element | None = None

    @property
    def elements(self) -> tuple[ElementResult, ...]:
        return tuple(
            map(ElementResult, ELEMENTS, self.element_scores, self.element_grades, self.element_confidences)
        )

    def element(self, element: Element) -> ElementResult:
        i = ELEMENTS.index(element)
        return ElementResult(
            element, self.element_scores[i], self.element_grades[i], self.element_confidences[i]
        )


# --- fast construction for the loaders ----------------------------------------------------------
# A frozen dataclass's __init__ sets each field through object.__setattr__, which costs about twice
# as much as setting the slots directly. The loaders build ~30 answers and metric series per account,
# so they use these constructors; they make exactly the objects the normal __init__ makes (minus
# MetricSeries' check, which the caller vouches for).

_new = object.__new__


def _setter(cls: type, name: str) -> Any:
    return vars(cls)[name].__set__


_series_dates, _series_values = _setter(MetricSeries, "dates"), _setter(MetricSeries, "values")
_answer_question_id, _answer_value, _answer_answered_on = (
    _setter(Answer, n) for n in ("question_id", "value", "answered_on")
)


def new_answer(question_id: str, value: AnswerValue, answered_on: date) -> Answer:
    """``Answer(...)`` for loaders that build twenty per account."""
    answer: Answer = _new(Answer)
    _answer_question_id(answer, question_id)
    _answer_value(answer, value)
    _answer_answered_on(answer, answered_on)
    return answer


def new_metric_series(dates: tuple[date, ...], values: tuple[float, ...]) -> MetricSeries:
    """A series whose dates the caller guarantees strictly increasing and as many as the values (rows
    read in primary-key order): skips the O(n) check of ``MetricSeries.__post_init__``."""
    series: MetricSeries = _new(MetricSeries)
    _series_dates(series, dates)
    _series_values(series, values)
    return series
