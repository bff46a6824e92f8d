"""The configuration flattened for the scoring hot path: tuples, lookup tables and precomputed shares.

``score_account`` runs for every account on every pass, so everything that depends only on the
configuration (per-segment targets and slopes, confidence shares, grade ceilings) or only on the day
(cut-off dates) is computed here once instead of per account, and no pydantic object is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import MappingProxyType

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
from scoring.model import ELEMENTS, Role, Text

FIREWOOD, EMBER, WIND, FIRE = range(4)
MAX_REASONS = 5
MAX_UNKNOWNS = 3

_SCALE5: Mapping[object, float] = MappingProxyType({1: 0.0, 2: 25.0, 3: 50.0, 4: 75.0, 5: 100.0})


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
    answer_reasons: Mapping[object, tuple[str, Mapping[str, object]]]
    """Per valid answer value, its reason key and values, built once instead of per account."""
    unknown_reason: tuple[str, Mapping[str, object]]


QuestionRow = tuple[str, int, float, type, Mapping[object, float], Role | None, float, CompiledQuestion]
"""(id, element, weight, value type, scores, role, worst, question), unpacked in one step per question."""


@dataclass(frozen=True, slots=True, eq=False)
class CompiledMetric:
    """A fire metric with target and floor resolved for one segment; ``slope`` = 100 / (target - floor)."""

    index: int
    id: str
    label: Text
    unit: str
    weight: float
    fresh_days: int
    builtin: bool
    target: float
    floor: float
    slope: float


MetricRow = tuple[int, str, bool, float, float, float, CompiledMetric]
"""(index, id, builtin, weight, floor, slope, metric)."""


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
    has_roles: bool
    answer_max_age_days: int
    recency_good: int
    recency_bad: int
    recency_weight: float
    frequency_days: int
    frequency_weight: float
    fit_days: int
    fit_target: float
    fit_floor: float
    fit_weight: float
    metric_fresh_days: tuple[int, ...]
    plans: Mapping[str, SegmentPlan]
    default_plan: SegmentPlan
    scale: GradeScale
    ceilings: tuple[float, ...]
    """Index = grade: the highest score still inside that grade."""
    caps: tuple[tuple[int, int, int], ...]
    """(element index, at or below grade, overall at most); empty in ``weighted`` mode."""
    max_reasons: int = MAX_REASONS
    max_unknowns: int = MAX_UNKNOWNS


def compile_config(
    config: TakibiConfig, *, max_reasons: int = MAX_REASONS, max_unknowns: int = MAX_UNKNOWNS
) -> CompiledConfig:
    """Flatten a validated configuration into the form the hot path reads."""
    questions = tuple(_compile_question(q) for q in config.questions)
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
            metric_rows=tuple((m.index, m.id, m.builtin, m.weight, m.floor, m.slope, m) for m in compiled),
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
        question_rows=tuple(
            (q.id, q.element, q.weight, q.value_type, q.scores, q.role, q.worst, q) for q in questions
        ),
        has_roles=any(q.role is not None for q in questions),
        answer_max_age_days=config.assessment_max_age_days,
        recency_good=wind.recency.good_within_days,
        recency_bad=wind.recency.bad_beyond_days,
        recency_weight=wind.recency.weight,
        frequency_days=wind.frequency.window_days,
        frequency_weight=wind.frequency.weight,
        fit_days=wind.fit.window_days,
        fit_target=wind.fit.target,
        fit_floor=wind.fit.floor,
        fit_weight=wind.fit.weight,
        metric_fresh_days=tuple(m.fresh_days for m in metrics),
        plans=MappingProxyType({s.id: plan(s.id) for s in config.segments}),
        default_plan=plan(None),
        scale=scale,
        ceilings=(0.0, *(scale.ceiling(g) for g in range(1, GRADE_COUNT + 1))),
        caps=tuple((ELEMENTS.index(c.element), c.at_or_below, c.overall_at_most) for c in caps),
        max_reasons=max_reasons,
        max_unknowns=max_unknowns,
    )


def _compile_question(question: Scale5Question | YesNoQuestion | ChoiceQuestion) -> CompiledQuestion:
    scores: Mapping[object, float]
    value_type: type
    label = question.label.text()
    reasons: dict[object, tuple[str, Mapping[str, object]]]
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
        answer_reasons=MappingProxyType(reasons),
        unknown_reason=("scoring.unknown.question", _frozen({"question": label})),
    )


def _frozen(params: dict[str, object]) -> Mapping[str, object]:
    """Reason values shared by every account's result: read-only so no caller can change them for all."""
    return MappingProxyType(params)


def _compile_metric(index: int, metric: FireMetric, segment: str | None) -> CompiledMetric:
    target, floor = metric.bounds(segment)
    return CompiledMetric(
        index=index,
        id=metric.id,
        label=metric.label.text(),
        unit=metric.unit,
        weight=metric.weight,
        fresh_days=metric.fresh_days,
        builtin=metric.id == ONBOARDING_DELAY,
        target=target,
        floor=floor,
        slope=100.0 / (target - floor),
    )


@dataclass(frozen=True, slots=True)
class Day:
    """The cut-off dates of one scoring day, computed once per (config, day) rather than per account."""

    today: date
    answers_from: date
    frequency_from: date
    fit_from: date
    metrics_from: tuple[date, ...]
    """Per fire metric (by index), the oldest date whose value is still fresh."""


@lru_cache(maxsize=16)
def day_plan(config: CompiledConfig, today: date) -> Day:
    return Day(
        today=today,
        answers_from=fresh_from(today, config.answer_max_age_days),
        frequency_from=fresh_from(today, config.frequency_days),
        fit_from=fresh_from(today, config.fit_days),
        metrics_from=tuple(fresh_from(today, d) for d in config.metric_fresh_days),
    )
