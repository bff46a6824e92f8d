"""The configuration flattened for the scoring hot path: tuples, lookup tables and precomputed shares.

``score_account`` runs for every account on every pass, so everything that depends only on the
configuration is computed here once instead of per account, and no pydantic object is touched:

* per segment, the fire targets and slopes and the touchpoint frequency target;
* per element, the confidence share of one unit of item weight and the grade ceilings;
* per question and valid answer value, the whole known item (its pull on the score, its reason key
  and values) and ``weight x score``: scoring an answer is a lookup, not a computation;
* per unknown item, its share of the model's weight (the order of the nudge list).

What depends only on the day (the cut-off dates) is computed once per day (``day_plan``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from scoring.config import (
    ONBOARDING_DELAY,
    ChoiceQuestion,
    FireMetric,
    Scale5Question,
    TakibiConfig,
    YesNoQuestion,
)
from scoring.freshness import fresh_from
from scoring.grades import GRADE_COUNT, GradeScale
from scoring.model import ELEMENTS, Reason, Role, Text

FIREWOOD, EMBER, WIND, FIRE = range(4)
MAX_REASONS = 5
MAX_UNKNOWNS = 3
NEUTRAL = 50.0
"""A score above the middle pulls the grade up, below pulls it down."""

_SCALE5: Mapping[object, float] = MappingProxyType({1: 0.0, 2: 25.0, 3: 50.0, 4: 75.0, 5: 100.0})

Params = Mapping[str, object]
ReasonBuilder = Callable[[Any, Any, float], Reason]
"""Makes a reason from the two values stored with an item and its impact; called only for the few
reasons a result keeps, so the others cost nothing but their item."""
Item = tuple[int, float, float, ReasonBuilder, Any, Any]
"""(element, weight x (score - 50), minus its absolute value, reason builder, arg, arg): a known item of
one account. The third field orders the reasons: the element's factor times it is the item's strength."""
Missing = tuple[float, ReasonBuilder, Any, Any]
"""(minus the item's share of the model's weight, reason builder, arg, arg): an unknown or stale item;
the first field is the sort key of the nudge list (heaviest first)."""
Known = tuple[Item, float]
"""A valid answer's item and its ``weight x score``, both fixed by the configuration."""


@dataclass(frozen=True, slots=True, eq=False)
class CompiledQuestion:
    id: str
    element: int
    weight: float
    label: Text
    kind: str
    value_type: type
    """``int`` for scale5, ``bool`` for yes_no, ``str`` for choice: other types count as unknown."""
    scores: Mapping[object, float]
    worst: float
    role: Role | None
    vacant_key: str
    """The reason key when the question's key person has left (``scoring.reason.vacant.<role>``)."""
    answer_reasons: Mapping[object, tuple[str, Params]]
    """Per valid answer value, its reason key and values, built once instead of per account."""
    unknown_reason: tuple[str, Params]


QuestionRow = tuple[str, type, Callable[[object], Known | None], int, float, Missing, CompiledQuestion]
"""(id, value type, the known item of a valid answer value (``get`` of a table only the row holds),
element, weight, the unknown item (its first field: minus the question's share of the model's weight),
question): unpacked in one step per question and account."""


@dataclass(frozen=True, slots=True, eq=False)
class CompiledMetric:
    """A fire metric with target and floor resolved for one segment; ``slope`` = 100 / (target - floor)."""

    index: int
    id: str
    label: Text
    unit: str
    reason_key: str
    """``scoring.reason.metric.<unit>``."""
    weight: float
    fresh_days: int
    builtin: bool
    target: float
    floor: float
    slope: float


MetricRow = tuple[int, str, bool, float, float, float, float, CompiledMetric]
"""(index, id, builtin, weight, floor, slope, minus its share of the model's weight, metric)."""


@dataclass(frozen=True, slots=True, eq=False)
class SegmentPlan:
    """What differs by segment: fire targets and the touchpoint frequency target."""

    metrics: tuple[CompiledMetric, ...]
    metric_rows: tuple[MetricRow, ...]
    frequency_target: float


@dataclass(frozen=True, slots=True, eq=False)
class CompiledConfig:
    """Everything ``score_account`` needs, as plain data. Build once per configuration version."""

    version: str
    element_labels: tuple[Text, ...]
    element_weights: tuple[float, ...]
    item_totals: tuple[float, ...]
    """Per element, the total weight of its items: the denominator of its confidence."""
    shares: tuple[float, ...]
    """Per element, what one unit of item weight adds to overall confidence."""
    questions: tuple[CompiledQuestion, ...]
    question_rows: tuple[QuestionRow, ...]
    role_questions: tuple[tuple[str, Role], ...]
    """(question id, role) of the questions a key-person vacancy overrides."""
    answer_max_age_days: int
    recency_good: int
    recency_bad: int
    recency_span: int
    """``recency_bad - recency_good``: the days over which recency falls from 100 to 0."""
    recency_weight: float
    frequency_days: int
    frequency_weight: float
    fit_days: int
    fit_target: float
    fit_floor: float
    fit_span: float
    """``fit_target - fit_floor``."""
    fit_weight: float
    wind_lack: float
    """Minus the share of the model's weight of the whole wind element (no touchpoint at all)."""
    fit_lack: float
    """Minus the share of the model's weight of the fit measure (no rated touchpoint)."""
    metric_fresh_days: tuple[int, ...]
    plans: Mapping[str, SegmentPlan]
    default_plan: SegmentPlan
    scale: GradeScale
    ceilings: tuple[float, ...]
    """Index = grade: the highest score still inside that grade."""
    caps: tuple[tuple[int, int, int], ...]
    """(element index, at or below grade, overall at most); empty in ``weighted`` mode."""
    cap_grade: int
    """The highest grade any cap looks for (0 without caps): no element that low, no cap to find."""
    max_reasons: int = MAX_REASONS
    max_unknowns: int = MAX_UNKNOWNS

    @property
    def has_roles(self) -> bool:
        return bool(self.role_questions)


def compile_config(
    config: TakibiConfig, *, max_reasons: int = MAX_REASONS, max_unknowns: int = MAX_UNKNOWNS
) -> CompiledConfig:
    """Flatten a validated configuration into the form the hot path reads."""
    questions = tuple(_compile_question(q) for q in config.questions)
    if any(q.element not in {FIREWOOD, EMBER} for q in questions):
        raise ValueError("questions belong to firewood or ember")  # what validation guarantees
    wind = config.wind
    metrics = config.fire.metrics
    totals = [0.0, 0.0, 0.0, 0.0]
    for q in questions:
        totals[q.element] += q.weight
    totals[WIND] = wind.recency.weight + wind.frequency.weight + wind.fit.weight
    totals[FIRE] = sum(m.weight for m in metrics)
    weights = tuple(config.elements.get(e).weight for e in ELEMENTS)
    counted = [e for e in range(4) if weights[e] > 0 and totals[e] > 0]
    model_weight = sum(weights[e] for e in counted)
    shares = tuple(weights[e] / model_weight / totals[e] if e in counted else 0.0 for e in range(4))

    def plan(segment: str | None) -> SegmentPlan:
        compiled = tuple(_compile_metric(i, m, segment) for i, m in enumerate(metrics))
        override = wind.frequency.segments.get(segment) if segment is not None else None
        return SegmentPlan(
            metrics=compiled,
            metric_rows=tuple(
                (m.index, m.id, m.builtin, m.weight, m.floor, m.slope, -shares[FIRE] * m.weight, m)
                for m in compiled
            ),
            frequency_target=wind.frequency.target if override is None else override.target,
        )

    ordered = sorted(config.grades, key=lambda g: g.grade)
    scale = GradeScale(
        tuple(g.min_score for g in ordered[1:]),
        tuple(g.label.text() for g in ordered),
        tuple(g.emoji for g in ordered),
    )
    chain = config.aggregation.mode == "chain"
    caps = config.aggregation.caps if chain else ()
    return CompiledConfig(
        version=config.config_version,
        element_labels=tuple(config.elements.get(e).label.text() for e in ELEMENTS),
        element_weights=weights,
        item_totals=tuple(totals),
        shares=shares,
        questions=questions,
        question_rows=tuple(_question_row(q, shares[q.element]) for q in questions),
        role_questions=tuple((q.id, q.role) for q in questions if q.role is not None),
        answer_max_age_days=config.assessment_max_age_days,
        recency_good=wind.recency.good_within_days,
        recency_bad=wind.recency.bad_beyond_days,
        recency_span=wind.recency.bad_beyond_days - wind.recency.good_within_days,
        recency_weight=wind.recency.weight,
        frequency_days=wind.frequency.window_days,
        frequency_weight=wind.frequency.weight,
        fit_days=wind.fit.window_days,
        fit_target=wind.fit.target,
        fit_floor=wind.fit.floor,
        fit_span=wind.fit.target - wind.fit.floor,
        fit_weight=wind.fit.weight,
        wind_lack=-shares[WIND] * (wind.recency.weight + wind.frequency.weight + wind.fit.weight),
        fit_lack=-shares[WIND] * wind.fit.weight,
        metric_fresh_days=tuple(m.fresh_days for m in metrics),
        plans=MappingProxyType({s.id: plan(s.id) for s in config.segments}),
        default_plan=plan(None),
        scale=scale,
        ceilings=(0.0, *(scale.ceiling(g) for g in range(1, GRADE_COUNT + 1))),
        caps=tuple((ELEMENTS.index(c.element), c.at_or_below, c.overall_at_most) for c in caps),
        cap_grade=max((c.at_or_below for c in caps), default=0),
        max_reasons=max_reasons,
        max_unknowns=max_unknowns,
    )


def _question_row(question: CompiledQuestion, share: float) -> QuestionRow:
    e, w = question.element, question.weight
    known: dict[object, Known] = {}
    for value, score in question.scores.items():
        pull = w * (score - NEUTRAL)
        key, params = question.answer_reasons[value]
        known[value] = (e, pull, -abs(pull), Reason, key, params), w * score
    lack = -share * w
    key, params = question.unknown_reason
    unknown = (lack, Reason, key, params)
    return (question.id, question.value_type, known.get, e, w, unknown, question)


def _compile_question(question: Scale5Question | YesNoQuestion | ChoiceQuestion) -> CompiledQuestion:
    scores: Mapping[object, float]
    value_type: type
    label = question.label.text()
    reasons: dict[object, tuple[str, Params]]
    if isinstance(question, ChoiceQuestion):
        scores = MappingProxyType({c.id: c.score for c in question.choices})
        reasons = {
            c.id: ("scoring.reason.choice", _frozen({"question": label, "choice": c.label.text()}))
            for c in question.choices
        }
        value_type = str
    elif isinstance(question, YesNoQuestion):
        scores = MappingProxyType({True: question.yes_score, False: question.no_score})
        reasons = {
            True: ("scoring.reason.yes", _frozen({"question": label})),
            False: ("scoring.reason.no", _frozen({"question": label})),
        }
        value_type = bool
    else:
        scores = _SCALE5
        reasons = {
            v: ("scoring.reason.scale5", _frozen({"question": label, "value": v})) for v in range(1, 6)
        }
        value_type = int
    return CompiledQuestion(
        id=question.id,
        element=ELEMENTS.index(question.element),
        weight=question.weight,
        label=label,
        kind=question.kind,
        value_type=value_type,
        scores=scores,
        worst=question.worst_score,
        role=question.person_role,
        vacant_key=f"scoring.reason.vacant.{question.person_role.value if question.person_role else ''}",
        answer_reasons=MappingProxyType(reasons),
        unknown_reason=("scoring.unknown.question", _frozen({"question": label})),
    )


def _frozen(params: dict[str, object]) -> Params:
    """Reason values shared by every account's result: read-only so no caller can change them for all."""
    return MappingProxyType(params)


def _compile_metric(index: int, metric: FireMetric, segment: str | None) -> CompiledMetric:
    target, floor = metric.bounds(segment)
    return CompiledMetric(
        index=index,
        id=metric.id,
        label=metric.label.text(),
        unit=metric.unit,
        reason_key=f"scoring.reason.metric.{metric.unit}",
        weight=metric.weight,
        fresh_days=metric.fresh_days,
        builtin=metric.id == ONBOARDING_DELAY,
        target=target,
        floor=floor,
        slope=100.0 / (target - floor),
    )


FireRow = tuple[str, bool, float, float, float, date, float, CompiledMetric]
"""(id, builtin, weight, floor, slope, oldest fresh date, minus its share of the model's weight, metric):
one fire metric of one segment on one day, unpacked in one step per metric and account."""


@dataclass(frozen=True, slots=True, eq=False)
class SegmentDay:
    """What scoring one segment's account on one day reads: its fire rows and touchpoint target."""

    fire_rows: tuple[FireRow, ...]
    frequency_target: float


@dataclass(frozen=True, slots=True, eq=False)
class Day:
    """The cut-off dates of one scoring day, computed once per (config, day) rather than per account."""

    today: date
    answers_from: date
    frequency_from: date
    fit_from: date
    metrics_from: tuple[date, ...]
    """Per fire metric (by index), the oldest date whose value is still fresh."""
    ordinal: int
    """``today.toordinal()``: a day count is a difference of ordinals, no timedelta per account."""
    segments: Mapping[str, SegmentDay]
    default: SegmentDay
    """For an account whose segment the configuration does not list."""


@lru_cache(maxsize=16)
def day_plan(config: CompiledConfig, today: date) -> Day:
    metrics_from = tuple(fresh_from(today, d) for d in config.metric_fresh_days)

    def segment_day(plan: SegmentPlan) -> SegmentDay:
        rows = tuple((r[1], r[2], r[3], r[4], r[5], metrics_from[r[0]], r[6], r[7]) for r in plan.metric_rows)
        return SegmentDay(rows, plan.frequency_target)

    return Day(
        today=today,
        answers_from=fresh_from(today, config.answer_max_age_days),
        frequency_from=fresh_from(today, config.frequency_days),
        fit_from=fresh_from(today, config.fit_days),
        metrics_from=metrics_from,
        ordinal=today.toordinal(),
        segments=MappingProxyType({s: segment_day(p) for s, p in config.plans.items()}),
        default=segment_day(config.default_plan),
    )
