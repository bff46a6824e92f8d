"""The principles the score must keep, checked on generated accounts.

* monotonic: a better answer or metric never lowers any score;
* chained: a weak upstream element caps the overall grade, whatever usage says;
* unknown is not bad: unknown or stale = absent for every score, only confidence drops;
* deterministic: same facts and config give the same result; the version follows the meaning.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scoring.config_parse import parse_config
from scoring.health import compile_config, score_account
from scoring.model import (
    ELEMENTS,
    AccountFacts,
    Answer,
    AnswerValue,
    Element,
    Expectation,
    HealthResult,
    KeyPerson,
    MetricSeries,
    Onboarding,
    Role,
    Touchpoint,
)
from tests.unit.scoring.builders import TODAY, config_data, days_ago

DATA = config_data()
CONFIG = compile_config(parse_config(DATA))
WEIGHTED_DATA = config_data()
WEIGHTED_DATA["aggregation"]["mode"] = "weighted"

# Valid answers per question, worst first.
VALUES: dict[str, list[AnswerValue]] = {
    "po_engagement": [1, 2, 3, 4, 5],
    "pl_engagement": [1, 2, 3, 4, 5],
    "open_opposition": [True, False],
    "adoption_reason": ["none_found", "company", "both"],
    "homework_commitment": [1, 2, 3, 4, 5],
}
QUESTIONS = list(VALUES)
METRICS = ["login_rate", "key_feature_use"]

ages = st.integers(min_value=0, max_value=200)


@st.composite
def answers(draw: st.DrawFn) -> tuple[Answer, ...]:
    chosen = draw(st.lists(st.sampled_from(QUESTIONS), unique=True))
    return tuple(
        Answer(q, draw(st.one_of(st.none(), st.sampled_from(VALUES[q]))), days_ago(draw(ages)))
        for q in chosen
    )


touchpoints = st.lists(
    st.builds(
        Touchpoint,
        on=ages.map(days_ago),
        kind=st.sampled_from(["meeting", "call", "mail"]),
        expectation=st.one_of(st.none(), st.sampled_from(list(Expectation))),
    ),
    max_size=5,
).map(tuple)


@st.composite
def metric_series(draw: st.DrawFn) -> MetricSeries:
    end = days_ago(draw(st.integers(min_value=0, max_value=40)))
    values = draw(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=5))
    return MetricSeries.from_points({end - timedelta(days=i): v for i, v in enumerate(values)})


metrics = st.dictionaries(st.sampled_from(METRICS), metric_series())

key_people = st.lists(
    st.builds(
        KeyPerson,
        role=st.sampled_from(list(Role)),
        since=st.one_of(st.none(), ages.map(days_ago)),
        left_on=st.one_of(st.none(), ages.map(days_ago)),
    ),
    max_size=3,
).map(tuple)

onboardings = st.one_of(
    st.none(),
    st.builds(
        Onboarding,
        planned_end=st.one_of(st.none(), st.integers(-100, 300).map(days_ago)),
        completed_on=st.one_of(st.none(), ages.map(days_ago)),
    ),
)

accounts = st.builds(
    AccountFacts,
    account_id=st.just("acct"),
    segment=st.sampled_from(["SMB", "MM", "EP", "OTHER"]),
    answers=answers(),
    touchpoints=touchpoints,
    metrics=metrics,
    key_people=key_people,
    onboarding=onboardings,
)


def with_answer(facts: AccountFacts, answer: Answer | None, question: str) -> AccountFacts:
    kept = tuple(a for a in facts.answers if a.question_id != question)
    return dataclasses.replace(facts, answers=kept if answer is None else (*kept, answer))


def scores(result: HealthResult) -> list[float | None]:
    return [result.score, *(result.element(e).score for e in ELEMENTS)]


def at_least(better: HealthResult, worse: HealthResult) -> bool:
    for high, low in zip(scores(better), scores(worse), strict=True):
        if (high is None) != (low is None):
            return False
        if high is not None and low is not None and high < low - 1e-9:
            return False
    return (better.grade or 0) >= (worse.grade or 0)


@given(accounts, st.sampled_from(QUESTIONS), st.data())
def test_a_better_answer_never_lowers_any_score(
    facts: AccountFacts, question: str, data: st.DataObject
) -> None:
    low, high = sorted(data.draw(st.lists(st.integers(0, len(VALUES[question]) - 1), min_size=2, max_size=2)))
    on = days_ago(data.draw(ages))
    worse = score_account(
        with_answer(facts, Answer(question, VALUES[question][low], on), question), CONFIG, TODAY
    )
    better = score_account(
        with_answer(facts, Answer(question, VALUES[question][high], on), question), CONFIG, TODAY
    )
    assert at_least(better, worse)


@given(accounts, st.sampled_from(METRICS), st.floats(0, 1), st.floats(0, 1), st.integers(0, 40))
def test_a_better_metric_never_lowers_any_score(
    facts: AccountFacts, metric: str, a: float, b: float, age: int
) -> None:
    low, high = sorted((a, b))

    def scored(value: float) -> HealthResult:
        series = MetricSeries.from_points({days_ago(age): value})
        return score_account(
            dataclasses.replace(facts, metrics={**facts.metrics, metric: series}), CONFIG, TODAY
        )

    assert at_least(scored(high), scored(low))


WORST_FIREWOOD = (
    Answer("po_engagement", 1, TODAY),
    Answer("pl_engagement", 1, TODAY),
    Answer("open_opposition", True, TODAY),
)
WORST_EMBER = (Answer("adoption_reason", "none_found", TODAY), Answer("homework_commitment", 1, TODAY))


@given(accounts)
def test_firewood_at_grade_one_caps_overall_at_two(facts: AccountFacts) -> None:
    others = tuple(a for a in facts.answers if a.question_id not in {a.question_id for a in WORST_FIREWOOD})
    result = score_account(dataclasses.replace(facts, answers=others + WORST_FIREWOOD), CONFIG, TODAY)
    assert result.element(Element.FIREWOOD).grade == 1
    assert result.grade is not None
    assert result.grade <= 2


@given(accounts)
def test_ember_at_grade_one_caps_overall_at_two(facts: AccountFacts) -> None:
    others = tuple(a for a in facts.answers if a.question_id not in {a.question_id for a in WORST_EMBER})
    result = score_account(dataclasses.replace(facts, answers=others + WORST_EMBER), CONFIG, TODAY)
    assert result.element(Element.EMBER).grade == 1
    assert result.grade is not None
    assert result.grade <= 2


def without_question(data: dict[str, Any], question: str) -> dict[str, Any]:
    trimmed = config_data() if data is DATA else parse_config(data).model_dump(mode="json")
    trimmed["questions"] = [q for q in trimmed["questions"] if q["id"] != question]
    return trimmed


@given(accounts, st.sampled_from(QUESTIONS), st.booleans(), st.sampled_from([DATA, WEIGHTED_DATA]))
def test_unknown_or_stale_answer_scores_as_if_the_question_were_absent(
    facts: AccountFacts, question: str, stale: bool, data: dict[str, Any]
) -> None:
    config = compile_config(parse_config(data))
    absent_config = compile_config(parse_config(without_question(data, question)))
    facts = dataclasses.replace(facts, key_people=())  # a vacancy is a known fact, not an unknown
    unknown = (
        Answer(question, VALUES[question][-1], days_ago(121))
        if stale
        else Answer(question, None, days_ago(1))
    )
    with_unknown = score_account(with_answer(facts, unknown, question), config, TODAY)
    absent = score_account(with_answer(facts, None, question), absent_config, TODAY)
    known = score_account(
        with_answer(facts, Answer(question, VALUES[question][0], TODAY), question), config, TODAY
    )
    assert scores(with_unknown) == scores(absent)
    assert with_unknown.grade == absent.grade
    assert with_unknown.confidence < known.confidence


@given(st.sampled_from(["SMB", "MM", "EP", "OTHER"]), st.lists(st.sampled_from(QUESTIONS), unique=True))
def test_nothing_known_gives_no_grade_not_the_worst(segment: str, asked: list[str]) -> None:
    facts = AccountFacts("a", segment, answers=tuple(Answer(q, None, TODAY) for q in asked))
    result = score_account(facts, CONFIG, TODAY)
    assert (result.score, result.grade, result.confidence) == (None, None, 0.0)


@given(accounts)
def test_same_facts_and_config_give_the_same_result(facts: AccountFacts) -> None:
    again = compile_config(parse_config(config_data()))
    assert score_account(facts, CONFIG, TODAY) == score_account(facts, again, TODAY)


def shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


@given(st.randoms(use_true_random=False))
def test_config_version_ignores_key_order(rng: random.Random) -> None:
    assert parse_config(shuffled(config_data(), rng)).config_version == parse_config(DATA).config_version


@given(st.sampled_from(QUESTIONS), st.floats(min_value=0, max_value=10).filter(lambda w: w not in (2.0, 3.0)))
def test_config_version_changes_with_a_weight(question: str, weight: float) -> None:
    data = config_data()
    next(q for q in data["questions"] if q["id"] == question)["weight"] = weight
    assert parse_config(data).config_version != parse_config(DATA).config_version
