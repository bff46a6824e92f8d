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

This runs for every account on every pass (``bench/score.py``: 100,000 accounts, target under three
seconds), so the per-account path is kept lean:

* the configuration is compiled once (``compile_config``): a valid answer's item, its reason and
  ``weight x score`` are looked up, not built; unknown items and their weight shares are constants;
* cut-off dates are computed once per day (``day_plan``), day counts are ordinal differences;
* an element's sums live in local variables, not in lists indexed per item;
* reasons stay structured (a catalog key and its values, rendered only when shown), and their values
  are only built for the few reasons a result keeps;
* fire reads one value per series: the last one, found without a scan (``MetricSeries.latest``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date

from scoring.aggregation import tightest_cap
from scoring.compiled import (
    FIRE,
    NEUTRAL,
    WIND,
    CompiledConfig,
    CompiledMetric,
    CompiledQuestion,
    Day,
    FireRow,
    Item,
    Known,
    Missing,
    ReasonBuilder,
    compile_config,
    day_plan,
)
from scoring.config import TakibiConfig
from scoring.freshness import vacancies
from scoring.model import (
    ELEMENTS,
    AccountFacts,
    Expectation,
    HealthResult,
    Reason,
)

__all__ = ["CompiledConfig", "compile_config", "score_account", "score_accounts"]


def _lack(missing: Missing) -> float:
    """The sort key of the nudge list: minus the item's share of the model's weight."""
    return missing[0]


_FIT = Expectation.FIT


# --- reason builders (called only for the reasons that are kept) ---------------------------------


def _vacant_reason(question: CompiledQuestion, since: date, impact: float) -> Reason:
    return Reason(question.vacant_key, {"since": since, "question": question.label}, impact)


def _metric_reason(metric: CompiledMetric, value: float, impact: float) -> Reason:
    params = {"metric": metric.label, "value": value, "target": metric.target}
    return Reason(metric.reason_key, params, impact)


def _onboarding_reason(metric: CompiledMetric, delay: int, impact: float) -> Reason:
    key = "scoring.reason.onboarding.on_time" if delay == 0 else "scoring.reason.onboarding.late"
    return Reason(key, {"days": delay, "metric": metric.label}, impact)


def _recency_reason(days: int, _: None, impact: float) -> Reason:
    return Reason("scoring.reason.wind.recency", {"days": days}, impact)


def _frequency_reason(count: int, window: tuple[int, float], impact: float) -> Reason:
    params = {"count": count, "days": window[0], "target": window[1]}
    return Reason("scoring.reason.wind.frequency", params, impact)


def _fit_reason(share: float, days: int, impact: float) -> Reason:
    return Reason("scoring.reason.wind.fit", {"share": share, "days": days}, impact)


def _stale_question(question: CompiledQuestion, answered_on: date, impact: float) -> Reason:
    params = {"question": question.label, "answered_on": answered_on}
    return Reason("scoring.stale.question", params, impact)


def _unknown_metric(metric: CompiledMetric, _: None, impact: float) -> Reason:
    key = "scoring.unknown.onboarding" if metric.builtin else "scoring.unknown.metric"
    return Reason(key, {"metric": metric.label}, impact)


def _stale_metric(metric: CompiledMetric, as_of: date, impact: float) -> Reason:
    return Reason("scoring.stale.metric", {"metric": metric.label, "as_of": as_of}, impact)


def _unknown_touchpoints(_: None, __: None, impact: float) -> Reason:
    return Reason("scoring.unknown.touchpoints", {}, impact)


def _unknown_fit(days: int, _: None, impact: float) -> Reason:
    return Reason("scoring.unknown.touchpoint_fit", {"days": days}, impact)


# --- scoring -------------------------------------------------------------------------------------


def score_account(facts: AccountFacts, config: CompiledConfig | TakibiConfig, today: date) -> HealthResult:
    """Score one account as of ``today``. Pure: same facts, config and day give the same result.

    Pass a ``CompiledConfig`` (from ``compile_config``) when scoring many accounts; a ``TakibiConfig``
    is compiled on every call.
    """
    compiled = config if isinstance(config, CompiledConfig) else compile_config(config)
    day = day_plan(compiled, today)
    items: list[Item] = []
    missing: list[Missing] = []
    segment = day.segments.get(facts.segment, day.default)
    vacant = _vacant_questions(facts, compiled, day.today)
    if vacant is None:
        k0, s0, k1, s1 = _score_questions(facts, compiled, day, items, missing)
    else:
        k0, s0, k1, s1 = _score_questions_with_vacancies(facts, compiled, day, vacant, items, missing)
    k2, s2 = _score_wind(facts, compiled, day, segment.frequency_target, items, missing)
    k3, s3 = _score_fire(facts, day.today, segment.fire_rows, items, missing)
    return _result(facts, compiled, day, items, missing, (k0, k1, k2, k3), (s0, s1, s2, s3))


def _score_questions(
    facts: AccountFacts, compiled: CompiledConfig, day: Day, items: list[Item], missing: list[Missing]
) -> tuple[float, float, float, float]:
    """薪 / 種火 when no key person's seat is empty (most accounts): the latest fresh answers.

    Returns firewood's known weight and weighted sum, then ember's (questions belong to one of the two).
    """
    get = {a.question_id: a for a in facts.answers}.get  # the later answer wins
    answers_from = day.answers_from
    add, lack = items.append, missing.append
    k0 = s0 = k1 = s1 = 0.0
    for qid, value_type, known, e, w, unknown, q in compiled.question_rows:
        answer = get(qid)
        if answer is None or (value := answer.value) is None:  # None: asked, not known
            lack(unknown)
            continue
        if answer.answered_on < answers_from:
            lack((unknown[0], _stale_question, q, answer.answered_on))
            continue
        found = known(value) if type(value) is value_type else None  # another type is unknown
        if found is None:
            lack(unknown)
            continue
        item, weighted = found
        add(item)
        if e:
            k1 += w
            s1 += weighted
        else:
            k0 += w
            s0 += weighted
    return k0, s0, k1, s1


def _score_questions_with_vacancies(  # noqa: PLR0917
    facts: AccountFacts,
    compiled: CompiledConfig,
    day: Day,
    vacant: dict[str, date],
    items: list[Item],
    missing: list[Missing],
) -> tuple[float, float, float, float]:
    """薪 / 種火: the latest fresh answers, overridden by a key-person vacancy recorded after them
    (``vacant``: question id -> the day its key person's seat emptied). Returns as ``_score_questions``."""
    get = {a.question_id: a for a in facts.answers}.get
    answers_from = day.answers_from
    add, lack = items.append, missing.append
    k0 = s0 = k1 = s1 = 0.0
    found: Known | None
    for qid, value_type, known, e, w, unknown, q in compiled.question_rows:
        answer = get(qid)
        if qid in vacant:  # a fresh, valid answer given since the seat emptied still counts
            since = vacant[qid]
            found = None
            if (
                answer is not None
                and (value := answer.value) is not None
                and answer.answered_on >= answers_from
                and answer.answered_on >= since
                and type(value) is value_type
            ):
                found = known(value)
            if found is None:
                pull = w * (q.worst - NEUTRAL)
                found = (e, pull, -abs(pull), _vacant_reason, q, since), w * q.worst
        elif answer is None or (value := answer.value) is None:
            lack(unknown)
            continue
        elif answer.answered_on < answers_from:
            lack((unknown[0], _stale_question, q, answer.answered_on))
            continue
        else:
            found = known(value) if type(value) is value_type else None
            if found is None:
                lack(unknown)
                continue
        item, weighted = found
        add(item)
        if e:
            k1 += w
            s1 += weighted
        else:
            k0 += w
            s0 += weighted
    return k0, s0, k1, s1


def _vacant_questions(facts: AccountFacts, compiled: CompiledConfig, today: date) -> dict[str, date] | None:
    """Questions whose key person's seat is empty on ``today``, with the day it emptied; ``None`` when
    there are none (the common case, checked once per account rather than per question)."""
    people = facts.key_people
    if not people or not compiled.role_questions:
        return None
    for person in people:
        if person.left_on is not None:
            break
    else:  # a seat is only known empty when someone was seen leaving it
        return None
    vacant = vacancies(people, today)
    if not vacant:
        return None
    found: dict[str, date] = {}
    for qid, role in compiled.role_questions:
        since = vacant.get(role)
        if since is not None:
            found[qid] = since
    return found or None


def _score_wind(  # noqa: PLR0917
    facts: AccountFacts,
    compiled: CompiledConfig,
    day: Day,
    target: float,
    items: list[Item],
    missing: list[Missing],
) -> tuple[float, float]:
    """送風: recency, frequency and fit of touchpoints. No touchpoint at all is unknown, not silence.
    Returns the element's known weight and weighted sum."""
    today = day.today
    last: date | None = None
    count = rated = fits = 0
    frequency_from, fit_from = day.frequency_from, day.fit_from
    for tp in facts.touchpoints:
        on = tp.on
        if on > today:
            continue
        if last is None or on > last:
            last = on
        if on >= frequency_from:
            count += 1
        if on >= fit_from:
            expectation = tp.expectation
            if expectation is not None:
                rated += 1
                if expectation is _FIT:
                    fits += 1
    if last is None:
        missing.append((compiled.wind_lack, _unknown_touchpoints, None, None))
        return 0.0, 0.0
    days = day.ordinal - last.toordinal()
    good, bad = compiled.recency_good, compiled.recency_bad
    recency = 100.0 if days <= good else 0.0 if days >= bad else 100.0 * (bad - days) / compiled.recency_span
    frequency = 100.0 if count >= target else 100.0 * count / target
    w_recency, w_frequency = compiled.recency_weight, compiled.frequency_weight
    pull = w_recency * (recency - NEUTRAL)
    items.append((WIND, pull, pull if pull < 0.0 else -pull, _recency_reason, days, None))
    pull = w_frequency * (frequency - NEUTRAL)
    items.append(
        (
            WIND,
            pull,
            pull if pull < 0.0 else -pull,
            _frequency_reason,
            count,
            (compiled.frequency_days, target),
        )
    )
    known = w_recency + w_frequency
    total = w_recency * recency + w_frequency * frequency
    if rated == 0:
        missing.append((compiled.fit_lack, _unknown_fit, compiled.fit_days, None))
        return known, total
    w_fit = compiled.fit_weight
    share = fits / rated
    score = (share - compiled.fit_floor) * 100.0 / compiled.fit_span
    score = 0.0 if score < 0.0 else 100.0 if score > 100.0 else score
    pull = w_fit * (score - NEUTRAL)
    items.append((WIND, pull, pull if pull < 0.0 else -pull, _fit_reason, share, compiled.fit_days))
    return known + w_fit, total + w_fit * score


def _score_fire(
    facts: AccountFacts, today: date, rows: tuple[FireRow, ...], items: list[Item], missing: list[Missing]
) -> tuple[float, float]:
    """焚き火の状態: the latest fresh value of each pulled metric, and the onboarding delay. Returns the
    element's known weight and weighted sum."""
    get = facts.metrics.get
    add, lack = items.append, missing.append
    known = total = 0.0
    for metric_id, builtin, w, floor, slope, fresh, lacking, m in rows:
        value: float
        build: ReasonBuilder
        if builtin:
            delay = _onboarding_delay(facts, today)
            if delay is None:
                lack((lacking, _unknown_metric, m, None))
                continue
            value = delay
            build = _onboarding_reason
        else:
            series = get(metric_id)
            if series is None or not (dates := series.dates):
                lack((lacking, _unknown_metric, m, None))
                continue
            on = dates[-1]
            if on <= today:
                value = series.values[-1]
            else:  # values dated after the scoring day are ignored
                point = series.latest(today)
                if point is None:
                    lack((lacking, _unknown_metric, m, None))
                    continue
                on, value = point
            if on < fresh:
                lack((lacking, _stale_metric, m, on))
                continue
            build = _metric_reason
        score = (value - floor) * slope
        score = 0.0 if score < 0.0 else 100.0 if score > 100.0 else score
        pull = w * (score - NEUTRAL)
        add((FIRE, pull, pull if pull < 0.0 else -pull, build, m, value))
        known += w
        total += w * score
    return known, total


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
    items: list[Item],
    missing: list[Missing],
    known: tuple[float, float, float, float],
    sums: tuple[float, float, float, float],
) -> HealthResult:
    bounds = compiled.scale.bounds
    # Four elements, unrolled: this runs once per account.
    k0, k1, k2, k3 = known
    s0 = sums[0] / k0 if k0 > 0 else None
    s1 = sums[1] / k1 if k1 > 0 else None
    s2 = sums[2] / k2 if k2 > 0 else None
    s3 = sums[3] / k3 if k3 > 0 else None
    g0 = None if s0 is None else bisect_right(bounds, s0) + 1
    g1 = None if s1 is None else bisect_right(bounds, s1) + 1
    g2 = None if s2 is None else bisect_right(bounds, s2) + 1
    g3 = None if s3 is None else bisect_right(bounds, s3) + 1
    # aggregation.aggregate, inlined: the weighted mean of the known elements, then the caps.
    w0, w1, w2, w3 = compiled.element_weights
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
    reasons: list[Reason] = []
    capped_by: int | None = None
    # Grades are 1-5 or None: "or 9" leaves unknown elements out of the quick check for a low one.
    if base is not None and min(g0 or 9, g1 or 9, g2 or 9, g3 or 9) <= compiled.cap_grade:
        grades = (g0, g1, g2, g3)
        limit, by = tightest_cap(grades, compiled.element_weights, compiled.caps)
        ceiling = compiled.ceilings[limit]
        if by is not None and base > ceiling:
            score, capped_by = ceiling, by
            reasons.append(_cap_reason(compiled, by, grades, limit, ceiling - base))
    shares = compiled.shares
    confidence = shares[0] * k0 + shares[1] * k1 + shares[2] * k2 + shares[3] * k3

    if items and base is not None:
        # Impact on the overall score: the element's share of the known element weight times the
        # item's share of its element's known weight, times how far the item is from the middle.
        factor = (
            w0 / known_weight / k0 if k0 > 0 else 0.0,
            w1 / known_weight / k1 if k1 > 0 else 0.0,
            w2 / known_weight / k2 if k2 > 0 else 0.0,
            w3 / known_weight / k3 if k3 > 0 else 0.0,
        )
        # factor x -|pull| is -|factor x pull| exactly (factors are never negative): the strongest first.
        strength = [factor[it[0]] * it[2] for it in items]
        kept = compiled.max_reasons - len(reasons)
        for i in sorted(range(len(items)), key=strength.__getitem__)[:kept]:
            if strength[i] == 0.0:
                break
            e, pull, _, build, a, b = items[i]
            reasons.append(build(a, b, factor[e] * pull))

    unknowns = [
        build(a, b, -lacking) for lacking, build, a, b in sorted(missing, key=_lack)[: compiled.max_unknowns]
    ]

    t0, t1, t2, t3 = compiled.item_totals
    return HealthResult(
        facts.account_id,
        day.today,
        compiled.version,
        score,
        None if score is None else bisect_right(bounds, score) + 1,
        confidence,
        (s0, s1, s2, s3),
        (g0, g1, g2, g3),
        (
            k0 / t0 if t0 > 0 else 0.0,
            k1 / t1 if t1 > 0 else 0.0,
            k2 / t2 if t2 > 0 else 0.0,
            k3 / t3 if t3 > 0 else 0.0,
        ),
        tuple(reasons),
        tuple(unknowns),
        None if capped_by is None else ELEMENTS[capped_by],
    )


def _cap_reason(
    compiled: CompiledConfig, element: int, grades: tuple[int | None, ...], cap: int, impact: float
) -> Reason:
    grade = grades[element]
    assert grade is not None
    label = compiled.scale.label
    params = {"element": compiled.element_labels[element], "grade": label(grade), "cap": label(cap)}
    return Reason("scoring.reason.capped", params, impact)


def score_accounts(
    accounts: Iterable[AccountFacts], config: CompiledConfig | TakibiConfig, today: date
) -> list[HealthResult]:
    """Score many accounts with one compiled configuration."""
    compiled = config if isinstance(config, CompiledConfig) else compile_config(config)
    return [score_account(facts, compiled, today) for facts in accounts]
