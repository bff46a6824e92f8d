"""The health score: facts in, per-element and overall scores with reasons out.

How an account is scored:

* every item (a question, a wind measure, a fire metric) gives 0–100 or is unknown;
* an element's score is the weighted mean of its *known* items (unknown is not bad: it is left out,
  exactly as if the item were not configured, and only lowers confidence);
* the overall score is the weighted mean of the known elements, capped by weak upstream elements when
  aggregation is ``chain``;
* confidence is the share of the model's weight that was known and fresh;
* reasons are the items that pulled the overall score furthest from the middle, strongest first;
  unknowns are the heaviest missing items, for the nudge.

This runs for every account on every pass: the configuration is compiled once (``compile_config``),
cut-off dates are computed once per day, and reason texts' values are only built for the few reasons
that are kept.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from scoring.aggregation import Overall, tightest_cap
from scoring.compiled import (
    FIRE,
    WIND,
    CompiledConfig,
    CompiledMetric,
    CompiledQuestion,
    Day,
    compile_config,
    day_plan,
)
from scoring.config import TakibiConfig
from scoring.freshness import vacancies
from scoring.model import (
    ELEMENTS,
    AccountFacts,
    Answer,
    Element,
    Expectation,
    HealthResult,
    Reason,
    new_element_result,
    new_health_result,
    new_reason,
)

__all__ = ["CompiledConfig", "compile_config", "score_account", "score_accounts"]

FIREWOOD_, EMBER_, WIND_, FIRE_ = Element.FIREWOOD, Element.EMBER, Element.WIND, Element.FIRE
NEUTRAL = 50.0
"""A score above the middle pulls the grade up, below pulls it down."""

_Params = Mapping[str, object]
_Builder = Callable[[Any, Any], tuple[str, _Params]]
"""Makes a reason's key and values from the two arguments stored with an item."""
_Item = tuple[int, float, _Builder, Any, Any]
"""(element, weight x (score - 50), reason builder, arg, arg): a known item; its reason is made on demand."""
_Missing = tuple[int, float, _Builder, Any, Any]
"""(element, weight, reason builder, arg, arg): an unknown or stale item."""


# --- reason builders (called only for the reasons that are kept) ---------------------------------


def _answer_reason(question: CompiledQuestion, answer: Answer) -> tuple[str, _Params]:
    return question.answer_reasons[answer.value]


def _vacant_reason(question: CompiledQuestion, since: date) -> tuple[str, _Params]:
    role = question.role.value if question.role is not None else ""
    return f"scoring.reason.vacant.{role}", {"since": since, "question": question.label}


def _metric_reason(metric: CompiledMetric, value: float) -> tuple[str, _Params]:
    return f"scoring.reason.metric.{metric.unit}", {
        "metric": metric.label,
        "value": value,
        "target": metric.target,
    }


def _onboarding_reason(metric: CompiledMetric, delay: int) -> tuple[str, _Params]:
    key = "scoring.reason.onboarding.on_time" if delay == 0 else "scoring.reason.onboarding.late"
    return key, {"days": delay, "metric": metric.label}


def _recency_reason(days: int, _: None) -> tuple[str, _Params]:
    return "scoring.reason.wind.recency", {"days": days}


def _frequency_reason(count: int, window: tuple[int, float]) -> tuple[str, _Params]:
    return "scoring.reason.wind.frequency", {"count": count, "days": window[0], "target": window[1]}


def _fit_reason(share: float, days: int) -> tuple[str, _Params]:
    return "scoring.reason.wind.fit", {"share": share, "days": days}


def _unknown_question(question: CompiledQuestion, _: None) -> tuple[str, _Params]:
    return question.unknown_reason


def _stale_question(question: CompiledQuestion, answered_on: date) -> tuple[str, _Params]:
    return "scoring.stale.question", {"question": question.label, "answered_on": answered_on}


def _unknown_metric(metric: CompiledMetric, _: None) -> tuple[str, _Params]:
    key = "scoring.unknown.onboarding" if metric.builtin else "scoring.unknown.metric"
    return key, {"metric": metric.label}


def _stale_metric(metric: CompiledMetric, as_of: date) -> tuple[str, _Params]:
    return "scoring.stale.metric", {"metric": metric.label, "as_of": as_of}


def _unknown_touchpoints(_: None, __: None) -> tuple[str, _Params]:
    return "scoring.unknown.touchpoints", {}


def _unknown_fit(days: int, _: None) -> tuple[str, _Params]:
    return "scoring.unknown.touchpoint_fit", {"days": days}


# --- scoring -------------------------------------------------------------------------------------


def score_account(facts: AccountFacts, config: CompiledConfig | TakibiConfig, today: date) -> HealthResult:
    """Score one account as of ``today``. Pure: same facts, config and day give the same result.

    Pass a ``CompiledConfig`` (from ``compile_config``) when scoring many accounts; a ``TakibiConfig``
    is compiled on every call.
    """
    compiled = config if isinstance(config, CompiledConfig) else compile_config(config)
    day = day_plan(compiled, today)
    items: list[_Item] = []
    missing: list[_Missing] = []
    known = [0.0, 0.0, 0.0, 0.0]
    sums = [0.0, 0.0, 0.0, 0.0]
    _score_questions(facts, compiled, day, items, missing, known, sums)
    _score_wind(facts, compiled, day, items, missing, known, sums)
    _score_fire(facts, compiled, day, items, missing, known, sums)
    return _result(facts, compiled, day, items, missing, known, sums)


def _score_questions(  # noqa: PLR0917 - the accumulators are passed bare: this is the hot path
    facts: AccountFacts,
    compiled: CompiledConfig,
    day: Day,
    items: list[_Item],
    missing: list[_Missing],
    known: list[float],
    sums: list[float],
) -> None:
    """薪 / 種火: the latest fresh answers, overridden by a key-person vacancy recorded after them."""
    by_question = {a.question_id: a for a in facts.answers}
    get = by_question.get
    vacant = vacancies(facts.key_people, day.today) if compiled.has_roles and facts.key_people else None
    answers_from = day.answers_from
    for qid, e, w, value_type, table, role, worst, q in compiled.question_rows:
        answer = get(qid)
        score: float | None = None
        stale_on = None
        if answer is not None:
            value = answer.value
            if value is not None:
                if answer.answered_on < answers_from:
                    stale_on = answer.answered_on
                elif type(value) is value_type:
                    score = table.get(value)
        if vacant and role is not None:
            since = vacant.get(role)
            if since is not None and (score is None or answer is None or answer.answered_on < since):
                items.append((e, w * (worst - NEUTRAL), _vacant_reason, q, since))
                known[e] += w
                sums[e] += w * worst
                continue
        if score is not None:
            items.append((e, w * (score - NEUTRAL), _answer_reason, q, answer))
            known[e] += w
            sums[e] += w * score
        elif stale_on is not None:
            missing.append((e, w, _stale_question, q, stale_on))
        else:
            missing.append((e, w, _unknown_question, q, None))


def _score_wind(  # noqa: PLR0917
    facts: AccountFacts,
    compiled: CompiledConfig,
    day: Day,
    items: list[_Item],
    missing: list[_Missing],
    known: list[float],
    sums: list[float],
) -> None:
    """送風: recency, frequency and fit of touchpoints. No touchpoint at all is unknown, not silence."""
    today = day.today
    last: date | None = None
    count = rated = fits = 0
    frequency_from, fit_from = day.frequency_from, day.fit_from
    fit = Expectation.FIT
    for tp in facts.touchpoints:
        on = tp.on
        if on > today:
            continue
        if last is None or on > last:
            last = on
        if on >= frequency_from:
            count += 1
        if on >= fit_from and tp.expectation is not None:
            rated += 1
            if tp.expectation is fit:
                fits += 1
    if last is None:
        weight = compiled.recency_weight + compiled.frequency_weight + compiled.fit_weight
        missing.append((WIND, weight, _unknown_touchpoints, None, None))
        return
    days = (today - last).days
    good, bad = compiled.recency_good, compiled.recency_bad
    recency = 100.0 if days <= good else 0.0 if days >= bad else 100.0 * (bad - days) / (bad - good)
    target = compiled.plans.get(facts.segment, compiled.default_plan).frequency_target
    frequency = 100.0 if count >= target else 100.0 * count / target
    w_recency, w_frequency = compiled.recency_weight, compiled.frequency_weight
    items.append((WIND, w_recency * (recency - NEUTRAL), _recency_reason, days, None))
    items.append(
        (
            WIND,
            w_frequency * (frequency - NEUTRAL),
            _frequency_reason,
            count,
            (compiled.frequency_days, target),
        )
    )
    known[WIND] += w_recency + w_frequency
    sums[WIND] += w_recency * recency + w_frequency * frequency

    w_fit = compiled.fit_weight
    if rated == 0:
        missing.append((WIND, w_fit, _unknown_fit, compiled.fit_days, None))
        return
    share = fits / rated
    score = (share - compiled.fit_floor) * 100.0 / (compiled.fit_target - compiled.fit_floor)
    score = 0.0 if score < 0.0 else 100.0 if score > 100.0 else score
    items.append((WIND, w_fit * (score - NEUTRAL), _fit_reason, share, compiled.fit_days))
    known[WIND] += w_fit
    sums[WIND] += w_fit * score


def _score_fire(  # noqa: PLR0917
    facts: AccountFacts,
    compiled: CompiledConfig,
    day: Day,
    items: list[_Item],
    missing: list[_Missing],
    known: list[float],
    sums: list[float],
) -> None:
    """焚き火の状態: the latest fresh value of each pulled metric, and the onboarding delay."""
    today = day.today
    metrics = facts.metrics
    metrics_from = day.metrics_from
    plan = compiled.plans.get(facts.segment, compiled.default_plan)
    known_weight = total = 0.0
    for index, metric_id, builtin, w, floor, slope, m in plan.metric_rows:
        value: float
        build: _Builder
        if builtin:
            delay = _onboarding_delay(facts, today)
            if delay is None:
                missing.append((FIRE, w, _unknown_metric, m, None))
                continue
            value = delay
            build = _onboarding_reason
        else:
            series = metrics.get(metric_id)
            if series is None or not series.dates:
                missing.append((FIRE, w, _unknown_metric, m, None))
                continue
            dates = series.dates
            if dates[-1] <= today:
                on, value = dates[-1], series.values[-1]
            else:
                point = series.latest(today)
                if point is None:
                    missing.append((FIRE, w, _unknown_metric, m, None))
                    continue
                on, value = point
            if on < metrics_from[index]:
                missing.append((FIRE, w, _stale_metric, m, on))
                continue
            build = _metric_reason
        score = (value - floor) * slope
        score = 0.0 if score < 0.0 else 100.0 if score > 100.0 else score
        items.append((FIRE, w * (score - NEUTRAL), build, m, value))
        known_weight += w
        total += w * score
    known[FIRE] += known_weight
    sums[FIRE] += total


def _onboarding_delay(facts: AccountFacts, today: date) -> int | None:
    """Days onboarding ran (or is running) past its planned end; ``None`` when no plan is recorded."""
    onboarding = facts.onboarding
    if onboarding is None or onboarding.planned_end is None:
        return None
    done = onboarding.completed_on
    end = done if done is not None and done <= today else today
    delay = (end - onboarding.planned_end).days
    return delay if delay > 0 else 0


def _result(  # noqa: PLR0917
    facts: AccountFacts,
    compiled: CompiledConfig,
    day: Day,
    items: list[_Item],
    missing: list[_Missing],
    known: list[float],
    sums: list[float],
) -> HealthResult:
    weights = compiled.element_weights
    totals = compiled.item_totals
    bounds = compiled.scale.bounds
    # Four elements, unrolled: this runs once per account.
    k0, k1, k2, k3 = known
    s0 = sums[0] / k0 if k0 > 0 else None
    s1 = sums[1] / k1 if k1 > 0 else None
    s2 = sums[2] / k2 if k2 > 0 else None
    s3 = sums[3] / k3 if k3 > 0 else None
    grades = (
        None if s0 is None else bisect_right(bounds, s0) + 1,
        None if s1 is None else bisect_right(bounds, s1) + 1,
        None if s2 is None else bisect_right(bounds, s2) + 1,
        None if s3 is None else bisect_right(bounds, s3) + 1,
    )
    # aggregation.aggregate, inlined: the weighted mean of the known elements, then the caps.
    w0, w1, w2, w3 = weights
    total = known_weight = 0.0
    if s0 is not None and w0 > 0:
        total += w0 * s0
        known_weight += w0
    if s1 is not None and w1 > 0:
        total += w1 * s1
        known_weight += w1
    if s2 is not None and w2 > 0:
        total += w2 * s2
        known_weight += w2
    if s3 is not None and w3 > 0:
        total += w3 * s3
        known_weight += w3
    base = score = total / known_weight if known_weight > 0 else None
    capped_by: int | None = None
    caps = compiled.caps
    if base is not None and caps:
        limit, by = tightest_cap(grades, weights, caps)
        ceiling = compiled.ceilings[limit]
        if by is not None and base > ceiling:
            score, capped_by = ceiling, by
    shares = compiled.shares
    confidence = shares[0] * k0 + shares[1] * k1 + shares[2] * k2 + shares[3] * k3

    reasons: list[Reason] = []
    if capped_by is not None:
        reasons.append(_cap_reason(compiled, capped_by, grades, Overall(score, base, capped_by, limit)))
    if items and base is not None:
        # Impact on the overall score: the element's share of the known element weight times the
        # item's share of its element's known weight, times how far the item is from the middle.
        factor = (
            w0 / known_weight / k0 if k0 > 0 else 0.0,
            w1 / known_weight / k1 if k1 > 0 else 0.0,
            w2 / known_weight / k2 if k2 > 0 else 0.0,
            w3 / known_weight / k3 if k3 > 0 else 0.0,
        )
        strength = [-abs(factor[it[0]] * it[1]) for it in items]
        for i in sorted(range(len(items)), key=strength.__getitem__)[: compiled.max_reasons - len(reasons)]:
            if strength[i] == 0.0:
                break
            e, pull, build, a, b = items[i]
            key, params = build(a, b)
            reasons.append(new_reason(key, params, factor[e] * pull))

    unknowns: list[Reason] = []
    if missing:
        weight_share = [-shares[m[0]] * m[1] for m in missing]
        for i in sorted(range(len(missing)), key=weight_share.__getitem__)[: compiled.max_unknowns]:
            _, _, build, a, b = missing[i]
            key, params = build(a, b)
            unknowns.append(new_reason(key, params, -weight_share[i]))

    t0, t1, t2, t3 = totals
    return new_health_result(
        facts.account_id,
        day.today,
        compiled.version,
        score,
        None if score is None else bisect_right(bounds, score) + 1,
        confidence,
        (
            new_element_result(FIREWOOD_, s0, grades[0], k0 / t0 if t0 > 0 else 0.0),
            new_element_result(EMBER_, s1, grades[1], k1 / t1 if t1 > 0 else 0.0),
            new_element_result(WIND_, s2, grades[2], k2 / t2 if t2 > 0 else 0.0),
            new_element_result(FIRE_, s3, grades[3], k3 / t3 if t3 > 0 else 0.0),
        ),
        tuple(reasons),
        tuple(unknowns),
        None if capped_by is None else ELEMENTS[capped_by],
    )


def _cap_reason(
    compiled: CompiledConfig, element: int, grades: tuple[int | None, ...], overall: Overall
) -> Reason:
    grade, cap = grades[element], overall.cap_grade
    assert grade is not None
    assert cap is not None
    assert overall.score is not None
    assert overall.base is not None
    label = compiled.scale.label
    params = {"element": compiled.element_labels[element], "grade": label(grade), "cap": label(cap)}
    return new_reason("scoring.reason.capped", params, overall.score - overall.base)


def score_accounts(
    accounts: Iterable[AccountFacts], config: CompiledConfig | TakibiConfig, today: date
) -> list[HealthResult]:
    """Score many accounts with one compiled configuration."""
    compiled = config if isinstance(config, CompiledConfig) else compile_config(config)
    return [score_account(facts, compiled, today) for facts in accounts]
