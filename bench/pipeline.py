"""How fast does the daily pipeline run on a realistic history? Prints figures; asserts nothing.

Parts (choose with ``--part``; all by default):

* ``pull`` — generate a CSV of accounts × metrics × days (1,000,000 rows by default: 10,000 accounts ×
  5 metrics × 20 days), create the accounts (neither is timed), then time ``pull_usage`` into SQLite
  and, when ``TAKIBI_TEST_DATABASE_URL`` or ``--postgres`` names a server, into a fresh PostgreSQL
  database: a first pull (every row new) and a re-run (nothing changes). Each pull runs in a fresh
  process, so the peak memory printed is the pull's own. Target: under 60 s per pull.
  Then, in the same database, a scoring pass over every account (``run_scoring_pass`` as the daily
  job runs it, in a fresh process: the facts read in batches, one snapshot written per account),
  timed with its CPU time and peak memory.
* ``digest`` — the weekly digest of 10,000 scored accounts with its chart (see below). Target: < 5 s.

Every timed line gives wall time and this process's CPU time; the load average is printed with them
(the machine is shared: wall time includes waiting for a core).

    .venv/bin/python bench/pipeline.py                                  # SQLite, + PostgreSQL if set
    .venv/bin/python bench/pipeline.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/pipeline.py --accounts 1000 --days 10        # a quick look
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import os
import random
import resource
import shutil
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import yaml
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.configfile import default_config_path
from handlers.services.usage_pull import pull_usage
from scoring.config_parse import parse_config
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Account

TODAY = date(2024, 11, 15)
POSTGRES_URL_ENV = "TAKIBI_TEST_DATABASE_URL"
TARGET_SECONDS = 60.0


# --- synthetic data ------------------------------------------------------------------------------


def metric_ids(count: int) -> list[str]:
    """The shipped pulled metrics first, then made-up ones up to ``count``."""
    shipped = ["login_rate", "weekly_active_user_ratio", "key_feature_use"]
    return (shipped + [f"extra_metric_{i}" for i in range(count)])[:count]


def bench_config_data(metrics: list[str], csv_path: Path) -> dict[str, Any]:
    """The shipped takibi.yml with ``metrics`` as pulled fire metrics and one CSV connector."""
    data: dict[str, Any] = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    fire = data["fire"]["metrics"]
    known = {m["id"] for m in fire}
    for metric in metrics:
        if metric not in known:
            fire.append(
                {
                    "id": metric,
                    "label": {"ja": metric, "en": metric},
                    "unit": "ratio",
                    "direction": "higher_is_better",
                    "target": 0.6,
                    "floor": 0.1,
                }
            )
    data["connectors"] = [{"id": "bench", "kind": "csv", "path": str(csv_path)}]
    return data


def external_id(number: int) -> str:
    return f"BENCH-{number:06d}"


def write_csv(path: Path, accounts: int, metrics: list[str], days: int, seed: int = 1) -> int:
    """One row per account, metric and day, in the order an export by account would have."""
    rng = random.Random(seed)
    day_texts = [(TODAY - timedelta(days=offset)).isoformat() for offset in range(days)]
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_external_id", "date", "metric", "value"])
        for number in range(1, accounts + 1):
            account = external_id(number)
            writer.writerows(
                [account, day, metric, f"{rng.random():.3f}"] for metric in metrics for day in day_texts
            )
            rows += len(metrics) * days
    return rows


def create_accounts(url: str, accounts: int) -> None:
    database = Database(url)
    try:
        with database.unit_of_work() as session:
            session.execute(
                insert(Account),
                [
                    {"external_id": external_id(n), "name": f"Bench {n}", "segment": "SMB", "search_text": ""}
                    for n in range(1, accounts + 1)
                ],
            )
    finally:
        database.dispose()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database on the server, dropped afterwards."""
    name = f"takibi_bench_{uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


# --- one timed pull, in its own process ----------------------------------------------------------


@dataclass(frozen=True)
class PullRun:
    seconds: float
    cpu_seconds: float
    write_seconds: float
    rows_read: int
    changed: int
    bad: int
    idle_rss_mb: float
    peak_rss_mb: float
    traced_peak_mb: float | None


def timed_pull(url: str, config_data: dict[str, Any], batch_size: int, trace: bool) -> PullRun:
    """Runs in a fresh process: after the imports, pull once and measure time and peak memory."""
    config = parse_config(config_data)
    database = Database(url)
    idle = current_rss_mb()
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    report = pull_usage(database, config, today=TODAY, batch_size=batch_size)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    database.dispose()
    (connector,) = report.connectors
    if connector.failure is not None:
        raise RuntimeError(f"pull failed: {connector.failure}")
    return PullRun(
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        write_seconds=connector.write_seconds,
        rows_read=report.rows_read,
        changed=report.changed,
        bad=report.bad,
        idle_rss_mb=idle,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        traced_peak_mb=traced,
    )


def current_rss_mb() -> float:
    """The resident set now (Linux), else the peak so far: the process before the pull starts."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def run_isolated(url: str, config_data: dict[str, Any], batch_size: int, trace: bool) -> PullRun:
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(timed_pull, url, config_data, batch_size, trace).result()


@dataclass(frozen=True)
class ScoreRun:
    seconds: float
    cpu_seconds: float
    scored: int
    batches: int
    peak_rss_mb: float


def timed_score(url: str, config_data: dict[str, Any]) -> ScoreRun:
    """Runs in a fresh process: one scoring pass over every account, as the daily job runs it."""
    from handlers.services.scoring import run_scoring_pass
    from scoring.compiled import compile_config

    compiled = compile_config(parse_config(config_data))
    database = Database(url)
    started, cpu = time.perf_counter(), time.process_time()
    report = run_scoring_pass(database, compiled, today=TODAY, keep_scores=False)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    database.dispose()
    return ScoreRun(
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        scored=report.scored,
        batches=report.batches,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def run_score_isolated(url: str, config_data: dict[str, Any]) -> ScoreRun:
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(timed_score, url, config_data).result()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} (1/5 min) on {os.cpu_count()} CPUs"


def print_run(backend: str, label: str, run: PullRun) -> None:
    rate = run.rows_read / run.seconds if run.seconds else 0.0
    verdict = "ok" if run.seconds < TARGET_SECONDS else f"OVER {TARGET_SECONDS:.0f} s"
    traced = f", Python heap peak {run.traced_peak_mb:,.0f} MB" if run.traced_peak_mb is not None else ""
    print(
        f"  {backend:<10} {label:<7} {run.seconds:5.1f} s ({verdict}; writing {run.write_seconds:4.1f} s; "
        f"this process's CPU {run.cpu_seconds:4.1f} s)  "
        f"{rate:>9,.0f} rows/s  changed {run.changed:>9,}  bad {run.bad:,}  "
        f"peak RSS {run.peak_rss_mb:,.0f} MB (before the pull {run.idle_rss_mb:,.0f} MB){traced}; {load()}"
    )


# --- parts ---------------------------------------------------------------------------------------


def part_pull(args: argparse.Namespace) -> None:
    workdir: Path = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    metrics = metric_ids(args.metrics)
    csv_path = workdir / "usage.csv"
    started = time.perf_counter()
    rows = write_csv(csv_path, args.accounts, metrics, args.days)
    print(
        f"pull: {rows:,} rows ({args.accounts:,} accounts × {len(metrics)} metrics × {args.days} days), "
        f"CSV {csv_path.stat().st_size / 2**20:,.1f} MB, "
        f"generated in {time.perf_counter() - started:.1f} s (not timed)"
    )
    config_data = bench_config_data(metrics, csv_path)

    targets: list[tuple[str, Callable[[], Any]]] = [("sqlite", lambda: sqlite_database(workdir))]
    if args.postgres:
        targets.append(("postgresql", lambda: postgres_database(args.postgres)))
    else:
        print(f"  (PostgreSQL skipped: set {POSTGRES_URL_ENV} or pass --postgres URL)")
    for backend, open_target in targets:
        with open_target() as url:
            upgrade(url)
            create_accounts(url, args.accounts)
            print_run(backend, "first", run_isolated(url, config_data, args.batch_size, args.tracemalloc))
            print_run(backend, "re-run", run_isolated(url, config_data, args.batch_size, args.tracemalloc))
            scored = run_score_isolated(url, config_data)
            print(
                f"  {backend:<10} score   {scored.seconds:5.1f} s "
                f"(this process's CPU {scored.cpu_seconds:4.1f} s)  "
                f"{scored.scored:,} accounts in {scored.batches} batches = "
                f"{scored.scored / scored.seconds:,.0f} accounts/s  "
                f"peak RSS {scored.peak_rss_mb:,.0f} MB; {load()}"
            )


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    folder = workdir / "sqlite"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield f"sqlite:///{folder / 'takibi.sqlite3'}"


PARTS: dict[str, Callable[[argparse.Namespace], None]] = {"pull": part_pull}


# --- digest part ---------------------------------------------------------------------------------
# Building the weekly digest (figures, message and chart) of 10,000 scored accounts. The book is laid
# out directly in the tables (not timed): accounts over three segments and 20 CSMs, a health snapshot
# per account at the end of each of the last nine weeks and mid-week, assessments, CTAs, touchpoints.
# Timed: every team channel's digest read, computed, rendered and its chart drawn (what the job does
# before it enqueues). Target: under 5 s.

DIGEST_TARGET_SECONDS = 5.0
DIGEST_SEGMENTS = ("SMB", "MM", "EP")


def digest_book(url: str, accounts: int, today: date) -> None:
    """Accounts, snapshots, assessments, CTAs and touchpoints for the digest bench (bulk inserts)."""
    from datetime import UTC, datetime
    from datetime import time as clock_time

    from sqlalchemy import select

    from storage.models import Assessment, Cta, HealthSnapshot, Touchpoint

    rng = random.Random(48)
    database = Database(url)
    end = today - timedelta(days=1)
    days = sorted({end - timedelta(days=7 * week + shift) for week in range(9) for shift in (0, 3)})
    try:
        with database.unit_of_work() as session:
            session.execute(
                insert(Account),
                [
                    {
                        "external_id": f"DG-{n:06d}",
                        "name": f"ダイジェスト顧客 {n}",
                        "segment": DIGEST_SEGMENTS[n % 3],
                        "owner_slack_id": f"U0CSM{n % 20:02d}",
                        "mrr": rng.choice((30_000, 80_000, 150_000, 400_000, 1_200_000)),
                        "renewal_date": today + timedelta(days=rng.randint(-30, 365)),
                        "search_text": "",
                    }
                    for n in range(1, accounts + 1)
                ],
            )
            ids = list(session.scalars(select(Account.id).where(Account.external_id.like("DG-%"))))
        base = {i: rng.uniform(5, 95) for i in ids}
        reasons = [{"key": "scoring.reason.bench", "params": {}, "impact": -8.5}]
        for day in days:
            with database.unit_of_work() as session:
                rows = []
                for i in ids:
                    score = min(100.0, max(0.0, base[i] + rng.gauss(0, 4)))
                    grade = 1 + sum(score >= b for b in (25, 45, 65, 80))
                    rows.append(
                        {
                            "account_id": i,
                            "day": day,
                            "overall_score": score,
                            "overall_grade": grade,
                            "confidence": 0.9,
                            "firewood_score": min(100.0, max(0.0, score + rng.gauss(0, 15))),
                            "fire_score": min(100.0, max(0.0, score + rng.gauss(0, 15))),
                            "reasons": reasons,
                            "config_version": "bench",
                        }
                    )
                session.execute(insert(HealthSnapshot), rows)
        noon = clock_time(3, tzinfo=UTC)
        with database.unit_of_work() as session:
            session.execute(
                insert(Assessment),
                [
                    {
                        "account_id": i,
                        "author_slack_id": "U0CSM00",
                        "submitted_at": datetime.combine(call, noon),
                        "call_date": call,
                        "answers": {},
                        "config_version": "bench",
                    }
                    for i in ids
                    for call in (end - timedelta(days=rng.randint(0, 120)),)
                ],
            )
            session.execute(
                insert(Touchpoint),
                [
                    {
                        "account_id": rng.choice(ids),
                        "kind": "call",
                        "occurred_at": datetime.combine(end - timedelta(days=rng.randint(0, 30)), noon),
                        "note": "",
                    }
                    for _ in range(accounts * 2)
                ],
            )
            ctas = []
            for n in range(accounts // 3):
                opened = end - timedelta(days=rng.randint(0, 40))
                closed = opened + timedelta(days=rng.randint(1, 20))
                done = closed <= end and rng.random() < 0.7
                ctas.append(
                    {
                        "account_id": rng.choice(ids),
                        "rule_id": f"bench_{n}",
                        "status": "done" if done else ("dismissed" if closed <= end else "open"),
                        "priority": "high",
                        "opened_at": datetime.combine(opened, noon),
                        "due_on": opened + timedelta(days=7),
                        "closed_at": datetime.combine(closed, noon) if closed <= end else None,
                        "config_version": "bench",
                    }
                )
            session.execute(insert(Cta), ctas)
    finally:
        database.dispose()


def timed_digest(url: str, today: date) -> tuple[float, float, int, int, int]:
    """Build every team's digest with its chart; (seconds, CPU seconds, digests, accounts, chart bytes)."""
    from zoneinfo import ZoneInfo

    from bot.chart import render_digest_chart
    from bot.i18n import Locale, Translator
    from handlers.jobs.digest import preview
    from handlers.services.digest import week_before
    from scoring.compiled import compile_config

    config = parse_config(yaml.safe_load(default_config_path().read_text(encoding="utf-8")))
    scale = compile_config(config).scale
    database = Database(url)
    t = Translator(Locale.JA)
    render_digest_chart(t, scale, _empty_post(config, t, today))  # font and matplotlib warm-up
    started, cpu = time.perf_counter(), time.process_time()
    rendered = preview(
        database,
        config,
        scale,
        t,
        week=week_before(today),
        tz=ZoneInfo("Asia/Tokyo"),
        chart=render_digest_chart,
    )
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    database.dispose()
    return (
        seconds,
        cpu_seconds,
        len(rendered),
        sum(r.post.digest.accounts for r in rendered),
        sum(len(r.chart or b"") for r in rendered),
    )


def _empty_post(config: Any, t: Any, today: date) -> Any:
    from handlers.services.digest import DigestPost, DigestTeam, week_before
    from scoring.config_digest import DigestSettings
    from scoring.digest import DigestInput, build_digest

    data = DigestInput(
        week=week_before(today),
        accounts=(),
        current={},
        previous={},
        ctas=(),
        touchpoints=0,
        touchpoints_previous=0,
    )
    return DigestPost(DigestTeam("C0", None), "warm-up", build_digest(data, DigestSettings()))


def part_digest(args: argparse.Namespace) -> None:
    workdir: Path = args.workdir / "digest"
    targets: list[tuple[str, Callable[[], Any]]] = [("sqlite", lambda: sqlite_database(workdir))]
    if args.postgres:
        targets.append(("postgresql", lambda: postgres_database(args.postgres)))
    else:
        print(f"  (PostgreSQL skipped: set {POSTGRES_URL_ENV} or pass --postgres URL)")
    print(f"digest: {args.accounts:,} scored accounts, 3 team channels, chart included")
    for backend, open_target in targets:
        with open_target() as url:
            upgrade(url)
            started = time.perf_counter()
            digest_book(url, args.accounts, TODAY)
            laid_out = time.perf_counter() - started
            seconds, cpu_seconds, digests, accounts, chart_bytes = timed_digest(url, TODAY)
            verdict = "ok" if seconds < DIGEST_TARGET_SECONDS else f"OVER {DIGEST_TARGET_SECONDS:.0f} s"
            print(
                f"  {backend:<10} {seconds:5.2f} s ({verdict}; this process's CPU {cpu_seconds:.2f} s)  "
                f"{digests} digests, {accounts:,} accounts, "
                f"charts {chart_bytes / 1024:,.0f} kB  (book laid out in {laid_out:.1f} s, not timed); "
                f"{load()}"
            )


PARTS["digest"] = part_digest


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=sorted(PARTS), action="append", help="which part(s) to run")
    parser.add_argument("--accounts", type=int, default=10_000, help="how many accounts (default 10,000)")
    parser.add_argument("--metrics", type=int, default=5, help="pulled metrics per account (default 5)")
    parser.add_argument("--days", type=int, default=20, help="days of history (default 20)")
    parser.add_argument("--batch-size", type=int, default=10_000, help="rows per write statement")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(POSTGRES_URL_ENV),
        help=f"a PostgreSQL server URL to create a scratch database on (default ${POSTGRES_URL_ENV})",
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path("var/bench/pipeline"), help="where the CSV and SQLite file go"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also report the Python heap's peak (slows the pull down)"
    )
    args = parser.parse_args(argv)
    for part in args.part or sorted(PARTS):
        PARTS[part](args)


if __name__ == "__main__":
    main()
