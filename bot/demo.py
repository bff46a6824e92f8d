"""``takibi demo``: the real app, its real Slack client and the local Slack stand-in, on a fresh SQLite
database, driven by signed requests the way Slack sends them — then shown to a person as a transcript.

It grows with the product: each capability adds its scene. Nothing here is simulated inside takibi;
only Slack is stood in for.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.app import Takibi, build
from bot.i18n import Locale, Translator
from bot.runner import HttpServer, wsgi_app
from bot.sandbox import SlackDriver, SlackStandIn
from bot.sandbox.transcript import indent, render_message
from bot.settings import Settings

DEMO_BOT_TOKEN = "xoxb-demo-takibi"  # noqa: S105 - the stand-in accepts any xoxb- token
ANSWER_TIMEOUT = 10.0


@dataclass
class DemoWorld:
    standin: SlackStandIn
    takibi: Takibi
    slack: SlackDriver
    t: Translator


@contextmanager
def demo_world(workdir: Path, locale: Locale) -> Iterator[DemoWorld]:
    """A fresh database under ``workdir``, the stand-in, and the real app served over HTTP."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    signing_secret = secrets.token_hex(16)
    with SlackStandIn() as standin:
        settings = Settings(
            _env_file=None,
            SLACK_BOT_TOKEN=DEMO_BOT_TOKEN,
            SLACK_SIGNING_SECRET=signing_secret,
            SLACK_API_URL=standin.base_url,
            TAKIBI_DATABASE_URL=f"sqlite:///{workdir / 'takibi.sqlite3'}",
            TAKIBI_LOCALE=locale,
        )
        takibi = build(settings)
        server = HttpServer(wsgi_app(takibi.bolt, takibi.healthy), port=0)
        thread = server.serve_in_background()
        try:
            with SlackDriver(f"{server.url}/slack/events", signing_secret, standin) as slack:
                yield DemoWorld(standin=standin, takibi=takibi, slack=slack, t=Translator(locale))
        finally:
            server.close()
            thread.join(timeout=5)
            takibi.close()


def _slash_command_scene(world: DemoWorld, user_id: str, text: str, echo: Callable[[str], None]) -> None:
    before = len(world.standin.responses)
    response = world.slack.slash_command(text, user_id=user_id)
    arrived = world.standin.wait_until(lambda s: len(s.responses) > before, timeout=ANSWER_TIMEOUT)
    names = {user["id"]: user.get("real_name", user["id"]) for user in world.standin.state()["users"]}
    echo(world.t("demo.command", user=names.get(user_id, user_id), command=f"/takibi {text}".strip()))
    echo(world.t("demo.ack", status=response.status, ms=round(response.elapsed * 1000)))
    if not arrived:
        echo(world.t("demo.no_answer"))
        return
    echo(indent(render_message(world.standin.responses[-1].payload)))


def run_demo(workdir: Path, locale: Locale, echo: Callable[[str], None]) -> None:
    with demo_world(workdir, locale) as world:
        echo(world.t("demo.intro", url=world.standin.base_url, database=world.takibi.database.url))
        _slash_command_scene(world, "U0SATO", "help", echo)
        _slash_command_scene(world, "U0EMILY", "help", echo)
        _slash_command_scene(world, "U0SUZUKI", "stauts カミナシ", echo)
        echo(world.t("demo.done", calls=len(world.standin.calls)))
