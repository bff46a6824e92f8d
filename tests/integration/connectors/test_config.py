"""The ``connectors`` section of takibi.yml: mistakes are reported at their line and column."""

from __future__ import annotations

import pytest
import yaml

from bot.configfile import ConfigFileError, ConfigIssue, load_config_text
from bot.i18n import Locale
from scoring.config_connectors import CsvConnectorSettings, HttpConnectorSettings, SqlConnectorSettings
from tests.integration.connectors.conftest import config_data

BASE = yaml.safe_dump(config_data(), allow_unicode=True, sort_keys=False)
FIRST_LINE = BASE.count("\n") + 1
"""The line of ``connectors:`` in a file made of BASE and a connectors section."""


def issues_of(section: str, locale: Locale = Locale.EN) -> list[ConfigIssue]:
    with pytest.raises(ConfigFileError) as raised:
        load_config_text(BASE + section, "takibi.yml", locale=locale)
    return list(raised.value.issues)


def test_every_kind_loads_with_its_defaults() -> None:
    config = load_config_text(
        BASE
        + """connectors:
  - {id: export, kind: csv, path: usage.csv, encoding: cp932, metrics: {ログイン率: login_rate}}
  - id: warehouse
    kind: sql
    url_env: TAKIBI_WAREHOUSE_URL
    query: SELECT 1
  - {id: api, kind: http, url: "https://example.com/usage", token_env: USAGE_TOKEN}
"""
    )
    export, warehouse, api = config.connectors
    assert isinstance(export, CsvConnectorSettings)
    assert export.metrics == {"ログイン率": "login_rate"}
    assert isinstance(warehouse, SqlConnectorSettings)
    assert warehouse.lookback_days is None
    assert isinstance(api, HttpConnectorSettings)
    assert (api.retries, api.timeout_seconds) == (3, 30.0)


def test_connectors_do_not_change_the_config_version() -> None:
    plain = load_config_text(BASE)
    with_connector = load_config_text(BASE + "connectors:\n  - {id: export, kind: csv, path: usage.csv}\n")
    assert plain.config_version == with_connector.config_version


def test_an_unknown_metric_points_at_the_mapping_value() -> None:
    (issue,) = issues_of(
        """connectors:
  - id: export
    kind: csv
    path: usage.csv
    metrics: {logins: login_rat}
"""
    )
    assert issue.path == "connectors[0].metrics.logins"
    assert (issue.line, issue.column) == (FIRST_LINE + 4, 23)
    assert issue.message.startswith("metric 'login_rat' is not in fire.metrics (metrics that can be pulled: ")
    assert "login_rate" in issue.message


def test_the_computed_onboarding_metric_cannot_be_pulled() -> None:
    (issue,) = issues_of(
        "connectors:\n  - {id: export, kind: csv, path: a.csv, metrics: {delay: onboarding_delay_days}}\n",
        Locale.JA,
    )
    assert issue.path == "connectors[0].metrics.delay"
    assert "自動で計算する指標" in issue.message


def test_a_sql_connector_needs_the_name_of_its_url_variable() -> None:
    (issue,) = issues_of(
        """connectors:
  - id: warehouse
    kind: sql
    query: SELECT 1
"""
    )
    assert (issue.path, issue.message) == ("connectors[0].url_env", "field required")
    assert issue.line == FIRST_LINE + 1


def test_a_url_written_where_the_variable_name_belongs_is_refused_without_echoing_it() -> None:
    (issue,) = issues_of(
        """connectors:
  - id: warehouse
    kind: sql
    url_env: postgresql://reader:hunter2@db.example.com/dw
    query: SELECT 1
"""
    )
    assert issue.path == "connectors[0].url_env"
    assert (issue.line, issue.column) == (FIRST_LINE + 3, 14)
    assert "environment variable" in issue.message
    assert "hunter2" not in issue.message


def test_the_url_itself_is_an_unknown_key_with_a_hint() -> None:
    missing, unknown = issues_of(
        """connectors:
  - id: warehouse
    kind: sql
    url: postgresql://reader:hunter2@db.example.com/dw
    query: SELECT 1
"""
    )
    assert unknown.message == "unknown key 'url' (did you mean 'url_env'?)"
    assert missing.path == "connectors[0].url_env"


def test_an_http_url_must_be_http() -> None:
    (issue,) = issues_of('connectors:\n  - {id: api, kind: http, url: "ftp://example.com/usage"}\n')
    assert issue.path == "connectors[0].url"
    assert issue.message == "use a URL starting with http:// or https://"


def test_an_unknown_kind_lists_the_known_ones() -> None:
    (issue,) = issues_of("connectors:\n  - {id: other, kind: ftp}\n")
    assert issue.path == "connectors[0].kind"
    assert issue.message == "unknown kind 'ftp' (use one of: csv, sql, http)"


def test_connector_ids_are_unique() -> None:
    (issue,) = issues_of(
        """connectors:
  - {id: export, kind: csv, path: a.csv}
  - {id: export, kind: csv, path: b.csv}
"""
    )
    assert issue.path == "connectors[1].id"


def test_a_date_format_must_read_back_a_date() -> None:
    (issue,) = issues_of('connectors:\n  - {id: export, kind: csv, path: a.csv, date_format: "%m/%d"}\n')
    assert issue.path == "connectors[0].date_format"
