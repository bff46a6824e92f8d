"""The demo's world: a moved clock, the Slack stand-in, the real app served over HTTP on a fresh SQLite
database with the sample book, and a driver that sends the app signed requests as Slack does.

Only Slack is stood in for. The app is ``bot.app.build`` with a clock the demo moves (``DemoClock``):
jobs, listeners and scoring read the simulated day from it. The stand-in stamps its messages with the
same clock, so the transcript shows simulated times.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as wall_time
from pathlib import Path

from bot.app import Takibi, build
from bot.i18n import Locale, Translator
from bot.logs import SecretRedactingFilter
from bot.runner import HttpServer, wsgi_app
from bot.sandbox import SlackDriver, SlackStandIn
from bot.settings import Settings
from handlers.services.scoring import run_scoring_pass
from storage.repositories import outbox
from storage.sample.generate import ANCHOR
from storage.sample.load import load_sample

DEMO_BOT_TOKEN = "xoxb-demo-takibi"  # noqa: S105 - the stand-in accepts any xoxb- token
FIRST_DAY = ANCHOR
"""Monday 2026-11-23 (勤労感謝の日, a holiday): the day the sample book and its usage CSV end on."""
HISTORY_WEEKS = 8
"""Weekly scoring passes before the first day, so the digest's 8-week grade chart has a history."""
DELIVERY_PACING = 0.1
"""Seconds between two calls to one channel. Slack allows about one message a second per channel and
the deliverer keeps to it; the demo replays weeks in a minute against a stand-in without that limit,
so it compresses the pacing with the days. Order and exactly-once delivery are the deliverer's own."""
DELIVERY_POLL = 0.2
SETTLE_QUIET = 0.1
"""Seconds without a new Slack call before the app is taken to be done with what it was doing."""
SETTLE_TIMEOUT = 30.0


class DemoClock:
    """The app's clock, moved by the demo. Aware UTC, like ``bot.clock.utc_now``."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the demo clock takes aware datetimes")
        with self._lock:
            self._now = moment.astimezone(UTC)

    def timestamp(self) -> float:
        """Seconds since the epoch: the stand-in's wall clock, so message ``ts`` follow the story."""
        return self().timestamp()


@dataclass
class DemoWorld:
    standin: SlackStandIn
    takibi: Takibi
    slack: SlackDriver
    clock: DemoClock
    t: Translator
    workdir: Path

    @property
    def tz(self) -> tzinfo:
        """The team's time zone: the schedule's (``takibi.yml``), else ``TAKIBI_TIMEZONE``."""
        return self.takibi.scheduler.tz

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """``day`` at ``hour:minute`` on the team's wall clock; also moves the clock there."""
        moment = datetime.combine(day, wall_time(hour, minute), tzinfo=self.tz)
        self.clock.set(moment)
        return moment

    def user_name(self, user_id: str) -> str:
        """The member's name as people see it (``real_name``)."""
        users = self.standin.state()["users"]
        return next((u.get("real_name") or u["name"] for u in users if u["id"] == user_id), user_id)

    def settle(self) -> bool:
        """Wait until the outbox is drained and Slack calls have stopped coming for a moment: what the
        app started (work after ack, deliveries) is done. ``False`` if that took too long."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        calls, quiet_since = len(self.standin.calls), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.03)
            now_calls = len(self.standin.calls)
            if now_calls != calls:
                calls, quiet_since = now_calls, time.monotonic()
                continue
            if time.monotonic() - quiet_since >= SETTLE_QUIET and self.outbox_drained():
                return True
        return False

    def outbox_drained(self) -> bool:
        with self.takibi.database.unit_of_work() as session:
            return outbox.pending_count(session) == 0


def load_sample_book(takibi: Takibi, first_day: date) -> None:
    """The sample book laid out around ``first_day``, scored weekly for the weeks before it (what
    ``takibi sample load`` does), so the first digest has movers and a grade history."""
    deps = takibi.services.deps
    with takibi.database.unit_of_work() as session:
        load_sample(session, first_day, tz=deps.tz, config_version=deps.scoring.version)
    for weeks in range(HISTORY_WEEKS, 0, -1):
        run_scoring_pass(
            takibi.database,
            deps.scoring,
            today=first_day - timedelta(weeks=weeks),
            tz=deps.tz,
            now=takibi.services.deps.now,
            keep_scores=False,
        )


LOG_FILE = "takibi.log"
DATABASE_FILE = "takibi.sqlite3"


class NotADemoFolderError(Exception):
    """The working folder exists, holds files and none of them is a demo's: it is not deleted."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is not a demo folder")
        self.path = path


def fresh_folder(workdir: Path) -> None:
    """Empty ``workdir`` for a new run: created, or recreated when it is a previous demo's (it holds
    the demo's database) or empty. Anything else is somebody's folder and is left alone."""
    if workdir.exists():
        if any(workdir.iterdir()) and not (workdir / DATABASE_FILE).exists():
            raise NotADemoFolderError(workdir)
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)


@contextmanager
def logs_to(path: Path, secrets: tuple[str, ...]) -> Iterator[None]:
    """The app's log lines go to ``path`` while the demo runs: the terminal is the transcript's, and a
    failure the app handles (logged with its traceback) must not print a traceback at the person."""
    root = logging.getLogger()
    saved = list(root.handlers)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretRedactingFilter(secrets))
    for existing in saved:
        root.removeHandler(existing)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()
        for existing in saved:
            root.addHandler(existing)


@contextmanager
def demo_world(workdir: Path, locale: Locale, *, first_day: date = FIRST_DAY) -> Iterator[DemoWorld]:
    """A fresh database under ``workdir`` with the sample book, the stand-in, and the real app served
    over HTTP with its outbox deliverer running (the scheduler's jobs are fired by the demo)."""
    fresh_folder(workdir)
    signing_secret = secrets.token_hex(16)
    clock = DemoClock(datetime.combine(first_day, wall_time(0), tzinfo=UTC))
    with (
        logs_to(workdir / LOG_FILE, (signing_secret, DEMO_BOT_TOKEN)),
        SlackStandIn(wall_clock=clock.timestamp) as standin,
    ):
        settings = Settings(
            _env_file=None,
            SLACK_BOT_TOKEN=DEMO_BOT_TOKEN,
            SLACK_SIGNING_SECRET=signing_secret,
            SLACK_API_URL=standin.base_url,
            TAKIBI_DATABASE_URL=f"sqlite:///{workdir / DATABASE_FILE}",
            TAKIBI_LOCALE=locale,
        )
        takibi = build(settings, now=clock)
        clock.set(datetime.combine(first_day, wall_time(0), tzinfo=settings.tz))
        # The deliverer keeps the system clock (``bot.services``); only the business day moves.
        deliverer = takibi.services.deliverer
        deliverer.per_channel_interval = DELIVERY_PACING
        deliverer.poll_interval = DELIVERY_POLL
        server = HttpServer(wsgi_app(takibi.bolt, takibi.healthy), port=0)
        thread = server.serve_in_background()
        try:
            load_sample_book(takibi, first_day)
            takibi.start_delivery()
            with SlackDriver(f"{server.url}/slack/events", signing_secret, standin) as slack:
                yield DemoWorld(
                    standin=standin,
                    takibi=takibi,
                    slack=slack,
                    clock=clock,
                    t=Translator(locale),
                    workdir=workdir,
                )
        finally:
            server.close()
            thread.join(timeout=5)
            takibi.close()
