"""Everything scoring needs about many accounts, read in batches: ``AccountFacts`` from the database.

A pass over 10,000 accounts must neither query per account nor hold every usage series at once, so
facts are read one batch of accounts at a time (``account_page`` / ``accounts_by_ids``, then
:func:`load_facts`), with one query per kind of fact and batch (``account_id IN (...)``), and only
the rows the configuration can use on the scoring day. Rows are read through the connection (Core),
not as ORM objects: several times cheaper, and nothing here is changed.

* answers: the latest per question, however old (an old answer is reported as stale, not unknown);
  see ``storage.repositories.assessments`` for which answer is the latest;
* touchpoints: the days the wind windows cover (frequency and fit), plus the last contact before them
  for accounts without one inside (recency needs the day of the last contact however long ago);
* usage: each pulled metric's latest value within its ``fresh_days`` (the only value scoring reads;
  ``metric_series(..., latest_only=False)`` gives the daily series of the window), plus, for an
  account and metric with nothing fresh, its last value before (reported as stale, not missing);
* key people (past holders too: only a recorded leaver makes a vacant seat) and onboarding dates.

Nothing dated after the scoring day is read, so a past day can be scored again as it was.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, String, select, text, type_coerce
from sqlalchemy.orm import Session

from scoring.compiled import CompiledConfig
from scoring.freshness import fresh_from
from scoring.model import AccountFacts, MetricSeries, new_metric_series
from storage import mapping
from storage.enums import AccountStatus
from storage.models import Account, DailyMetric
from storage.repositories import assessments, key_people, touchpoints

DEFAULT_BATCH_SIZE = 1_000
"""Accounts per batch: ~100k usage rows with the shipped metrics, a few MB, and few round trips."""


@dataclass(frozen=True, slots=True)
class AccountRef:
    """The account columns a scoring pass reads besides the facts (to report and to file results)."""

    id: int
    external_id: str
    name: str
    segment: str
    owner_slack_id: str | None
    onboarding_planned_end: date | None
    onboarding_completed_on: date | None


@dataclass(frozen=True, slots=True)
class FactWindows:
    """Which rows one scoring day can use, derived once per (configuration, day)."""

    today: date
    question_ids: frozenset[str]
    touchpoints_from: date
    metrics_from: MappingProxyType[str, date]
    """Per pulled metric id, the oldest day whose value is still fresh."""

    @classmethod
    def of(cls, compiled: CompiledConfig, today: date) -> FactWindows:
        pulled = [m for m in compiled.default_plan.metrics if not m.builtin]
        return cls(
            today=today,
            question_ids=frozenset(q.id for q in compiled.questions),
            touchpoints_from=fresh_from(today, max(compiled.frequency_days, compiled.fit_days)),
            metrics_from=MappingProxyType({m.id: fresh_from(today, m.fresh_days) for m in pulled}),
        )


_REF_COLUMNS = (
    Account.id,
    Account.external_id,
    Account.name,
    Account.segment,
    Account.owner_slack_id,
    Account.onboarding_planned_end,
    Account.onboarding_completed_on,
)


def account_page(session: Session, *, after_id: int = 0, limit: int = DEFAULT_BATCH_SIZE) -> list[AccountRef]:
    """The next ``limit`` active accounts by id after ``after_id``: keyset paging, stable under writes."""
    statement = (
        select(*_REF_COLUMNS)
        .where(Account.status == AccountStatus.ACTIVE, Account.id > after_id)
        .order_by(Account.id)
        .limit(limit)
    )
    return [AccountRef(*row) for row in session.connection().execute(statement).all()]


def accounts_by_ids(session: Session, account_ids: Collection[int]) -> list[AccountRef]:
    """These accounts, whatever their status (asked for by name), by id; unknown ids are skipped."""
    if not account_ids:
        return []
    statement = select(*_REF_COLUMNS).where(Account.id.in_(list(account_ids))).order_by(Account.id)
    return [AccountRef(*row) for row in session.connection().execute(statement).all()]


def load_facts(
    session: Session, accounts: Sequence[AccountRef], windows: FactWindows, *, tz: tzinfo = UTC
) -> list[AccountFacts]:
    """Facts of ``accounts`` (one batch) for ``windows.today``, in the order given.

    ``tz`` is the team's time zone: it decides on which day a touchpoint happened. ``account_id`` of
    each fact is the database id as text.
    """
    session.flush()  # the loaders read below the ORM, which does not flush by itself
    ids = [a.id for a in accounts]
    today = windows.today
    answers = assessments.latest_answers(session, ids, until=today, question_ids=windows.question_ids)
    contacts = touchpoints.facts_between(
        session, ids, first_day=windows.touchpoints_from, last_day=today, tz=tz
    )
    metrics = metric_series(session, ids, windows)
    people = key_people.facts_for(session, ids)
    empty: MappingProxyType[str, MetricSeries] = MappingProxyType({})
    return [
        AccountFacts(
            account_id=str(a.id),
            segment=a.segment,
            answers=answers.get(a.id, ()),
            touchpoints=tuple(contacts.get(a.id, ())),
            metrics=metrics.get(a.id, empty),
            key_people=people.get(a.id, ()),
            onboarding=mapping.onboarding(a.onboarding_planned_end, a.onboarding_completed_on),
        )
        for a in accounts
    ]


# --- usage ---------------------------------------------------------------------------------------


_RAW_DAY = type_coerce(DailyMetric.day, String)
"""The day as the driver returns it (see ``_DayReader``)."""


class _DayReader:
    """Turns the driver's day into a ``date``: PostgreSQL gives dates, SQLite ISO text.

    Reading the column untyped and parsing each distinct text once (a batch has only a few dozen days)
    is several times faster than the per-row conversion of SQLAlchemy's SQLite ``Date``.
    """

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[Any, date] = {}

    def __call__(self, raw: Any) -> date:
        if type(raw) is date:
            return raw
        day = self._cache.get(raw)
        if day is None:
            day = self._cache[raw] = date.fromisoformat(str(raw)[:10])
        return day


def _window_groups(windows: FactWindows) -> list[tuple[date, list[str]]]:
    """Pulled metrics grouped by the first fresh day of their window (one group per ``fresh_days``).

    One query per group keeps every condition on the primary key (account, metric, day), so the
    database reads only the window's rows instead of every day of every metric of the account.
    """
    by_start: dict[date, list[str]] = defaultdict(list)
    for metric_id, start in windows.metrics_from.items():
        by_start[start].append(metric_id)
    return [(start, sorted(metric_ids)) for start, metric_ids in sorted(by_start.items())]


def metric_series(
    session: Session, account_ids: Sequence[int], windows: FactWindows, *, latest_only: bool = True
) -> dict[int, MappingProxyType[str, MetricSeries]]:
    """Per account, each pulled metric's values within its freshness window, as sorted series.

    ``latest_only`` (what scoring uses: the latest fresh value is all it reads) asks the database for
    the last day in the window only, ~15 times fewer rows than the daily series; ``False`` returns
    every day of the window (for rules that look at a drop). A metric with nothing fresh gets its last
    value before the window, so it is reported as stale data rather than no data.
    """
    if not account_ids or not windows.metrics_from:
        return {}
    connection = session.connection()
    read_day = _DayReader()
    ids = list(account_ids)
    points: dict[int, dict[str, tuple[list[date], list[float]]]] = {}
    for start, metric_ids in _window_groups(windows):
        rows: Sequence[Any]
        if latest_only:
            rows = _latest_values(connection, ids, metric_ids, since=start, until=windows.today)
        else:
            rows = connection.execute(
                select(DailyMetric.account_id, DailyMetric.metric_id, _RAW_DAY, DailyMetric.value)
                .where(
                    DailyMetric.account_id.in_(ids),
                    DailyMetric.metric_id.in_(metric_ids),
                    DailyMetric.day >= start,
                    DailyMetric.day <= windows.today,
                )
                .order_by(DailyMetric.account_id, DailyMetric.metric_id, DailyMetric.day)
            ).all()
        current_key: tuple[int, str] | None = None
        dates: list[date] = []
        values: list[float] = []
        for account_id, metric_id, raw_day, value in rows:
            if (account_id, metric_id) != current_key:
                current_key = (account_id, metric_id)
                dates, values = [], []
                points.setdefault(account_id, {})[metric_id] = (dates, values)
            dates.append(read_day(raw_day))
            values.append(value)

    lacking = [
        (account_id, metric_id)
        for account_id in ids
        for metric_id in windows.metrics_from
        if metric_id not in points.get(account_id, ())
    ]
    if lacking:
        for account_id, metric_id, raw_day, value in _latest_values(
            connection, [a for a, _ in lacking], [m for _, m in lacking], until=windows.today, pairs=True
        ):
            points.setdefault(account_id, {})[metric_id] = ([read_day(raw_day)], [value])

    # Rows came in primary-key order, so each series' days are strictly increasing already.
    return {
        account_id: MappingProxyType(
            {metric_id: new_metric_series(tuple(d), tuple(v)) for metric_id, (d, v) in per_metric.items()}
        )
        for account_id, per_metric in points.items()
    }


_PG_LATEST = """
SELECT p.account_id, p.metric_id, d.day, d.value
FROM unnest(CAST(:account_ids AS integer[]), CAST(:metric_ids AS varchar[])) AS p(account_id, metric_id)
CROSS JOIN LATERAL (
    SELECT m.day, m.value FROM daily_metrics AS m
    WHERE m.account_id = p.account_id AND m.metric_id = p.metric_id AND m.day <= :until {since}
    ORDER BY m.day DESC
    LIMIT 1
) AS d
"""
_PG_LATEST_ANY = text(_PG_LATEST.format(since=""))
_PG_LATEST_SINCE = text(_PG_LATEST.format(since="AND m.day >= :since"))


_SQLITE_LATEST = """
SELECT {account}, {metric}, d.day, d.value
FROM {source}
JOIN daily_metrics AS d ON d.rowid = (
    SELECT m.rowid FROM daily_metrics AS m
    WHERE m.account_id = {account} AND m.metric_id = {metric} AND m.day <= :until {since}
    ORDER BY m.day DESC
    LIMIT 1
)
"""
_SQLITE_PRODUCT = {
    "source": "json_each(:account_ids) AS a CROSS JOIN json_each(:metric_ids) AS n",
    "account": "a.value",
    "metric": "n.value",
}
_SQLITE_PAIRS = {
    "source": "json_each(:pairs) AS p",
    "account": "json_extract(p.value, '$[0]')",
    "metric": "json_extract(p.value, '$[1]')",
}
_SQLITE_LATEST_TEXTS = {
    (pairs, bounded): text(
        _SQLITE_LATEST.format(
            **(_SQLITE_PAIRS if pairs else _SQLITE_PRODUCT), since="AND m.day >= :since" if bounded else ""
        )
    )
    for pairs in (False, True)
    for bounded in (False, True)
}


def _latest_values(
    connection: Connection,
    account_ids: Sequence[int],
    metric_ids: Sequence[str],
    *,
    until: date,
    since: date | None = None,
    pairs: bool = False,
) -> Sequence[Any]:
    """``(account, metric, day, value)`` of the last day on ``since``..``until`` per (account, metric):
    every account with every metric, or with ``pairs`` the i-th account with the i-th metric only.

    Both databases walk the primary key backwards once per pair (``ORDER BY day DESC LIMIT 1``): one
    index probe each, whatever the table's size or the window's length. PostgreSQL does it as a
    ``LATERAL`` join over ``unnest``-ed arrays (a join on ``max(day)`` made it scan the whole table);
    SQLite as a correlated subquery over ``json_each`` lists (one parameter per list, so a batch never
    meets SQLite's limit on bound parameters).
    """
    if connection.dialect.name == "postgresql":
        if pairs:
            accounts, metrics = list(account_ids), list(metric_ids)
        else:
            accounts = [a for a in account_ids for _ in metric_ids]
            metrics = list(metric_ids) * len(account_ids)
        lateral = _PG_LATEST_ANY if since is None else _PG_LATEST_SINCE
        parameters = {"account_ids": accounts, "metric_ids": metrics, "until": until, "since": since}
        return connection.execute(lateral, parameters).all()
    bounds = {"until": until.isoformat(), "since": None if since is None else since.isoformat()}
    if pairs:
        lists = {"pairs": json.dumps(list(zip(account_ids, metric_ids, strict=True)))}
    else:
        lists = {"account_ids": json.dumps(list(account_ids)), "metric_ids": json.dumps(list(metric_ids))}
    statement = _SQLITE_LATEST_TEXTS[(pairs, since is not None)]
    return connection.execute(statement, {**lists, **bounds}).all()
