"""Shared fixtures: a database built by the migrations, a rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points
at one (as .ci/run does). Tests that need committed data in a database of
their own (subprocess, concurrency) use `scratch_url`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from hypothesis import settings
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.orm import Session

from haiyan_comp import migrate
from haiyan_comp.app import create_app
from haiyan_comp.db import db

# Property tests never fail for being slow: a loaded machine (CI, 2 cores) must not make them flaky.
settings.register_profile("haiyan", deadline=None, print_blob=True)
settings.load_profile("haiyan")

PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgresql")


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _normalise(url: str) -> str:
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1)
        if url.startswith("postgresql://")
        else url
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The suite's database, emptied and migrated to head once per run."""
    if ON_POSTGRES:
        url = _normalise(PG_URL)
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'suite.sqlite3'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def county_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The county's signing key for the suite: every document the tests make is signed."""
    from haiyan_comp.signing import keys

    path = tmp_path_factory.mktemp("signing") / "county.p12"
    keys.create(path, "测试县财政局", None)
    return path


@pytest.fixture(scope="session")
def app(database_url: str, county_key: Path) -> Iterator[Flask]:
    """One app for the suite, on the migrated database (small chunks test chunking)."""
    app = create_app(
        {
            "COUNTY_KEY": str(county_key),
            "DATABASE_URL": database_url,
            "TESTING": True,
            "IMPORT_CHUNK_ROWS": 7,
            "JOBS_INLINE": True,  # long work runs inside the request, in the test's transaction
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # cheap; the default is tested apart
            "SECRET_KEY": "tests-only",
        }
    )
    yield app
    app.extensions["haiyan_db"]["engine"].dispose()


@pytest.fixture
def connection(app: Flask) -> Iterator[Connection]:
    """An outer transaction every session of the test joins, rolled back after."""
    engine = app.extensions["haiyan_db"]["engine"]
    conn = engine.connect()
    outer = conn.begin()
    db.bind_to(conn)
    try:
        yield conn
    finally:
        db.bind_to(None)
        outer.rollback()
        conn.close()


@pytest.fixture
def session(app: Flask, connection: Connection) -> Iterator[Session]:
    """The app's session inside the test's transaction."""
    with app.app_context():
        yield db.session


@pytest.fixture
def runner(app: Flask, connection: Connection) -> FlaskCliRunner:
    """Invoke `haiyan` commands inside the test's transaction."""
    return app.test_cli_runner()


@contextmanager
def fresh_database(folder: Path, name: str) -> Iterator[str]:
    """A migrated database of its own, whose commits are real, dropped after: a SQLite file
    in `folder`, or a new PostgreSQL database beside the suite's (named `haiyan_<name>_…`)."""
    if not ON_POSTGRES:
        url = f"sqlite:///{folder / f'{name}.sqlite3'}"
        migrate.upgrade(url)
        yield url
        return
    base = _normalise(PG_URL)
    database = f"haiyan_{name}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    url = base.rsplit("/", 1)[0] + "/" + database
    migrate.upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """A separate, migrated database whose commits are real (dropped after)."""
    with fresh_database(tmp_path, "scratch") as url:
        yield url
