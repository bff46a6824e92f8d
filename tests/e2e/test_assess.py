"""``/takibi assess`` end to end: signed requests → the real app over HTTP → the stand-in, on a real
database; what is stored is read back from the database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.sandbox import SlackDriver, SlackStandIn
from storage.db import Database
from storage.enums import CtaStatus, KeyPersonRole, RenewalForecast, TouchpointKind
from storage.models import Account, Assessment, AuditLogEntry, Cta, HealthSnapshot, KeyPerson, Touchpoint
from tests.e2e.conftest import (
    CHANNEL,
    COLLEAGUE,
    ENGLISH,
    OWNER,
    Book,
    date_input,
    initial_state,
    radio,
    table_counts,
    text_input,
    wait_for_ephemeral,
    wait_for_modal,
)
from tests.e2e.conftest import (
    chosen as choose,
)

TOKYO = ZoneInfo("Asia/Tokyo")


def today() -> date:
    from datetime import datetime

    return datetime.now(TOKYO).date()


def open_assess(slack: SlackDriver, standin: SlackStandIn, user: str, text: str = "assess") -> dict[str, Any]:
    answer = slack.slash_command(text, user_id=user, channel_id=CHANNEL)
    assert answer.status == 200
    return wait_for_modal(standin, user, "assess")


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def question_block(view: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id", "").startswith(f"question:{question_id}:"))


def answered(view: dict[str, Any], **answers: str) -> dict[str, Any]:
    """Overrides choosing ``answers`` (question id → option value) in ``view``."""
    return {question_block(view, q)["block_id"]: radio(v) for q, v in answers.items()}


def submit(slack: SlackDriver, user: str, view: dict[str, Any], values: dict[str, Any]) -> Any:
    answer = slack.view_submission(user, view, values)
    assert answer.status == 200, answer.body
    return answer


def rows(database: Database, model: Any) -> list[Any]:
    with database.unit_of_work() as session:
        return list(session.scalars(select(model).order_by(model.id)))


# --- the round trip ----------------------------------------------------------------------------


def test_assess_round_trip_stores_everything_and_confirms(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    view = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")

    assert block(view, "assess_account")["element"]["initial_option"]["value"] == str(book.kaminashi)
    values = initial_state(
        view,
        **answered(
            view, po_engagement="4", pl_engagement="2", open_opposition="no", adoption_reason="company"
        ),
        tp_kind=choose("regular_meeting"),
        tp_fit=radio("fit"),
        tp_effort=text_input("45"),
        note=text_input("次回は現場の PL と話す"),
    )
    answer = submit(slack, OWNER, view, values)

    assert answer.json is None  # a plain ack: the modal closes
    confirmation = wait_for_ephemeral(standin, OWNER)
    assert "株式会社カミナシ" in confirmation["text"]
    (assessment,) = rows(database, Assessment)
    assert assessment.account_id == book.kaminashi
    assert assessment.author_slack_id == OWNER
    assert assessment.call_date == today()
    assert assessment.answers["po_engagement"] == 4
    assert assessment.answers["open_opposition"] is False
    assert assessment.answers["adoption_reason"] == "company"
    assert assessment.answers["satisfaction_understood"] is None  # left at "unknown"
    assert assessment.note == "次回は現場の PL と話す"
    (touchpoint,) = rows(database, Touchpoint)
    assert (touchpoint.kind, touchpoint.effort_minutes) == (TouchpointKind.REGULAR_MEETING, 45)
    assert touchpoint.assessment_id == assessment.id
    (snapshot,) = rows(database, HealthSnapshot)
    assert (snapshot.account_id, snapshot.day) == (book.kaminashi, today())
    assert snapshot.firewood_grade is not None
    (audit,) = rows(database, AuditLogEntry)
    assert (audit.actor, audit.action, audit.entity_id) == (
        OWNER,
        "assessment.submitted",
        str(book.kaminashi),
    )


def test_previous_answers_are_pre_filled_the_next_time(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    first = open_assess(slack, standin, OWNER, "assess カミナシ")
    submit(
        slack, OWNER, first, initial_state(first, **answered(first, po_engagement="5", open_opposition="yes"))
    )
    wait_for_ephemeral(standin, OWNER)

    second = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")

    po = question_block(second, "po_engagement")
    assert po["element"]["initial_option"]["value"] == "5"
    assert po["hint"]["text"].startswith("前回の回答: 今日")
    assert question_block(second, "open_opposition")["element"]["initial_option"]["value"] == "yes"
    assert question_block(second, "pl_engagement")["element"]["initial_option"]["value"] == "_unknown"


def test_the_modal_speaks_english_to_an_english_user(
    slack: SlackDriver, standin: SlackStandIn, book: Book
) -> None:
    view = open_assess(slack, standin, ENGLISH, "assess 焚火")

    assert view["title"]["text"] == "Health check"
    assert question_block(view, "po_engagement")["label"]["text"] == "PO engagement"


def test_an_account_picked_in_the_modal_refills_it_with_that_accounts_answers(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    first = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")
    submit(slack, OWNER, first, initial_state(first, **answered(first, po_engagement="2")))
    wait_for_ephemeral(standin, OWNER)
    empty = open_assess(slack, standin, OWNER, "assess")
    assert "initial_option" not in block(empty, "assess_account")["element"]

    picked = {
        "type": "external_select",
        "action_id": "account",
        "block_id": "assess_account",
        "selected_option": {"value": str(book.kaminashi), "text": {"type": "plain_text", "text": "x"}},
    }
    answer = slack.block_actions(OWNER, [picked], view=empty)

    assert answer.status == 200
    assert standin.wait_until(
        lambda s: any(
            b.get("block_id", "").startswith("question:po_engagement:")
            and b["element"].get("initial_option")
            and b["element"]["initial_option"]["value"] == "2"
            for b in s.open_views(OWNER)[-1]["blocks"]
        )
    )


@pytest.mark.parametrize(
    ("block_id", "state", "message"),
    [
        ("tp_date", date_input((today() + timedelta(days=1)).isoformat()), "未来の日付は選べません"),
        ("assess_account", choose(None, "external_select"), "顧客を選んでください"),
        ("note", text_input("あ" * 3001), "3,000 文字以内にしてください"),
        ("tp_effort", text_input("一時間くらい"), "数字 (分) で入力してください"),
    ],
    ids=["future_date", "no_account", "long_note", "effort_not_a_number"],
)
def test_invalid_input_is_shown_inline_and_nothing_is_stored(  # noqa: PLR0917 - fixtures
    slack: SlackDriver,
    standin: SlackStandIn,
    database: Database,
    book: Book,
    block_id: str,
    state: dict[str, Any],
    message: str,
) -> None:
    view = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")
    before = table_counts(database)
    values = initial_state(view, tp_kind=choose("call"), **{block_id: state})

    answer = submit(slack, OWNER, view, values)

    assert answer.json["response_action"] == "errors"
    assert answer.json["errors"] == {block_id: message}
    assert table_counts(database) == before
    assert standin.open_views(OWNER)[-1]["id"] == view["id"]  # the modal stays open


def test_errors_are_in_the_readers_language(slack: SlackDriver, standin: SlackStandIn, book: Book) -> None:
    view = open_assess(slack, standin, ENGLISH, "assess 焚火")

    answer = submit(slack, ENGLISH, view, initial_state(view, tp_effort=text_input("an hour")))

    assert answer.json["errors"] == {"tp_effort": "Please enter a number (minutes)"}


def test_effort_without_a_kind_asks_for_the_kind(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    view = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")

    answer = submit(slack, OWNER, view, initial_state(view, tp_effort=text_input("30")))

    assert list(answer.json["errors"]) == ["tp_kind"]
    assert rows(database, Assessment) == []


def test_the_owner_replaces_the_po_and_sets_the_renewal_forecast(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    view = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")
    po = f"person_name:po:{book.kaminashi}"
    assert block(view, po)["element"]["initial_value"] == "山田"

    values = initial_state(
        view, **{po: text_input("佐々木"), f"renewal:{book.kaminashi}": radio("uncertain")}
    )
    submit(slack, OWNER, view, values)

    confirmation = wait_for_ephemeral(standin, OWNER)
    assert "山田 さん → 佐々木 さん" in confirmation["blocks"][1]["text"]["text"]
    people = rows(database, KeyPerson)
    assert [(p.name, p.left_on) for p in people] == [("山田", today()), ("佐々木", None)]
    assert all(p.role == KeyPersonRole.PO for p in people)
    (account,) = [a for a in rows(database, Account) if a.id == book.kaminashi]
    assert account.renewal_forecast == RenewalForecast.UNCERTAIN


def test_a_po_who_left_makes_the_seat_vacant(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    view = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")
    left = f"person_left:po:{book.kaminashi}"
    option = block(view, left)["element"]["options"][0]

    submit(
        slack,
        OWNER,
        view,
        initial_state(view, **{left: {"type": "checkboxes", "selected_options": [option]}}),
    )

    confirmation = wait_for_ephemeral(standin, OWNER)
    (po,) = rows(database, KeyPerson)
    assert po.left_on == today()
    (cta,) = rows(database, Cta)
    assert (cta.account_id, cta.rule_id, cta.status) == (book.kaminashi, "key_person_missing", CtaStatus.OPEN)
    assert "CTA「キーマン (PO / PL) が不在」が開きました" in confirmation["blocks"][1]["text"]["text"]


def test_a_successor_recorded_later_clears_the_vacancy_cta(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    view = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")
    left = f"person_left:po:{book.kaminashi}"
    option = block(view, left)["element"]["options"][0]
    pl = f"person_name:pl:{book.kaminashi}"
    vacated = {left: {"type": "checkboxes", "selected_options": [option]}, pl: text_input("田中")}
    submit(slack, OWNER, view, initial_state(view, **vacated))
    wait_for_ephemeral(standin, OWNER)

    again = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")
    submit(
        slack,
        OWNER,
        again,
        initial_state(again, **{f"person_name:po:{book.kaminashi}": text_input("佐々木")}),
    )

    confirmation = wait_for_ephemeral(standin, OWNER, count=2)
    assert "CTA「キーマン (PO / PL) が不在」は解消されました" in confirmation["blocks"][1]["text"]["text"]
    statuses = {c.rule_id: c.status for c in rows(database, Cta)}
    assert statuses["key_person_missing"] == CtaStatus.AUTO_CLOSED


def test_the_confirmation_goes_by_dm_when_the_ephemeral_cannot_be_posted(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    elsewhere = standin.add_channel("cs-leads-only", members=["U0TAKAHASHI"])  # 佐藤 has left it since
    slack.slash_command("assess 株式会社カミナシ", user_id=OWNER, channel_id=elsewhere)
    view = wait_for_modal(standin, OWNER, "assess")

    submit(slack, OWNER, view, initial_state(view))

    dm = standin.dm_channel(OWNER)
    assert standin.wait_until(
        lambda s: any("株式会社カミナシ" in m["text"] for m in s.messages(dm)), timeout=10
    )


def test_data_stays_stored_when_slack_fails_after_the_ack(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    view = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")
    calls_before = len(standin.calls)
    standin.fail_next("*", status=429, retry_after=0, times=50)  # Slack refuses every call for a while

    answer = submit(slack, OWNER, view, initial_state(view, **answered(view, po_engagement="3")))

    assert answer.json is None
    # The confirmation (ephemeral, then the DM fallback) was tried, retried, and given up on.
    assert standin.wait_until(lambda s: len(s.calls) >= calls_before + 8, timeout=10)
    standin.clear_faults()
    (assessment,) = rows(database, Assessment)
    assert assessment.answers["po_engagement"] == 3
    assert len(rows(database, HealthSnapshot)) == 1


def test_a_submission_is_acked_without_waiting_for_slack(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    view = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")
    standin.set_latency(4.0)  # any Slack call made before the ack would push it past Slack's 3 s

    answer = submit(slack, OWNER, view, initial_state(view))

    assert answer.elapsed < 3.0
    standin.clear_faults()


def test_a_colleague_may_assess_but_sees_key_people_read_only(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    view = open_assess(slack, standin, COLLEAGUE, "assess 株式会社カミナシ")

    block_ids = [b.get("block_id", "") for b in view["blocks"]]
    assert not any(b.startswith(("person_name:", "renewal:")) for b in block_ids)
    info = block(view, f"assess_people_info:{book.kaminashi}")
    assert "山田" in info["elements"][0]["text"]

    submit(slack, COLLEAGUE, view, initial_state(view, **answered(view, homework_commitment="4")))
    wait_for_ephemeral(standin, COLLEAGUE)
    (assessment,) = rows(database, Assessment)
    assert assessment.author_slack_id == COLLEAGUE
