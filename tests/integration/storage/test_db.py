"""Engine settings and the unit of work."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import Database, default_sqlite_url, is_sqlite, make_engine
from storage.enums import KeyPersonRole
from storage.models import Account, KeyPerson


def _account(external_id: str = "crm-1") -> Account:
    return Account(external_id=external_id, name="株式会社テスト", segment="SMB")


def _count_accounts(db: Database) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Account)) or 0


def test_default_sqlite_url_is_a_file_in_var_under_the_base_dir(tmp_path: Path) -> None:
    assert default_sqlite_url(tmp_path) == f"sqlite:///{tmp_path}/var/takibi.sqlite3"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/takibi.sqlite3", True),
        ("sqlite+pysqlite:////tmp/x.db", True),
        ("sqlite://", True),
        ("postgresql+psycopg://postgres@localhost/takibi", False),
    ],
)
def test_is_sqlite_recognises_every_sqlite_url(url: str, expected: bool) -> None:
    assert is_sqlite(url) is expected


def test_make_engine_creates_the_folder_of_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "var" / "takibi.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()
    assert path.exists()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    finally:
        engine.dispose()
    assert (journal_mode, foreign_keys, busy_timeout) == ("wal", 1, 5000)


def test_sqlite_select_runs_inside_a_real_transaction(sqlite_url: str) -> None:
    """The pysqlite quirk: without the BEGIN hook a SELECT starts no transaction (not repeatable)."""
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            dbapi_connection = connection.connection.dbapi_connection
            assert dbapi_connection is not None
            assert dbapi_connection.in_transaction
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced(database: Database) -> None:
    orphan = KeyPerson(account_id=999_999, role=KeyPersonRole.PO, name="山田")
    with pytest.raises(IntegrityError), database.unit_of_work() as session:
        session.add(orphan)


def test_rolled_back_savepoint_discards_only_its_own_work(database: Database) -> None:
    with database.unit_of_work() as session:
        session.add(_account("kept"))
        session.flush()
        savepoint = session.begin_nested()
        session.add(_account("discarded"))
        session.flush()
        savepoint.rollback()
    with database.unit_of_work() as session:
        assert session.scalars(select(Account.external_id)).all() == ["kept"]


def test_unit_of_work_commits_when_the_block_succeeds(database: Database) -> None:
    with database.unit_of_work() as session:
        session.add(_account())
    assert _count_accounts(database) == 1


class AbortError(Exception):
    pass


def _add_account_then_fail(database: Database) -> None:
    with database.unit_of_work() as session:
        session.add(_account())
        session.flush()
        raise AbortError


def test_unit_of_work_rolls_back_when_the_block_raises(database: Database) -> None:
    with pytest.raises(AbortError):
        _add_account_then_fail(database)

    assert _count_accounts(database) == 0


def test_objects_stay_readable_after_the_unit_of_work_commits(database: Database) -> None:
    with database.unit_of_work() as session:
        account = _account()
        session.add(account)
    # The session is closed; an expired attribute would raise DetachedInstanceError here.
    assert account.id is not None
    assert account.name == "株式会社テスト"


def _write_lock_refusal(path: Path) -> str | None:
    """Try the write lock from a second, plain sqlite3 connection that does not wait."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        other.close()
    return None


def test_immediate_unit_of_work_takes_the_sqlite_write_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "takibi.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        with database.unit_of_work():
            deferred = _write_lock_refusal(path)
        with database.unit_of_work(immediate=True):
            immediate = _write_lock_refusal(path)
    finally:
        database.dispose()
    assert (deferred, immediate) == (None, "database is locked")


# --- single statements and idle connections -------------------------------------------------------


def test_a_single_statement_commits_on_its_own(database: Database) -> None:
    with database.single_statement() as connection:
        connection.execute(insert(Account), [{"external_id": "C-9", "name": "焚き火商事", "segment": "SMB"}])

    with database.unit_of_work() as session:
        assert session.scalars(select(Account.name)).all() == ["焚き火商事"]


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(engine: Engine, pid: int) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    time.sleep(0.2)  # the server closes the socket after the function returns


@pytest.mark.parametrize("idle_seconds", [0.0, 60.0], ids=["idle", "just-returned"])
def test_a_server_connection_closed_while_idle_is_replaced_only_once_idle(
    postgres_url: str, idle_seconds: float
) -> None:
    engine = make_engine(postgres_url, ping_after_idle_seconds=idle_seconds, pool_size=1, max_overflow=0)
    other = make_engine(postgres_url)
    try:
        first = _backend_pid(engine)
        _terminate(other, first)
        if idle_seconds:
            # Not pinged: the first use of the closed connection fails (and the pool drops it).
            with pytest.raises(OperationalError):
                _backend_pid(engine)
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()
        other.dispose()
