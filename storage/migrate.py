"""Run the Alembic migrations from code.

Alembic is configured here rather than in an ``alembic.ini``: the scripts ship inside the ``storage``
package, so an installed takibi can migrate its own database with no files beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from storage.db import make_engine


class ForeignKeyViolationError(RuntimeError):
    """A SQLite migration left rows whose parent is missing; the migration was rolled back."""


def script_location() -> Path:
    """The folder holding ``env.py`` and ``versions/``, wherever the package is installed."""
    location = files("storage.migrations")
    if not isinstance(location, Path):
        raise RuntimeError(f"migrations must be on the file system, found {location!r}")
    return location


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    # Config values go through configparser interpolation; a "%" in the path must be doubled.
    config.set_main_option("script_location", str(script_location()).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _migration_connection(url: str) -> Iterator[Connection]:
    """One transaction for the whole run: on PostgreSQL and SQLite alike, a failure leaves nothing.

    On SQLite, foreign keys are off while tables are rebuilt (batch mode) and checked before commit.
    NullPool: nothing stays connected afterwards (a PostgreSQL template database must have no sessions).
    """
    engine = make_engine(url, sqlite_foreign_keys=False, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            yield connection
            if connection.dialect.name == "sqlite":
                violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if violations:
                    raise ForeignKeyViolationError(f"foreign key violations after migration: {violations}")
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision``."""
    with _migration_connection(url) as connection:
        command.upgrade(_config(connection), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at ``url`` down to ``revision`` (``"base"``: drop everything)."""
    with _migration_connection(url) as connection:
        command.downgrade(_config(connection), revision)


def current(url: str) -> str | None:
    """The revision the database is at; ``None`` for an empty (or fully downgraded) database."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    """The newest revision in the scripts; :func:`current` equals it once the database is migrated."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    if revision is None:
        raise RuntimeError("no migration scripts found")
    return revision


def is_up_to_date(url: str) -> bool:
    """For a start-up check: refuse to run against a database older (or newer) than this code."""
    return current(url) == head()
