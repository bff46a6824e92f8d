"""The account picker: type-ahead over every active account, the reader's own first.

Answers a ``block_suggestion`` (Slack gives up on an external select after 3 seconds, and people type
fast), so it is one query with a hard limit of 100 options, Slack's maximum: ``accounts.search``'s
filter and order over the folded ``search_text``, reading only the columns shown
(``surface.picker_rows``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage.models import Account
from storage.repositories import surface

MAX_OPTIONS = 100
MAX_QUERY_CHARS = 100
"""Longer type-ahead input is cut: no account name is that long, and the LIKE stays cheap."""


@dataclass(frozen=True, slots=True)
class AccountOption:
    """One account as the picker shows it."""

    id: int
    name: str
    segment: str
    mine: bool

    @classmethod
    def of(cls, account: Account, reader: str | None) -> AccountOption:
        return cls(account.id, account.name, account.segment, account.owner_slack_id == reader)


def account_options(
    session: Session, query: str, *, reader: str, limit: int = MAX_OPTIONS
) -> list[AccountOption]:
    """Accounts matching ``query`` (name, reading, alias or CRM id, however spelled), the reader's own
    first, then those whose name starts with the query, then by name."""
    rows = surface.picker_rows(session, query[:MAX_QUERY_CHARS], reader=reader, limit=min(limit, MAX_OPTIONS))
    return [AccountOption(row.id, row.name, row.segment, row.owner_slack_id == reader) for row in rows]
