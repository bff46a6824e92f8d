"""``takibi config``: check a ``takibi.yml`` before it goes live, and see what it means on one screen."""

from __future__ import annotations

import os
from pathlib import Path

import click

from bot.configfile import ConfigFileError, default_config_path, load_config
from bot.i18n import Locale, Translator
from scoring.config import ONBOARDING_DELAY, QUALITATIVE, TakibiConfig
from scoring.model import ELEMENTS

CONFIG_ENV = "TAKIBI_CONFIG"
LOCALE_ENV = "TAKIBI_LOCALE"


def config_path(file: Path | None) -> Path:
    """The file to use: the argument, else ``$TAKIBI_CONFIG``, else the shipped default."""
    if file is not None:
        return file
    from_env = os.environ.get(CONFIG_ENV)
    return Path(from_env) if from_env else default_config_path()


def _locale(lang: str | None) -> Locale:
    value = (lang or os.environ.get(LOCALE_ENV) or Locale.JA.value).lower()
    return Locale(value) if value in Locale._value2member_map_ else Locale.JA


@click.group("config")
def config_group() -> None:
    """takibi.yml を確認します / Check the health score configuration (takibi.yml)."""


@config_group.command("check")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--lang", type=click.Choice([loc.value for loc in Locale]), help="表示の言語 / output language."
)
def check(file: Path | None, lang: str | None) -> None:
    """設定ファイルを検査し、要約を表示します / Validate FILE and print a summary (exit 1 on errors).

    FILE defaults to $TAKIBI_CONFIG, else the shipped default.
    """
    path = config_path(file)
    locale = _locale(lang)
    t = Translator(locale)
    try:
        config = load_config(path, locale=locale)
    except ConfigFileError as exc:
        for issue in exc.issues:
            click.echo(issue.format(str(path)))
        click.echo(t("config.check.failed", count=len(exc.issues)))
        raise SystemExit(1) from None
    click.echo(t("config.check.ok"))
    for line in summary_lines(config, path, t):
        click.echo(line)


def summary_lines(config: TakibiConfig, path: Path, t: Translator) -> list[str]:
    """What the configuration means, on one screen."""
    lines = [t("config.summary.file", path=path), t("config.summary.version", version=config.config_version)]
    total = sum(config.elements.get(e).weight for e in ELEMENTS)
    lines.append(t("config.summary.elements"))
    for element in ELEMENTS:
        settings = config.elements.get(element)
        questions = sum(1 for q in config.questions if q.element == element)
        share = settings.weight / total if total else 0.0
        key = "config.summary.element_questions" if element in QUALITATIVE else "config.summary.element"
        lines.append(
            t(
                key,
                label=settings.label,
                id=element.value,
                weight=settings.weight,
                share=share,
                questions=questions,
            )
        )
    lines.append(t("config.summary.max_age", days=config.assessment_max_age_days))
    lines.append(t("config.summary.metrics"))
    for metric in config.fire.metrics:
        key = "config.summary.metric_builtin" if metric.id == ONBOARDING_DELAY else "config.summary.metric"
        lines.append(
            t(
                key,
                id=metric.id,
                label=metric.label,
                target=metric.target,
                floor=metric.floor,
                fresh=metric.fresh_days,
                weight=metric.weight,
            )
        )
    segments = ", ".join(f"{s.id} ({s.label.localized(t.locale.value)})" for s in config.segments)
    lines.append(t("config.summary.segments", segments=segments))
    if config.aggregation.mode == "chain":
        lines.append(t("config.summary.aggregation.chain", caps=len(config.aggregation.caps)))
    else:
        lines.append(t("config.summary.aggregation.weighted"))
    lines.append(t("config.summary.grades"))
    for grade in sorted(config.grades, key=lambda g: -g.grade):
        lines.append(
            t(
                "config.summary.grade",
                emoji=grade.emoji,
                grade=grade.grade,
                label=grade.label,
                min=grade.min_score,
            )
        )
    lines.append(t("config.summary.reference", count=len(config.reference_accounts)))
    return lines
