"""Database fixtures for every suite: real SQLite files and a real PostgreSQL, never mocks.

``database_url`` is an empty database (for migration tests); ``database`` is a fresh one already
migrated to head. Both run each test on SQLite and, when ``TAKIBI_TEST_DATABASE_URL`` points at a
PostgreSQL server, on PostgreSQL too. Every test gets its own database, so tests can commit freely.
Migrating is done once per session into a template (a file on SQLite, a template database on
PostgreSQL) and copied per test, which keeps a PostgreSQL test to a few tens of milliseconds.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.db import Database
from storage.migrate import upgrade

POSTGRES_URL_ENV = "TAKIBI_TEST_DATABASE_URL"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@contextmanager
def _postgres_database(server_url: str, *, template: str | None = None) -> Iterator[str]:
    """Create a uniquely named database on the server, yield its URL, drop it even if sessions linger.

    CREATE/DROP DATABASE cannot run in a transaction, hence the AUTOCOMMIT connection to the database
    named in ``server_url``. Unique names let several people run the suite against one server.
    """
    name = f"takibi_test_{uuid4().hex[:16]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            from_template = f' TEMPLATE "{template}"' if template else ""
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{from_template}')
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL server to create test databases on; skips the test when none is configured."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(
            f"{POSTGRES_URL_ENV} is not set; to run the PostgreSQL cases set it to a server URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh, empty SQLite file database under ``tmp_path``."""
    return _sqlite_url(tmp_path / "takibi.sqlite3")


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    with _postgres_database(postgres_server_url) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``; the one parameter behind ``database_url`` and ``database``."""
    backend: str = request.param
    return backend


@pytest.fixture
def database_url(request: pytest.FixtureRequest, database_backend: str) -> str:
    """An empty database on each backend (ids ``sqlite``, ``postgresql``)."""
    fixture = "sqlite_url" if database_backend == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; tests get copies."""
    path = tmp_path_factory.mktemp("sqlite_template") / "takibi.sqlite3"
    upgrade(_sqlite_url(path))
    # The migration's last connection has closed, which checkpoints WAL: the file alone is complete.
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server_url: str) -> Iterator[str]:
    """Name of a PostgreSQL database migrated to head once per session, for CREATE DATABASE .. TEMPLATE."""
    with _postgres_database(postgres_server_url) as url:
        upgrade(url)
        name = make_url(url).database
        assert name is not None
        yield name


@pytest.fixture
def database(request: pytest.FixtureRequest, database_backend: str, tmp_path: Path) -> Iterator[Database]:
    """A :class:`Database` on a fresh database migrated to head (its URL is ``database.url``)."""
    if database_backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "migrated.sqlite3"
        shutil.copyfile(template, target)
        db = Database(_sqlite_url(target))
        try:
            yield db
        finally:
            db.dispose()
        return

    server_url: str = request.getfixturevalue("postgres_server_url")
    template_name: str = request.getfixturevalue("postgres_template")
    with _postgres_database(server_url, template=template_name) as url:
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()
