"""Generic profiles of the sample book: what a thriving (A) … at-risk (E) customer looks like.

A profile draws answers, key people, touchpoints and a usage curve that fit its level, from a random
generator seeded per account; a story (``storage.sample.stories``) then changes what it is about.
Everything is in "days ago" offsets, turned into dates around the chosen day by ``generate``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scoring.model import AnswerValue
from storage.sample.companies import Company

SEED = "takibi-sample-v1"
CADENCE = {"SMB": 45, "MM": 28, "EP": 14}
"""Days between regular touchpoints by segment (high touch for enterprise)."""

LEVELS = "EDCBA"
"""Generic profiles, worst first: index + 1 is the grade the profile is drawn to reach."""

# Family and given names, space-separated (drawn from with ``.split()``).
FAMILY = "佐々木 山本 中村 小林 加藤 吉田 山田 松本 井上 木村 林 清水 山崎 森 池田 橋本 阿部 石川 前田 藤田"
GIVEN = "健一 直樹 美穂 大輔 由美 拓也 恵 誠 彩 浩二 真由美 翔太 智子 亮 陽子 和也 千尋 修 麻衣 隆"
KIND_NOTES = {
    "regular_meeting": "定例: 利用状況と宿題の確認",
    "visit": "現場訪問: 運用の立ち会い",
    "call": "電話: 困りごとのフォロー",
    "email": "メール: 活用事例の共有",
    "chat": "チャット: 設定の質問に回答",
    "webinar": "ウェビナー: 新機能の紹介",
}
EFFORT = {"regular_meeting": 60, "visit": 180, "call": 30, "email": 10, "chat": 5, "webinar": 60}
FITS: Mapping[str, tuple[tuple[str | None, int], ...]] = {
    "A": (("fit", 18), ("over", 1), ("under", 1)),
    "B": (("fit", 15), ("over", 3), ("under", 2)),
    "C": (("fit", 10), ("over", 4), ("under", 5), (None, 1)),
    "D": (("fit", 6), ("over", 4), ("under", 9), (None, 1)),
    "E": (("fit", 3), ("over", 3), ("under", 13), (None, 1)),
}
SCALE: Mapping[str, Sequence[int]] = {
    "A": (5, 5, 5, 4),
    "B": (4, 4, 3, 4, 3),
    "C": (3, 3, 4, 2),
    "D": (2, 2, 3, 1),
    "E": (1, 1, 2),
}
YES_SHARE = {"A": 0.95, "B": 0.75, "C": 0.55, "D": 0.3, "E": 0.1}
REASONS: Mapping[str, Sequence[str]] = {
    "A": ("company_and_personal", "company_and_personal", "company"),
    "B": ("company", "company", "personal", "company_and_personal", "personal"),
    "C": ("personal", "company", "personal"),
    "D": ("personal", "none_found"),
    "E": ("none_found", "none_found", "personal"),
}
USAGE_SHARE = {"A": 1.15, "B": 0.72, "C": 0.5, "D": 0.3, "E": 0.05}
LAST_TOUCH = {"A": (1, 8), "B": (5, 25), "C": (8, 30), "D": (20, 50), "E": (45, 80)}
ONBOARDING_DELAY = {"A": (-5, 0), "B": (0, 5), "C": (5, 20), "D": (20, 40), "E": (40, 70)}


@dataclass
class Plan:
    """One account in "days ago" offsets, filled by the generic profile and changed by its story."""

    company: Company
    rng: random.Random
    level: str
    contract_ago: int
    onboarding_delay: int | None
    """Days the onboarding ran late (negative: early); ``None``: not finished."""
    onboarding_planned: bool = True
    renewal_in: int | None = None
    people: list[tuple[str, str, str, bool | None, int | None, int | None]] = field(default_factory=list)
    """(role, title, department, in using department, since days ago, left days ago)."""
    assessments: list[tuple[int, dict[str, AnswerValue], str]] = field(default_factory=list)
    touchpoints: list[tuple[int, str, str | None]] = field(default_factory=list)
    usage: tuple[float, float, int, int] | None = None
    churned_ago: int | None = None


def rng_for(company: Company, purpose: str) -> random.Random:
    """A generator of its own per account and purpose: adding an account changes no other."""
    return random.Random(f"{SEED}:{purpose}:{company.external_id}")


def draw_answers(level: str, rng: random.Random, *, unknown_share: float = 0.0) -> dict[str, AnswerValue]:
    yes = YES_SHARE[level]
    answers: dict[str, AnswerValue] = {
        "po_engagement": rng.choice(SCALE[level]),
        "pl_engagement": rng.choice(SCALE[level]),
        "pl_in_user_department": rng.random() < yes,
        "renewal_reaches_decision_maker": rng.random() < yes,
        "open_opposition": rng.random() > yes + 0.1,
        "adoption_reason": rng.choice(REASONS[level]),
        "satisfaction_understood": rng.choice(SCALE[level]),
        "homework_commitment": rng.choice(SCALE[level]),
    }
    for question in answers:
        if rng.random() < unknown_share:
            answers[question] = None
    return answers


def generic(plan: Plan) -> None:
    rng, level, segment = plan.rng, plan.level, plan.company.segment
    people: list[tuple[str, str, str, bool | None, int | None, int | None]] = [
        ("po", "部長", "製造部" if rng.random() < 0.5 else "業務部", True, plan.contract_ago, None),
        (
            "pl",
            "課長",
            "品質保証課" if rng.random() < 0.5 else "現場改善課",
            level in "ABC",
            plan.contract_ago,
            None,
        ),
    ]
    if segment == "EP":
        people.append(("decision_maker", "執行役員", "経営企画部", False, plan.contract_ago, None))
    if level == "A":
        people.append(("champion", "主任", "製造部", True, plan.contract_ago - 30, None))
    plan.people = people

    count = {"A": 3, "B": 3, "C": 2, "D": 2, "E": 2}[level]
    last = rng.randint(*{"A": (7, 40), "B": (10, 50), "C": (20, 80), "D": (30, 100), "E": (40, 110)}[level])
    for n in range(count):
        ago = last + 60 * n
        if ago < plan.contract_ago:
            plan.assessments.append(
                (ago, draw_answers(level, rng, unknown_share=0.07 if n == 0 else 0.0), "")
            )

    low, high = LAST_TOUCH[level]
    cadence = CADENCE[segment] * (2 if level in "DE" else 1)
    ago = rng.randint(low, high)
    while ago < min(plan.contract_ago, 200):
        kind = _kind(segment, rng)
        plan.touchpoints.append((ago, kind, _fit(level, kind, rng)))
        ago += max(3, cadence + rng.randint(-4, 4))

    share = USAGE_SHARE[level] + rng.uniform(-0.06, 0.06)
    plan.usage = (share + rng.uniform(-0.15, 0.1), share, 80, 10)


def _kind(segment: str, rng: random.Random) -> str:
    kinds = {
        "EP": ("regular_meeting", "regular_meeting", "regular_meeting", "visit", "email"),
        "MM": ("regular_meeting", "regular_meeting", "call", "email", "webinar"),
        "SMB": ("call", "email", "email", "chat", "webinar"),
    }[segment]
    return rng.choice(kinds)


def _fit(level: str, kind: str, rng: random.Random) -> str | None:
    if kind in {"email", "chat"} and rng.random() < 0.3:
        return None  # a mail nobody rated
    options = FITS[level]
    fit: str | None = rng.choices([o for o, _ in options], [w for _, w in options])[0]
    return fit
