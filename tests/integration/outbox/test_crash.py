"""A deliverer killed between Slack's answer and its database commit: the restart posts nothing twice.

The deliverer runs in a real subprocess against the stand-in in this process; the stand-in stores the
post and holds its answer, the test SIGKILLs the subprocess, and a new deliverer takes over once the
lease has run out (its clock is moved past the lease rather than waiting a minute).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.clock import utc_now
from bot.sandbox import SlackStandIn
from storage.db import Database
from storage.enums import OutboxStatus

from .conftest import BOT_TOKEN, MakeDeliverer, delivered, drain, post, row

ROOT = Path(__file__).resolve().parents[3]
LEASE_SECONDS = 60

DELIVER_ONCE = """
import os
from bot.outbox import Deliverer, build_delivery_client
from storage.db import Database

database = Database(os.environ["OUTBOX_DATABASE_URL"])
client = build_delivery_client(os.environ["OUTBOX_TOKEN"], os.environ["OUTBOX_API_URL"])
lease = float(os.environ["OUTBOX_LEASE"])
deliverer = Deliverer(database, client, instance_id="doomed", per_channel_interval=0, lease_seconds=lease)
print(deliverer.deliver_due(), flush=True)
"""


def _start_deliverer(database: Database, standin: SlackStandIn) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OUTBOX_DATABASE_URL": database.url,
        "OUTBOX_TOKEN": BOT_TOKEN,
        "OUTBOX_API_URL": standin.base_url,
        "OUTBOX_LEASE": str(LEASE_SECONDS),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-c", DELIVER_ONCE],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_deliverer_killed_after_slack_accepted_a_post_never_causes_a_duplicate(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    accepted = post(database, "cta:42:alert", text="held answer")
    queued = post(database, "cta:43:alert", text="claimed, not sent yet")
    standin.hold_after_accept("chat.postMessage")
    process = _start_deliverer(database, standin)
    try:
        held = standin.wait_until(
            lambda s: any(c.injected == "hold" for c in s.calls_to("chat.postMessage")), timeout=30
        )
        states_at_kill = (row(database, accepted).status, row(database, queued).status)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        standin.release_held()
    after_restart = make_deliverer(now=lambda: utc_now() + timedelta(seconds=LEASE_SECONDS + 1))

    drain(after_restart, database)

    assert held, process.stderr.read().decode() if process.stderr else ""
    assert process.returncode == -signal.SIGKILL
    assert states_at_kill == (OutboxStatus.SENDING, OutboxStatus.SENDING)
    assert delivered(standin) == {accepted: 1, queued: 1}
    assert [c.injected for c in standin.calls_to("chat.postMessage")] == ["hold", None]
    assert len(standin.calls_to("conversations.history")) == 2  # both rows were reconciled first
    texts = {m["ts"]: m["text"] for m in standin.messages("C0CSSMB")}
    first = row(database, accepted)
    assert (first.status, texts[first.result["ts"]]) == ("sent", "held answer")  # type: ignore[index]
    assert row(database, queued).status == "sent"
