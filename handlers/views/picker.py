"""The account picker's options (``block_suggestion`` answers and a modal's pre-selected account).

Type-ahead answers up to 100 options per keystroke, and ``slack_sdk``'s ``Option.to_dict()`` validates
by reflection (about 0.15 ms each), which would be most of the answer's time. An account's option only
depends on its id, name, segment and whether it is the reader's, so each one is built and validated
once and its payload reused (a bounded cache: a book of accounts is thousands, not millions).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import Option, PlainTextObject

from handlers.services.picker import AccountOption
from handlers.views.common import OPTION_TEXT_LIMIT, truncate

MINE_MARK = "★ "
CACHED_OPTIONS = 50_000


def account_option(account: AccountOption) -> Option:
    """``★ 株式会社カミナシ (SMB)`` (the star: one of the reader's own); value = the account id."""
    suffix = f" ({account.segment})"
    name = truncate(account.name, OPTION_TEXT_LIMIT - len(suffix) - len(MINE_MARK))
    text = f"{MINE_MARK if account.mine else ''}{name}{suffix}"
    return Option(value=str(account.id), text=PlainTextObject(text=text, emoji=False))


@lru_cache(maxsize=CACHED_OPTIONS)
def _option_payload(account: AccountOption) -> dict[str, Any]:
    return account_option(account).to_dict()


def account_options(accounts: Sequence[AccountOption]) -> list[dict[str, Any]]:
    """The ``options`` of a ``block_suggestion`` answer (validated payloads, shared: do not mutate)."""
    return [_option_payload(account) for account in accounts]
