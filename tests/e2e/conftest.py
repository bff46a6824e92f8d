"""End-to-end harness: the real app served over HTTP on a free port, the real Slack client pointed at
the stand-in, and a driver that signs requests exactly as Slack does."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


TAKIBI = Path(sys.executable).parent / "takibi"


@contextmanager
def takibi_run(
    cwd: Path, standin: SlackStandIn, signing_secret: str, **env: str
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``takibi run --http`` as a person starts it, a subprocess on a free port talking to ``standin``;
    yields the process and its events URL, and kills it if the test left it running."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TAKIBI_"))}
    process = subprocess.Popen(
        [str(TAKIBI), "run", "--http", "--host", "127.0.0.1", "--port", "0"],
        cwd=cwd,
        env={
            **clean,
            "PYTHONUNBUFFERED": "1",
            "SLACK_BOT_TOKEN": "xoxb-1-2-run",
            "SLACK_SIGNING_SECRET": signing_secret,
            "SLACK_API_URL": standin.base_url,
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://\S+/slack/events)", line)
        assert match, line
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def signing_secret() -> str:
    return secrets.token_hex(16)


@pytest.fixture
def takibi_config() -> Path | None:
    """The takibi.yml the app runs with; ``None`` is the shipped one. A test module overrides this
    fixture to run with its own (``admin_config`` below names an admin)."""
    return None


@pytest.fixture
def app_settings(
    standin: SlackStandIn, database: Database, signing_secret: str, takibi_config: Path | None
) -> Settings:
    return Settings(
        _env_file=None,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_API_URL=standin.base_url,
        TAKIBI_DATABASE_URL=database.url,
        TAKIBI_CONFIG=takibi_config,
        # The stand-in has no per-channel limit unless a test sets one: no need to wait a second.
        TAKIBI_CHANNEL_INTERVAL=0.05,
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


# --- the Slack surfaces: accounts, configuration, modals ----------------------------------------

ADMIN = "U0TAKAHASHI"
OWNER = "U0SATO"
COLLEAGUE = "U0SUZUKI"
ENGLISH = "U0EMILY"
GUEST = "U0GUEST"
"""Not in ``@cs-team``: added by the ``guest`` fixture."""
CHANNEL = "C0CSSMB"


@dataclass(frozen=True)
class Book:
    """A few accounts with known owners and people (ids as stored)."""

    kaminashi: int
    kaminashi_logistics: int
    takibi: int
    unowned: int
    churned: int


def seed_book(database: Database) -> Book:
    """株式会社カミナシ (佐藤's, PO 山田), カミナシ物流 (鈴木's), 株式会社焚火 (Emily's), an unowned one and
    a churned one."""
    from datetime import date
    from decimal import Decimal

    from storage.enums import AccountStatus, KeyPersonRole
    from storage.repositories import accounts, key_people
    from storage.repositories.accounts import AccountInput

    with database.unit_of_work() as session:
        made = {
            key: accounts.upsert_by_external_id(session, data).id
            for key, data in {
                "kaminashi": AccountInput(
                    external_id="CUST-0001",
                    name="株式会社カミナシ",
                    name_kana="カミナシ",
                    segment="SMB",
                    owner_slack_id=OWNER,
                    mrr=Decimal(120000),
                    renewal_date=date(2027, 3, 31),
                ),
                "kaminashi_logistics": AccountInput(
                    external_id="CUST-0002",
                    name="カミナシ物流株式会社",
                    segment="MM",
                    owner_slack_id=COLLEAGUE,
                ),
                "takibi": AccountInput(
                    external_id="CUST-0003", name="株式会社焚火", segment="EP", owner_slack_id=ENGLISH
                ),
                "unowned": AccountInput(external_id="CUST-0004", name="合同会社ノーオーナー", segment="SMB"),
                "churned": AccountInput(
                    external_id="CUST-0005",
                    name="株式会社さようなら",
                    segment="SMB",
                    owner_slack_id=OWNER,
                    status=AccountStatus.CHURNED,
                ),
            }.items()
        }
        key_people.add(
            session, account_id=made["kaminashi"], role=KeyPersonRole.PO, name="山田", since=date(2025, 4, 1)
        )
    return Book(**made)


@pytest.fixture
def book(database: Database) -> Book:
    return seed_book(database)


@pytest.fixture
def guest(standin: SlackStandIn) -> str:
    """A workspace member who is not on the CS team."""
    return standin.add_user("guest", user_id=GUEST, locale="ja-JP", tz="Asia/Tokyo")


@pytest.fixture
def admin_config(tmp_path: Path) -> Path:
    """The shipped takibi.yml with 高橋 as admin."""
    import yaml

    from bot.configfile import default_config_path

    data = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    data["access"]["admins"]["users"] = [ADMIN]
    path = tmp_path / "takibi.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def initial_state(view: dict[str, Any], **overrides: dict[str, Any]) -> dict[str, Any]:
    """The ``state.values`` Slack sends when ``view`` is submitted untouched (every input's initial
    value), with ``overrides`` (block id → element state) applied on top, as a user's edits."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        state: dict[str, Any] = {"type": kind}
        if kind in ("external_select", "static_select", "radio_buttons"):
            state["selected_option"] = element.get("initial_option")
        elif kind == "datepicker":
            state["selected_date"] = element.get("initial_date")
        elif kind == "plain_text_input":
            state["value"] = element.get("initial_value")
        elif kind == "checkboxes":
            state["selected_options"] = element.get("initial_options") or []
        values[block["block_id"]] = {element["action_id"]: state}
    for block_id, state in overrides.items():
        action_id = next(iter(values[block_id])) if block_id in values else "value"
        values[block_id] = {action_id: state}
    return values


def radio(value: str) -> dict[str, Any]:
    return {
        "type": "radio_buttons",
        "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
    }


def chosen(value: str | None, kind: str = "static_select") -> dict[str, Any]:
    option = None if value is None else {"value": value, "text": {"type": "plain_text", "text": value}}
    return {"type": kind, "selected_option": option}


def text_input(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def date_input(value: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": value}


def wait_for_modal(
    standin: SlackStandIn, user_id: str, callback_id: str, timeout: float = 5
) -> dict[str, Any]:
    """The user's top modal once it has ``callback_id`` (the loading modal is replaced by then)."""

    def ready(s: SlackStandIn) -> bool:
        views = s.open_views(user_id)
        return bool(views) and views[-1]["callback_id"] == callback_id

    assert standin.wait_until(ready, timeout=timeout), standin.open_views(user_id)
    return standin.open_views(user_id)[-1]


def ephemerals_to(standin: SlackStandIn, user_id: str) -> list[dict[str, Any]]:
    return [e["message"] for e in standin.ephemerals(user_id=user_id)]


def wait_for_ephemeral(
    standin: SlackStandIn, user_id: str, count: int = 1, timeout: float = 5
) -> dict[str, Any]:
    assert standin.wait_until(lambda s: len(ephemerals_to(s, user_id)) >= count, timeout=timeout)
    return ephemerals_to(standin, user_id)[count - 1]


def table_counts(database: Database) -> dict[str, int]:
    """Rows per table the surfaces write (one query), to show a refused request changed nothing."""
    from sqlalchemy import func, select

    from storage.models import Account, Assessment, AuditLogEntry, Cta, HealthSnapshot, KeyPerson, Touchpoint

    models = (Assessment, Touchpoint, KeyPerson, HealthSnapshot, AuditLogEntry, Cta, Account)
    counts = [select(func.count()).select_from(model).scalar_subquery() for model in models]
    with database.unit_of_work() as session:
        row = session.execute(select(*counts)).one()
    return {model.__tablename__: int(count) for model, count in zip(models, row, strict=True)}


def answer_json(answer: Any) -> dict[str, Any]:
    """The app's JSON answer to a request (asserting there is one)."""
    body = answer.json
    assert isinstance(body, dict), answer.body
    return body


# --- CTA alerts: the app with its outbox deliverer running -------------------------------------


@pytest.fixture
def delivering_app(book: Book, running_app: RunningApp) -> RunningApp:
    """``running_app`` with its deliverer started (after ``book`` is seeded), as ``takibi run`` has it."""
    running_app.takibi.start_delivery()
    return running_app
