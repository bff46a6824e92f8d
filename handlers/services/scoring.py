"""The scoring pass: read facts in batches → score → write one snapshot per account and day.

``run_scoring_pass`` is what the daily job and ``takibi score`` run; it commits once per batch, so a
pass over 10,000 accounts holds neither one long transaction nor every account's usage at once, and
a failure half-way keeps the batches already done (re-running the day replaces them). It reports each
account's result with its change against one and four weeks before, read from earlier snapshots.

``rescore_account`` is for a listener that just changed one account (an assessment, a touchpoint, a
key person leaving): it scores that account inside the listener's own unit of work, so the new score
is committed together with the change that caused it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from types import MappingProxyType
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scoring.compiled import CompiledConfig
from scoring.health import score_account
from scoring.model import HealthResult
from scoring.trend import FOUR_WEEKS, Trend, trend
from storage.db import Database
from storage.models import utcnow
from storage.repositories import facts as facts_repo
from storage.repositories import snapshots
from storage.repositories.facts import DEFAULT_BATCH_SIZE, AccountRef, FactWindows

TEAM_TZ = ZoneInfo("Asia/Tokyo")
"""The default team time zone (the settings' default); callers pass ``settings.tz``."""

TREND_TOLERANCE_DAYS = 3
"""A snapshot up to this many days older still stands for "a week ago" (passes skip holidays)."""


class AccountNotFoundError(LookupError):
    """The account to re-score does not exist (deleted since the listener read it)."""


@dataclass(frozen=True, slots=True)
class AccountScore:
    """One account's result on the day, who it is, and how its score moved."""

    account_id: int
    external_id: str
    name: str
    segment: str
    owner_slack_id: str | None
    result: HealthResult
    trend: Trend


@dataclass(frozen=True, slots=True)
class ScoringReport:
    """What a pass did. ``scores`` is in account id order (empty when the pass was asked not to keep
    them); ``grades`` counts overall grades, ``None`` being 未評価."""

    day: date
    config_version: str
    scored: int
    batches: int
    grades: Mapping[int | None, int]
    scores: tuple[AccountScore, ...] = field(default=())


def run_scoring_pass(
    database: Database,
    compiled: CompiledConfig,
    *,
    today: date,
    account_ids: Sequence[int] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    tz: tzinfo = TEAM_TZ,
    now: Callable[[], datetime] = utcnow,
    keep_scores: bool = True,
) -> ScoringReport:
    """Score every active account (or exactly ``account_ids``) as of ``today`` and store the snapshots.

    One unit of work per batch of ``batch_size`` accounts: read facts (a handful of queries), score,
    upsert the snapshots, commit. ``keep_scores=False`` keeps only counts, for passes too large to
    report account by account.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    windows = FactWindows.of(compiled, today)
    grades: Counter[int | None] = Counter()
    kept: list[AccountScore] = []
    scored = batches = 0
    cursor = _Cursor(None if account_ids is None else sorted(set(account_ids)), batch_size)
    while not cursor.done:
        # Reads, then writes the snapshots: immediate, or on SQLite a writer elsewhere (the outbox
        # deliverer, a listener) makes the first write fail with "database is locked" at once.
        with database.unit_of_work(immediate=True) as session:
            accounts = cursor.next_batch(session)
            if not accounts:
                continue
            results = _score_batch(session, compiled, accounts, windows, tz=tz, computed_at=now())
        batches += 1
        scored += len(results)
        grades.update(s.result.grade for s in results)
        if keep_scores:
            kept.extend(results)
    return ScoringReport(
        day=today,
        config_version=compiled.version,
        scored=scored,
        batches=batches,
        grades=MappingProxyType(dict(grades)),
        scores=tuple(kept),
    )


class _Cursor:
    """Walks the accounts of a pass batch by batch: chunks of the ids asked for, or keyset pages of
    every active account (new accounts created during the pass are picked up if their id is later)."""

    def __init__(self, ids: list[int] | None, size: int) -> None:
        self._ids, self._size = ids, size
        self._offset = self._after = 0
        self.done = False

    def next_batch(self, session: Session) -> list[AccountRef]:
        if self._ids is not None:
            chunk = self._ids[self._offset : self._offset + self._size]
            self._offset += self._size
            self.done = self._offset >= len(self._ids)
            return facts_repo.accounts_by_ids(session, chunk)
        page = facts_repo.account_page(session, after_id=self._after, limit=self._size)
        self.done = len(page) < self._size
        if page:
            self._after = page[-1].id
        return page


def _score_batch(
    session: Session,
    compiled: CompiledConfig,
    accounts: Sequence[AccountRef],
    windows: FactWindows,
    *,
    tz: tzinfo,
    computed_at: datetime,
) -> list[AccountScore]:
    today = windows.today
    facts = facts_repo.load_facts(session, accounts, windows, tz=tz)
    results = [score_account(f, compiled, today) for f in facts]
    snapshots.upsert(
        session, ((a.id, r) for a, r in zip(accounts, results, strict=True)), computed_at=computed_at
    )
    history = snapshots.history(
        session,
        [a.id for a in accounts],
        since=today - timedelta(days=FOUR_WEEKS + TREND_TOLERANCE_DAYS),
        until=today - timedelta(days=1),
    )
    return [
        AccountScore(
            account_id=a.id,
            external_id=a.external_id,
            name=a.name,
            segment=a.segment,
            owner_slack_id=a.owner_slack_id,
            result=r,
            trend=trend(r.score, history.get(a.id, ()), today, tolerance_days=TREND_TOLERANCE_DAYS),
        )
        for a, r in zip(accounts, results, strict=True)
    ]


def rescore_account(
    session: Session,
    compiled: CompiledConfig,
    account_id: int,
    *,
    today: date,
    tz: tzinfo = TEAM_TZ,
    now: Callable[[], datetime] = utcnow,
) -> AccountScore:
    """Score one account now, inside the caller's unit of work, and upsert its snapshot for ``today``.

    Does not commit: the listener's unit of work commits the change and the new score together. Raises
    ``AccountNotFoundError`` when the account is gone.
    """
    accounts = facts_repo.accounts_by_ids(session, [account_id])
    if not accounts:
        raise AccountNotFoundError(account_id)
    (score,) = _score_batch(
        session, compiled, accounts, FactWindows.of(compiled, today), tz=tz, computed_at=now()
    )
    return score
