"""``takibi``: the command line. Each command builds what it needs from settings, nothing at import."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

import click

from bot.cli_config import config_group
from bot.cli_digest import digest_command
from bot.cli_jobs import jobs_group
from bot.cli_nudges import nudge_command
from bot.cli_pull import pull_command
from bot.cli_rules import rules_group
from bot.cli_score import accounts_group, sample_group, score_command
from bot.configfile import ConfigFileError
from bot.errors import new_error_id
from bot.i18n import Locale, Translator
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings


@contextmanager
def _settings_or_exit(*, require_env: bool = True) -> Iterator[Settings]:
    """Settings for a command; a bad setting ends the command with its one line, exit status 2.

    Commands that bring their own Slack and database (the demo, the stand-in) pass ``require_env=False``:
    they only read the language and log level, and fall back to the defaults if the environment is bad.
    """
    try:
        settings = load_settings()
    except SettingsError as exc:
        if not require_env:
            settings = Settings(_env_file=None)
        else:
            click.echo(f"takibi: {exc}", err=True)
            sys.exit(2)
    configure_logging(settings.log_level, settings.secret_values())
    try:
        yield settings
    except SettingsError as exc:
        click.echo(f"takibi: {exc}", err=True)
        sys.exit(2)
    except ConfigFileError as exc:
        click.echo(_t(settings)("cli.config.invalid", count=len(exc.issues)), err=True)
        click.echo(str(exc), err=True)
        sys.exit(2)


def _t(settings: Settings) -> Translator:
    return Translator(settings.locale)


class TakibiGroup(click.Group):
    """Every command runs under one guard: an unexpected error is logged with an id, and the person
    at the terminal gets one line quoting it, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            error_id = new_error_id()
            log = logging.getLogger("takibi.cli")
            log.error("unexpected error %s: %s: %s", error_id, type(exc).__name__, exc)
            log.debug("traceback of %s (shown with TAKIBI_LOG_LEVEL=DEBUG)", error_id, exc_info=exc)
            locale = Locale.EN if os.environ.get("TAKIBI_LOCALE", "").lower() == "en" else Locale.JA
            click.echo(Translator(locale)("cli.unexpected", error_id=error_id), err=True)
            sys.exit(1)


@click.group(cls=TakibiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="takibi")
def main() -> None:
    """takibi — 焚き火理論のヘルススコアを Slack で / a bonfire-theory health score in Slack."""


@main.command()
@click.option(
    "--http",
    "force_http",
    is_flag=True,
    help="HTTP モードで起動 / serve HTTP even if SLACK_APP_TOKEN is set.",
)
@click.option(
    "--host", default="0.0.0.0", show_default=True, help="HTTP の待ち受けアドレス / address to bind."
)
@click.option("--port", default=3000, show_default=True, type=click.IntRange(0, 65535), help="HTTP port.")
def run(force_http: bool, host: str, port: int) -> None:
    """Slack アプリを起動します / Run the Slack app (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)."""
    from bot.app import build
    from bot.runner import HttpServer, freeze_startup_heap, run_socket_mode, wsgi_app

    with _settings_or_exit() as settings:
        takibi = build(settings)
        takibi.start_background()
        freeze_startup_heap()
        t = _t(settings)
        if settings.socket_mode and not force_http:
            click.echo(t("cli.run.socket_mode"))
            try:
                run_socket_mode(takibi.bolt, settings.app_token())
            finally:
                takibi.close()
            return
        server = HttpServer(wsgi_app(takibi.bolt, takibi.healthy), host=host, port=port)
        click.echo(t("cli.run.http", url=f"{server.url}/slack/events"))
        _close_on_signal(server.close)
        try:
            server.serve()
        finally:
            takibi.close()


def _close_on_signal(close: Callable[[], None]) -> None:
    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=close, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)


main.add_command(config_group)
main.add_command(digest_command)
main.add_command(jobs_group(_settings_or_exit))
main.add_command(nudge_command)
main.add_command(pull_command)
main.add_command(rules_group)
main.add_command(score_command)
main.add_command(accounts_group)
main.add_command(sample_group)


@main.group()
def db() -> None:
    """データベースのマイグレーション / Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """最新のスキーマへ移行します / Migrate the database to REVISION (default: head)."""
    from storage import migrate

    with _settings_or_exit() as settings:
        migrate.upgrade(settings.database_url, revision)
        click.echo(_t(settings)("cli.db.at", revision=migrate.current(settings.database_url) or "base"))


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """指定のリビジョンまで戻します / Migrate the database down to REVISION ("base" empties it)."""
    from storage import migrate

    with _settings_or_exit() as settings:
        migrate.downgrade(settings.database_url, revision)
        click.echo(_t(settings)("cli.db.at", revision=migrate.current(settings.database_url) or "base"))


@db.command("current")
def db_current() -> None:
    """現在のリビジョンを表示します / Show the database's revision and the code's head."""
    from storage import migrate

    with _settings_or_exit() as settings:
        t = _t(settings)
        click.echo(t("cli.db.at", revision=migrate.current(settings.database_url) or "base"))
        click.echo(t("cli.db.head", revision=migrate.head()))


@main.command()
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/demo"),
    show_default=True,
    help="デモ用の作業フォルダ(毎回作り直します)/ working folder, recreated on each run.",
)
@click.option(
    "--days",
    type=click.IntRange(1, 28),
    default=14,
    show_default=True,
    help="再生する日数 / how many simulated days to replay.",
)
@click.option(
    "--locale",
    type=click.Choice([locale.value for locale in Locale]),
    default=None,
    help="表示の言語 (既定: TAKIBI_LOCALE、なければ ja) / language (default: TAKIBI_LOCALE, else ja).",
)
def demo(workdir: Path, days: int, locale: str | None) -> None:
    """デモ: 本物のアプリで数週間を再生します / Replay weeks of the real app against the Slack stand-in."""
    from bot.demo import NotADemoFolderError, run_demo

    with _settings_or_exit(require_env=False) as settings:
        language = Locale(locale) if locale else settings.locale
        try:
            run_demo(workdir, language, click.echo, days=days)
        except NotADemoFolderError as exc:
            click.echo(Translator(language)("demo.not_a_demo_folder", path=exc.path), err=True)
            sys.exit(2)


@main.command()
@click.option(
    "--port", default=0, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port."
)
def standin(port: int) -> None:
    """ローカルの Slack 代替サーバを起動します / Serve the local Slack Web API stand-in."""
    from bot.sandbox import SlackStandIn

    with _settings_or_exit(require_env=False) as settings, SlackStandIn(port=port) as server:
        click.echo(_t(settings)("cli.standin.ready", url=server.base_url))
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
        with suppress(KeyboardInterrupt):
            stopped.wait()
