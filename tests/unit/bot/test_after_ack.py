"""``AfterAckPool``: keyed work is shared by changes in quick succession and never lost at shutdown."""

from __future__ import annotations

import threading
import time

from bot.middleware import AfterAckPool


class Runs:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.done = threading.Event()

    def __call__(self) -> None:
        self.times.append(time.monotonic())
        self.done.set()


def test_keyed_work_settles_then_runs_once_for_a_burst() -> None:
    pool, runs = AfterAckPool(), Runs()
    started = time.monotonic()
    for _ in range(10):
        pool(runs, describe="home refresh", key="home:U1", settle=0.2)
        time.sleep(0.01)
    assert runs.done.wait(2)
    time.sleep(0.3)
    pool.shutdown()
    assert len(runs.times) == 1
    assert runs.times[0] - started >= 0.2


def test_each_key_settles_on_its_own() -> None:
    pool, first, second = AfterAckPool(), Runs(), Runs()
    pool(first, describe="home refresh", key="home:U1", settle=0.05)
    pool(second, describe="home refresh", key="home:U2", settle=0.05)
    assert first.done.wait(2)
    assert second.done.wait(2)
    pool.shutdown()


def test_after_the_work_started_a_new_change_gets_its_own_run() -> None:
    pool, runs = AfterAckPool(), Runs()
    pool(runs, describe="home refresh", key="home:U1", settle=0.05)
    assert runs.done.wait(2)
    runs.done.clear()
    pool(runs, describe="home refresh", key="home:U1", settle=0.05)
    assert runs.done.wait(2)
    pool.shutdown()
    assert len(runs.times) == 2


def test_shutdown_runs_settling_work_at_once() -> None:
    pool, runs = AfterAckPool(), Runs()
    pool(runs, describe="home refresh", key="home:U1", settle=30)
    started = time.monotonic()
    pool.shutdown()
    assert len(runs.times) == 1
    assert time.monotonic() - started < 5


def test_work_without_a_key_does_not_wait() -> None:
    pool, runs = AfterAckPool(), Runs()
    started = time.monotonic()
    pool(runs, describe="confirmation", settle=30)
    assert runs.done.wait(2)
    assert runs.times[0] - started < 1
    pool.shutdown()
