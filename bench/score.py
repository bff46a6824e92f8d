"""How fast does takibi score accounts? Prints figures; asserts nothing.

Parts (choose with ``--part``):

* ``pure`` — (a) the pure scoring of N synthetic accounts (20 answers, 4 touchpoints, 8 metrics × 90
  days each) with the shipped ``takibi.yml`` widened to 20 questions and 8 pulled metrics. Building the
  accounts is not timed. ``--workers 2`` also splits the accounts over a process pool.
* ``db`` — (b) a full database scoring pass: to be added by registering a function in ``PARTS``.

    .venv/bin/python bench/score.py                      # 100,000 accounts, 1 then 2 workers
    .venv/bin/python bench/score.py --accounts 20000 --workers 1
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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

    def line(self) -> str:
        rate = self.accounts / self.seconds
        per = self.seconds / self.accounts * 1e6
        return (
            f"pure scoring, {self.workers} worker(s): {self.accounts:,} accounts in {self.seconds:.3f} s "
            f"= {rate:,.0f} accounts/s ({per:.1f} µs/account)"
        )


CHUNK = 1_000
"""Results are kept per chunk and then dropped, as a pass that writes each chunk to the database would."""


def _score_all(accounts: Sequence[AccountFacts], compiled: CompiledConfig) -> tuple[float, int]:
    """Seconds to score every account, and how many got a grade (so the work cannot be skipped)."""
    graded = 0
    started = time.perf_counter()
    for offset in range(0, len(accounts), CHUNK):
        results = [score_account(facts, compiled, TODAY) for facts in accounts[offset : offset + CHUNK]]
        graded += sum(1 for r in results if r.grade is not None)
    return time.perf_counter() - started, graded


def run_single(config: TakibiConfig, count: int) -> Timing:
    compiled = compile_config(config)
    accounts = build_accounts(config, count)
    gc.collect()
    gc.freeze()  # the built accounts are long-lived: keep the cyclic GC from rescanning them
    score_account(accounts[0], compiled, TODAY)  # warm the per-day cut-offs
    elapsed, _ = _score_all(accounts, compiled)
    gc.unfreeze()
    return Timing(1, count, elapsed)


def _worker(config: TakibiConfig, start: int, count: int, barrier: Any, out: Any) -> None:
    compiled = compile_config(config)
    accounts = build_accounts(config, count, seed=start + 7, start=start)
    gc.collect()
    gc.freeze()
    score_account(accounts[0], compiled, TODAY)
    barrier.wait()
    elapsed, graded = _score_all(accounts, compiled)
    out.put((elapsed, graded))


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
    for _ in processes:
        out.get()
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return Timing(workers, count, elapsed)


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


PARTS: dict[str, Callable[[argparse.Namespace], None]] = {"pure": part_pure}
"""Benchmark parts by name; (b) the database pass registers here as ``"db"``."""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=sorted(PARTS), action="append", help="which part(s) to run")
    parser.add_argument("--accounts", type=int, default=100_000, help="how many accounts (default 100,000)")
    parser.add_argument(
        "--workers", type=int, action="append", help="processes; repeat to compare (default: 1, then 2)"
    )
    args = parser.parse_args(argv)
    for part in args.part or ["pure"]:
        PARTS[part](args)


if __name__ == "__main__":
    main()
