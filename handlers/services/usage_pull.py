"""Pulling usage data (焚き火の状態): every configured connector, or one, into ``daily_metrics``.

``pull_usage`` is what ``takibi pull`` and the daily pull job run. Per connector, in two phases:

1. **Read.** Stream the source, check each row (``storage.connectors.rows``), count and keep the first
   bad rows with their numbers and reasons, and park the good rows in a temporary file (18 bytes a row,
   so a million-row history never sits in memory). Account external ids are resolved from one query and
   a dict, made once per pull.
2. **Write.** One transaction upserts every good row of the connector, in batches, and counts the
   rows that actually changed (an unchanged row is not written at all).

**Atomicity: one transaction per connector.** A crash (an exception, a killed process, a database
error) while writing rolls the whole connector back, so every day it delivers is either fully as
before or fully new, never half-written. A source that cannot be read, or breaks half-way (a file
ending in garbage, a server gone at page 7), fails in phase 1, before any write: that connector keeps
nothing and the pull reports why; the other connectors still run. Phase 1 outside the transaction also
means SQLite's database-wide write lock is held only while rows are written, never while waiting on a
network. Bad *rows* never fail a pull: they are counted and reported, and the good rows are written.

It takes the ``Database`` rather than a session because it owns its transactions (one per connector),
like the scoring pass; the caller has nothing to commit.

**Idempotent:** pulling the same data again changes 0 rows. A key that appears twice in one pull keeps
its last value. ``dry_run`` does everything, counts what would change, and rolls the write back.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from scoring.config import TakibiConfig
from scoring.config_connectors import ConnectorSettings
from storage.connectors import ConnectorError, SourceRow, metric_names, open_connector
from storage.connectors.lookup import account_ids_by_external_id
from storage.connectors.rows import BadRow, RowChecker
from storage.connectors.spool import RowSpool
from storage.connectors.writer import write_rows
from storage.db import Database
from storage.repositories.metrics import BATCH_SIZE

logger = logging.getLogger(__name__)

BAD_ROWS_KEPT = 20
"""How many bad rows a report lists one by one (all of them are counted)."""


class UnknownConnectorError(LookupError):
    """``connector_id`` names no connector of the configuration."""

    def __init__(self, connector_id: str, known: tuple[str, ...]) -> None:
        super().__init__(f"no connector {connector_id!r}; configured: {', '.join(known) or '-'}")
        self.connector_id = connector_id
        self.known = known


@dataclass(frozen=True, slots=True)
class PullFailure:
    """Why a connector delivered nothing: a ``pull.error.*`` catalog key and its values."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConnectorReport:
    """What one connector's pull did. ``changed`` counts rows inserted or updated (would be, when dry)."""

    connector_id: str
    kind: str
    location: str
    rows_read: int = 0
    good: int = 0
    bad: int = 0
    changed: int = 0
    bad_by_reason: Mapping[str, int] = field(default_factory=dict)
    first_bad: tuple[BadRow, ...] = ()
    first_day: date | None = None
    last_day: date | None = None
    accounts: int = 0
    elapsed_seconds: float = 0.0
    write_seconds: float = 0.0
    """Of ``elapsed_seconds``, the time spent writing (the rest is reading and checking the source)."""
    failure: PullFailure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def unchanged(self) -> int:
        """Good rows that were already stored as they are (0 when the connector failed)."""
        return self.good - self.changed if self.ok else 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, for the job ledger's report."""
        return {
            "connector_id": self.connector_id,
            "kind": self.kind,
            "location": self.location,
            "rows_read": self.rows_read,
            "good": self.good,
            "bad": self.bad,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "bad_by_reason": dict(self.bad_by_reason),
            "first_bad": [
                {"number": b.number, "field": b.field.value, "reason": b.reason.value, "value": b.value}
                for b in self.first_bad
            ],
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "accounts": self.accounts,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "write_seconds": round(self.write_seconds, 3),
            "failure": None
            if self.failure is None
            else {"key": self.failure.key, **_plain(self.failure.params)},
        }


@dataclass(frozen=True, slots=True)
class PullReport:
    """A whole pull: one report per connector, in configuration order."""

    today: date
    dry_run: bool
    connectors: tuple[ConnectorReport, ...]
    elapsed_seconds: float

    @property
    def rows_read(self) -> int:
        return sum(c.rows_read for c in self.connectors)

    @property
    def good(self) -> int:
        return sum(c.good for c in self.connectors)

    @property
    def bad(self) -> int:
        return sum(c.bad for c in self.connectors)

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.connectors)

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.connectors)

    @property
    def failed(self) -> tuple[ConnectorReport, ...]:
        return tuple(c for c in self.connectors if not c.ok)

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "good": self.good,
            "bad": self.bad,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": [c.connector_id for c in self.failed],
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "connectors": [c.to_dict() for c in self.connectors],
        }


def pull_usage(
    database: Database,
    config: TakibiConfig,
    *,
    connector_id: str | None = None,
    today: date,
    dry_run: bool = False,
    config_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> PullReport:
    """Pull every connector of ``config`` (or only ``connector_id``) and report what happened.

    ``today`` is the team's local date: rows dated after it are bad. ``config_dir`` is where relative
    CSV paths start (the folder of ``takibi.yml``; the working folder when ``None``). ``environ``
    (``os.environ`` when ``None``) holds the variables named by ``url_env`` and ``token_env``. ``now``
    stamps ``updated_at`` of the rows written. Raises ``UnknownConnectorError`` for an unknown id;
    never raises for bad rows or an unreadable source, which the report carries.
    """
    started = perf_counter()
    selected = [c for c in config.connectors if connector_id is None or c.id == connector_id]
    if connector_id is not None and not selected:
        raise UnknownConnectorError(connector_id, tuple(c.id for c in config.connectors))
    with database.unit_of_work() as session:
        accounts = account_ids_by_external_id(session)
    context = _Context(
        database=database,
        config=config,
        accounts=accounts,
        today=today,
        dry_run=dry_run,
        config_dir=config_dir or Path.cwd(),
        environ=os.environ if environ is None else environ,
        now=now,
        batch_size=batch_size,
    )
    reports = tuple(_pull_connector(settings, context) for settings in selected)
    return PullReport(today, dry_run, reports, perf_counter() - started)


@dataclass(frozen=True, slots=True)
class _Context:
    database: Database
    config: TakibiConfig
    accounts: Mapping[str, int]
    today: date
    dry_run: bool
    config_dir: Path
    environ: Mapping[str, str]
    now: datetime | None
    batch_size: int


class _DryRunRollbackError(Exception):
    """Raised inside a dry run's unit of work so that it rolls back through its usual path."""


def _pull_connector(settings: ConnectorSettings, context: _Context) -> ConnectorReport:
    started = perf_counter()
    connector = open_connector(
        settings,
        config_dir=context.config_dir,
        environ=context.environ,
        today=context.today,
        batch_size=context.batch_size,
    )
    checker = RowChecker(
        accounts=context.accounts,
        metrics=metric_names(settings, context.config),
        today=context.today,
        date_format=settings.date_format,
    )
    location = connector.location
    with RowSpool(checker.metric_ids, settings.id) as spool:
        tally = _Tally()
        failure: PullFailure | None = None
        try:
            tally.read(connector.rows(), checker, spool)
        except ConnectorError as exc:
            failure = PullFailure(exc.key, exc.params)
        changed = 0
        writing = perf_counter()
        if failure is None and spool.count:
            try:
                changed = _write(spool, context)
            except SQLAlchemyError as exc:
                failure = PullFailure("pull.error.write", {"reason": _first_line(exc)})
        write_seconds = perf_counter() - writing
    report = tally.report(
        settings.id,
        connector.kind,
        location,
        changed=changed,
        failure=failure,
        elapsed=perf_counter() - started,
        write_seconds=write_seconds,
    )
    logger.debug("pull %s: %s", settings.id, report.to_dict())
    return report


def _write(spool: RowSpool, context: _Context) -> int:
    changed = 0
    try:
        with context.database.unit_of_work(immediate=True) as session:
            changed = write_rows(session, spool.rows(), now=context.now, batch_size=context.batch_size)
            if context.dry_run:
                raise _DryRunRollbackError
    except _DryRunRollbackError:
        pass
    return changed


class _Tally:
    """Counts as rows stream past; the loop keeps to locals, as it runs once per row."""

    def __init__(self) -> None:
        self.rows_read = 0
        self.good = 0
        self.bad_by_reason: Counter[str] = Counter()
        self.first_bad: list[BadRow] = []
        self.first_day: date | None = None
        self.last_day: date | None = None
        self.accounts: set[int] = set()

    def read(self, rows: Iterable[SourceRow], checker: RowChecker, spool: RowSpool) -> None:
        """Check every row, spool the good ones; the counts stand even when ``rows`` raises half-way."""
        check, append, seen = checker.check, spool.append, self.accounts.add
        first_bad, reasons = self.first_bad, self.bad_by_reason
        read = 0
        days: set[date] = set()
        try:
            for row in rows:
                read += 1
                checked = check(row)
                if isinstance(checked, BadRow):
                    reasons[checked.reason.value] += 1
                    if len(first_bad) < BAD_ROWS_KEPT:
                        first_bad.append(checked)
                    continue
                account_id, metric_index, day, value = checked
                append(account_id, metric_index, day, value)
                seen(account_id)
                days.add(day)
        finally:
            self.rows_read, self.good = read, spool.count
            self.first_day, self.last_day = (min(days), max(days)) if days else (None, None)

    def report(
        self,
        connector_id: str,
        kind: str,
        location: str,
        *,
        changed: int,
        failure: PullFailure | None,
        elapsed: float,
        write_seconds: float,
    ) -> ConnectorReport:
        return ConnectorReport(
            connector_id=connector_id,
            kind=kind,
            location=location,
            rows_read=self.rows_read,
            good=self.good,
            bad=sum(self.bad_by_reason.values()),
            changed=changed,
            bad_by_reason=dict(self.bad_by_reason.most_common()),
            first_bad=tuple(self.first_bad),
            first_day=self.first_day,
            last_day=self.last_day,
            accounts=len(self.accounts),
            elapsed_seconds=elapsed,
            write_seconds=write_seconds,
            failure=failure,
        )


def _first_line(exc: BaseException) -> str:
    origin = getattr(exc, "orig", None) or exc
    lines = str(origin).strip().splitlines()
    return lines[0] if lines else type(origin).__name__


def _plain(params: Mapping[str, object]) -> dict[str, object]:
    return {
        k: v if isinstance(v, str | int | float | bool) or v is None else str(v) for k, v in params.items()
    }
