"""Loading takibi.yml: every problem with its line and column, in words an admin understands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli_config import config_group
from bot.configfile import ConfigFileError, ConfigIssue, default_config_path, load_config, load_config_text
from bot.i18n import Locale

VALID = """\
segments:
  - id: SMB
    label: {ja: 中小企業, en: SMB}
elements:
  firewood: {label: {ja: 薪, en: Firewood}, weight: 30}
  ember: {label: {ja: 種火, en: Ember}, weight: 25}
  wind: {label: {ja: 送風, en: Wind}, weight: 15}
  fire: {label: {ja: 焚き火の状態, en: Fire}, weight: 30}
questions:
  - id: po_engagement
    element: firewood
    kind: scale5
    label: {ja: PO の関与, en: PO engagement}
wind:
  recency: {good_within_days: 14, bad_beyond_days: 60, weight: 2}
  frequency: {window_days: 90, target: 3, weight: 1}
  fit: {window_days: 180, target: 0.8, floor: 0.2, weight: 1}
fire:
  metrics:
    - id: login_rate
      label: {ja: ログイン率, en: Login rate}
      direction: higher_is_better
      target: 0.6
      floor: 0.1
grades:
  - {grade: 5, min_score: 80, label: {ja: A, en: A}, emoji: "🔥"}
  - {grade: 4, min_score: 65, label: {ja: B, en: B}, emoji: "🟢"}
  - {grade: 3, min_score: 45, label: {ja: C, en: C}, emoji: "🟡"}
  - {grade: 2, min_score: 25, label: {ja: D, en: D}, emoji: "🟠"}
  - {grade: 1, min_score: 0, label: {ja: E, en: E}, emoji: "🔴"}
"""


def issues_of(text: str, locale: Locale = Locale.EN) -> list[ConfigIssue]:
    with pytest.raises(ConfigFileError) as caught:
        load_config_text(text, "takibi.yml", locale=locale)
    return list(caught.value.issues)


def edit(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


def test_valid_text_loads() -> None:
    config = load_config_text(VALID)
    assert config.questions[0].id == "po_engagement"


def test_shipped_default_loads() -> None:
    config = load_config(default_config_path())
    assert default_config_path().name == "takibi.yml"
    assert len(config.grades) == 5


def test_unknown_key_points_at_the_key() -> None:
    missing, typo = issues_of(edit("weight: 15}", "wieght: 15}"))
    assert typo.path == "elements.wind.wieght"
    assert typo.message == "unknown key 'wieght' (did you mean 'weight'?)"
    assert (typo.line, typo.column) == (7, 37)
    assert (missing.line, missing.column, missing.path) == (7, 3, "elements.wind.weight")


def test_missing_key_points_at_the_parent_mapping_and_names_the_key() -> None:
    issues = issues_of(edit("    label: {ja: PO の関与, en: PO engagement}\n", ""))
    assert [(i.line, i.column, i.path, i.message) for i in issues] == [
        (10, 5, "questions[0].label", "field required")
    ]


def test_missing_nested_key_points_at_its_owner() -> None:
    [issue] = issues_of(edit("{ja: 種火, en: Ember}", "{ja: 種火}"))
    assert (issue.line, issue.path, issue.message) == (6, "elements.ember.label.en", "field required")


def test_bad_value_points_at_the_value() -> None:
    [issue] = issues_of(edit("weight: 25}", "weight: -5}"))
    assert (issue.line, issue.column, issue.message) == (6, 47, "must be >= 0")


def test_cross_field_problem_points_at_its_path() -> None:
    [issue] = issues_of(edit("    element: firewood\n", "    element: fire\n"))
    assert (issue.line, issue.path) == (11, "questions[0].element")
    assert issue.message == "a question's element must be firewood or ember, not 'fire'"


def test_unknown_segment_in_an_override() -> None:
    text = edit(
        "frequency: {window_days: 90, target: 3, weight: 1}",
        "frequency: {window_days: 90, target: 3, weight: 1, segments: {EP: {target: 6}}}",
    )
    [issue] = issues_of(text)
    assert issue.path == "wind.frequency.segments.EP"
    assert issue.message == "unknown segment 'EP' (defined: SMB)"
    assert issue.line == 16


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = (
        edit("weight: 25}", "weight: -5}")
        .replace("kind: scale5", "kind: slider")
        .replace("weight: 30}", "wieght: 30}", 1)
    )
    issues = issues_of(text)
    assert [i.path for i in issues] == [
        "elements.firewood.weight",
        "elements.firewood.wieght",
        "elements.ember.weight",
        "questions[0].kind",
    ]
    assert issues[3].message == "unknown kind 'slider' (use one of: scale5, yes_no, choice)"


def test_duplicate_keys_are_reported() -> None:
    twice, _ = issues_of(VALID + "segments: []\n")
    assert (twice.line, twice.path, twice.message) == (31, "segments", "key 'segments' appears twice")


def test_yaml_syntax_error_has_a_line() -> None:
    [issue] = issues_of(
        edit(
            "  wind: {label: {ja: 送風, en: Wind}, weight: 15}",
            "  wind: {label: {ja: 送風, en: Wind}, weight: 15",
        )
    )
    assert issue.line is not None
    assert issue.message.startswith("YAML syntax error:")


def test_empty_file() -> None:
    [issue] = issues_of("")
    assert issue.message == "the file is empty"


def test_messages_are_japanese_by_default() -> None:
    [issue] = issues_of(edit("weight: 25}", "weight: -5}"), Locale.JA)
    assert issue.message == "0 以上にしてください"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError) as caught:
        load_config(tmp_path / "nope.yml")
    assert caught.value.issues[0].line is None


def test_issue_format_reads_like_a_compiler() -> None:
    issue = ConfigIssue(3, 7, "questions[3].label.ja", "field required")
    assert issue.format("takibi.yml") == "takibi.yml:3:7: questions[3].label.ja: field required"


def test_cli_check_prints_ok_and_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "takibi.yml"
    path.write_text(VALID, encoding="utf-8")
    result = CliRunner().invoke(config_group, ["check", str(path), "--lang", "en"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "OK"
    assert any(line.startswith("Config version: ") for line in lines)
    assert "  Firewood (firewood): weight 30 (30%) / 1 question(s)" in lines
    assert "Segments: SMB (SMB)" in lines


def test_cli_check_lists_every_error_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "takibi.yml"
    path.write_text(edit("weight: 25}", "weight: -5}"), encoding="utf-8")
    result = CliRunner().invoke(config_group, ["check", str(path), "--lang", "en"])
    assert result.exit_code == 1
    assert f"{path}:6:47: elements.ember.weight: must be >= 0" in result.output.splitlines()


def test_cli_check_defaults_to_env_then_shipped(tmp_path: Path) -> None:
    path = tmp_path / "takibi.yml"
    path.write_text(VALID, encoding="utf-8")
    from_env = CliRunner().invoke(
        config_group, ["check"], env={"TAKIBI_CONFIG": str(path), "TAKIBI_LOCALE": "en"}
    )
    shipped = CliRunner().invoke(config_group, ["check"], env={"TAKIBI_CONFIG": "", "TAKIBI_LOCALE": "ja"})
    assert f"File: {path}" in from_env.output
    assert "設定バージョン" in shipped.output
    assert str(default_config_path()) in shipped.output
