"""End-to-end harness: the real app served over HTTP on a free port, the real Slack client pointed at
the stand-in, and a driver that signs requests exactly as Slack does."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.app import Takibi, build
from bot.runner import HttpServer, wsgi_app
from bot.sandbox import SlackDriver, SlackStandIn
from bot.settings import Settings
from storage.db import Database

BOT_TOKEN = "xoxb-1111-2222-e2etoken"


@dataclass
class RunningApp:
    takibi: Takibi
    url: str
    signing_secret: str


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def signing_secret() -> str:
    return secrets.token_hex(16)


@pytest.fixture
def app_settings(standin: SlackStandIn, database: Database, signing_secret: str) -> Settings:
    return Settings(
        _env_file=None,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_API_URL=standin.base_url,
        TAKIBI_DATABASE_URL=database.url,
    )


@pytest.fixture
def running_app(app_settings: Settings, database: Database) -> Iterator[RunningApp]:
    takibi = build(app_settings, database=database)
    server = HttpServer(wsgi_app(takibi.bolt, takibi.healthy), port=0)
    thread = server.serve_in_background()
    try:
        yield RunningApp(
            takibi=takibi, url=f"{server.url}/slack/events", signing_secret=app_settings.signing_secret()
        )
    finally:
        server.close()
        thread.join(timeout=5)
        takibi.close()


@pytest.fixture
def slack(running_app: RunningApp, standin: SlackStandIn) -> SlackDriver:
    return SlackDriver(running_app.url, running_app.signing_secret, standin=standin)
