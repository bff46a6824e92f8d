"""Plain data the surface view tests render: a compact configuration and read models as the services
would return them (no database, no Slack)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.i18n import Locale, Translator
from handlers.services.assess import (
    AccountBrief,
    AssessForm,
    AssessOutcome,
    CtaChanges,
    CtaNote,
    PeopleChange,
    Person,
    PreviousAnswer,
)
from handlers.services.home import AccountLine, CtaLine, Health, HomeData, StatusCard, TouchpointLine
from handlers.services.scoring import AccountScore
from scoring.config import TakibiConfig
from scoring.config_parse import parse_config
from scoring.grades import GradeScale
from scoring.health import compile_config
from scoring.model import Element, HealthResult, Reason, Text
from scoring.trend import Trend
from storage.enums import (
    CtaPriority,
    CtaStatus,
    ExpectationFit,
    KeyPersonRole,
    RenewalForecast,
    TouchpointKind,
)
from storage.repositories.surface import Coverage
from tests.unit.scoring.builders import config_data

TODAY = date(2026, 11, 23)
JA = Translator(Locale.JA)
EN = Translator(Locale.EN)


def config() -> TakibiConfig:
    data = config_data()
    data["questions"] = [
        {
            "id": "po_engagement",
            "element": "firewood",
            "kind": "scale5",
            "label": {"ja": "PO の関与", "en": "PO engagement"},
            "help": {"ja": "PO は関わっていますか", "en": "Is the PO involved?"},
        },
        {
            "id": "open_opposition",
            "element": "ember",
            "kind": "yes_no",
            "yes_score": 0,
            "no_score": 100,
            "label": {"ja": "反対勢力", "en": "Opposition"},
        },
    ]
    return parse_config(data)


def scale() -> GradeScale:
    return compile_config(config()).scale


def kaminashi() -> AccountBrief:
    return AccountBrief(
        id=42,
        name="株式会社カミナシ",
        segment="SMB",
        owner_slack_id="U0SATO",
        renewal_date=date(2027, 3, 31),
        renewal_forecast=RenewalForecast.LIKELY,
        mrr=Decimal(120000),
        currency="JPY",
    )


def assess_form(*, may_change_people: bool = True) -> AssessForm:
    return AssessForm(
        today=TODAY,
        reader="U0SATO",
        account=kaminashi(),
        previous={"po_engagement": PreviousAnswer(4, date(2026, 11, 2))},
        people={KeyPersonRole.PO: Person(7, KeyPersonRole.PO, "山田", date(2025, 4, 1))},
        may_change_people=may_change_people,
    )


def health_result(grade: int | None = 4) -> HealthResult:
    return HealthResult(
        account_id="42",
        as_of=TODAY,
        config_version="abc",
        score=70.0,
        grade=grade,
        confidence=0.8,
        element_scores=(70.0,) * len(Element),
        element_grades=(grade,) * len(Element),
        element_confidences=(0.8,) * len(Element),
        reasons=(
            Reason(
                "scoring.reason.scale5", {"question": Text("PO の関与", "PO engagement"), "value": 4}, 5.0
            ),
        ),
        unknowns=(),
    )


def assess_outcome() -> AssessOutcome:
    score = AccountScore(
        account_id=42,
        external_id="CUST-0001",
        name="株式会社カミナシ",
        segment="SMB",
        owner_slack_id="U0SATO",
        result=health_result(4),
        trend=Trend(70.0, 60.0, None, 10.0, None),
    )
    return AssessOutcome(
        account=kaminashi(),
        assessment_id=1,
        touchpoint_id=2,
        grade_before=3,
        had_score=True,
        score=score,
        people=(PeopleChange(KeyPersonRole.PO, "山田", "佐々木"),),
        ctas=CtaChanges(
            opened=(CtaNote(9, "key_person_changed", "high", date(2026, 11, 30)),),
            cleared=(CtaNote(8, "silent_account", "medium", date(2026, 11, 25)),),
        ),
    )


def health() -> Health:
    return Health(
        day=TODAY,
        grade=4,
        score=70.0,
        confidence=0.8,
        elements=((Element.FIREWOOD, 3), (Element.EMBER, 4), (Element.WIND, 5), (Element.FIRE, None)),
        trend=Trend(70.0, 62.0, None, 8.0, None),
    )


def cta_line(*, overdue: bool = False) -> CtaLine:
    return CtaLine(
        id=9,
        account_id=42,
        account_name="株式会社カミナシ",
        rule_id="silent_account",
        priority=CtaPriority.HIGH,
        status=CtaStatus.OPEN,
        due_on=date(2026, 11, 20) if overdue else date(2026, 11, 30),
        overdue=overdue,
    )


def status_card() -> StatusCard:
    return StatusCard(
        account=kaminashi(),
        health=health(),
        reasons=(Reason("scoring.reason.vacant.pl", {"since": date(2026, 10, 1)}, -12.0),),
        unknowns=(Reason("scoring.unknown.question", {"question": Text("反対勢力", "Opposition")}, 0.1),),
        ctas=(cta_line(overdue=True),),
        touchpoints=(
            TouchpointLine(
                date(2026, 11, 20),
                TouchpointKind.VISIT,
                ExpectationFit.FIT,
                "U0SATO",
                "https://takibi-dev.slack.com/archives/C0CSSMB/p1",
            ),
        ),
        people=(Person(7, KeyPersonRole.PO, "山田", date(2025, 4, 1)),),
        last_assessed=date(2026, 11, 2),
        stale=False,
        today=TODAY,
    )


def account_line(name: str, grade: int | None, *, stale: bool, last: date | None) -> AccountLine:
    return AccountLine(
        id=hash(name) % 1000,
        name=name,
        segment="SMB",
        mrr=Decimal(0),
        currency="JPY",
        health=Health(day=TODAY, grade=grade, trend=Trend(None, None, None, None, None)),
        last_assessed=last,
        stale=stale,
    )


def home_data() -> HomeData:
    return HomeData(
        reader="U0SATO",
        today=TODAY,
        accounts=(
            account_line("株式会社カミナシ", 4, stale=False, last=date(2026, 11, 2)),
            account_line("合同会社ヤマト", None, stale=True, last=None),
        ),
        ctas=(cta_line(),),
        mine=Coverage(since=date(2026, 7, 26), accounts=2, assessed=1),
        team=Coverage(since=date(2026, 7, 26), accounts=60, assessed=45),
        max_age_days=120,
    )


def rule(rule_id: str) -> str:
    return {"silent_account": "接点が途絶えている", "key_person_changed": "キーマンが交代した"}.get(
        rule_id, rule_id
    )
