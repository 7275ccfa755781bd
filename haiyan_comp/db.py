"""Database wiring: one engine per app, one session per app context.

Services flush and never commit; whoever owns the unit of work (a command, a
request, a job) commits through `unit_of_work()`.

SQLite lets one connection write at a time. A transaction that began with a
read and then writes must upgrade its read snapshot to the write lock; if
another connection committed in between, SQLite answers "database is locked"
at once (busy_timeout does not help: the snapshot is stale, waiting cannot
mend it). So on SQLite a unit of work takes the write lock when it starts
(`BEGIN IMMEDIATE`) and concurrent writers queue for up to busy_timeout.
Reads still begin deferred and never wait for a writer (WAL), so pages keep
reading while an import holds the lock. A read transaction left open when a
unit of work starts is ended first (nothing is lost: it wrote nothing), and
its objects are reloaded under the lock. Bookkeeping writes that may wait for
another request (when a session was last seen) go through `try_write()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, MetaData, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker

log = logging.getLogger(__name__)

# Execution options read when a SQLite transaction begins (see _configure_sqlite).
WRITE_LOCK = "haiyan_write_lock"  # BEGIN IMMEDIATE: take the write lock now
LOCK_WAIT_MS = "haiyan_lock_wait_ms"  # how long that BEGIN may wait for the lock
BUSY_TIMEOUT_MS = 30_000
SQLITE_CACHE_KIB = 65_536  # each connection's page cache (records/bulk.py shrinks it a while)
# Keys of Session.info.
_CHANGES_AT_BEGIN = "haiyan_changes_at_begin"
_DEPTH = "haiyan_unit_of_work_depth"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine with the SQLite settings that make it a fair embedded database."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def driver_connection(session: Session) -> Any:
    """The driver's own connection under the session's transaction (sqlite3 or psycopg):
    for bulk work through the driver, in the same transaction as the session's."""
    connection = session.connection().connection.dbapi_connection
    assert connection is not None
    return connection


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling cannot do SAVEPOINT or transactional
    # DDL; SQLAlchemy's documented recipe hands BEGIN to us.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # 64 MiB of page cache (the default is 2 MiB) keeps index pages of a
        # large import in memory.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if not options.get(WRITE_LOCK):
            connection.exec_driver_sql("BEGIN")
            return
        wait = options.get(LOCK_WAIT_MS)
        if wait is None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait)}")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


@event.listens_for(Session, "after_begin")
def _note_changes_at_begin(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    """Remember SQLite's change counter, to tell later whether this transaction wrote."""
    if transaction.parent is None and connection.dialect.name == "sqlite":
        session.info[_CHANGES_AT_BEGIN] = _total_changes(connection)


def _total_changes(connection: Connection) -> int:
    changes: int = connection.connection.dbapi_connection.total_changes  # type: ignore[union-attr]
    return changes


def _wrote(session: Session) -> bool:
    """Whether the session's open transaction has changed rows, or has changes to flush."""
    if session.new or session.dirty or session.deleted:
        return True
    if session.get_bind().dialect.name != "sqlite":
        return False
    connection = session.connection()  # first: a transaction that begins now notes its count
    before: int = session.info[_CHANGES_AT_BEGIN]
    return _total_changes(connection) != before


class Database:
    """The app's engine and its per-app-context session."""

    def __init__(self) -> None:
        self._test_connection: Connection | None = None

    def init_app(self, app: Flask) -> None:
        """Create the engine for `app` and close sessions at teardown."""
        engine = make_engine(app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False))
        app.extensions["haiyan_db"] = {
            "engine": engine,
            "sessionmaker": sessionmaker(bind=engine, expire_on_commit=False),
        }
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self) -> Engine:
        """The current app's engine."""
        engine: Engine = current_app.extensions["haiyan_db"]["engine"]
        return engine

    @property
    def session(self) -> Session:
        """The session of the current app context, opened on first use."""
        session: Session | None = g.get("_haiyan_session")
        if session is None:
            if self._test_connection is not None:
                session = Session(
                    bind=self._test_connection,
                    join_transaction_mode="create_savepoint",
                    expire_on_commit=False,
                )
            else:
                session = current_app.extensions["haiyan_db"]["sessionmaker"]()
            g._haiyan_session = session
        return session

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.session.get_bind().dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Commit what the block did, or roll all of it back on any exception.

        On SQLite the block holds the write lock from its start (see the module's docstring).
        """
        session = self.session
        depth = session.info.get(_DEPTH, 0)
        if depth == 0:
            self._begin_writing(session)
        session.info[_DEPTH] = depth + 1
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info[_DEPTH] = depth

    def in_unit_of_work(self) -> bool:
        """Whether an operation's unit of work is open in this app context."""
        session: Session | None = g.get("_haiyan_session")
        return session is not None and session.info.get(_DEPTH, 0) > 0

    def end_read(self) -> None:
        """End a transaction that only read.

        With COMMIT rather than the ROLLBACK of teardown: after a rollback psycopg
        forgets its prepared statements, so PostgreSQL would plan every statement of
        the next request anew. A read that changed something is a bug: rolled back.
        """
        session: Session | None = g.get("_haiyan_session")
        if session is None or not session.in_transaction():
            return
        if session.new or session.dirty or session.deleted:
            session.rollback()
            raise RuntimeError("a read changed rows; changes belong in an operation")
        session.commit()

    def _begin_writing(self, session: Session, wait_ms: int | None = None) -> None:
        """SQLite: start a transaction that holds the write lock (no-op on PostgreSQL)."""
        if session.get_bind().dialect.name != "sqlite":
            return
        if session.in_transaction():
            if _wrote(session):
                # Its writes hold the lock already (or will try to, as before): keep them.
                return
            session.rollback()  # a read only: end it, so the lock comes with a fresh snapshot
        if self._test_connection is not None:
            return  # tests: everything runs inside the test's own transaction
        options: dict[str, Any] = {WRITE_LOCK: True}
        if wait_ms is not None:
            options[LOCK_WAIT_MS] = wait_ms
        session.connection(execution_options=options)

    def try_write(self, work: Callable[[Session], Any], wait_ms: int = 200) -> bool:
        """Do `work` and commit if the database lets us write within `wait_ms`; else skip it.

        For bookkeeping that the next request can do as well (a session's last-seen
        time), so that a page never waits seconds behind a long import for it.
        """
        session = self.session
        if session.in_transaction():
            if _wrote(session):
                raise RuntimeError("try_write() would end a transaction that has written")
            session.rollback()
        try:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text(f"SET LOCAL lock_timeout = {int(wait_ms)}"))
            else:
                self._begin_writing(session, wait_ms)
            work(session)
            session.commit()
        except OperationalError as exc:  # locked: someone else is writing; next time
            session.rollback()
            log.info("skipped a bookkeeping write: %s", exc.orig)
            return False
        return True

    def bind_to(self, connection: Connection | None) -> None:
        """Tests: run every session inside `connection`'s outer transaction."""
        self._test_connection = connection

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("_haiyan_session", None)
        if session is not None:
            session.close()


db = Database()
