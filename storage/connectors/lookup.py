"""The one query a pull makes before reading: every account's external id → its id.

It lives here rather than in ``storage.repositories.accounts`` only because that module belongs to
another change in flight; it is a plain read and can move there unchanged.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Account


def account_ids_by_external_id(session: Session) -> dict[str, int]:
    """All accounts, churned ones included (their history still counts), in one query and one dict.

    Ten thousand accounts take about a megabyte; a row's account is then a dict lookup.
    """
    rows = session.execute(select(Account.external_id, Account.id))
    return dict(rows.all())
