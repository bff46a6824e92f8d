"""Runtime settings, read from the environment and an optional ``.env`` file.

Nothing here is built at import: ``load_settings()`` is called by the composition root or the CLI, so a
test can build settings of its own. A bad or missing setting raises ``SettingsError`` with one line
that names the variable and never echoes its value (a token pasted into the wrong variable must not end
up in a log).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.i18n import Locale

SLACK_API_DEFAULT = "https://slack.com/api/"
SUPPORTED_DATABASES = ("sqlite", "postgresql")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line, safe to print."""


def default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'var' / 'takibi.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True, populate_by_name=True
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(SLACK_API_DEFAULT, validation_alias="SLACK_API_URL")
    database_url: str = Field(default_factory=default_database_url, validation_alias="TAKIBI_DATABASE_URL")
    config_path: Path | None = Field(None, validation_alias="TAKIBI_CONFIG")
    locale: Locale = Field(Locale.JA, validation_alias="TAKIBI_LOCALE")
    timezone: str = Field("Asia/Tokyo", validation_alias="TAKIBI_TIMEZONE")
    log_level: str = Field("INFO", validation_alias="TAKIBI_LOG_LEVEL")
    channel_interval: float = Field(1.0, ge=0, le=60, validation_alias="TAKIBI_CHANNEL_INTERVAL")
    """Seconds between two messages to one channel: Slack allows about one per second per channel."""

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and any(c.isspace() for c in value.get_secret_value()):
            raise ValueError("must not contain spaces")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError("is not a database URL (e.g. sqlite:///var/takibi.sqlite3)") from None
        if backend not in SUPPORTED_DATABASES:
            raise ValueError(f"must be a SQLite or PostgreSQL URL, not {backend}")
        return value

    @field_validator("config_path")
    @classmethod
    def _config_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {value}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_known(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Tokyo)") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level_known(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def secret_values(self) -> tuple[str, ...]:
        """The secrets set, for the log filter that redacts them."""
        values = (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token)
        return tuple(v.get_secret_value() for v in values if v is not None)

    def bot_token(self) -> str:
        return self._required(self.slack_bot_token, "SLACK_BOT_TOKEN", "the bot token (xoxb-...)")

    def signing_secret(self) -> str:
        return self._required(self.slack_signing_secret, "SLACK_SIGNING_SECRET", "the app's signing secret")

    def app_token(self) -> str:
        return self._required(self.slack_app_token, "SLACK_APP_TOKEN", "an app-level token (xapp-...)")

    @staticmethod
    def _required(value: SecretStr | None, name: str, what: str) -> str:
        if value is None:
            raise SettingsError(f"{name} is not set: takibi needs {what} to talk to Slack")
        return value.get_secret_value()


def _env_name(field_name: str) -> str:
    alias = Settings.model_fields[field_name].validation_alias
    return alias if isinstance(alias, str) else field_name.upper()


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment (and ``.env``); ``overrides`` use the variable names."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        name = _env_name(field) if field in Settings.model_fields else field
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
