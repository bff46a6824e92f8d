"""score_account: each question kind, segments, staleness, freshness, onboarding, vacancies, caps."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from scoring.health import compile_config, score_account, score_accounts
from scoring.model import (
    AccountFacts,
    Answer,
    Element,
    Expectation,
    HealthResult,
    KeyPerson,
    MetricSeries,
    Onboarding,
    Role,
    Touchpoint,
)
from tests.unit.scoring.builders import (
    TODAY,
    compiled,
    config_data,
    days_ago,
    healthy_facts,
    make_config,
    series,
)

CONFIG = compiled()


def only(*answers: Answer, key_people: tuple[KeyPerson, ...] = ()) -> AccountFacts:
    return AccountFacts("acme", "MM", answers=answers, key_people=key_people)


def firewood(result: HealthResult) -> float | None:
    return result.element(Element.FIREWOOD).score


def fire(result: HealthResult) -> float | None:
    return result.element(Element.FIRE).score


def keys(result: HealthResult) -> list[str]:
    return [r.key for r in result.reasons]


@pytest.mark.parametrize(("value", "expected"), [(1, 0.0), (2, 25.0), (3, 50.0), (4, 75.0), (5, 100.0)])
def test_scale5_maps_one_to_five_onto_zero_to_hundred(value: int, expected: float) -> None:
    result = score_account(only(Answer("po_engagement", value, days_ago(1))), CONFIG, TODAY)
    assert firewood(result) == expected


def test_yes_no_uses_the_configured_score_of_each_answer() -> None:
    yes = score_account(only(Answer("open_opposition", True, days_ago(1))), CONFIG, TODAY)
    no = score_account(only(Answer("open_opposition", False, days_ago(1))), CONFIG, TODAY)
    assert (firewood(yes), firewood(no)) == (0.0, 100.0)
    assert keys(yes) == ["scoring.reason.yes"]


def test_choice_uses_the_choice_score() -> None:
    result = score_account(only(Answer("adoption_reason", "company", days_ago(1))), CONFIG, TODAY)
    assert result.element(Element.EMBER).score == 75.0
    assert result.reasons[0].params["choice"].en == "Company driver"  # type: ignore[attr-defined]


def test_weighted_mean_within_an_element() -> None:
    result = score_account(
        only(Answer("po_engagement", 5, days_ago(1)), Answer("open_opposition", True, days_ago(1))),
        CONFIG,
        TODAY,
    )
    assert firewood(result) == pytest.approx((3 * 100 + 2 * 0) / 5)


def test_unknown_answer_is_left_out_and_listed_for_a_nudge() -> None:
    result = score_account(
        only(Answer("po_engagement", None, days_ago(1)), Answer("pl_engagement", 4, days_ago(1))),
        CONFIG,
        TODAY,
    )
    assert firewood(result) == 75.0
    nudges = [u for u in result.unknowns if u.key == "scoring.unknown.question"]
    assert "PO engagement" in [u.params["question"].en for u in nudges]  # type: ignore[attr-defined]


def test_answer_of_the_wrong_type_counts_as_unknown() -> None:
    result = score_account(only(Answer("po_engagement", "five", days_ago(1))), CONFIG, TODAY)
    assert firewood(result) is None


def test_answer_older_than_max_age_is_stale() -> None:
    fresh = score_account(only(Answer("po_engagement", 2, days_ago(120))), CONFIG, TODAY)
    stale = score_account(only(Answer("po_engagement", 2, days_ago(121))), CONFIG, TODAY)
    assert firewood(fresh) == 25.0
    assert firewood(stale) is None
    [outdated] = [u for u in stale.unknowns if u.key == "scoring.stale.question"]
    assert outdated.params["answered_on"] == days_ago(121)


def test_vacant_role_after_the_answer_overrides_it_as_worst() -> None:
    facts = only(
        Answer("pl_engagement", 5, days_ago(60)),
        key_people=(KeyPerson(Role.PL, since=days_ago(500), left_on=days_ago(45)),),
    )
    result = score_account(facts, CONFIG, TODAY)
    assert firewood(result) == 0.0
    assert result.reasons[0].key == "scoring.reason.vacant.pl"
    assert result.reasons[0].params["since"] == days_ago(45)


def test_vacancy_overrides_a_missing_answer_too() -> None:
    facts = only(key_people=(KeyPerson(Role.PO, left_on=days_ago(10)),))
    assert firewood(score_account(facts, CONFIG, TODAY)) == 0.0


def test_answer_given_after_the_person_left_stands() -> None:
    facts = only(
        Answer("pl_engagement", 4, days_ago(5)),
        key_people=(KeyPerson(Role.PL, left_on=days_ago(45)),),
    )
    assert firewood(score_account(facts, CONFIG, TODAY)) == 75.0


def test_replaced_key_person_is_not_a_vacancy() -> None:
    facts = only(
        Answer("pl_engagement", 4, days_ago(60)),
        key_people=(KeyPerson(Role.PL, left_on=days_ago(45)), KeyPerson(Role.PL, since=days_ago(40))),
    )
    assert firewood(score_account(facts, CONFIG, TODAY)) == 75.0


def test_yes_no_vacancy_uses_the_worse_of_the_two_scores() -> None:
    data = config_data()
    data["questions"][2]["person_role"] = "champion"
    facts = only(
        Answer("open_opposition", False, days_ago(30)),
        key_people=(KeyPerson(Role.CHAMPION, left_on=days_ago(3)),),
    )
    assert firewood(score_account(facts, compiled(data), TODAY)) == 0.0


def test_metric_segment_overrides_change_the_score() -> None:
    def login(segment: str) -> float | None:
        return fire(
            score_account(AccountFacts("a", segment, metrics={"login_rate": series(0.5)}), CONFIG, TODAY)
        )

    assert login("SMB") == pytest.approx(100.0)  # target 0.5
    assert login("MM") == pytest.approx(80.0)  # (0.5 - 0.1) / (0.6 - 0.1)
    assert login("EP") == pytest.approx(60.0)  # (0.5 - 0.2) / (0.7 - 0.2)
    assert login("UNKNOWN_SEGMENT") == pytest.approx(80.0)


def test_metric_is_clamped_between_floor_and_target() -> None:
    low = score_account(AccountFacts("a", "MM", metrics={"login_rate": series(0.01)}), CONFIG, TODAY)
    high = score_account(AccountFacts("a", "MM", metrics={"login_rate": series(0.99)}), CONFIG, TODAY)
    assert (fire(low), fire(high)) == (0.0, 100.0)


def test_metric_value_older_than_fresh_days_is_not_used() -> None:
    fresh = score_account(AccountFacts("a", "MM", metrics={"login_rate": series(0.6, age=14)}), CONFIG, TODAY)
    stale = score_account(AccountFacts("a", "MM", metrics={"login_rate": series(0.6, age=15)}), CONFIG, TODAY)
    assert fire(fresh) == pytest.approx(100.0)
    assert fire(stale) is None
    [outdated] = [u for u in stale.unknowns if u.key == "scoring.stale.metric"]
    assert outdated.params["as_of"] == days_ago(15)


def test_metric_uses_the_latest_value_not_after_today() -> None:
    points = {days_ago(2): 0.6, days_ago(1): 0.1, TODAY + timedelta(days=1): 0.9}
    result = score_account(
        AccountFacts("a", "MM", metrics={"login_rate": MetricSeries.from_points(points)}), CONFIG, TODAY
    )
    assert fire(result) == pytest.approx(0.0)


def test_series_refuses_unsorted_dates() -> None:
    with pytest.raises(ValueError, match="increasing"):
        MetricSeries((TODAY, days_ago(1)), (1.0, 2.0))


@pytest.mark.parametrize(
    ("onboarding", "expected"),
    [
        (Onboarding(planned_end=days_ago(100), completed_on=days_ago(110)), 100.0),  # early
        (Onboarding(planned_end=days_ago(100), completed_on=days_ago(70)), 50.0),  # 30 days late
        (Onboarding(planned_end=days_ago(30)), 50.0),  # still running, 30 days past plan
        (Onboarding(planned_end=TODAY + timedelta(days=10)), 100.0),  # still on schedule
        (Onboarding(planned_end=days_ago(100), completed_on=days_ago(10)), 0.0),  # 90 days late
    ],
)
def test_onboarding_delay_is_scored_from_planned_end(onboarding: Onboarding, expected: float) -> None:
    result = score_account(AccountFacts("a", "MM", onboarding=onboarding), CONFIG, TODAY)
    assert fire(result) == pytest.approx(expected)


def test_onboarding_segment_override() -> None:
    onboarding = Onboarding(planned_end=days_ago(100), completed_on=days_ago(85))
    mm = score_account(AccountFacts("a", "MM", onboarding=onboarding), CONFIG, TODAY)
    smb = score_account(AccountFacts("a", "SMB", onboarding=onboarding), CONFIG, TODAY)
    assert fire(mm) == pytest.approx(75.0)
    assert fire(smb) == pytest.approx(50.0)


def test_onboarding_without_a_plan_is_unknown() -> None:
    result = score_account(AccountFacts("a", "MM", onboarding=Onboarding()), CONFIG, TODAY)
    assert fire(result) is None
    assert [u.key for u in result.unknowns if u.key.endswith("onboarding")] == ["scoring.unknown.onboarding"]


def test_wind_recency_frequency_and_fit() -> None:
    touchpoints = (
        Touchpoint(days_ago(37), "visit", Expectation.FIT),
        Touchpoint(days_ago(50), "call", Expectation.UNDER),
    )
    result = score_account(AccountFacts("a", "MM", touchpoints=touchpoints), CONFIG, TODAY)
    recency = 100 * (60 - 37) / (60 - 14)
    frequency = 100 * 2 / 3
    fit = 100 * (0.5 - 0.2) / (0.8 - 0.2)
    assert result.element(Element.WIND).score == pytest.approx((2 * recency + frequency + fit) / 4)


def test_wind_frequency_target_per_segment() -> None:
    touchpoints = (Touchpoint(days_ago(5), "call"),)

    def wind(segment: str) -> HealthResult:
        return score_account(AccountFacts("a", segment, touchpoints=touchpoints), CONFIG, TODAY)

    smb, ep = wind("SMB"), wind("EP")
    assert smb.element(Element.WIND).score == pytest.approx(100.0)  # 1 of 1, fit unknown
    assert ep.element(Element.WIND).score == pytest.approx((2 * 100 + 100 / 6) / 3)


def test_no_touchpoints_is_unknown_not_silence() -> None:
    result = score_account(AccountFacts("a", "MM"), CONFIG, TODAY)
    assert result.element(Element.WIND).score is None
    assert "scoring.unknown.touchpoints" in [u.key for u in result.unknowns]


def test_nothing_known_gives_no_grade() -> None:
    result = score_account(AccountFacts("a", "MM"), CONFIG, TODAY)
    assert (result.score, result.grade, result.confidence) == (None, None, 0.0)
    assert result.reasons == ()


def test_healthy_account_is_top_grade_with_full_confidence() -> None:
    result = score_account(healthy_facts(), CONFIG, TODAY)
    assert result.grade == 5
    assert result.confidence == pytest.approx(1.0)
    assert result.config_version == make_config().config_version


def test_weak_firewood_caps_the_overall_grade() -> None:
    facts = dataclasses.replace(
        healthy_facts(),
        answers=(
            Answer("po_engagement", 1, days_ago(1)),
            Answer("pl_engagement", 1, days_ago(1)),
            Answer("open_opposition", True, days_ago(1)),
            Answer("adoption_reason", "both", days_ago(1)),
            Answer("homework_commitment", 5, days_ago(1)),
        ),
    )
    result = score_account(facts, CONFIG, TODAY)
    assert result.element(Element.FIREWOOD).grade == 1
    assert result.grade == 2
    assert result.capped_by is Element.FIREWOOD
    assert result.reasons[0].key == "scoring.reason.capped"
    assert result.reasons[0].impact < 0


def test_weighted_mode_does_not_cap() -> None:
    data = config_data()
    data["aggregation"]["mode"] = "weighted"
    facts = dataclasses.replace(
        healthy_facts(),
        answers=(
            Answer("po_engagement", 1, days_ago(1)),
            Answer("pl_engagement", 1, days_ago(1)),
            Answer("open_opposition", True, days_ago(1)),
            Answer("adoption_reason", "both", days_ago(1)),
            Answer("homework_commitment", 5, days_ago(1)),
        ),
    )
    result = score_account(facts, compiled(data), TODAY)
    assert result.capped_by is None
    assert result.grade == 4  # good usage hides the missing people: why chain is the default


def test_reasons_are_ordered_by_impact_and_limited() -> None:
    facts = dataclasses.replace(
        healthy_facts(),
        answers=(Answer("po_engagement", 2, days_ago(1)), Answer("homework_commitment", 1, days_ago(1))),
        metrics={"login_rate": series(0.12), "key_feature_use": series(0.7)},
    )
    result = score_account(facts, CONFIG, TODAY)
    impacts = [abs(r.impact) for r in result.reasons]
    assert impacts == sorted(impacts, reverse=True)
    assert len(result.reasons) <= 5
    assert result.reasons[0].key == "scoring.reason.scale5"  # homework 1/5 alone carries all of ember


def test_confidence_is_the_known_share_of_the_model_weight() -> None:
    result = score_account(only(Answer("po_engagement", 3, days_ago(1))), CONFIG, TODAY)
    # firewood is 30 of 100 element weight; PO is 3 of its 8 question weight.
    assert result.confidence == pytest.approx(0.30 * 3 / 8)


def test_score_accounts_accepts_an_uncompiled_config() -> None:
    results = score_accounts([healthy_facts("a"), healthy_facts("b")], make_config(), TODAY)
    assert [r.account_id for r in results] == ["a", "b"]
    assert results[0] == score_account(healthy_facts("a"), compile_config(make_config()), TODAY)


def test_unknowns_are_the_heaviest_few_by_default() -> None:
    result = score_account(AccountFacts("a", "MM"), compile_config(make_config()), TODAY)
    assert [u.key for u in result.unknowns] == [
        "scoring.unknown.touchpoints",  # wind: 15% of the model
        "scoring.unknown.metric",  # login rate: 3/6 of fire's 30%
        "scoring.unknown.question",  # 3/6 of ember's 25%
    ]
    assert [u.impact for u in result.unknowns] == pytest.approx([0.15, 0.15, 0.125])
