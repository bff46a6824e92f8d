"""``takibi rules``: check a rule before it goes live (``preview``) and whether it earns its noise.

Both only read the database. Output is in the reader's language (``--lang``, else ``TAKIBI_LOCALE``),
as tables aligned for Japanese text (a full-width character takes two columns).
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time

import click
from sqlalchemy.orm import Session

from bot.calendar import calendar_around
from bot.cli_config import config_path
from bot.clock import utc_now
from bot.configfile import ConfigFileError, load_config
from bot.i18n import Locale, Translator
from bot.settings import Settings, SettingsError, load_settings
from handlers.services.cta_reports import PreviewState, RulePreview, preview_rules, rules_stats
from handlers.services.ctas import CtaEngine
from scoring.calendar import BusinessCalendar
from scoring.config import TakibiConfig
from scoring.rules import CompiledRule, CompiledRules, RuleReason
from scoring.rules_stats import RuleStats

REASON_SEPARATOR = {Locale.JA: "、", Locale.EN: "; "}


# --- tables --------------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide and full-width characters take two, marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    indent: str = "",
    right: Collection[int] = (),
) -> list[str]:
    """Rows padded to each column's display width (columns in ``right`` aligned right, for numbers);
    trailing spaces are dropped."""
    widths = [max(display_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = []
    for row in (headers, *rows):
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


# --- shared set-up -------------------------------------------------------------------------------


def _locale(lang: str | None, settings: Settings | None) -> Locale:
    if lang:
        return Locale(lang)
    return settings.locale if settings is not None else Locale.JA


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """A read-only session: it is rolled back, never committed."""
    from bot.app import open_database

    database = open_database(settings)
    try:
        with database.sessionmaker() as session:
            try:
                yield session
            finally:
                session.rollback()
    finally:
        database.dispose()


def _load(lang: str | None) -> tuple[Settings, Translator, TakibiConfig]:
    try:
        settings = load_settings()
    except SettingsError as exc:
        click.echo(f"takibi: {exc}", err=True)
        sys.exit(2)
    t = Translator(_locale(lang, settings))
    path = config_path(settings.config_path)
    try:
        config = load_config(path, locale=t.locale)
    except ConfigFileError as exc:
        click.echo(t("cli.config.invalid", count=len(exc.issues)), err=True)
        for issue in exc.issues:
            click.echo(issue.format(str(path)), err=True)
        sys.exit(2)
    return settings, t, config


def _engine(config: TakibiConfig, settings: Settings) -> CtaEngine:
    def calendar_for(day: date) -> BusinessCalendar:
        moment = datetime.combine(day, time(12), tzinfo=settings.tz)
        return calendar_around(config.schedule, moment, settings.tz)

    return CtaEngine.from_config(config, calendar_for=calendar_for)


def _reasons(t: Translator, reasons: Sequence[RuleReason]) -> str:
    return REASON_SEPARATOR[t.locale].join(t(r.key, **r.params) for r in reasons)


def _element(t: Translator, config: TakibiConfig, rule: CompiledRule) -> str:
    if rule.element is None:
        return t("rules.element.overall")
    return config.elements.get(rule.element).label.localized(t.locale.value)


_LANG = click.option(
    "--lang", type=click.Choice([loc.value for loc in Locale]), help="表示の言語 / language."
)


def _parse_date(t: Translator, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(t("rules.cli.bad_date", value=value)) from None


# --- commands ------------------------------------------------------------------------------------


@click.group("rules")
def rules_group() -> None:
    """CTA ルールの確認と統計 / Preview CTA rules and see how each one does."""


@rules_group.command("preview")
@click.option(
    "--rule", "rule_ids", multiple=True, help="このルールだけ (繰り返し可) / only this rule (repeatable)."
)
@click.option(
    "--date", "on", help="この日の時点で (YYYY-MM-DD、既定は今日) / as of this day (default: today)."
)
@_LANG
def preview(rule_ids: tuple[str, ...], on: str | None, lang: str | None) -> None:
    """今日どの顧客に発動するかを表示します (書き込みなし) / Show who each rule fires on; writes nothing."""
    settings, t, config = _load(lang)
    today = _parse_date(t, on) or utc_now().astimezone(settings.tz).date()
    engine = _engine(config, settings)
    known = [rule.id for rule in engine.rules.rules]
    for rule_id in rule_ids:
        if rule_id not in engine.rules.by_id:
            click.echo(t("rules.cli.unknown_rule", rule=rule_id, known=", ".join(known)), err=True)
            sys.exit(2)
    with _session(settings) as session:
        previews = preview_rules(
            session, engine, today=today, tz=settings.tz, rule_ids=list(dict.fromkeys(rule_ids)) or None
        )
    for line in preview_lines(previews, config, today, t):
        click.echo(line)


def preview_lines(
    previews: Sequence[RulePreview], config: TakibiConfig, today: date, t: Translator
) -> list[str]:
    """The preview as text: per rule, its settings, whom it fires on and why, and its open CTAs."""
    lines = [t("rules.preview.title", day=today)]
    for preview in previews:
        rule = preview.rule
        lines.append("")
        lines.append(t("rules.preview.rule", id=rule.id, title=rule.title))
        lines.append(
            t(
                "rules.preview.meta",
                element=_element(t, config, rule),
                priority=t(f"rules.priority.{rule.priority.value}"),
                due=rule.due_business_days,
                cooldown=rule.cooldown_days,
                enabled=t("rules.preview.enabled" if rule.enabled else "rules.preview.disabled"),
            )
        )
        lines.append(
            t(
                "rules.preview.summary",
                count=len(preview.hits),
                new=preview.count(PreviewState.NEW),
                open=preview.count(PreviewState.OPEN),
                cooling=preview.count(PreviewState.COOLING_DOWN),
                undetermined=preview.undetermined,
            )
        )
        if preview.hits:
            headers = [t(f"rules.preview.col.{c}") for c in ("account", "segment", "state", "reasons")]
            rows = [
                [
                    hit.name,
                    hit.segment,
                    t(f"rules.preview.state.{hit.state.value}", cta_id=hit.cta_id, until=hit.cooling_until),
                    _reasons(t, hit.reasons),
                ]
                for hit in preview.hits
            ]
            lines.extend(table(headers, rows, indent="  "))
        else:
            lines.append(t("rules.preview.none"))
        if preview.open:
            lines.append(t("rules.preview.open_title", count=len(preview.open)))
            headers = [
                t(f"rules.preview.col.{c}") for c in ("cta", "account", "status", "opened", "due", "today")
            ]
            still = {True: "yes", False: "no", None: "unknown"}
            rows = [
                [
                    f"#{cta.cta_id}",
                    cta.name,
                    t(f"rules.status.{cta.status.value}"),
                    t("rules.preview.date", day=cta.opened_on),
                    t("rules.preview.date", day=cta.due_on),
                    t(f"rules.preview.still.{still[cta.still_fires]}"),
                ]
                for cta in preview.open
            ]
            lines.extend(table(headers, rows, indent="    "))
    return lines


@rules_group.command("stats")
@click.option("--since", help="この日以降に発動した CTA だけ (YYYY-MM-DD) / only CTAs opened since this day.")
@_LANG
def stats(since: str | None, lang: str | None) -> None:
    """ルールごとの発動数・実施率・役に立ったか / Per rule: fired, closed, completion rate, usefulness."""
    settings, t, config = _load(lang)
    start = _parse_date(t, since)
    engine = _engine(config, settings)
    with _session(settings) as session:
        found = rules_stats(session, engine.rules, tz=settings.tz, since=start)
    for line in stats_lines(found, engine.rules, t, since=start):
        click.echo(line)


def stats_lines(
    found: Sequence[RuleStats], rules: CompiledRules, t: Translator, *, since: date | None = None
) -> list[str]:
    columns = (
        "rule",
        "fired",
        "open",
        "done",
        "dismissed",
        "auto_closed",
        "expired",
        "completion",
        "median",
        "useful",
        "false_alarm",
        "too_early",
    )
    none = t("rules.stats.none")

    def rate(value: float | None) -> str:
        return none if value is None else t("rules.stats.rate", rate=value)

    rows = []
    for s in found:
        rule = rules.get(s.rule_id)
        if rule is None:
            name = t("rules.stats.removed", id=s.rule_id)
        elif not rule.enabled:
            name = t("rules.stats.disabled", id=s.rule_id)
        else:
            name = s.rule_id
        rows.append(
            [
                name,
                str(s.fired),
                str(s.open),
                str(s.done),
                str(s.dismissed),
                str(s.auto_closed),
                str(s.expired),
                rate(s.completion_rate),
                none
                if s.median_days_to_close is None
                else t("rules.stats.days", days=s.median_days_to_close),
                rate(s.useful_share),
                rate(s.false_alarm_share),
                rate(s.too_early_share),
            ]
        )
    title = t("rules.stats.title") if since is None else t("rules.stats.title_since", since=since)
    headers = [t(f"rules.stats.col.{c}") for c in columns]
    return [title, *table(headers, rows, right=range(1, len(columns))), "", t("rules.stats.note")]


__all__ = ["display_width", "preview_lines", "rules_group", "stats_lines", "table"]
