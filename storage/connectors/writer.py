"""Writing a connector's rows, counting how many actually changed.

``upsert_daily_metrics`` skips a row whose value and source are already stored, so the database knows
which rows changed: the driver's row count of each statement (inserted + updated rows) says so. Adding
them up on the session's connection while the upsert runs gives an exact "changed" figure on SQLite
and PostgreSQL alike, with no extra query and whatever the clock says.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from storage.repositories.metrics import BATCH_SIZE, DailyMetricRow, upsert_daily_metrics


def write_rows(
    session: Session,
    rows: Iterable[DailyMetricRow],
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Upsert ``rows`` in the caller's transaction; returns how many rows were inserted or changed.

    ``now`` stamps ``updated_at`` of the rows written (the repository reads the clock when ``None``).
    """
    connection = session.connection()
    changed = 0

    def count(conn: Any, cursor: Any, *_: Any) -> None:
        nonlocal changed
        if cursor.rowcount > 0:
            changed += cursor.rowcount

    event.listen(connection, "after_cursor_execute", count)
    try:
        upsert_daily_metrics(session, rows, now=now, batch_size=batch_size)
    finally:
        event.remove(connection, "after_cursor_execute", count)
    return changed
