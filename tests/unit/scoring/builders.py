"""A small, readable configuration and account builders for scoring tests (plain data, no I/O)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from scoring.config import TakibiConfig
from scoring.config_parse import parse_config
from scoring.health import CompiledConfig, compile_config
from scoring.model import (
    AccountFacts,
    Answer,
    Expectation,
    KeyPerson,
    MetricSeries,
    Onboarding,
    Role,
    Touchpoint,
)

TODAY = date(2024, 11, 15)


def label(ja: str, en: str | None = None) -> dict[str, str]:
    return {"ja": ja, "en": en or ja}


def config_data() -> dict[str, Any]:
    """A compact configuration with one question of each kind, wind, two metrics and onboarding."""
    return copy.deepcopy(_BASE)


def make_config(data: dict[str, Any] | None = None) -> TakibiConfig:
    return parse_config(config_data() if data is None else data)


def compiled(data: dict[str, Any] | None = None, *, max_unknowns: int = 50) -> CompiledConfig:
    """Compiled for tests: every unknown listed unless asked otherwise, so each can be checked."""
    return compile_config(make_config(data), max_unknowns=max_unknowns)


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def series(value: float, *, age: int = 0, length: int = 10) -> MetricSeries:
    """A daily series ending ``age`` days before TODAY with ``value`` as its latest point."""
    end = days_ago(age)
    return MetricSeries.from_points(
        {end - timedelta(days=i): (value if i == 0 else 0.0) for i in range(length)}
    )


def healthy_facts(account_id: str = "acme", segment: str = "MM") -> AccountFacts:
    """An account where everything is known and good."""
    return AccountFacts(
        account_id=account_id,
        segment=segment,
        answers=(
            Answer("po_engagement", 5, days_ago(10)),
            Answer("pl_engagement", 5, days_ago(10)),
            Answer("open_opposition", False, days_ago(10)),
            Answer("adoption_reason", "both", days_ago(10)),
            Answer("homework_commitment", 5, days_ago(10)),
        ),
        touchpoints=tuple(Touchpoint(days_ago(n), "meeting", Expectation.FIT) for n in (3, 20, 40, 60)),
        metrics={"login_rate": series(0.8), "key_feature_use": series(0.9)},
        key_people=(KeyPerson(Role.PO, since=days_ago(400)), KeyPerson(Role.PL, since=days_ago(400))),
        onboarding=Onboarding(planned_end=days_ago(300), completed_on=days_ago(310)),
    )


_BASE: dict[str, Any] = {
    "segments": [
        {"id": "SMB", "label": label("中小企業", "SMB")},
        {"id": "MM", "label": label("中堅企業", "Mid-market")},
        {"id": "EP", "label": label("大企業", "Enterprise")},
    ],
    "elements": {
        "firewood": {"label": label("薪", "Firewood"), "weight": 30},
        "ember": {"label": label("種火", "Ember"), "weight": 25},
        "wind": {"label": label("送風", "Wind"), "weight": 15},
        "fire": {"label": label("焚き火の状態", "Fire"), "weight": 30},
    },
    "assessment_max_age_days": 120,
    "questions": [
        {
            "id": "po_engagement",
            "element": "firewood",
            "kind": "scale5",
            "weight": 3,
            "person_role": "po",
            "label": label("PO の関与", "PO engagement"),
        },
        {
            "id": "pl_engagement",
            "element": "firewood",
            "kind": "scale5",
            "weight": 3,
            "person_role": "pl",
            "label": label("PL の関与", "PL engagement"),
        },
        {
            "id": "open_opposition",
            "element": "firewood",
            "kind": "yes_no",
            "weight": 2,
            "yes_score": 0,
            "no_score": 100,
            "label": label("反対勢力がいる", "Open opposition"),
        },
        {
            "id": "adoption_reason",
            "element": "ember",
            "kind": "choice",
            "weight": 3,
            "label": label("取り組む理由", "Reason to adopt"),
            "choices": [
                {"id": "both", "label": label("会社と個人の両方", "Company and personal"), "score": 100},
                {"id": "company", "label": label("会社の理由", "Company driver"), "score": 75},
                {"id": "none_found", "label": label("見当たらない", "None found"), "score": 0},
            ],
        },
        {
            "id": "homework_commitment",
            "element": "ember",
            "kind": "scale5",
            "weight": 3,
            "label": label("宿題へのコミット", "Commitment to homework"),
        },
    ],
    "wind": {
        "recency": {"good_within_days": 14, "bad_beyond_days": 60, "weight": 2},
        "frequency": {
            "window_days": 90,
            "target": 3,
            "segments": {"SMB": {"target": 1}, "EP": {"target": 6}},
            "weight": 1,
        },
        "fit": {"window_days": 180, "target": 0.8, "floor": 0.2, "weight": 1},
    },
    "fire": {
        "metrics": [
            {
                "id": "login_rate",
                "label": label("ログイン率", "Login rate"),
                "unit": "ratio",
                "direction": "higher_is_better",
                "target": 0.6,
                "floor": 0.1,
                "fresh_days": 14,
                "weight": 3,
                "segments": {"SMB": {"target": 0.5}, "EP": {"target": 0.7, "floor": 0.2}},
            },
            {
                "id": "key_feature_use",
                "label": label("主要機能の利用率", "Key feature use"),
                "unit": "ratio",
                "direction": "higher_is_better",
                "target": 0.7,
                "floor": 0.2,
                "fresh_days": 30,
                "weight": 2,
            },
            {
                "id": "onboarding_delay_days",
                "label": label("オンボーディングの遅れ", "Onboarding delay"),
                "unit": "days",
                "direction": "lower_is_better",
                "target": 0,
                "floor": 60,
                "weight": 1,
                "segments": {"SMB": {"floor": 30}},
            },
        ]
    },
    "aggregation": {
        "mode": "chain",
        "caps": [
            {"element": "firewood", "at_or_below": 1, "overall_at_most": 2},
            {"element": "ember", "at_or_below": 1, "overall_at_most": 2},
        ],
    },
    "grades": [
        {"grade": 5, "min_score": 80, "label": label("A 好調", "A Thriving"), "emoji": "🔥"},
        {"grade": 4, "min_score": 65, "label": label("B 順調", "B On track"), "emoji": "🟢"},
        {"grade": 3, "min_score": 45, "label": label("C 注意", "C Watch"), "emoji": "🟡"},
        {"grade": 2, "min_score": 25, "label": label("D 要対応", "D Needs action"), "emoji": "🟠"},
        {"grade": 1, "min_score": 0, "label": label("E 危険", "E At risk"), "emoji": "🔴"},
    ],
    "reference_accounts": {"CUST-1": 5},
}
