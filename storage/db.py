"""Engine and unit of work.

Nothing here runs at import: the composition root calls :func:`make_engine` and builds one
:class:`Database`, and every listener, job or CLI command does its work inside
:meth:`Database.unit_of_work`, which is the only place that commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from time import monotonic
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5_000
"""How long a SQLite writer waits for another writer's lock before failing with "database is locked"."""

SQLITE_POOL_SIZE = 24
"""Pooled connections to a SQLite file (and as many again in overflow)."""

SERVER_POOL_SIZE = 12
"""Pooled connections to a database server per process (and as many again in overflow): each is a
server process on PostgreSQL, so fewer than SQLite's."""

PING_AFTER_IDLE_SECONDS = 5.0
"""A pooled connection to a database server that sat idle longer than this is pinged before use (a
server restart or an idle timeout may have closed it meanwhile). One returned moments ago is not: under
load, a ping on every checkout was one more round trip in every ack that touches the database."""
_RETURNED_AT = "takibi_returned_at"

SQLITE_BEGIN_OPTION = "takibi_sqlite_begin"
"""Execution option naming the SQLite BEGIN mode (``"IMMEDIATE"``, or ``"NONE"`` for no BEGIN); see
:meth:`Database.unit_of_work` and :meth:`Database.read_only`."""


def default_sqlite_url(base_dir: Path) -> str:
    """The zero-setup database: one file under ``<base_dir>/var``."""
    return f"sqlite:///{base_dir / 'var' / 'takibi.sqlite3'}"


def is_sqlite(url: str | URL) -> bool:
    """True for any SQLite URL (``sqlite://``, ``sqlite+pysqlite://``...)."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(
    url: str,
    *,
    sqlite_foreign_keys: bool = True,
    ping_after_idle_seconds: float = PING_AFTER_IDLE_SECONDS,
    **kwargs: Any,
) -> Engine:
    """Create an engine with the settings takibi relies on.

    For SQLite: the parent folder of a file database is created; every connection gets WAL (readers do
    not block the writer), ``foreign_keys=ON`` (SQLite's default is off), a busy timeout, and real
    transactions: the sqlite3 driver's legacy mode does not BEGIN before SELECT or DDL, so reads are
    not repeatable and migrations are not atomic. Python 3.11 lacks ``sqlite3.Connection.autocommit``,
    so this uses SQLAlchemy's connect + begin event recipe, which works on every Python version.

    ``sqlite_foreign_keys=False`` is for migrations only: Alembic's batch mode drops and recreates
    tables, and with enforcement on, dropping a parent table would cascade-delete its children.

    For a database server, a pooled connection idle for ``ping_after_idle_seconds`` is pinged before use
    and replaced if the server closed it (see :data:`PING_AFTER_IDLE_SECONDS`).

    Extra keyword arguments go to :func:`sqlalchemy.create_engine`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if "poolclass" not in kwargs:
            # As for SQLite below: the threads that check a connection out at once (listeners building
            # modals, pre-ack checks, the form writer, jobs) outnumber the default 5 + 10, and a
            # listener waiting for a pooled connection keeps Slack waiting for its ack.
            kwargs.setdefault("pool_size", SERVER_POOL_SIZE)
            kwargs.setdefault("max_overflow", SERVER_POOL_SIZE)
        server = create_engine(parsed, **kwargs)
        _ping_when_idle(server, ping_after_idle_seconds)
        return server

    _create_parent_folder(parsed)
    file = parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:")
    if file and "poolclass" not in kwargs:
        # A file database keeps a connection per busy thread (waitress, listeners, work after ack,
        # the deliverer, the jobs) open: past the default 5 + 10, every extra checkout would open a
        # fresh connection and re-run the PRAGMAs below while Slack waits for an ack.
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        kwargs.setdefault("max_overflow", SQLITE_POOL_SIZE)
    engine = create_engine(parsed, **kwargs)
    foreign_keys = "ON" if sqlite_foreign_keys else "OFF"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see the begin hook); PRAGMAs then run outside any
        # transaction, which journal_mode and foreign_keys require.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA foreign_keys={foreign_keys}")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            # The documented pairing with WAL: never corrupts, much faster than FULL; a power cut (not an
            # app crash) may lose the last commits.
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") != "AUTOCOMMIT" and options.get(SQLITE_BEGIN_OPTION) != "NONE":
            connection.exec_driver_sql(f"BEGIN {options.get(SQLITE_BEGIN_OPTION, 'DEFERRED')}")

    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """SQLAlchemy's ``pool_pre_ping``, for connections idle longer than ``idle_seconds`` only: raising
    ``DisconnectionError`` at checkout makes the pool discard the connection and hand out a new one."""

    def returned(dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = monotonic()

    event.listen(engine, "connect", returned)
    event.listen(engine, "checkin", returned)

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if monotonic() - record.info.get(_RETURNED_AT, 0.0) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"connection closed while idle: {error}") from error


def _create_parent_folder(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


class Database:
    """The engine and session factory the app shares; one per process."""

    def __init__(self, url_or_engine: str | Engine) -> None:
        """From a URL (the engine is made by :func:`make_engine`), or from an engine built elsewhere."""
        self.engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
        # Objects stay readable after commit, so a listener can render what it just saved.
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The URL to reach this database again (another engine, a subprocess, settings).

        It includes the password: log ``engine.url`` instead, which masks it.
        """
        return self.engine.url.render_as_string(hide_password=False)

    @contextmanager
    def unit_of_work(self, *, immediate: bool = False) -> Iterator[Session]:
        """Yield a session whose work is committed when the block ends and rolled back if it raises.

        Repositories only add, change and flush; this boundary is the one commit, so a listener or job
        either applies everything it did or nothing.

        ``immediate=True`` matters on SQLite only, for work that reads and then writes while other
        threads write too: it takes the write lock at BEGIN (waiting up to the busy timeout), because
        a deferred transaction whose snapshot went stale fails at its first write with "database is
        locked" at once, without waiting. It serialises writers, so keep such units short.
        """
        with self.sessionmaker.begin() as session:
            if immediate and self.engine.dialect.name == "sqlite":
                session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            yield session

    @contextmanager
    def read_only(self) -> Iterator[Connection]:
        """Yield a connection for reads that need not share one snapshot, run in the database's
        autocommit mode: each SELECT sees what was committed when it ran. Never write here (on SQLite a
        write would commit on its own, statement by statement).

        For the checks made while Slack waits for an ack (a lone SELECT is consistent by itself) and
        for screens built from independent reads (the assess modal: the account, its latest answers,
        its key people, where a write landing between two of them shows as it would a moment later).
        Skipping BEGIN and ROLLBACK saves two statements, two round trips on PostgreSQL, per use.

        SQLite gets no BEGIN from the begin hook rather than SQLAlchemy's ``AUTOCOMMIT`` level, whose
        reset on check-in would put the driver back into its legacy implicit-transaction mode.
        """
        with self._autocommit() as connection:
            yield connection

    @contextmanager
    def single_statement(self) -> Iterator[Connection]:
        """Yield a connection for one writing statement that is a whole change by itself (the form
        inbox's multi-row INSERT): it commits on its own, with no BEGIN and COMMIT around it, one round
        trip on PostgreSQL instead of three. On SQLite it waits for the write lock as any write does."""
        with self._autocommit() as connection:
            yield connection

    @contextmanager
    def _autocommit(self) -> Iterator[Connection]:
        if self.engine.dialect.name == "sqlite":
            options: dict[str, Any] = {SQLITE_BEGIN_OPTION: "NONE"}
        else:
            options = {"isolation_level": "AUTOCOMMIT"}
        with self.engine.connect().execution_options(**options) as connection:
            yield connection

    def dispose(self) -> None:
        """Close pooled connections (at shutdown, and before a test drops its database)."""
        self.engine.dispose()
