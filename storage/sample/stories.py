"""The stories the sample book tells: the situations the bonfire theory is about.

Each story starts from a generic profile (``STORY_LEVEL``) and changes what makes it that story; the
docstrings say what a CS team should see. Which account tells which story: ``companies.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from scoring.model import AnswerValue
from storage.sample.profiles import Plan, draw_answers

STORY_LEVEL = {
    "healthy_reference": "A",
    "at_risk_reference": "E",
    "po_left": "A",
    "no_pl": "B",
    "onboarding_stalled": "D",
    "ember_found_late": "B",
    "silent": "B",
    "stale_assessment": "C",
    "opposition": "C",
    "unknown_after_merger": "B",
    "brand_new": "C",
    "renewal_at_risk": "D",
    "churned": "E",
}


def _healthy_reference(plan: Plan) -> None:
    """Clearly healthy: every element strong for a long time, the team's "this is what good looks like"."""
    plan.contract_ago, plan.onboarding_delay, plan.renewal_in = 760, -3, 200
    good: dict[str, AnswerValue] = {
        "po_engagement": 5,
        "pl_engagement": 5,
        "pl_in_user_department": True,
        "renewal_reaches_decision_maker": True,
        "open_opposition": False,
        "adoption_reason": "company_and_personal",
        "satisfaction_understood": 5,
        "homework_commitment": 5,
    }
    plan.assessments = [(ago, dict(good), "中期経営計画の柱として全工場展開中") for ago in (15, 75, 135)]
    plan.touchpoints = [(ago, "regular_meeting" if ago % 28 else "visit", "fit") for ago in range(3, 200, 14)]
    plan.usage = (1.1, 1.2, 80, 10)


def _at_risk_reference(plan: Plan) -> None:
    """Clearly at risk: nobody owns it, an open opponent, no reason to push, usage near the floor."""
    plan.renewal_in, plan.onboarding_delay = 45, 60
    bad: dict[str, AnswerValue] = {
        "po_engagement": 1,
        "pl_engagement": 1,
        "pl_in_user_department": False,
        "renewal_reaches_decision_maker": False,
        "open_opposition": True,
        "adoption_reason": "none_found",
        "satisfaction_understood": 1,
        "homework_commitment": 1,
    }
    plan.assessments = [(35, bad, "現場は紙に戻りつつある。推進役が見当たらない"), (95, dict(bad), "")]
    plan.people.append(("opponent", "工場長", "製造部", True, plan.contract_ago, None))
    plan.touchpoints = [(ago, "call", "under") for ago in (50, 95, 150)]
    plan.usage = (0.15, 0.0, 60, 20)


def _po_left(plan: Plan) -> None:
    """The PO, who was also the decision maker, moved on 18 days ago with no successor. Usage is still
    fine, for now: the grade must not wait for usage to fall."""
    plan.renewal_in = 120
    plan.people = [
        ("po", "製造本部長", "製造本部", True, plan.contract_ago, 18),
        ("decision_maker", "製造本部長", "製造本部", True, plan.contract_ago, 18),
        ("pl", "課長", "物流品質課", True, plan.contract_ago, None),
    ]
    strong: dict[str, AnswerValue] = {
        "po_engagement": 5,
        "pl_engagement": 4,
        "pl_in_user_department": True,
        "renewal_reaches_decision_maker": True,
        "open_opposition": False,
        "adoption_reason": "company_and_personal",
        "satisfaction_understood": 4,
        "homework_commitment": 4,
    }
    plan.assessments = [(40, strong, "本部長の号令で全拠点展開"), (110, dict(strong), "")]
    plan.touchpoints = [(ago, "regular_meeting", "fit") for ago in range(5, 200, 14)]
    plan.usage = (1.1, 0.9, 14, 0)


def _no_pl(plan: Plan) -> None:
    """Usage looks fine, but nobody on the floor leads it: the firewood caps the grade."""
    plan.people = [("po", "部長", "生産管理部", True, plan.contract_ago, None)]
    answers: dict[str, AnswerValue] = {
        "po_engagement": 3,
        "pl_engagement": 1,
        "pl_in_user_department": False,
        "renewal_reaches_decision_maker": False,
        "open_opposition": False,
        "adoption_reason": "company",
        "satisfaction_understood": 3,
        "homework_commitment": 2,
    }
    plan.assessments = [
        (20, answers, "利用は多いが、現場のリーダーが決まっていない"),
        (80, dict(answers), ""),
    ]
    plan.touchpoints = [(ago, "regular_meeting", "fit") for ago in range(6, 200, 28)]
    plan.usage = (1.0, 1.1, 80, 10)


def _onboarding_stalled(plan: Plan) -> None:
    """Signed 95 days ago; onboarding should have finished 45 days ago and still has not."""
    plan.contract_ago, plan.onboarding_delay = 95, None
    plan.people = [
        ("po", "施設長", "本部", True, 95, None),
        ("pl", "介護主任", "第一ホーム", True, 95, None),
    ]
    answers: dict[str, AnswerValue] = {
        "po_engagement": 2,
        "pl_engagement": 2,
        "pl_in_user_department": True,
        "renewal_reaches_decision_maker": False,
        "open_opposition": False,
        "adoption_reason": "company",
        "satisfaction_understood": 2,
        "homework_commitment": 2,
    }
    plan.assessments = [(25, answers, "初期設定の宿題が進まない"), (70, dict(answers), "キックオフ")]
    plan.touchpoints = [(ago, "call", "under" if ago % 2 else "over") for ago in (4, 11, 19, 33, 47, 62, 80)]
    plan.usage = (0.15, 0.1, 60, 30)


def _ember_found_late(plan: Plan) -> None:
    """For months nobody knew why they bought; 12 days ago the CSM found the driver (a big client's
    audit) and a keen member. Answers and usage climb, so the score improves week on week."""
    plan.contract_ago, plan.renewal_in = 400, 160
    before: dict[str, AnswerValue] = {
        "po_engagement": 4,
        "pl_engagement": 3,
        "pl_in_user_department": True,
        "renewal_reaches_decision_maker": True,
        "open_opposition": False,
        "adoption_reason": "none_found",
        "satisfaction_understood": 2,
        "homework_commitment": 1,
    }
    after: dict[str, AnswerValue] = {
        "pl_engagement": 4,
        "adoption_reason": "company_and_personal",
        "satisfaction_understood": 4,
        "homework_commitment": 4,
    }
    plan.assessments = [
        (100, before, "導入理由が見えない"),
        (12, after, "大口取引先の監査対応が種火。若手の品証担当が乗り気"),
    ]
    plan.usage = (0.2, 0.95, 45, 2)


def _silent(plan: Plan) -> None:
    """A good account nobody has spoken to for 75 days: the wind has stopped."""
    plan.touchpoints = [
        (75, "regular_meeting", "fit"),
        (104, "regular_meeting", "fit"),
        (140, "visit", "fit"),
    ]
    plan.assessments = plan.assessments[:1] or [(75, draw_answers("B", plan.rng), "")]
    plan.assessments[0] = (76, plan.assessments[0][1], "")


def _stale_assessment(plan: Plan) -> None:
    """The last assessment is 210 days old: firewood and ember count as unknown until someone asks."""
    plan.assessments = [(210, draw_answers("B", plan.rng), "")]


def _opposition(plan: Plan) -> None:
    """An IT manager openly against going digital sits in the project."""
    plan.people.append(("opponent", "情報システム部長", "情報システム部", False, plan.contract_ago, None))
    for _, answers, _ in plan.assessments:
        answers["open_opposition"] = True


def _unknown_after_merger(plan: Plan) -> None:
    """After a merger the CSM no longer knows who decides or why: answered "unknown" 10 days ago, which
    overrides the older answers (confidence drops, the score does not)."""
    plan.assessments.append(
        (
            10,
            {"po_engagement": None, "renewal_reaches_decision_maker": None, "adoption_reason": None},
            "合併で体制変更。新しい決裁者は未確認",
        )
    )


def _brand_new(plan: Plan) -> None:
    """Signed 3 days ago, nothing known yet: 未評価, not the worst grade."""
    plan.contract_ago, plan.onboarding_delay, plan.onboarding_planned = 3, None, False
    plan.people, plan.assessments, plan.touchpoints, plan.usage = [], [], [], None


def _renewal_at_risk(plan: Plan) -> None:
    """An enterprise account renewing in 35 days with weak firewood and wind."""
    plan.renewal_in = 35


def _churned(plan: Plan) -> None:
    """Left 40 days ago: kept for history, not scored."""
    plan.churned_ago = 40
    plan.renewal_in = None


STORIES: Mapping[str, Callable[[Plan], None]] = {
    "healthy_reference": _healthy_reference,
    "at_risk_reference": _at_risk_reference,
    "po_left": _po_left,
    "no_pl": _no_pl,
    "onboarding_stalled": _onboarding_stalled,
    "ember_found_late": _ember_found_late,
    "silent": _silent,
    "stale_assessment": _stale_assessment,
    "opposition": _opposition,
    "unknown_after_merger": _unknown_after_merger,
    "brand_new": _brand_new,
    "renewal_at_risk": _renewal_at_risk,
    "churned": _churned,
}
