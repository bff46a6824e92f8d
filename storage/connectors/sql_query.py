"""The ``sql`` connector: a query against the customer's warehouse, which does the aggregation.

The warehouse returns one row per account, day and metric (``GROUP BY``); takibi never pulls raw
events. The URL comes from the environment variable named in ``url_env``, so no secret sits in
``takibi.yml``; any SQLAlchemy URL works whose driver is installed. Results are streamed
(``yield_per``: a server-side cursor on PostgreSQL), so a long history is never held in memory.

The query may use ``:today`` (the pull's day) and, when ``lookback_days`` is set, ``:since`` (that many
days before today), to pull a recent window instead of the whole history every day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Date, Engine, bindparam, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from scoring.config_connectors import SqlConnectorSettings
from storage.connectors.base import ConnectorError, SourceRow

BATCH_SIZE = 10_000


class SqlConnector:
    kind = "sql"

    def __init__(
        self,
        settings: SqlConnectorSettings,
        *,
        environ: Mapping[str, str],
        today: date,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.settings = settings
        self._environ = environ
        self._today = today
        self._batch_size = batch_size

    @property
    def id(self) -> str:
        return self.settings.id

    @property
    def location(self) -> str:
        """The variable's name and the URL without its password."""
        name = self.settings.url_env
        try:
            return f"{name} ({self._url().render_as_string(hide_password=True)})"
        except ConnectorError:
            return name

    def rows(self) -> Iterator[SourceRow]:
        engine = self._engine()
        try:
            with engine.connect() as connection:
                statement = text(self.settings.query)
                params = self._params(set(statement.compile().params))
                # Typed, so each driver gets a date it understands (SQLite stores dates as text).
                statement = statement.bindparams(*(bindparam(name, type_=Date()) for name in params))
                streaming = connection.execution_options(yield_per=self._batch_size)
                result = streaming.execute(statement, params)
                account, day, metric, value = self._indices(list(result.keys()))
                for number, row in enumerate(result, start=1):
                    yield SourceRow(number, row[account], row[day], row[metric], row[value])
        except SQLAlchemyError as exc:
            raise ConnectorError("pull.error.sql", reason=_reason(exc)) from None
        finally:
            engine.dispose()

    def _url(self) -> URL:
        name = self.settings.url_env
        raw = self._environ.get(name, "").strip()
        if not raw:
            raise ConnectorError("pull.error.env_missing", name=name)
        try:
            return make_url(raw)
        except ArgumentError:
            raise ConnectorError("pull.error.sql_url", name=name) from None

    def _engine(self) -> Engine:
        url = self._url()
        if url.get_backend_name() == "sqlite":
            # SQLite would quietly create an empty database where the warehouse file was expected.
            database = url.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                path = Path(database).expanduser()
                if not path.is_file():
                    raise ConnectorError("pull.error.file", path=str(path), reason="No such file")
        try:
            return create_engine(url, poolclass=NullPool)
        except NoSuchModuleError:
            raise ConnectorError(
                "pull.error.sql_driver", name=self.settings.url_env, dialect=url.drivername
            ) from None
        except (ArgumentError, ImportError) as exc:
            raise ConnectorError("pull.error.sql", reason=_reason(exc)) from None

    def _params(self, names: set[str]) -> dict[str, date]:
        values: dict[str, date] = {"today": self._today}
        if self.settings.lookback_days is not None:
            values["since"] = self._today - timedelta(days=self.settings.lookback_days)
        return {name: value for name, value in values.items() if name in names}

    def _indices(self, keys: list[str]) -> tuple[int, int, int, int]:
        """Where each field is in the result; names match case-insensitively when not exactly (some
        warehouses upper-case unquoted names)."""
        folded = [key.casefold() for key in keys]
        found: list[int] = []
        missing: list[str] = []
        for name in self.settings.columns.names():
            if name in keys:
                found.append(keys.index(name))
            elif name.casefold() in folded:
                found.append(folded.index(name.casefold()))
            else:
                missing.append(name)
        if missing:
            raise ConnectorError("pull.error.sql_columns", missing=", ".join(missing), found=", ".join(keys))
        account, day, metric, value = found
        return account, day, metric, value


def _reason(exc: BaseException) -> str:
    """The driver's own first line (``no such table: usage``), without SQLAlchemy's statement dump."""
    origin = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(origin).strip().splitlines()
    return lines[0] if lines else type(origin).__name__
