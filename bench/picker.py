"""How fast does the account picker answer type-ahead? Prints figures; asserts nothing.

Seeds N accounts (default 10,000) with Japanese and Latin names, starts the real app over HTTP with
the Slack stand-in, and sends signed ``block_suggestion`` requests one after another, cycling through
queries people type (katakana, hiragana, half-width kana, kanji, Latin, CRM ids, an empty query).
Reports p50 / p99 / max of the HTTP round trip and the largest number of options returned (Slack's
limit is 100), on a fresh SQLite file and, with ``--postgres URL`` (or ``TAKIBI_TEST_DATABASE_URL``),
on a fresh PostgreSQL database too.

    .venv/bin/python bench/picker.py
    .venv/bin/python bench/picker.py --accounts 10000 --requests 1000 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bot.app import build
from bot.runner import HttpServer, wsgi_app
from bot.sandbox import SlackDriver, SlackStandIn
from bot.settings import Settings
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Account
from storage.search import build_search_text

QUERIES = ("カミナ", "かみなし", "ｶﾐﾅｼ", "株式会社", "焚火", "サクラ商事", "acme", "BENCH-0042", "ひかり", "")
PREFIXES = ("株式会社", "", "合同会社", "", "有限会社")
STEMS = (
    "カミナシ",
    "たきび",
    "焚火",
    "ヤマト",
    "サクラ",
    "Acme",
    "ミライ",
    "ホクト",
    "あおば",
    "ひかり",
    "Nexus",
)
SUFFIXES = ("物産", "商事", "ラボ", "", "ホールディングス", "テック")
BOT_TOKEN = "xoxb-bench-picker"  # noqa: S105 - the stand-in takes any xoxb- token
USERS = ("U0SATO", "U0SUZUKI", "U0EMILY", "U0JAMES", "U0TAKAHASHI")


@contextmanager
def fresh_database(backend: str, server_url: str | None, folder: Path) -> Iterator[str]:
    """A new database migrated to head: a SQLite file, or a uniquely named PostgreSQL database."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'picker.sqlite3'}"
        upgrade(url)
        yield url
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
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def seed(database: Database, count: int) -> None:
    rows: list[dict[str, Any]] = []
    for n in range(count):
        name = f"{PREFIXES[n % 5]}{STEMS[n % 11]}{SUFFIXES[n // 11 % 6]} {n:05d}"
        external_id = f"BENCH-{n:05d}"
        rows.append(
            {
                "external_id": external_id,
                "name": name,
                "segment": ("SMB", "MM", "EP")[n % 3],
                "owner_slack_id": USERS[n % len(USERS)],
                "aliases": [],
                "search_text": build_search_text(
                    name=name, name_kana=None, aliases=(), external_id=external_id
                ),
            }
        )
    with database.unit_of_work() as session:
        for start in range(0, count, 5000):
            session.execute(insert(Account), rows[start : start + 5000])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(backend: str, url: str, requests: int) -> None:
    secret = secrets.token_hex(16)
    database = Database(url)
    with SlackStandIn() as standin:
        settings = Settings(
            _env_file=None,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=secret,
            SLACK_API_URL=standin.base_url,
            TAKIBI_DATABASE_URL=url,
        )
        takibi = build(settings, database=database)
        server = HttpServer(wsgi_app(takibi.bolt, takibi.healthy), port=0)
        thread = server.serve_in_background()
        try:
            with SlackDriver(f"{server.url}/slack/events", secret, standin) as slack:
                view = {"type": "modal", "callback_id": "assess"}
                for query in QUERIES:  # warm up: memberships cached, connections open
                    slack.block_suggestion("U0SATO", "account", "assess_account", query, view=view)
                timings: dict[str, list[float]] = {query: [] for query in QUERIES}
                most = 0
                for n in range(requests):
                    query = QUERIES[n % len(QUERIES)]
                    answer = slack.block_suggestion(
                        USERS[n % len(USERS)], "account", "assess_account", query, view=view
                    )
                    if answer.status != 200:
                        raise SystemExit(f"HTTP {answer.status}: {answer.body[:200]}")
                    most = max(most, len((answer.json or {}).get("options", [])))
                    timings[query].append(answer.elapsed)
        finally:
            server.close()
            thread.join(timeout=5)
            takibi.close()
    everything = [t for values in timings.values() for t in values]
    print(
        f"{backend:10} {len(everything):5d} requests  p50 {statistics.median(everything) * 1000:6.1f} ms  "
        f"p99 {percentile(everything, 0.99) * 1000:6.1f} ms  max {max(everything) * 1000:6.1f} ms  "
        f"options ≤ {most}"
    )
    for query, values in timings.items():
        label = query or "(empty)"
        print(
            f"           {label:12} p50 {statistics.median(values) * 1000:6.1f} ms  "
            f"p99 {percentile(values, 0.99) * 1000:6.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--postgres", default=os.environ.get("TAKIBI_TEST_DATABASE_URL"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    print(
        f"account picker: {args.accounts:,} accounts, {args.requests} block_suggestion requests per database"
    )
    for backend in backends:
        with (
            tempfile.TemporaryDirectory() as folder,
            fresh_database(backend, args.postgres, Path(folder)) as url,
        ):
            started = time.perf_counter()
            seed(Database(url), args.accounts)
            print(f"{backend:10} seeded in {time.perf_counter() - started:.1f} s")
            run(backend, url, args.requests)


if __name__ == "__main__":
    main()
