"""``takibi run`` on PostgreSQL stores acked forms in a worker process of its own: an assess form
submitted to the running command is stored by that process, confirmed, and the worker stops with the
app."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from sqlalchemy import select

from bot.sandbox import SlackDriver, SlackStandIn
from storage import migrate
from storage.db import Database
from storage.enums import FormOutcome
from storage.models import Assessment, FormSubmission
from tests.e2e.conftest import OWNER, initial_state, seed_book, takibi_run, wait_for_ephemeral
from tests.e2e.test_assess import answered, open_assess, rows, submit


def spawned_children(pid: int) -> list[int]:
    """Child processes started by ``multiprocessing`` (not its resource tracker)."""
    found = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return [child for child in found if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def test_takibi_run_on_postgresql_stores_forms_in_its_worker_process(
    postgres_url: str, standin: SlackStandIn, tmp_path: Path
) -> None:
    migrate.upgrade(postgres_url)
    database = Database(postgres_url)
    book = seed_book(database)
    secret = "e2e-signing-secret"
    try:
        with takibi_run(tmp_path, standin, secret, TAKIBI_DATABASE_URL=postgres_url) as (process, url):
            (worker,) = spawned_children(process.pid)
            with SlackDriver(url, secret, standin) as slack:
                view = open_assess(slack, standin, OWNER, "assess 株式会社カミナシ")
                values = initial_state(view, **answered(view, po_engagement="4"))
                assert submit(slack, OWNER, view, values).json is None
                assert "株式会社カミナシ" in wait_for_ephemeral(standin, OWNER)["text"]
            (assessment,) = rows(database, Assessment)
            assert (assessment.account_id, assessment.answers["po_engagement"]) == (book.kaminashi, 4)
            with database.unit_of_work() as session:
                form = session.scalars(select(FormSubmission)).one()
                assert (form.outcome, form.attempts) == (FormOutcome.STORED, 1)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=40) == 0
        deadline = time.monotonic() + 10
        while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{worker}").exists(), "the worker stops with the app"
    finally:
        database.dispose()
