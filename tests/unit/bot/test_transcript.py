"""Slack messages as a person reads them: the terminal transcript and the HTML page."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.transcript import plain, render_blocks, render_conversation
from bot.sandbox.transcript_html import HtmlConversation, render_page

TOKYO = ZoneInfo("Asia/Tokyo")
NAMES = {"U0SATO": "佐藤 美咲", "C0CSSMB": "cs-smb"}
PNG = b"\x89PNG\r\n\x1a\nfake"


def test_mentions_links_and_bold_read_as_people_see_them() -> None:
    text = "*担当* <@U0SATO> in <#C0CSSMB> <!here> <https://example.com|手順書>"
    assert plain(text, NAMES) == "担当 @佐藤 美咲 in #cs-smb @here 手順書"


def test_buttons_are_labels_in_brackets_and_short_fields_share_a_line() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "CTA"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*優先度*\n高"},
                {"type": "mrkdwn", "text": "*担当者*\n<@U0SATO>"},
            ],
        },
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "担当する"}, "action_id": "a"},
                {"type": "button", "text": {"type": "plain_text", "text": "却下"}, "action_id": "b"},
            ],
        },
    ]
    assert render_blocks(blocks, NAMES) == [
        "■ CTA",
        "  優先度 高  ・ 担当者 @佐藤 美咲",
        "  [担当する] [却下]",
    ]


def test_replies_are_indented_under_their_parent_with_time_and_author() -> None:
    parent = {"ts": "1795651200.000100", "bot_id": "B1", "text": "アラート"}
    other = {"ts": "1795651300.000100", "bot_id": "B1", "text": "次のアラート"}
    reply = {"ts": "1795651400.000100", "thread_ts": parent["ts"], "user": "U0SATO", "text": "見ます"}
    lines = render_conversation([parent, other, reply], NAMES, TOKYO)
    assert lines == [
        "11/26 09:00 takibi",
        "  アラート",
        "    ↳ 11/26 09:03 佐藤 美咲",
        "        見ます",
        "11/26 09:01 takibi",
        "  次のアラート",
    ]


def test_the_page_escapes_every_text_and_embeds_images() -> None:
    message = {
        "ts": "1795651200.000100",
        "user": "U0SATO",
        "text": "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 'quotes'",  # as Slack's text escapes it
        "files": [{"id": "F1", "title": "chart <1>", "mimetype": "image/png", "filetype": "png"}],
    }
    page = render_page(
        title="takibi <demo>",
        subtitle="s",
        empty="(none)",
        conversations=[HtmlConversation("C0CSSMB", "#cs-smb", [message]), HtmlConversation("C2", "#x", [])],
        names=NAMES,
        tz=TOKYO,
        file_bytes=lambda file_id: PNG if file_id == "F1" else None,
        day_label=lambda day: f"{day:%m/%d}",
        lang="ja",
    )
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in page
    assert "<title>takibi &lt;demo&gt;</title>" in page
    assert 'src="data:image/png;base64,iVBORw0KGgpmYWtl"' in page
    assert 'alt="chart &lt;1&gt;"' in page
    assert '<p class="empty">(none)</p>' in page
    assert date(2026, 11, 26).strftime("%m/%d") in page
