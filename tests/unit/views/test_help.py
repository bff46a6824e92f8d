from bot.i18n import Locale, Translator
from handlers.views.help import CommandHelp, help_message

COMMANDS = [CommandHelp(usage="/takibi help", summary="このヘルプを表示します")]


def test_help_message_pinned_json() -> None:
    payload = help_message(Translator(Locale.JA), COMMANDS).to_payload()
    assert payload == {
        "text": "takibi の使い方",
        "blocks": [
            {
                "type": "header",
                "block_id": "help_header",
                "text": {"type": "plain_text", "text": "takibi の使い方"},
            },
            {
                "type": "section",
                "block_id": "help_commands",
                "text": {"type": "mrkdwn", "text": "`/takibi help`  このヘルプを表示します"},
            },
            {"type": "divider"},
            {
                "type": "context",
                "block_id": "help_footer",
                "elements": [{"type": "mrkdwn", "text": Translator(Locale.JA)("help.footer")}],
            },
        ],
    }


def test_unknown_word_is_named_first() -> None:
    payload = help_message(Translator(Locale.EN), COMMANDS, unknown="stauts").to_payload()
    first = payload["blocks"][0]
    assert first["block_id"] == "help_unknown"
    assert "`stauts`" in first["text"]["text"]
