"""Database wiring: one engine per app, one session per app context.

Services flush and never commit; whoever owns the unit of work (a command, a
request, a job) commits through `unit_of_work()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

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
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


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
        cursor.execute("PRAGMA busy_timeout=30000")
        # 64 MiB of page cache (the default is 2 MiB) keeps index pages of a
        # large import in memory.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


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
        """Commit what the block did, or roll all of it back on any exception."""
        session = self.session
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def bind_to(self, connection: Connection | None) -> None:
        """Tests: run every session inside `connection`'s outer transaction."""
        self._test_connection = connection

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("_haiyan_session", None)
        if session is not None:
            session.close()


db = Database()
