"""The weekly digest end to end: the job, run by the real scheduler, queues the message and the chart;
the real deliverer (with ``files.upload_v2`` registered) lands both in the Slack stand-in over HTTP."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import outbox_files
from bot.chart import render_digest_chart
from bot.configfile import default_config_path, load_config
from bot.i18n import Locale, Translator
from bot.outbox import Deliverer, build_delivery_client
from bot.sandbox import SlackStandIn
from bot.scheduler import build_scheduler
from handlers.context import Deps
from handlers.jobs import digest
from handlers.jobs.base import Outcome
from handlers.services.scoring import run_scoring_pass
from scoring.health import compile_config
from storage.db import Database
from storage.enums import OutboxStatus
from storage.models import OutboxMessage
from storage.sample.load import load_sample

TZ = ZoneInfo("Asia/Tokyo")
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=TZ).astimezone(UTC)
TOKEN = "xoxb-digest-e2e-0000"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def deps(database: Database) -> Deps:
    config = load_config(default_config_path(), locale=Locale.JA)
    compiled = compile_config(config)
    with database.unit_of_work() as session:
        load_sample(session, TODAY)
    for back in (8, 1):
        run_scoring_pass(database, compiled, today=TODAY - timedelta(days=back), tz=TZ, keep_scores=False)
    return Deps(database=database, now=lambda: NOW, config=config, scoring=compiled, tz=TZ)


def deliverer(database: Database, standin: SlackStandIn) -> Deliverer:
    built = Deliverer(
        database,
        build_delivery_client(TOKEN, standin.base_url),
        per_channel_interval=0.0,
        reconcile_delay=0.0,
        backoff_base=0.05,
        backoff_cap=0.2,
        instance_id="digest-test",
    )
    outbox_files.register(built)
    return built


def run_digest_job(deps: Deps) -> Outcome:
    job = digest.job(deps, t=Translator(Locale.JA), chart=render_digest_chart)
    scheduler = build_scheduler([job], deps.config.schedule, deps.database, now=deps.now, default_timezone=TZ)
    return scheduler.run_job_now(digest.JOB_ID).outcome


def deliver_all(database: Database, standin: SlackStandIn, timeout: float = 20.0) -> None:
    """A fresh deliverer (as after a restart) passes until no row is left to send: the chart row waits
    for its message, and a row of unknown outcome for its backoff before it is reconciled."""
    sender = deliverer(database, standin)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sender.deliver_due()
        if all(status in (OutboxStatus.SENT, OutboxStatus.DEAD) for _method, status in statuses(database)):
            return
        time.sleep(0.1)


def statuses(database: Database) -> list[tuple[str, OutboxStatus]]:
    with database.unit_of_work() as session:
        rows = session.execute(select(OutboxMessage.method, OutboxMessage.status).order_by(OutboxMessage.id))
        return [(method, status) for method, status in rows]


def test_the_job_queues_a_message_and_its_chart_per_team_channel(deps: Deps) -> None:
    assert run_digest_job(deps) is Outcome.SUCCEEDED
    with deps.database.unit_of_work() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        by_key = {row.dedupe_key: row for row in rows}
        chart = by_key["digest:2026-11-22:C0CSSMB:chart"]
        message = by_key["digest:2026-11-22:C0CSSMB:message"]
        assert chart.method == "files.upload_v2"
        assert chart.depends_on_id == message.id
        assert base64.b64decode(chart.payload["content_base64"]).startswith(PNG_SIGNATURE)
    assert len(rows) == 6


def test_the_deliverer_lands_the_digest_then_the_chart_in_the_channel(
    deps: Deps, standin: SlackStandIn
) -> None:
    run_digest_job(deps)
    deliver_all(deps.database, standin)
    assert {status for _method, status in statuses(deps.database)} == {OutboxStatus.SENT}
    post, upload = standin.messages("C0CSSMB")
    assert post["blocks"][0]["text"]["text"] == "🔥 週次ダイジェスト 11/16〜11/22"
    (shared,) = upload["files"]
    assert shared["name"] == "takibi-digest-20261122.png"
    assert upload["text"].startswith("📊 薪 × 焚き火のマップ")
    assert float(upload["ts"]) > float(post["ts"])


def test_a_second_run_in_the_same_week_posts_nothing_more(deps: Deps, standin: SlackStandIn) -> None:
    run_digest_job(deps)
    assert run_digest_job(deps) is Outcome.TAKEN
    deliver_all(deps.database, standin)
    assert len(standin.messages("C0CSEP")) == 2


def test_an_upload_whose_answer_was_lost_is_found_in_the_channel_not_posted_twice(
    deps: Deps, standin: SlackStandIn
) -> None:
    run_digest_job(deps)
    standin.fail_after_accept("files.completeUploadExternal")
    deliver_all(deps.database, standin)
    uploads = [
        m for channel in ("C0CSSMB", "C0CSMM", "C0CSEP") for m in standin.messages(channel) if m.get("files")
    ]
    assert len(uploads) == 3
    assert standin.calls_to("conversations.history")  # the lost one was looked for, and found
    assert {status for _method, status in statuses(deps.database)} == {OutboxStatus.SENT}
