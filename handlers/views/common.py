"""Pieces every surface shares: grades with their emoji, ages ("3週間前"), reasons rendered from their
catalog keys, safe text for Slack's limits, the small notice modal (loading, refused), and a cache of
validated blocks for modals built on every request."""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from handlers.context import Translate
from handlers.ids import Callback, NoticeBlock
from scoring.config import TakibiConfig
from scoring.grades import GradeScale
from scoring.model import Reason

OPTION_TEXT_LIMIT = 75
BUTTON_TEXT_LIMIT = 75
TITLE_LIMIT = 24
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
NO_GRADE_EMOJI = "⚪"

RuleLabel = Callable[[str], str]
"""Names a CTA rule in the reader's language (its label from takibi.yml, else its id)."""


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (Slack refuses longer texts outright)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Text from people or the CRM shown in mrkdwn: ``&``, ``<`` and ``>`` would be read as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def grade_badge(t: Translate, scale: GradeScale, grade: int | None) -> str:
    """``🟢 B 順調`` / ``⚪ 未評価``."""
    if grade is None:
        return f"{NO_GRADE_EMOJI} {t('scoring.grade.none')}"
    return f"{scale.emoji(grade)} {scale.label(grade).localized(t.locale)}"


def grade_emoji(scale: GradeScale, grade: int | None) -> str:
    return NO_GRADE_EMOJI if grade is None else scale.emoji(grade)


def age_text(t: Translate, on: date, today: date) -> str:
    """How long ago ``on`` was, the way people say it: 今日 / 昨日 / 5日前 / 3週間前 / 2か月前 / 1年前."""
    days = (today - on).days
    if days <= 0:
        return t("age.today")
    if days == 1:
        return t("age.yesterday")
    if days < 14:
        return t("age.days", count=days)
    if days < 60:
        return t("age.weeks", count=days // 7)
    if days < 365:
        return t("age.months", count=days // 30)
    years = days // 365
    return t("age.a_year") if years == 1 else t("age.years", count=years)


def change_text(t: Translate, change: float | None) -> str:
    """A score's change as an arrow and points (``↗ +6``), or "no history" when unknown."""
    if change is None:
        return t("trend.unknown")
    arrow = "↗" if change >= 5 else "↘" if change <= -5 else "→"
    return t("trend.change", arrow=arrow, change=change)


def reason_text(t: Translate, reason: Reason) -> str:
    """A stored reason in the reader's language. A key this version does not know (written by a newer
    one) shows as the key rather than failing the whole card."""
    try:
        return t(reason.key, **dict(reason.params))
    except (KeyError, ValueError, TypeError, IndexError):
        return reason.key


def money(amount: Decimal, currency: str) -> str:
    """``¥120,000`` / ``USD 1,200``."""
    if currency == "JPY":
        return f"¥{amount:,.0f}"
    return f"{currency} {amount:,.2f}"


def notice_modal(t: Translate, title_key: str, text: str, *, private_metadata: str | None = None) -> View:
    """A modal that only says something: "loading…", or a polite refusal in place of the form."""
    return View(
        type="modal",
        callback_id=Callback.NOTICE,
        title=PlainTextObject(text=truncate(t(title_key), TITLE_LIMIT)),
        close=PlainTextObject(text=t("modal.close")),
        blocks=[
            SectionBlock(
                block_id=NoticeBlock.TEXT,
                text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT)),
            )
        ],
        private_metadata=private_metadata,
    )


def rule_label(t: Translate, config: TakibiConfig) -> RuleLabel:
    """Names a CTA rule by its title in ``takibi.yml`` in the reader's language, else by its id."""
    titles = {rule.id: rule.title for rule in config.rules}

    def label(rule_id: str) -> str:
        title = titles.get(rule_id)
        return title.text().localized(t.locale) if title is not None else rule_id

    return label


# --- validated blocks, replayed ----------------------------------------------------------------------


class FrozenBlock(Block):
    """A block that its slack_sdk class built and validated once, replayed from that JSON.

    Validating a block with ``to_dict()`` costs far more than copying its JSON, and most blocks of a modal
    built on every request repeat between requests. Only ``block_id`` may differ from the block that was
    validated (a block scoped by account), and it is still checked by ``Block``'s own validator.
    """

    def __init__(
        self, frozen: Mapping[str, Any], *, block_id: str | None = None, text: str | None = None
    ) -> None:
        super().__init__(
            type=frozen["type"], block_id=block_id if block_id is not None else frozen.get("block_id")
        )
        self._frozen = frozen
        self._text = text

    def get_non_null_attributes(self) -> dict[str, Any]:
        if self.block_id is None:
            return dict(self._frozen)
        return {**self._frozen, "block_id": self.block_id}

    def to_dict(self, *args: Any) -> dict[str, Any]:
        """A new top-level dict; the nested values are the cache's own, fit to send but not to edit."""
        self.validate_json()
        return self.get_non_null_attributes()

    def json_text(self) -> str:
        """The block as JSON text: the text encoded once with the frozen JSON, ``block_id`` spliced in."""
        self.validate_json()
        body = self._text if self._text is not None else text_without_block_id(self._frozen)
        if self.block_id is None:
            return body
        return '{"block_id":' + json_text(self.block_id) + "," + body[1:]


def json_text(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (the cached text stays half the size of escaped Japanese)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def text_without_block_id(frozen: Mapping[str, Any]) -> str:
    """The JSON text of a block without its ``block_id`` (never empty: a block always has a ``type``)."""
    return json_text({key: value for key, value in frozen.items() if key != "block_id"})


def view_json(view: View) -> str:
    """``view`` as JSON text, the form in which ``views.open`` documents its ``view`` argument.

    ``View.to_dict()`` walks the JSON of every block again in Python, blocks replayed from a
    ``BlockCache`` included, and the Web API client then encodes the whole dict. Here a replayed block
    goes in as the text cached with it; only the view's own fields and the blocks built for this request
    are validated and encoded. The same JSON as ``to_dict()`` gives.
    """
    view.validate_json()
    shell = copy.copy(view)
    shell.blocks = []
    blocks = ",".join(
        block.json_text() if isinstance(block, FrozenBlock) else json_text(block.to_dict())
        for block in view.blocks
    )
    return json_text(shell.get_non_null_attributes())[:-1] + ',"blocks":[' + blocks + "]}"


_UNCACHED: ContextVar[bool] = ContextVar("takibi_blocks_uncached", default=False)


@contextmanager
def uncached() -> Iterator[None]:
    """Every ``BlockCache`` builds its blocks afresh, in this context only (what the cache must reproduce)."""
    token = _UNCACHED.set(True)
    try:
        yield
    finally:
        _UNCACHED.reset(token)


class Identity:
    """Keys a cache entry by an object's identity (a reloaded configuration is another key) and holds the
    object, so that its ``id`` cannot be reused by another while the entry lives."""

    __slots__ = ("_held",)

    def __init__(self, held: object) -> None:
        self._held = held

    def __hash__(self) -> int:
        return id(self._held)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identity) and other._held is self._held


class BlockCache:
    """Validated block JSON by everything the block depends on but its ``block_id``: a bounded LRU, safe to
    share between the threads that answer requests.

    A key must name every input of the block it builds (locale, ``Identity`` of the configuration, chosen
    value, texts); leave out only what ``block_id`` scopes (the account), so the entry serves every account.
    """

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, tuple[Mapping[str, Any], str]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get(self, key: Hashable, build: Callable[[], Block]) -> Mapping[str, Any]:
        """The JSON of the block ``build`` makes for ``key``, validated by its ``to_dict()`` on a miss.
        Shared with later callers: read it, never change it."""
        return self._entry(key, build)[0]

    def block(self, key: Hashable, build: Callable[[], Block], *, block_id: str | None = None) -> Block:
        """The block ``build`` makes, replayed from the cache with ``block_id`` patched in (``build`` must
        set the same ``block_id``: it is what an uncached build returns as is)."""
        if _UNCACHED.get():
            return build()
        frozen, text = self._entry(key, build)
        return FrozenBlock(frozen, block_id=block_id, text=text)

    def _entry(self, key: Hashable, build: Callable[[], Block]) -> tuple[Mapping[str, Any], str]:
        """The block's JSON and, encoded with it, its text without ``block_id`` (see ``view_json``)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry
        frozen = build().to_dict()
        entry = (frozen, text_without_block_id(frozen))
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return entry
