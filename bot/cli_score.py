"""``takibi score``, ``takibi accounts import`` and ``takibi sample load``: scoring from the terminal.

Each command builds what it needs from settings (``bot.cli._settings_or_exit``), opens the database
the way the app does (SQLite is migrated first) and prints in the user's language (TAKIBI_LOCALE).
"""

from __future__ import annotations

import gc
import sys
import unicodedata
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.clock import utc_now
from bot.i18n import Translator
from scoring.trend import FOUR_WEEKS, WEEK

if TYPE_CHECKING:  # the commands import their machinery when run, so `takibi --help` stays quick
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.settings import Settings
    from handlers.services.accounts_import import ImportReport, RowProblem
    from handlers.services.scoring import AccountScore, ScoringReport
    from scoring.compiled import CompiledConfig
    from storage.db import Database

DATE = click.DateTime(formats=["%Y-%m-%d"])
ACCOUNT_WIDTH = 24
"""Columns for the account name; longer names are cut with …."""
MAX_LISTED_CHANGES = 50


def _settings() -> AbstractContextManager[Settings]:
    """``bot.cli._settings_or_exit``, imported late: ``bot.cli`` imports this module to mount it."""
    from bot.cli import _settings_or_exit

    return _settings_or_exit()


def _open(settings: Settings) -> tuple[CompiledConfig, Database, list[str]]:
    from bot.app import load_takibi_config, open_database
    from scoring.health import compile_config

    config = load_takibi_config(settings)
    return compile_config(config), open_database(settings), sorted(config.segment_ids())


def _today(settings: Settings, day: datetime | None) -> date:
    return day.date() if day is not None else utc_now().astimezone(settings.tz).date()


# --- takibi score --------------------------------------------------------------------------------


@click.command("score")
@click.option("--account", "query", help="外部 ID か顧客名 / external id or account name (default: all).")
@click.option("--date", "day", type=DATE, help="採点する日 / the day to score (default: today).")
def score_command(query: str | None, day: datetime | None) -> None:
    """ヘルススコアを計算して一覧表示します / Score accounts and print the table, worst first.

    Writes one snapshot per account for the day (re-running the day replaces it).
    """
    from handlers.services.scoring import run_scoring_pass

    with _settings() as settings:
        t = Translator(settings.locale)
        compiled, database, _ = _open(settings)
        try:
            account_ids = None
            if query is not None:
                with database.unit_of_work() as session:
                    account_ids = find_accounts(session, query)
                if not account_ids:
                    click.echo(t("cli.score.no_match", query=query), err=True)
                    sys.exit(1)
            # A one-off command: what start-up built lives until exit, so keep the collector off it
            # (gen-2 collections would rescan every imported module's objects during the pass).
            gc.collect()
            gc.freeze()
            report = run_scoring_pass(
                database, compiled, today=_today(settings, day), account_ids=account_ids, tz=settings.tz
            )
        finally:
            database.dispose()
        if not report.scores:
            click.echo(t("cli.score.empty"))
            return
        for line in score_table(report, compiled, t):
            click.echo(line)


def find_accounts(session: Session, query: str) -> list[int]:
    """The account whose external id is ``query``, else those whose name or reading contains it."""
    from storage.repositories import accounts

    exact = accounts.get_by_external_id(session, query.strip())
    if exact is not None:
        return [exact.id]
    return [a.id for a in accounts.search(session, query, limit=100)]


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide and full-width characters (CJK, emoji) count two."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or char in "\u200d\ufe0e\ufe0f":
            continue
        width += 2 if unicodedata.east_asian_width(char) in {"W", "F"} else 1
    return width


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns (with …) and padded to exactly that width."""
    if display_width(text) > width:
        out = ""
        for char in text:
            if display_width(out + char) > width - 1:
                break
            out += char
        text = out + "…"
    return text + " " * (width - display_width(text))


def _change(value: float | None) -> str:
    return "–" if value is None else f"{round(value, 1) + 0.0:+.1f}"  # + 0.0: no "-0.0"


def _grade(compiled: CompiledConfig, grade: int | None, t: Translator) -> str:
    if grade is None:
        return t("scoring.grade.none")
    scale = compiled.scale
    return f"{scale.emoji(grade)} {scale.label(grade).localized(t.locale.value)}"


def _reason(score: AccountScore, t: Translator) -> str:
    result = score.result
    reason = result.reasons[0] if result.reasons else result.unknowns[0] if result.unknowns else None
    return "" if reason is None else t(reason.key, **reason.params)


def _order(score: AccountScore) -> tuple[int, float, str]:
    """Worst first; not-yet-rated accounts last (unknown is not at risk)."""
    result = score.result
    grade = 99 if result.grade is None else result.grade
    return grade, result.score if result.score is not None else 0.0, score.name


def score_table(report: ScoringReport, compiled: CompiledConfig, t: Translator) -> list[str]:
    """The pass as aligned lines: account, grade, the four elements, confidence, change, top reason."""
    locale = t.locale.value
    elements = [label.localized(locale) for label in compiled.element_labels]
    header = [
        t("cli.score.header.id"),
        t("cli.score.header.account"),
        t("cli.score.header.grade"),
        *elements,
        t("cli.score.header.confidence"),
        t("cli.score.header.change_7d"),
        t("cli.score.header.change_28d"),
        t("cli.score.header.reason"),
    ]
    rows = []
    for score in sorted(report.scores, key=_order):
        result = score.result
        rows.append(
            [
                score.external_id,
                score.name,
                _grade(compiled, result.grade, t),
                *(compiled.scale.emoji(e.grade) if e.grade is not None else "–" for e in result.elements),
                f"{result.confidence:.0%}",
                _change(score.trend.change_7d),
                _change(score.trend.change_28d),
                _reason(score, t),
            ]
        )
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    widths[1] = min(widths[1], ACCOUNT_WIDTH)
    lines = [
        "  ".join([*(fit(cell, w) for cell, w in zip(row, widths, strict=False)), row[-1]]).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * display_width(header[-1]))
    counts = " · ".join(f"{_grade(compiled, g, t)} {report.grades.get(g, 0)}" for g in (5, 4, 3, 2, 1, None))
    lines += [
        "",
        t("cli.score.summary", day=report.day, count=report.scored, version=report.config_version),
        t("cli.score.distribution", grades=counts),
    ]
    return lines


# --- takibi accounts import ----------------------------------------------------------------------


@click.group("accounts")
def accounts_group() -> None:
    """顧客の取り込み / Accounts: import from a CSV export."""


@accounts_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="検証と件数の表示だけ / validate and count, write nothing.")
@click.option(
    "--skip-bad", is_flag=True, help="誤りのある行を飛ばして取り込む / import the good rows anyway."
)
def import_command(file: Path, dry_run: bool, skip_bad: bool) -> None:
    """CSV から顧客を取り込みます (外部 ID で作成・更新) / Upsert accounts from FILE by external_id.

    \b
    列 / columns (1 行目は見出し、順不同 / header line, any order; * = 必須 / required):
      external_id*  CRM の ID、照合のキー / CRM id, the key (CRM-0001)
      name*         顧客名 / account name (株式会社カミナシ)
      name_kana     読み / reading (カミナシ)
      aliases       別名、| 区切り / other names, |-separated (カミナシ|Kaminashi)
      owner         担当者: Slack ID かメールアドレス / Slack user id (U0SATO) or e-mail
      segment*      takibi.yml のセグメント / a configured segment (SMB, MM, EP)
      alert_channel 通知チャンネル ID / Slack channel id (C0CSSMB)
      mrr           月額 / monthly revenue (120000, ¥120,000)
      plan          プラン / plan name
      contract_start, renewal_date, onboarding_started_on, onboarding_planned_end,
      onboarding_completed_on, churned_on   日付 / dates (2026-04-01, 2026/4/1)
      status        active (既定 / default) か / or churned

    \b
    ファイルにある列だけを書き込み、空欄は値を消します。誤りのある行は行番号つきですべて表示し、
    1 行でも誤りがあれば何も書き込みません (--skip-bad で正しい行だけ取り込み)。UTF-8 か Shift_JIS。
    Only the columns in the file are written; an empty cell clears the value. Every bad line is
    reported with its number; nothing is written when a line is bad unless --skip-bad (exit 1 when
    lines are bad and nothing was written). UTF-8 or Shift_JIS.
    """
    from slack_sdk.errors import SlackApiError

    from handlers.services.accounts_import import SlackEmailLookup, import_accounts

    with _settings() as settings:
        t = Translator(settings.locale)
        _, database, segments = _open(settings)
        lookup = SlackEmailLookup(lambda: _web_client(settings))
        try:
            with database.unit_of_work(immediate=True) as session:
                report = import_accounts(
                    session,
                    file.read_bytes(),
                    segments=segments,
                    lookup=lookup,
                    dry_run=dry_run,
                    skip_bad=skip_bad,
                )
        except SlackApiError as exc:
            click.echo(t("cli.accounts.slack_error", error=exc.response.get("error")), err=True)
            sys.exit(2)
        finally:
            database.dispose()
    for problem in report.problems:
        click.echo(problem_line(problem, str(file), t), err=True)
    for line in summary_lines(report, t):
        click.echo(line)
    if report.problems and not report.written:
        sys.exit(1)


def _web_client(settings: Settings) -> WebClient:
    from bot.slack_api import build_web_client

    return build_web_client(settings.bot_token(), settings.slack_api_url)


def problem_line(problem: RowProblem, source: str, t: Translator) -> str:
    """``FILE:LINE: column: message``, the shape editors and CI logs understand."""
    where = f"{source}:{problem.line}" + (f": {problem.column}" if problem.column else "")
    return t("cli.accounts.problem", where=where, message=t(problem.key, **problem.params))


def summary_lines(report: ImportReport, t: Translator) -> list[str]:
    """What the import did or, in a dry run, would do."""
    from handlers.services.accounts_import import Action

    lines: list[str] = []
    counts = {
        "created": report.count(Action.CREATED),
        "updated": report.count(Action.UPDATED),
        "unchanged": report.count(Action.UNCHANGED),
    }
    bad = len(report.bad_lines)
    if report.dry_run:
        lines.append(t("cli.accounts.dry_run", **counts))
        lines += _change_lines(report, t)
    elif report.written:
        if bad:
            lines.append(t("cli.accounts.skipped", bad=bad))
        lines.append(t("cli.accounts.done", **counts))
    elif bad and not report.skip_bad:
        lines.append(t("cli.accounts.refused", bad=bad))
    else:
        lines.append(t("cli.accounts.nothing"))
    return lines


def _change_lines(report: ImportReport, t: Translator) -> list[str]:
    from handlers.services.accounts_import import Action

    changed = [c for c in report.changes if c.action is not Action.UNCHANGED]
    lines = [
        t("cli.accounts.change.created", external_id=c.external_id)
        if c.action is Action.CREATED
        else t("cli.accounts.change.updated", external_id=c.external_id, fields=", ".join(c.fields))
        for c in changed[:MAX_LISTED_CHANGES]
    ]
    if len(changed) > MAX_LISTED_CHANGES:
        lines.append(t("cli.accounts.more", count=len(changed) - MAX_LISTED_CHANGES))
    return lines


# --- takibi sample load --------------------------------------------------------------------------


@click.group("sample")
def sample_group() -> None:
    """サンプルデータ / The sample book: 60 customers to try takibi on."""


@sample_group.command("load")
@click.option("--today", "day", type=DATE, help="この日を基準に並べる / lay the book out around this day.")
@click.option(
    "--force",
    is_flag=True,
    help="読み込み済みでも作り直す・他の顧客がいても入れる / recreate it, or load next to other accounts.",
)
def sample_load_command(day: datetime | None, force: bool) -> None:
    """サンプルの顧客 60 社を読み込み、4 週間分を採点します / Load the sample and score its last 4 weeks.

    Refuses when the sample is already loaded, or when the database holds other accounts (a real
    book should not get demo data mixed in); --force deletes the sample accounts (and everything
    recorded on them) and loads them again, next to any other accounts.
    """
    from handlers.services.scoring import run_scoring_pass
    from storage.repositories import accounts
    from storage.sample.load import (
        has_activity,
        load_sample,
        other_accounts,
        remove_sample,
        sample_external_ids,
    )

    with _settings() as settings:
        t = Translator(settings.locale)
        compiled, database, _ = _open(settings)
        today = _today(settings, day)
        try:
            external_ids = sample_external_ids()
            with database.unit_of_work(immediate=True) as session:
                others = other_accounts(session, external_ids)
                loaded = has_activity(session, external_ids)
                if (others or loaded) and not force:
                    key = "cli.sample.other_accounts" if others else "cli.sample.already_loaded"
                    click.echo(t(key, count=others), err=True)
                    sys.exit(1)
                if loaded:
                    click.echo(t("cli.sample.replaced", count=len(external_ids)))
                    remove_sample(session, external_ids)
                summary = load_sample(session, today, tz=settings.tz, config_version=compiled.version)
                ids = [a.id for a in accounts.list_active(session) if a.external_id in external_ids]
            click.echo(
                t(
                    "cli.sample.loaded",
                    today=summary.today,
                    accounts=summary.accounts,
                    people=summary.people,
                    assessments=summary.assessments,
                    touchpoints=summary.touchpoints,
                    usage_rows=summary.usage_rows,
                )
            )
            for back in (FOUR_WEEKS, 3 * WEEK, 2 * WEEK, WEEK, 0):
                run_scoring_pass(
                    database, compiled, today=today - timedelta(days=back), account_ids=ids, tz=settings.tz
                )
            click.echo(t("cli.sample.scored"))
        finally:
            database.dispose()
