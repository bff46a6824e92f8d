"""Alembic environment.

Deliberately no ``fileConfig``: migrations run inside the app's process (CLI, start-up, tests) and
must not replace its logging setup. :mod:`storage.migrate` passes an open connection in
``config.attributes["connection"]``; without one (e.g. the ``alembic`` command with ``-x url=...`` or
``sqlalchemy.url``), a connection is made here.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from storage.db import is_sqlite, make_engine
from storage.models import Base
from storage.types import UtcDateTime

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass a connection, -x url=..., or set sqlalchemy.url")
    return url


def _render_item(type_: str, obj: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes plain SQLAlchemy types, so a revision never imports app code."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite can only change most of a table by copying it; batch mode does that, by constraint name.
        render_as_batch=connection.dialect.name == "sqlite",
        # make_engine makes SQLite DDL transactional too: a failed migration leaves nothing behind.
        transactional_ddl=True,
        render_item=_render_item,
    )


def run_migrations_offline() -> None:
    """Write the SQL to stdout (``alembic upgrade --sql``) for a DBA to review and run."""
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=is_sqlite(url),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url(), sqlite_foreign_keys=False, poolclass=NullPool)
    try:
        with engine.begin() as own_connection:
            _configure(own_connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
