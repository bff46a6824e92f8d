"""How fast does takibi score accounts? Prints figures; asserts nothing.

Parts (choose with ``--part``):

* ``pure`` — (a) the pure scoring of N synthetic accounts (20 answers, 4 touchpoints, 8 metrics × 90
  days each) with the shipped ``takibi.yml`` widened to 20 questions and 8 pulled metrics. Building the
  accounts is not timed. By default it runs in one process, then split over 2 worker processes (each
  builds and scores its own share; the wall time is from the start signal to the last result).
  Every line gives wall time and CPU time (the CPU of the scoring processes: on a shared machine the
  wall time includes waiting for a core) and the load average at the time.
* ``db`` — (b) a full database scoring pass (``handlers.services.scoring.run_scoring_pass``) over N
  synthetic accounts with the same shape (2 assessments holding 20 answers, 4 touchpoints, key people,
  8 metrics × 90 days of daily rows), in a fresh SQLite file and, when ``--postgres URL`` or
  ``TAKIBI_TEST_DATABASE_URL`` names a server, a fresh PostgreSQL database (created and dropped).
  Loading is not timed. The pass runs in a fresh process so its peak RSS is the pass's own; it is run
  twice (the second replaces the day's snapshots).

    .venv/bin/python bench/score.py                      # 100,000 accounts, 1 then 2 workers
    .venv/bin/python bench/score.py --accounts 20000 --workers 1
    .venv/bin/python bench/score.py --part db --db-accounts 10000 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any
from uuid import uuid4

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.configfile import default_config_path
from scoring.config import TakibiConfig
from scoring.config_parse import parse_config
from scoring.health import CompiledConfig, compile_config, score_account
from scoring.model import (
    AccountFacts,
    Answer,
    AnswerValue,
    Expectation,
    KeyPerson,
    MetricSeries,
    Onboarding,
    Role,
    Touchpoint,
)

TODAY = date(2024, 11, 15)
QUESTIONS = 20
PULLED_METRICS = 8
DAYS = 90
TOUCHPOINTS = 4
POOL = 512
"""Distinct value objects per kind; accounts draw from pools so 100k accounts fit in memory."""


# --- synthetic data ------------------------------------------------------------------------------


def bench_config() -> TakibiConfig:
    """The shipped default, widened to 20 questions and 8 pulled metrics (plus onboarding)."""
    data: dict[str, Any] = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    questions = data["questions"]
    for i in range(len(questions), QUESTIONS):
        questions.append(
            {
                "id": f"extra_{i}",
                "element": "firewood" if i % 2 else "ember",
                "kind": "scale5",
                "weight": 1,
                "label": {"ja": f"追加の質問 {i}", "en": f"Extra question {i}"},
            }
        )
    metrics = data["fire"]["metrics"]
    pulled = [m for m in metrics if m["id"] != "onboarding_delay_days"]
    for i in range(len(pulled), PULLED_METRICS):
        metrics.insert(
            0,
            {
                "id": f"extra_metric_{i}",
                "label": {"ja": f"追加の指標 {i}", "en": f"Extra metric {i}"},
                "unit": "ratio",
                "direction": "higher_is_better",
                "target": 0.6,
                "floor": 0.1,
                "fresh_days": 14,
                "weight": 1,
            },
        )
    return parse_config(data)


def _answer_values(question: Any) -> list[AnswerValue]:
    if question.kind == "scale5":
        return [1, 2, 3, 4, 5, None]
    if question.kind == "yes_no":
        return [True, False, None]
    return [c.id for c in question.choices] + [None]


def build_accounts(config: TakibiConfig, count: int, *, seed: int = 7, start: int = 0) -> list[AccountFacts]:
    """Synthetic accounts; every account has its own facts, drawn from shared pools of values."""
    rng = random.Random(seed)
    dates = tuple(TODAY - timedelta(days=DAYS - 1 - i) for i in range(DAYS))
    stale_dates = tuple(d - timedelta(days=20) for d in dates)
    series_pool = [
        MetricSeries(stale_dates if rng.random() < 0.05 else dates, tuple(rng.random() for _ in range(DAYS)))
        for _ in range(POOL)
    ]
    answer_pools = [
        [
            Answer(q.id, rng.choice(_answer_values(q)), TODAY - timedelta(days=rng.randint(0, 150)))
            for _ in range(POOL // 8)
        ]
        for q in config.questions
    ]
    touchpoint_pool = [
        Touchpoint(
            TODAY - timedelta(days=rng.randint(0, 120)),
            rng.choice(("meeting", "call", "mail", "visit")),
            rng.choice((None, *Expectation)),
        )
        for _ in range(POOL)
    ]
    people_pool = [
        (KeyPerson(Role.PO, since=TODAY - timedelta(days=400)),),
        (KeyPerson(Role.PL, since=TODAY - timedelta(days=400), left_on=TODAY - timedelta(days=30)),),
        (),
    ]
    metric_ids = [m.id for m in config.fire.metrics if m.id != "onboarding_delay_days"]
    segments = [s.id for s in config.segments]
    accounts = []
    for n in range(start, start + count):
        accounts.append(
            AccountFacts(
                account_id=f"acct-{n:06d}",
                segment=rng.choice(segments),
                answers=tuple(rng.choice(pool) for pool in answer_pools),
                touchpoints=tuple(rng.choice(touchpoint_pool) for _ in range(TOUCHPOINTS)),
                metrics={m: rng.choice(series_pool) for m in metric_ids},
                key_people=rng.choice(people_pool),
                onboarding=Onboarding(planned_end=TODAY - timedelta(days=rng.randint(0, 200))),
            )
        )
    return accounts


# --- part (a): pure scoring ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timing:
    workers: int
    accounts: int
    seconds: float
    cpu_seconds: float
    """CPU time of the scoring, summed over the worker processes."""

    def line(self) -> str:
        rate = self.accounts / self.seconds
        per = self.seconds / self.accounts * 1e6
        return (
            f"pure scoring, {self.workers} process(es): {self.accounts:,} accounts in {self.seconds:.3f} s "
            f"wall = {rate:,.0f} accounts/s ({per:.1f} µs/account); CPU {self.cpu_seconds:.3f} s "
            f"({self.cpu_seconds / self.accounts * 1e6:.1f} µs/account); target < 3 s; {load()}"
        )


def load() -> str:
    """The load average now: on a shared machine, read the wall times with it."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} CPUs"


CHUNK = 1_000
"""Results are kept per chunk and then dropped, as a pass that writes each chunk to the database would."""


def _score_all(accounts: Sequence[AccountFacts], compiled: CompiledConfig) -> tuple[float, float, int]:
    """Wall and CPU seconds to score every account, and how many got a grade (so the work cannot be
    skipped)."""
    graded = 0
    started, cpu = time.perf_counter(), time.process_time()
    for offset in range(0, len(accounts), CHUNK):
        results = [score_account(facts, compiled, TODAY) for facts in accounts[offset : offset + CHUNK]]
        graded += sum(1 for r in results if r.grade is not None)
    return time.perf_counter() - started, time.process_time() - cpu, graded


def run_single(config: TakibiConfig, count: int) -> Timing:
    compiled = compile_config(config)
    accounts = build_accounts(config, count)
    gc.collect()
    gc.freeze()  # the built accounts are long-lived: keep the cyclic GC from rescanning them
    score_account(accounts[0], compiled, TODAY)  # warm the per-day cut-offs
    elapsed, cpu, _ = _score_all(accounts, compiled)
    gc.unfreeze()
    return Timing(1, count, elapsed, cpu)


def _worker(config: TakibiConfig, start: int, count: int, barrier: Any, out: Any) -> None:
    compiled = compile_config(config)
    accounts = build_accounts(config, count, seed=start + 7, start=start)
    gc.collect()
    gc.freeze()
    score_account(accounts[0], compiled, TODAY)
    barrier.wait()
    out.put(_score_all(accounts, compiled))


def run_pool(config: TakibiConfig, count: int, workers: int) -> Timing:
    """Each worker builds its own share (not timed), then all start scoring together."""
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(workers + 1)
    out = ctx.Queue()
    share = -(-count // workers)
    processes = [
        ctx.Process(target=_worker, args=(config, i * share, min(share, count - i * share), barrier, out))
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    cpu = sum(out.get()[1] for _ in processes)
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return Timing(workers, count, elapsed, cpu)


def part_pure(args: argparse.Namespace) -> None:
    config = bench_config()
    print(
        f"config {config.config_version}: {len(config.questions)} questions, "
        f"{len(config.fire.metrics)} fire metrics; accounts: {QUESTIONS} answers, {TOUCHPOINTS} touchpoints, "
        f"{PULLED_METRICS} metrics x {DAYS} days"
    )
    for workers in args.workers or [1, 2]:
        timing = (
            run_single(config, args.accounts) if workers == 1 else run_pool(config, args.accounts, workers)
        )
        print(timing.line())


# --- part (b): a database scoring pass -----------------------------------------------------------

TOUCHPOINT_KINDS = ("regular_meeting", "call", "email", "visit")


@contextmanager
def _fresh_database(backend: str, server_url: str | None, folder: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file in ``folder`` or a uniquely named PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    assert server_url is not None
    name = f"takibi_bench_{uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def load_synthetic(url: str, config: TakibiConfig, count: int, *, seed: int = 7) -> int:
    """Fill the database with ``count`` accounts shaped like part (a)'s; returns the usage rows written."""
    from sqlalchemy import insert, select

    from storage.db import Database
    from storage.models import Account, Assessment, KeyPerson
    from storage.models import Touchpoint as TouchpointRow

    rng = random.Random(seed)
    database = Database(url)
    segments = [s.id for s in config.segments]
    stamp = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
    with database.unit_of_work() as session:
        session.execute(
            insert(Account),
            [
                {
                    "external_id": f"BENCH-{n:06d}",
                    "name": f"ベンチ株式会社 {n}",
                    "segment": rng.choice(segments),
                    "onboarding_planned_end": TODAY - timedelta(days=rng.randint(0, 200)),
                }
                for n in range(count)
            ],
        )
        ids = list(session.scalars(select(Account.id).order_by(Account.id)))
        questions = list(config.questions)
        assessments, contacts, people = [], [], []
        for account_id in ids:
            answers = {q.id: rng.choice(_answer_values(q)) for q in questions}
            recent = {q.id: answers[q.id] for q in questions[: QUESTIONS // 2]}
            for back, given in ((rng.randint(100, 150), answers), (rng.randint(0, 99), recent)):
                day = TODAY - timedelta(days=back)
                assessments.append(
                    {
                        "account_id": account_id,
                        "author_slack_id": "U0SATO",
                        "call_date": day,
                        "submitted_at": stamp - timedelta(days=back),
                        "answers": given,
                        "config_version": config.config_version,
                    }
                )
            for _ in range(TOUCHPOINTS):
                contacts.append(
                    {
                        "account_id": account_id,
                        "kind": rng.choice(TOUCHPOINT_KINDS),
                        "occurred_at": stamp - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 9)),
                        "expectation_fit": rng.choice((None, "over", "fit", "under")),
                    }
                )
            people.append(
                {"account_id": account_id, "role": "po", "name": "山田", "since": TODAY - timedelta(days=400)}
            )
            if rng.random() < 0.3:
                left = TODAY - timedelta(days=30)
                people.append({"account_id": account_id, "role": "pl", "name": "林", "left_on": left})
        session.execute(insert(Assessment), assessments)
        session.execute(insert(TouchpointRow), contacts)
        session.execute(insert(KeyPerson), people)
    written = _load_usage(database, config, ids, rng)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")  # statistics, as any database in use has
        connection.commit()
    database.dispose()
    return written


def _usage_rows(config: TakibiConfig, ids: Sequence[int], rng: random.Random) -> Iterator[tuple[Any, ...]]:
    metric_ids = [m.id for m in config.fire.metrics if m.id != "onboarding_delay_days"]
    for account_id in ids:
        for metric_id in metric_ids:
            shift = 20 if rng.random() < 0.05 else 0  # 5% of the series went stale, as in part (a)
            base = rng.random()
            for i in range(DAYS):
                day = TODAY - timedelta(days=DAYS - 1 - i + shift)
                yield account_id, metric_id, day, round(base + rng.uniform(-0.05, 0.05), 3)


SQLITE_INSERT = (
    "INSERT INTO daily_metrics (account_id, metric_id, day, value, source, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def _load_usage(database: Any, config: TakibiConfig, ids: Sequence[int], rng: random.Random) -> int:
    """Bulk load for setup only (not what the app does): COPY on PostgreSQL, plain executemany on
    SQLite, with the values stored exactly as the ORM stores them."""
    rows = _usage_rows(config, ids, rng)
    now = datetime.now(UTC)
    count = 0
    raw = database.engine.raw_connection()
    try:
        if database.engine.dialect.name == "sqlite":
            stamp = now.replace(tzinfo=None).isoformat(sep=" ")
            cursor = raw.cursor()
            cursor.execute("BEGIN")
            while chunk := [(a, m, d.isoformat(), v, "bench", stamp) for a, m, d, v in islice(rows, 100_000)]:
                cursor.executemany(SQLITE_INSERT, chunk)
                count += len(chunk)
            cursor.execute("COMMIT")
            return count
        with (
            raw.cursor() as cursor,
            cursor.copy(
                "COPY daily_metrics (account_id, metric_id, day, value, source, updated_at) FROM STDIN"
            ) as copy,
        ):
            for account_id, metric_id, day, value in rows:
                copy.write_row((account_id, metric_id, day, value, "bench", now))
                count += 1
        raw.commit()
    finally:
        raw.close()
    return count


def _timed_pass(url: str, config: TakibiConfig, batch_size: int, out: Any) -> None:
    """Runs in a fresh process: time two passes over every account, report peak RSS."""
    from handlers.services.scoring import run_scoring_pass
    from storage.db import Database

    compiled = compile_config(config)
    database = Database(url)
    gc.collect()
    gc.freeze()  # as part (a): start-up objects (SQLAlchemy, pydantic, ...) are long-lived
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings = []
    for _ in range(2):
        started, cpu = time.perf_counter(), time.process_time()
        scored = run_scoring_pass(database, compiled, today=TODAY, batch_size=batch_size, tz=UTC).scored
        timings.append((time.perf_counter() - started, time.process_time() - cpu, scored))
    database.dispose()
    out.put((timings, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def part_db(args: argparse.Namespace) -> None:
    from storage.migrate import upgrade

    config = bench_config()
    count = args.db_accounts
    backends = ["sqlite", *(["postgresql"] if args.postgres else [])]
    print(
        f"db pass: {count:,} accounts x ({QUESTIONS} answers in 2 assessments, {TOUCHPOINTS} touchpoints, "
        f"{PULLED_METRICS} metrics x {DAYS} days), batches of {args.batch_size:,}"
    )
    for backend in backends:
        with (
            tempfile.TemporaryDirectory() as folder,
            _fresh_database(backend, args.postgres, Path(folder)) as url,
        ):
            upgrade(url)
            started = time.perf_counter()
            rows = load_synthetic(url, config, count)
            loading = time.perf_counter() - started
            print(f"  {backend}: loaded {rows:,} usage rows in {loading:.1f} s (not timed)")
            ctx = mp.get_context("spawn")
            out = ctx.Queue()
            process = ctx.Process(target=_timed_pass, args=(url, config, args.batch_size, out))
            process.start()
            timings, before, peak = out.get()
            process.join()
            for label, (seconds, cpu, scored) in zip(("first pass", "re-run   "), timings, strict=True):
                rate = scored / seconds
                print(
                    f"  {backend} {label}: {scored:,} accounts in {seconds:.2f} s = {rate:,.0f} accounts/s "
                    f"(this process's CPU {cpu:.2f} s); {load()}"
                )
            print(f"  {backend} peak RSS: {peak / 1024:,.0f} MiB (after imports {before / 1024:,.0f} MiB)")


PARTS: dict[str, Callable[[argparse.Namespace], None]] = {"pure": part_pure, "db": part_db}
"""Benchmark parts by name."""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=sorted(PARTS), action="append", help="which part(s) to run")
    parser.add_argument("--accounts", type=int, default=100_000, help="how many accounts (default 100,000)")
    parser.add_argument(
        "--workers", type=int, action="append", help="processes; repeat to compare (default: 1, then 2)"
    )
    parser.add_argument(
        "--db-accounts", type=int, default=10_000, help="accounts for the db part (default 10,000)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TAKIBI_TEST_DATABASE_URL"),
        help="PostgreSQL server URL for the db part (default: $TAKIBI_TEST_DATABASE_URL; none: SQLite only)",
    )
    parser.add_argument("--batch-size", type=int, default=1_000, help="accounts per batch in the db part")
    args = parser.parse_args(argv)
    for part in args.part or ["pure"]:
        PARTS[part](args)


if __name__ == "__main__":
    main()
