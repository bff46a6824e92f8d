"""How fast and how safely do CTA alerts reach Slack? Prints figures; asserts nothing.

Parts (choose with ``--part``; default: every registered part):

* ``delivery`` — enqueue N alerts over C channels into a real database (a temporary SQLite file, or
  ``--database-url``), then let one ``Deliverer.run`` loop send them to the Slack stand-in with its
  per-channel rate limit on (about one ``chat.postMessage`` per second per channel, as Slack does).
  Prints the time to deliver everything (target: under 60 s for 1,000 alerts over 20 channels),
  messages per second, 429s received, duplicates (must be 0) and the highest per-channel rate seen.
* ``evaluation`` — the shipped CTA rules evaluated (pure, no database) over N synthetic accounts
  (``--accounts``, default 100,000) with their health results, grade history and renewal dates built
  beforehand and not timed. Prints the wall and CPU time (target: under 5 s for 100,000), the load
  average and the kernel's CPU pressure over the run, and how often each rule fires. The loop does no
  I/O at all: when the wall time is well above the CPU time, the process was waiting for a core (the
  CPU pressure says how much), not for a disk or a socket.

    .venv/bin/python bench/cta.py --part delivery                     # 1,000 alerts, 20 channels
    .venv/bin/python bench/cta.py --part delivery --alerts 200 --channels 5 --failure-rate 0.2
    .venv/bin/python bench/cta.py --part delivery --database-url postgresql+psycopg://postgres@127.0.0.1/bench
    .venv/bin/python bench/cta.py --part evaluation                   # 100,000 accounts
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.calendar import calendar_around
from bot.configfile import default_config_path, load_config
from bot.outbox import Deliverer, build_delivery_client
from bot.outbox_methods import OUTBOX_EVENT_TYPE
from bot.sandbox import SlackStandIn
from scoring.config import TakibiConfig
from scoring.health import compile_config, score_account
from scoring.model import AccountFacts, HealthResult, KeyPerson, MetricSeries, Onboarding, Role, Touchpoint
from scoring.rules import GradePoint, check, compile_rules
from storage.db import Database
from storage.migrate import upgrade
from storage.repositories import outbox

BOT_TOKEN = "xoxb-bench-cta"  # noqa: S105 - the stand-in accepts any xoxb- token


# --- delivery ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryFigures:
    alerts: int
    channels: int
    enqueue_seconds: float
    deliver_seconds: float
    rate_limited: int
    failed: int
    reconciliations: int
    duplicates: int
    missing: int
    max_per_channel_per_second: int
    min_gap_seconds: float

    def lines(self) -> list[str]:
        return [
            f"alerts: {self.alerts} over {self.channels} channels",
            f"enqueue: {self.enqueue_seconds:.2f} s",
            f"deliver: {self.deliver_seconds:.1f} s total (target < 60 s for 1,000 over 20)",
            f"throughput: {self.alerts / self.deliver_seconds:.1f} messages/s",
            f"429s received: {self.rate_limited}; other failed posts: {self.failed}; "
            f"read-backs (reconciliations): {self.reconciliations}",
            f"duplicates: {self.duplicates} (must be 0); missing: {self.missing}",
            f"max per-channel rate: {self.max_per_channel_per_second} posts in any 1 s window; "
            f"closest two posts to one channel: {self.min_gap_seconds:.3f} s",
        ]


def _alert_payload(index: int, channel: str) -> dict[str, object]:
    text = f"🔥 CTA #{index}: 株式会社サンプル{index} — PO left, no touchpoint for 30 days"
    return {
        "channel": channel,
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def enqueue_alerts(database: Database, channels: Sequence[str], alerts: int) -> None:
    """One unit of work per alert, as the CTA job commits each CTA with its message request."""
    for index in range(alerts):
        channel = channels[index % len(channels)]
        with database.unit_of_work() as session:
            outbox.enqueue(
                session,
                method="chat.postMessage",
                payload=_alert_payload(index, channel),
                dedupe_key=f"bench:cta:{index}:alert",
            )


def _max_in_one_second(times: Sequence[float]) -> int:
    window: deque[float] = deque()
    best = 0
    for at in sorted(times):
        window.append(at)
        while window[0] <= at - 1.0:
            window.popleft()
        best = max(best, len(window))
    return best


def measure_delivery(
    database: Database, alerts: int, channel_count: int, workers: int, failure_rate: float = 0.0
) -> DeliveryFigures:
    with SlackStandIn() as slack:
        channels = [slack.add_channel(f"cs-bench-{n:02d}") for n in range(channel_count)]
        slack.set_rate_limit("chat.postMessage", per_channel_per_second=1)
        if failure_rate:
            slack.set_failure_rate(failure_rate, seed=2026)
        started = time.monotonic()
        enqueue_alerts(database, channels, alerts)
        enqueued = time.monotonic()

        deliverer = Deliverer(database, build_delivery_client(BOT_TOKEN, slack.base_url), workers=workers)
        stop = threading.Event()
        runner = threading.Thread(target=deliverer.run, args=(stop,), name="deliverer")
        runner.start()
        deliverer.notify()
        try:
            while True:
                with database.unit_of_work() as session:
                    if outbox.pending_count(session) == 0:
                        break
                time.sleep(0.1)
            finished = time.monotonic()
        finally:
            stop.set()
            deliverer.notify()
            runner.join()

        posts = slack.calls_to("chat.postMessage")
        reconciliations = len(slack.calls_to("conversations.history"))
        stored: Counter[int] = Counter()
        for channel in channels:
            for message in slack.messages(channel):
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == OUTBOX_EVENT_TYPE:
                    stored[int(metadata["event_payload"]["outbox_id"])] += 1
        accepted_at: dict[str, list[float]] = {}
        every_call_at: dict[str, list[float]] = {}
        for call in posts:
            every_call_at.setdefault(str(call.params.get("channel")), []).append(call.at)
            if call.ok:
                accepted_at.setdefault(str(call.params["channel"]), []).append(call.at)
        gaps = [
            later - earlier
            for times in every_call_at.values()
            for earlier, later in zip(sorted(times), sorted(times)[1:], strict=False)
        ]
    return DeliveryFigures(
        alerts=alerts,
        channels=channel_count,
        enqueue_seconds=enqueued - started,
        deliver_seconds=finished - enqueued,
        rate_limited=sum(call.status == 429 for call in posts),
        failed=sum(call.status not in (200, 429) for call in posts),
        reconciliations=reconciliations,
        duplicates=sum(count - 1 for count in stored.values() if count > 1),
        missing=alerts - len(stored),
        max_per_channel_per_second=max((_max_in_one_second(t) for t in accepted_at.values()), default=0),
        min_gap_seconds=min(gaps, default=0.0),
    )


def part_delivery(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="takibi-bench-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade(url)
        database = Database(url)
        try:
            with database.unit_of_work() as session:
                if outbox.pending_count(session):
                    raise SystemExit(f"{database.engine.url} already has undelivered outbox rows")
            figures = measure_delivery(database, args.alerts, args.channels, args.workers, args.failure_rate)
        finally:
            database.dispose()
    print(f"--- delivery ({'SQLite' if args.database_url is None else database.engine.url})")
    for line in figures.lines():
        print(line)


def add_delivery_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--alerts", type=int, default=1_000, help="alerts to deliver (default 1,000)")
    parser.add_argument("--channels", type=int, default=20, help="channels they go to (default 20)")
    parser.add_argument("--workers", type=int, default=8, help="deliverer threads (default 8)")
    parser.add_argument(
        "--failure-rate", type=float, default=0.0, help="share of Slack calls the stand-in fails (429/5xx)"
    )
    parser.add_argument(
        "--database-url",
        help="an empty, migrated-or-migratable database (default: a temporary SQLite file)",
    )


# --- evaluation ----------------------------------------------------------------------------------


EVAL_TODAY = date(2026, 11, 24)
EVAL_POOL = 512
"""Distinct value objects per kind; accounts draw from pools so 100,000 accounts fit in memory."""


@dataclass(frozen=True)
class EvaluationFigures:
    accounts: int
    rules: int
    seconds: float
    cpu_seconds: float
    """Process time: what the evaluation cost even when other work shares the machine."""
    hits: Counter[str]
    undetermined: int
    machine: str
    """Load average and CPU pressure at the end of the run, to read the wall time against."""

    def lines(self) -> list[str]:
        per = self.seconds / self.accounts * 1e6
        lines = [
            f"rules evaluated: {self.rules} default rules x {self.accounts:,} accounts "
            f"in {self.seconds:.3f} s "
            f"= {self.accounts / self.seconds:,.0f} accounts/s ({per:.1f} µs/account; target: under 5 s); "
            f"CPU {self.cpu_seconds:.3f} s",
            f"machine: {self.machine}",
            f"undecided (account, rule) pairs for missing data: {self.undetermined:,}",
        ]
        lines.extend(f"  {rule_id}: fires on {count:,}" for rule_id, count in sorted(self.hits.items()))
        return lines


def build_portfolio(
    config: TakibiConfig, count: int, *, seed: int = 11
) -> list[tuple[AccountFacts, HealthResult, tuple[GradePoint, ...], date | None]]:
    """Synthetic accounts with everything the default rules read: touchpoints, 90 days of login rate,
    key people (some leaving), onboarding dates, the day's health result, grade history and renewal."""
    rng = random.Random(seed)
    today = EVAL_TODAY
    days = tuple(today - timedelta(days=89 - i) for i in range(90))
    series_pool = []
    for _ in range(EVAL_POOL):
        level, slope = rng.uniform(0.1, 0.9), rng.uniform(-0.01, 0.004)
        values = tuple(max(0.0, min(1.0, level + slope * i + rng.gauss(0, 0.02))) for i in range(90))
        series_pool.append(MetricSeries(days, values))
    touchpoint_pool = [
        tuple(
            Touchpoint(today - timedelta(days=rng.randint(0, 90)), "call") for _ in range(rng.randint(0, 4))
        )
        for _ in range(EVAL_POOL)
    ]
    people_pool: list[tuple[KeyPerson, ...]] = [()]
    for _ in range(EVAL_POOL):
        people = []
        for role in (Role.PO, Role.PL):
            left = rng.choice((None, None, None, rng.randint(0, 120)))
            people.append(
                KeyPerson(
                    role,
                    since=today - timedelta(days=700),
                    left_on=None if left is None else today - timedelta(days=left),
                )
            )
            if left is not None and rng.random() < 0.5:
                people.append(KeyPerson(role, since=today - timedelta(days=rng.randint(0, left))))
        people_pool.append(tuple(people))
    onboarding_pool = [None] + [
        Onboarding(
            planned_end=today - timedelta(days=rng.randint(-60, 200)),
            completed_on=rng.choice((None, today - timedelta(days=rng.randint(0, 200)))),
        )
        for _ in range(EVAL_POOL)
    ]
    compiled = compile_config(config)
    segments = [s.id for s in config.segments]
    portfolio: list[tuple[AccountFacts, HealthResult, tuple[GradePoint, ...], date | None]] = []
    for n in range(count):
        facts = AccountFacts(
            account_id=str(n),
            segment=rng.choice(segments),
            touchpoints=rng.choice(touchpoint_pool),
            metrics={"login_rate": rng.choice(series_pool)},
            key_people=rng.choice(people_pool),
            onboarding=rng.choice(onboarding_pool),
        )
        result = score_account(facts, compiled, today)
        history = (GradePoint(today - timedelta(days=28), rng.randint(1, 5)),) if rng.random() < 0.9 else ()
        renewal = today + timedelta(days=rng.randint(0, 365)) if rng.random() < 0.95 else None
        portfolio.append((facts, result, history, renewal))
    return portfolio


def measure_evaluation(count: int) -> EvaluationFigures:
    config = load_config(default_config_path())
    rules = compile_rules(config)
    tokyo = ZoneInfo("Asia/Tokyo")
    moment = datetime(EVAL_TODAY.year, EVAL_TODAY.month, EVAL_TODAY.day, 12, tzinfo=tokyo)
    calendar = calendar_around(config.schedule, moment, tokyo)
    portfolio = build_portfolio(config, count)
    gc.collect()
    gc.freeze()  # the portfolio is long-lived: keep the cyclic GC from rescanning it
    hits: Counter[str] = Counter()
    undetermined = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for facts, result, history, renewal in portfolio:
        checked = check(facts, result, history, rules, EVAL_TODAY, calendar=calendar, renewal_on=renewal)
        for hit in checked.hits:
            hits[hit.rule_id] += 1
        undetermined += len(checked.undetermined)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    gc.unfreeze()
    return EvaluationFigures(
        count, len(rules.enabled), seconds, cpu_seconds, hits, undetermined, machine_load()
    )


def machine_load() -> str:
    """The load average and, on Linux, the share of time runnable tasks waited for a CPU (PSI)."""
    one, five, _ = os.getloadavg()
    text = f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} CPUs"
    try:
        first = Path("/proc/pressure/cpu").read_text(encoding="ascii").splitlines()[0]
    except (OSError, IndexError):
        return text
    fields = dict(part.split("=") for part in first.split()[1:])
    return f"{text}; CPU pressure: tasks waited for a CPU {fields.get('avg10', '?')}% of the last 10 s"


def part_evaluation(args: argparse.Namespace) -> None:
    """Time the shipped rules over a synthetic portfolio, pure (no database); building it is not timed."""
    print(f"--- evaluation ({args.accounts:,} accounts, pure)")
    for line in measure_evaluation(args.accounts).lines():
        print(line)


def add_evaluation_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--accounts", type=int, default=100_000, help="accounts to evaluate the rules on (default 100,000)"
    )


# --- main ----------------------------------------------------------------------------------------

PARTS: dict[str, Callable[[argparse.Namespace], None]] = {
    "delivery": part_delivery,
    "evaluation": part_evaluation,
}
"""Benchmark parts by name."""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=sorted(PARTS), action="append", help="which part(s) to run")
    add_delivery_arguments(parser)
    add_evaluation_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    for part in args.part or sorted(PARTS):
        PARTS[part](args)


if __name__ == "__main__":
    main()
