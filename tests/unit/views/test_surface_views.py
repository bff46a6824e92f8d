"""What the surface builders decide, one behaviour per test (language, limits, states)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.i18n import Locale, Translator
from handlers.services.assess import AssessForm
from handlers.services.picker import AccountOption
from handlers.views.assess import assess_modal
from handlers.views.common import age_text, change_text, notice_modal, truncate
from handlers.views.mine import ctas_message, mine_message
from handlers.views.picker import account_option
from handlers.views.status import status_matches, status_not_found
from handlers.views.touchpoint import TouchpointForm, touchpoint_modal
from storage.enums import TouchpointKind
from tests.unit.views.surface_data import (
    EN,
    JA,
    TODAY,
    account_line,
    assess_form,
    config,
    cta_line,
    kaminashi,
    rule,
    scale,
)


def blocks_by_id(view: View) -> dict[str, Any]:
    return {b["block_id"]: b for b in json.loads(json.dumps(view.to_dict()))["blocks"] if "block_id" in b}


@pytest.mark.parametrize(
    ("days", "ja", "en"),
    [
        (0, "今日", "today"),
        (1, "昨日", "yesterday"),
        (5, "5日前", "5 days ago"),
        (21, "3週間前", "3 weeks ago"),
        (95, "3か月前", "3 months ago"),
        (400, "1年前", "a year ago"),
        (800, "2年前", "2 years ago"),
    ],
)
def test_ages_read_the_way_people_say_them(days: int, ja: str, en: str) -> None:
    on = TODAY - timedelta(days=days)
    assert (age_text(JA, on, TODAY), age_text(EN, on, TODAY)) == (ja, en)


def test_changes_show_an_arrow_and_points() -> None:
    assert [change_text(JA, c) for c in (12.4, 1.0, -8.0, None)] == [
        "↗ +12 (7日)",
        "→ +1 (7日)",
        "↘ -8 (7日)",
        "推移なし",
    ]


def test_the_modal_before_an_account_is_picked_asks_for_one_and_has_no_key_people_inputs() -> None:
    blocks = blocks_by_id(assess_modal(JA, config(), AssessForm(today=TODAY, reader="U0SATO"), "{}"))

    assert "initial_option" not in blocks["assess_account"]["element"]
    assert blocks["assess_account"]["dispatch_action"] is True
    assert blocks["question:po_engagement:none"]["element"]["initial_option"]["value"] == "_unknown"
    assert not any(b.startswith(("person_name", "renewal")) for b in blocks)
    assert blocks["assess_people_info"]["elements"][0]["text"].startswith("顧客を選ぶと")


def test_key_people_are_read_only_for_someone_who_may_not_change_them() -> None:
    blocks = blocks_by_id(assess_modal(JA, config(), assess_form(may_change_people=False), "{}"))

    assert not any(b.startswith(("person_name", "person_left", "renewal")) for b in blocks)
    info = blocks["assess_people_info:42"]["elements"][0]["text"]
    assert "PO (プロジェクトオーナー): 山田" in info
    assert "更新ヨミ: 更新しそう" in info


def test_a_stale_answer_says_so() -> None:
    form = assess_form()
    old = AssessForm(
        today=TODAY + timedelta(days=200),
        reader=form.reader,
        account=form.account,
        previous=form.previous,
        people=form.people,
        may_change_people=True,
    )

    hint = blocks_by_id(assess_modal(JA, config(), old, "{}"))["question:po_engagement:42"]["hint"]["text"]

    assert hint.startswith("前回の回答: 7か月前 (古いので確認してください)")


def test_the_modal_is_in_english_for_an_english_reader() -> None:
    view = assess_modal(EN, config(), assess_form(), "{}").to_dict()

    assert (view["title"]["text"], view["submit"]["text"]) == ("Health check", "Save")
    assert (
        blocks_by_id(assess_modal(EN, config(), assess_form(), "{}"))["question:po_engagement:42"]["label"][
            "text"
        ]
        == "PO engagement"
    )


def test_a_long_account_name_is_cut_to_the_option_limit() -> None:
    option = account_option(AccountOption(1, "株" * 200, "SMB", mine=True)).to_dict()

    assert len(option["text"]["text"]) == 75
    assert option["text"]["text"].endswith("… (SMB)")


def test_a_long_account_name_still_makes_a_valid_modal() -> None:
    long_named = replace(kaminashi(), name="名" * 255)
    form = AssessForm(today=TODAY, reader="U0SATO", account=long_named)

    assess_modal(JA, config(), form, "{}").to_dict()  # to_dict() raises on any limit


def test_matches_become_one_button_each_at_most_ten() -> None:
    many = [replace(kaminashi(), id=n, name=f"カミナシ {n}") for n in range(1, 15)]

    payload = status_matches(JA, "カミナ", many).to_payload()

    buttons = payload["blocks"][1]["elements"]
    assert len(buttons) == 10
    assert [b["action_id"] for b in buttons[:2]] == ["status_pick:1", "status_pick:2"]
    assert payload["text"] == "「カミナ」に当てはまる顧客が 14 件あります。どれですか?"


def test_an_unknown_name_is_escaped_in_the_answer() -> None:
    payload = status_not_found(EN, "<!channel> & co").to_payload()

    assert payload["text"].startswith("No account matches “&lt;!channel&gt; &amp; co”.")


def test_mine_groups_accounts_by_grade_best_first_and_flags_stale_ones() -> None:
    accounts = [
        account_line("C社", 2, stale=True, last=TODAY - timedelta(days=150)),
        account_line("A社", 5, stale=False, last=TODAY - timedelta(days=3)),
        account_line("B社", None, stale=True, last=None),
    ]

    payload = mine_message(JA, scale(), accounts, today=TODAY, max_age_days=120).to_payload()

    sections = [b for b in payload["blocks"] if b["block_id"].startswith("mine_grade:")]
    assert [b["block_id"] for b in sections] == ["mine_grade:5", "mine_grade:2", "mine_grade:none"]
    assert "⚠️ 評価が古い (5か月前)" in sections[1]["text"]["text"]
    assert "⚠️ 評価がありません" in sections[2]["text"]["text"]
    assert payload["blocks"][-1]["elements"][0]["text"].startswith("評価が古い・ない顧客: 2 社")


def test_a_long_list_ends_with_how_many_more() -> None:
    accounts = [account_line(f"顧客{n:03d}", 3, stale=False, last=TODAY) for n in range(45)]

    payload = mine_message(EN, scale(), accounts, today=TODAY, max_age_days=120).to_payload()

    assert payload["blocks"][1]["text"]["text"].endswith("and 25 more")


def test_ctas_name_the_rule_the_account_and_when_it_is_due() -> None:
    payload = ctas_message(JA, [cta_line(overdue=True)], rule).to_payload()

    assert (
        payload["blocks"][1]["text"]["text"]
        == "• 🔴 *接点が途絶えている* — 株式会社カミナシ · ⏰ 期限切れ (11/20)"
    )


def test_the_touchpoint_modal_links_the_message_and_defaults_to_chat() -> None:
    form = TouchpointForm(
        day=date(2026, 11, 20),
        kind=TouchpointKind.CHAT,
        permalink="https://takibi-dev.slack.com/archives/C0CSSMB/p1",
        excerpt="定例の<議事録>",
    )

    blocks = blocks_by_id(touchpoint_modal(JA, form, "{}"))

    link = "<https://takibi-dev.slack.com/archives/C0CSSMB/p1|このメッセージ>"
    assert blocks["touchpoint_message"]["elements"][0]["text"] == (
        f"💬 {link} を接点として記録します: 定例の&lt;議事録&gt;"
    )
    assert blocks["touchpoint_kind"]["element"]["initial_option"]["value"] == "chat"
    assert blocks["touchpoint_date"]["element"]["initial_date"] == "2026-11-20"


def test_the_notice_modal_has_no_submit_button() -> None:
    view = notice_modal(Translator(Locale.EN), "assess.title", "⏳ Loading…").to_dict()

    assert "submit" not in view
    assert view["callback_id"] == "takibi_notice"
    assert view["close"]["text"] == "Close"


def test_truncate_keeps_short_text_and_marks_a_cut() -> None:
    assert truncate("焚き火", 5) == "焚き火"
    assert truncate("焚き火理論です", 5) == "焚き火理…"
