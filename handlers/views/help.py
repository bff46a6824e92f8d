"""The ``/takibi help`` message: every command takibi answers, in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from handlers.context import Translate
from handlers.ids import HelpBlock
from handlers.views import Message


@dataclass(frozen=True, slots=True)
class CommandHelp:
    """One line of help: how to type it and what it does (both already in the reader's language)."""

    usage: str
    summary: str


def help_message(t: Translate, commands: Sequence[CommandHelp], unknown: str | None = None) -> Message:
    blocks: list[Block] = []
    if unknown is not None:
        blocks.append(
            SectionBlock(
                block_id=HelpBlock.UNKNOWN, text=MarkdownTextObject(text=t("help.unknown", word=unknown))
            )
        )
    blocks.append(HeaderBlock(block_id=HelpBlock.HEADER, text=PlainTextObject(text=t("help.title"))))
    lines = "\n".join(f"`{command.usage}`  {command.summary}" for command in commands)
    blocks.append(SectionBlock(block_id=HelpBlock.COMMANDS, text=MarkdownTextObject(text=lines)))
    blocks.append(DividerBlock())
    blocks.append(
        ContextBlock(block_id=HelpBlock.FOOTER, elements=[MarkdownTextObject(text=t("help.footer"))])
    )
    return Message(text=t("help.title"), blocks=blocks)
