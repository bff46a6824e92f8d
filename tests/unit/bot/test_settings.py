from pathlib import Path

import pytest

from bot.i18n import Locale
from bot.settings import SLACK_API_DEFAULT, SettingsError, load_settings

SECRET_LOOKING = "xoxp-1234-very-secret"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "TAKIBI_DATABASE_URL",
        "TAKIBI_CONFIG",
        "TAKIBI_LOCALE",
        "TAKIBI_TIMEZONE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_the_embedded_setup(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'takibi.sqlite3'}"
    assert settings.slack_api_url == SLACK_API_DEFAULT
    assert settings.locale is Locale.JA
    assert settings.timezone == "Asia/Tokyo"
    assert not settings.socket_mode


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-abc")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    monkeypatch.setenv("TAKIBI_LOCALE", "en")
    monkeypatch.setenv("TAKIBI_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/takibi")
    settings = load_settings()
    assert settings.bot_token() == "xoxb-1-2-abc"
    assert settings.signing_secret() == "shh"
    assert settings.socket_mode
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.locale is Locale.EN


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TAKIBI_LOCALE=en\nTAKIBI_TIMEZONE=UTC\n", encoding="utf-8")
    settings = load_settings()
    assert settings.locale is Locale.EN
    assert settings.timezone == "UTC"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SLACK_BOT_TOKEN", SECRET_LOOKING, "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token", "SLACK_APP_TOKEN: must be an app-level token"),
        ("TAKIBI_TIMEZONE", "Mars/Olympus", "TAKIBI_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        (
            "TAKIBI_DATABASE_URL",
            "mysql://root@localhost/x",
            "TAKIBI_DATABASE_URL: must be a SQLite or PostgreSQL",
        ),
        ("TAKIBI_DATABASE_URL", "not a url", "TAKIBI_DATABASE_URL: is not a database URL"),
        ("TAKIBI_LOCALE", "fr", "TAKIBI_LOCALE: "),
        ("SLACK_API_URL", "ftp://slack", "SLACK_API_URL: must be an http"),
        ("TAKIBI_CONFIG", "/nowhere/takibi.yml", "TAKIBI_CONFIG: file not found"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    text = str(raised.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_a_malformed_secret_is_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", SECRET_LOOKING)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "very-secret" not in str(raised.value)
    assert raised.value.__cause__ is None


def test_missing_slack_credentials_are_named_when_needed() -> None:
    settings = load_settings()
    with pytest.raises(SettingsError, match=r"^SLACK_BOT_TOKEN is not set"):
        settings.bot_token()
    with pytest.raises(SettingsError, match=r"^SLACK_SIGNING_SECRET is not set"):
        settings.signing_secret()


def test_secrets_are_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-TOPSECRET")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-TOPSECRET")
    text = repr(load_settings())
    assert "TOPSECRET" not in text
