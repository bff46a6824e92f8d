"""``takibi demo``: a few simulated weeks of the real app, shown to a person.

The real app (``bot.app.build``), its real Slack client and outbox deliverer, its real scheduled jobs
and the local Slack stand-in, on a fresh SQLite database with the sample book (60 accounts). The demo
moves the app's clock day by day from Monday 2026-11-23 (a national holiday) and on each day fires
every scheduled job at its time — the usage pull from the bundled CSV with the shipped configuration,
scoring and CTA evaluation, the weekly digest with its chart, CTA reminders, the steward's nudges —
while the CS team acts through signed requests (``bot.demo.scenes``). What reached Slack is shown as
it happens, conversation by conversation, and written at the end as a text transcript of every
channel and DM and an HTML page of them with the digest charts.

Nothing is simulated inside takibi; only Slack is stood in for.

Layout: ``world`` (clock, stand-in, app, sample), ``replay`` (firing the jobs), ``people`` and ``forms``
(acting in Slack), ``scenes`` (the story), ``feed`` (the live transcript), ``output`` (the files).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.demo.feed import Feed
from bot.demo.output import DemoFiles, cta_summary, day_label, write_transcripts
from bot.demo.replay import Firing, day_off, fire, firings, job_label, run_lines
from bot.demo.scenes import SCENES, Scene, Stage
from bot.demo.world import FIRST_DAY, DemoWorld, NotADemoFolderError, demo_world
from bot.errors import new_error_id
from bot.i18n import Locale

DEFAULT_DAYS = 14
"""Two weeks, Monday to Sunday twice: two digests, the holiday, the scenes. The bundled usage CSV ends
the day before the first day and its login metrics stay fresh for 14 days (``fresh_days``), so a
longer run shows them going stale — true to the data, but not the story."""
MAX_DAYS = 28

Echo = Callable[[str], None]
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DemoResult:
    days: int
    calls: int
    files: DemoFiles


def _events(world: DemoWorld, day: date, offset: int) -> list[tuple[datetime, Firing | Scene]]:
    events: list[tuple[datetime, Firing | Scene]] = [
        (firing.at, firing) for firing in firings(world.takibi.scheduler, day)
    ]
    events.extend(
        (datetime.combine(day, time(scene.hour, scene.minute), tzinfo=world.tz), scene)
        for scene in SCENES
        if scene.day == offset
    )
    return sorted(events, key=lambda event: (event[0], isinstance(event[1], Scene)))


def _play_day(world: DemoWorld, feed: Feed, used: set[str], day: date, *, offset: int, echo: Echo) -> None:
    echo(world.t("demo.day_header", day=day_label(world, day)))
    for at, event in _events(world, day, offset):
        if isinstance(event, Firing):
            if day_off(world, event):
                echo(world.t("demo.job_day_off", at=at, job=job_label(world.t, event.job_id)))
            for run in fire(world, event):
                for line in run_lines(world.t, run, at):
                    echo(line)
        else:
            world.clock.set(at)
            try:
                event.play(Stage(world=world, echo=echo, at=at, used=used))
            except Exception as exc:  # the story goes on without this scene; the log has why
                error_id = new_error_id()
                logger.exception("demo scene failed (error %s): %s", error_id, exc)
                echo(world.t("demo.scene.failed", error_id=error_id))
        if not world.settle():
            echo(world.t("demo.unsettled"))
        for line in feed.news():
            echo(line)


def replay(
    world: DemoWorld, echo: Echo, *, days: int = DEFAULT_DAYS, first_day: date = FIRST_DAY
) -> DemoResult:
    """Replay ``days`` days from ``first_day`` in ``world``, telling ``echo`` what happens, and write
    the transcripts into the world's folder."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1..{MAX_DAYS}")
    echo(world.t("demo.intro", first=first_day, days=days))
    echo(world.t("demo.setup", url=world.standin.base_url, database=world.takibi.database.url))
    feed = Feed(world.standin, world.t, world.tz)
    used: set[str] = set()
    for offset in range(days):
        _play_day(world, feed, used, first_day + timedelta(days=offset), offset=offset, echo=echo)
    files = write_transcripts(world)
    calls = len(world.standin.calls)
    echo(world.t("demo.done", days=days, calls=calls))
    echo(cta_summary(world))
    echo(world.t("demo.file_text", path=files.text))
    echo(world.t("demo.file_html", path=files.html))
    return DemoResult(days=days, calls=calls, files=files)


def run_demo(
    workdir: Path, locale: Locale, echo: Echo, *, days: int = DEFAULT_DAYS, first_day: date = FIRST_DAY
) -> DemoResult:
    """``takibi demo``: a fresh world under ``workdir`` (recreated), replayed for ``days`` days."""
    with demo_world(workdir, locale, first_day=first_day) as world:
        return replay(world, echo, days=days, first_day=first_day)


__all__ = [
    "DEFAULT_DAYS",
    "FIRST_DAY",
    "MAX_DAYS",
    "DemoResult",
    "DemoWorld",
    "NotADemoFolderError",
    "demo_world",
    "replay",
    "run_demo",
]
