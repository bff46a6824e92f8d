"""Reasons render through the catalogs in both languages; every key scoring can emit exists in both."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import Locale, Translator, catalog
from scoring.health import score_account
from scoring.model import (
    AccountFacts,
    Answer,
    Expectation,
    KeyPerson,
    Onboarding,
    Reason,
    Role,
    Touchpoint,
)
from tests.unit.scoring.builders import TODAY, compiled, days_ago, series

CONFIG = compiled()
JA = Translator(Locale.JA)
EN = Translator(Locale.EN)


def render(reason: Reason, t: Translator) -> str:
    return t(reason.key, **reason.params)


def texts(facts: AccountFacts) -> tuple[list[str], list[str]]:
    result = score_account(facts, CONFIG, TODAY)
    every = result.reasons + result.unknowns
    return [render(r, JA) for r in every], [render(r, EN) for r in every]


def test_vacant_pl_reads_with_its_date() -> None:
    facts = AccountFacts(
        "a",
        "MM",
        answers=(Answer("pl_engagement", 5, date(2024, 9, 1)),),
        key_people=(KeyPerson(Role.PL, left_on=date(2024, 10, 1)),),
    )
    ja, en = texts(facts)
    assert "PL 不在 (10/01 から)" in ja
    assert "No PL since 10/01" in en


def test_metric_against_target_as_percentages() -> None:
    ja, en = texts(AccountFacts("a", "MM", metrics={"login_rate": series(0.12)}))
    assert "ログイン率 12% / 目標 60%" in ja
    assert "Login rate 12% / target 60%" in en


def test_days_since_last_touchpoint() -> None:
    ja, en = texts(
        AccountFacts("a", "MM", touchpoints=(Touchpoint(days_ago(45), "call", Expectation.UNDER),))
    )
    assert "最終接点から 45 日" in ja
    assert "45 days since the last touchpoint" in en


def test_unknown_and_stale_answers_nudge() -> None:
    facts = AccountFacts(
        "a",
        "MM",
        answers=(Answer("po_engagement", None, days_ago(1)), Answer("pl_engagement", 3, date(2024, 1, 10))),
    )
    ja, en = texts(facts)
    assert "未確認: PO の関与" in ja
    assert "Not yet known: PO engagement" in en
    assert "回答が古い: PL の関与 (2024/01/10 の回答)" in ja
    assert "Outdated: PL engagement (answered 2024-01-10)" in en


def test_cap_reason_names_the_element_and_grades() -> None:
    facts = AccountFacts(
        "a",
        "MM",
        answers=(Answer("po_engagement", 1, days_ago(1)), Answer("homework_commitment", 5, days_ago(1))),
        metrics={"login_rate": series(0.9), "key_feature_use": series(0.9)},
    )
    ja, en = texts(facts)
    assert ja[0] == "薪が「E 危険」のため、総合は「D 要対応」まで"
    assert en[0] == "Overall held at “D Needs action” because Firewood is “E At risk”"


def test_onboarding_and_choice_and_yes_no_render() -> None:
    facts = AccountFacts(
        "a",
        "MM",
        answers=(
            Answer("adoption_reason", "none_found", days_ago(1)),
            Answer("open_opposition", True, days_ago(1)),
        ),
        onboarding=Onboarding(planned_end=days_ago(20)),
    )
    ja, en = texts(facts)
    assert "取り組む理由: 見当たらない" in ja
    assert "反対勢力がいる: はい" in ja
    assert "Open opposition: yes" in en
    assert "オンボーディング 20 日遅れ" in ja
    assert "Onboarding 20 days late" in en


EMITTED = [
    "scoring.grade.none",
    "scoring.reason.capped",
    "scoring.reason.scale5",
    "scoring.reason.yes",
    "scoring.reason.no",
    "scoring.reason.choice",
    *(f"scoring.reason.vacant.{role.value}" for role in Role),
    *(f"scoring.reason.metric.{unit}" for unit in ("ratio", "count", "days", "number")),
    "scoring.reason.onboarding.late",
    "scoring.reason.onboarding.on_time",
    "scoring.reason.wind.recency",
    "scoring.reason.wind.frequency",
    "scoring.reason.wind.fit",
    "scoring.unknown.question",
    "scoring.stale.question",
    "scoring.unknown.metric",
    "scoring.stale.metric",
    "scoring.unknown.touchpoints",
    "scoring.unknown.touchpoint_fit",
    "scoring.unknown.onboarding",
]


@pytest.mark.parametrize("locale", list(Locale))
def test_every_scoring_key_exists_in_both_languages(locale: Locale) -> None:
    missing = [key for key in EMITTED if key not in catalog(locale)]
    assert missing == []
    own = {key for key in catalog(locale) if key.startswith("scoring.")}
    assert own <= {*EMITTED, "scoring.confidence"}
