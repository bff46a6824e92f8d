"""The weekly digest job: per team channel, the week's figures as a message, and the chart after it.

Runs once per ISO week (``Period.WEEKLY``) on its first business day (``business_days_only``): the
``digest`` entry of ``schedule.jobs`` fires Monday to Friday at 8:30, and the ledger keeps the later
firings of the week from posting again. It reports the seven days before the day it runs.

Thin, as jobs are: read and compute (``handlers.services.digest``), render (``handlers.views.digest``
and the injected chart renderer, ``bot.chart.render_digest_chart``: handlers do not import ``bot``),
enqueue to the outbox in the same unit of work, then wake the deliverer. One team failing does not
stop the others; it is listed in the report's errors. Re-running a week queues nothing new (the
outbox rows are keyed by week and channel).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, tzinfo

from handlers.context import Deps, Translate
from handlers.jobs.base import Job, JobContext, JobReport, Period
from handlers.services.digest import (
    ChartRenderer,
    DigestPost,
    build_posts,
    digest_teams,
    enqueue_post,
    week_before,
)
from handlers.views import Message
from handlers.views.digest import digest_message
from scoring.config import TakibiConfig
from scoring.digest import DigestWeek
from scoring.grades import GradeScale
from storage.db import Database

JOB_ID = "digest"
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RenderedPost:
    post: DigestPost
    message: Message
    chart: bytes | None


def render_post(
    t: Translate, config: TakibiConfig, scale: GradeScale, post: DigestPost, chart: ChartRenderer | None
) -> RenderedPost:
    settings = config.digest
    draw = chart if settings.chart else None
    message = digest_message(
        t,
        scale,
        post.digest,
        team=post.team_label,
        coverage_days=settings.coverage_days,
        at_risk_days=settings.at_risk_renewal_days,
        at_risk_grade=settings.at_risk_grade_at_or_below,
        chart=draw is not None,
    )
    return RenderedPost(post, message, None if draw is None else draw(t, scale, post))


def preview(
    database: Database,
    config: TakibiConfig,
    scale: GradeScale,
    t: Translate,
    *,
    week: DigestWeek,
    tz: tzinfo,
    chart: ChartRenderer | None,
) -> list[RenderedPost]:
    """Every team's digest for ``week``, rendered, nothing queued (``takibi digest --preview``)."""
    with database.unit_of_work() as session:
        posts = build_posts(session, config, t, week, tz)
    return [render_post(t, config, scale, post, chart) for post in posts]


def post_weekly_digest(
    database: Database,
    config: TakibiConfig,
    scale: GradeScale,
    t: Translate,
    *,
    today: date,
    tz: tzinfo,
    chart: ChartRenderer | None,
    notify: Callable[[], None] | None = None,
) -> JobReport:
    """Queue the digest of the week before ``today`` to every team channel (message, then chart)."""
    week = week_before(today)
    if not digest_teams(config):
        return JobReport.skip("no_channel")
    with database.unit_of_work() as session:
        posts = build_posts(session, config, t, week, tz)
    posted = charts = 0
    errors: list[str] = []
    for post in posts:
        try:
            rendered = render_post(t, config, scale, post, chart)
            with database.unit_of_work(immediate=True) as session:
                queued = enqueue_post(
                    session,
                    post,
                    rendered.message,
                    chart=rendered.chart,
                    filename=t("digest.chart.filename", end=week.end),
                    title=t("digest.chart.title", start=week.start, end=week.end, team=post.team_label),
                    comment=t("digest.chart.comment", weeks=config.digest.history_weeks),
                )
        except Exception as exc:  # one team's failure must not stop the others' digests
            logger.exception("digest for %s failed", post.team.channel)
            errors.append(f"{post.team.channel}: {type(exc).__name__}: {exc}"[:300])
            continue
        posted += 1
        charts += queued.upload_id is not None
    if notify is not None and posted:
        notify()
    return JobReport(counts={"digests": posted, "charts": charts}, errors=tuple(errors))


def job(
    deps: Deps,
    *,
    t: Translate,
    chart: ChartRenderer | None,
    notify: Callable[[], None] | None = None,
) -> Job:
    """The ``digest`` job, built by the composition root (it brings the chart renderer and language)."""

    def run(context: JobContext) -> JobReport:
        return post_weekly_digest(
            context.database,
            deps.config,
            deps.scoring.scale,
            t,
            today=context.scheduled_at.date(),
            tz=deps.tz,
            chart=chart,
            notify=notify,
        )

    return Job(id=JOB_ID, run=run, period=Period.WEEKLY, business_days_only=True)
