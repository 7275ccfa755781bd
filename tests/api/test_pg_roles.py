"""Two PostgreSQL roles: the owner migrates, the application only does its work.

A scratch database is owned and migrated by an owner role; `haiyan db grant`
gives a login role the application's rights. As that role the worked example
runs through (import, audit, prepay, settle, the next year's offset, the
ledger's check, a sign-in and an API token), and the ledger tables refuse every
way to change or remove their rows: the refusal is the role's missing
privilege ("permission denied"), before the append-only trigger is reached.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from haiyan_comp import migrate
from haiyan_comp.app import create_app
from haiyan_comp.db import db
from haiyan_comp.records.bulk import defers_index
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import (
    audit_htn,
    by_code,
    configure_2018,
    configure_2019,
    run,
)
from tests.conftest import ON_POSTGRES, PG_URL
from tests.web.conftest import sign_in

LEDGER_CHANGES = (
    "UPDATE {t} SET id = id",
    "DELETE FROM {t}",
    "TRUNCATE {t}",
    "TRUNCATE {t} CASCADE",
    "ALTER TABLE {t} DISABLE TRIGGER ALL",
    "ALTER TABLE {t} DISABLE TRIGGER {t}_append_only",
    "ALTER TABLE {t} ADD COLUMN note text",
    "ALTER TABLE {t} OWNER TO CURRENT_USER",
    "DROP TRIGGER {t}_append_only ON {t}",
    "DROP TABLE {t}",
    "DROP TABLE {t} CASCADE",
    "CREATE TRIGGER sneak BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION ledger_append_only()",
)


@dataclass(frozen=True)
class Roles:
    owner_url: str
    app_url: str
    app_role: str


def _url(base: str, user: str, database: str) -> str:
    return (
        make_url(base)
        .set(username=user, password=None, database=database)
        .render_as_string(hide_password=False)
    )


@pytest.fixture
def roles() -> Iterator[Roles]:
    """A database owned (and migrated) by one new role, and a login role for the application."""
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    suffix = uuid.uuid4().hex[:8]
    owner, app_role, database = (
        f"haiyan_h5_owner_{suffix}",
        f"haiyan_h5_app_{suffix}",
        (f"haiyan_h5_roles_{suffix}"),
    )
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {owner} LOGIN"))
        conn.execute(text(f"CREATE ROLE {app_role} LOGIN"))
        conn.execute(text(f"CREATE DATABASE {database} OWNER {owner}"))
    try:
        yield Roles(_url(base, owner, database), _url(base, app_role, database), app_role)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            conn.execute(text(f"DROP ROLE IF EXISTS {app_role}"))
            conn.execute(text(f"DROP ROLE IF EXISTS {owner}"))
        admin.dispose()


def _app(url: str) -> Flask:
    return create_app(
        {
            "DATABASE_URL": url,
            "TESTING": True,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "SECRET_KEY": "tests-only",
        }
    )


def _close(app: Flask) -> None:
    app.extensions["haiyan_db"]["engine"].dispose()


def _upgrade_and_grant(roles: Roles) -> str:
    owner = _app(roles.owner_url)
    try:
        runner = owner.test_cli_runner()
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        granted = runner.invoke(args=["db", "grant", roles.app_role, "--show"])
        assert granted.exit_code == 0, granted.output
        again = runner.invoke(args=["db", "grant", roles.app_role, "--show"])  # idempotent
        assert again.exit_code == 0 and again.output == granted.output, again.output
        return str(granted.output)
    finally:
        _close(owner)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="roles are PostgreSQL's")
def test_the_application_role_does_the_worked_example(roles: Roles, tmp_path: Path) -> None:
    statements = _upgrade_and_grant(roles)
    assert f"GRANT SELECT, INSERT ON ledger_entries TO {roles.app_role};" in statements
    app = _app(roles.app_url)
    try:
        runner = app.test_cli_runner()
        load_example(runner, tmp_path)
        audit_htn(runner)
        configure_2018(runner)
        run(runner, "prepay", "run", "--as-of", "2018-10-01", "--json")
        settled = run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json")
        assert {c: i["balance"] for c, i in by_code(settled).items()} == {
            "HY01": "100.00",
            "HY02": "-50.00",
        }
        configure_2019(runner)
        first = run(runner, "prepay", "run", "--as-of", "2019-01-01", "--json")["instalments"]
        assert next(p for p in first if p["institution"] == "HY02")["offset"] == "50.00"
        assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
        _signs_in_and_uses_a_token(app)
    finally:
        _close(app)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="roles are PostgreSQL's")
def test_the_application_role_revalues_a_year_whose_checks_are_counted(
    roles: Roles, tmp_path: Path
) -> None:
    """A catalogue change revalues the records, their staff-days and the repeats' units,
    every one a right of the application's role (the repeats' UPDATE was missing once)."""
    _upgrade_and_grant(roles)
    app = _app(roles.app_url)
    try:
        runner = app.test_cli_runner()
        paths = load_example(runner, tmp_path)
        run(runner, "audit", "flags", "--year", "2018", "--json")  # counts the checks now
        changed = tmp_path / "catalogue-changed.csv"
        changed.write_text(paths["catalogue"].read_text().replace(",visit,1.00,", ",visit,1.50,"))
        loaded = runner.invoke(args=["catalog", "load", str(changed), "--year", "2018"])
        assert loaded.exit_code == 0, loaded.output
        flags = run(runner, "audit", "flags", "--year", "2018", "--json")
        assert flags["year"] == 2018
    finally:
        _close(app)


def _signs_in_and_uses_a_token(app: Flask) -> None:
    """Users, sessions, sign-in attempts and tokens are written by the application role too."""
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=["users", "create", "fin", "--role", "finance", "--password-stdin"],
        input="a long enough password 1\n",
    )
    assert made.exit_code == 0, made.output
    client = app.test_client()
    sign_in(client, "fin", "a long enough password 1")
    assert client.get("/finance/ledger").status_code == 200
    created = runner.invoke(args=["tokens", "create", "t", "--role", "platform", "--json"])
    assert created.exit_code == 0, created.output
    bearer = {"Authorization": f"Bearer {json.loads(created.output)['token']}"}
    assert app.test_client().get("/api/v1/units?year=2018", headers=bearer).status_code == 200


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="roles are PostgreSQL's")
def test_the_application_role_cannot_change_the_ledger(roles: Roles, tmp_path: Path) -> None:
    _upgrade_and_grant(roles)
    engine = create_engine(roles.app_url)
    refused = []
    try:
        for table in migrate.LEDGER_TABLES:
            for change in LEDGER_CHANGES:
                statement = change.format(t=table)
                with engine.connect() as conn:
                    with pytest.raises(ProgrammingError) as caught:
                        conn.execute(text(statement))
                    refused.append(statement)
                    message = str(caught.value.orig)
                    assert "must be owner" in message or "permission denied" in message, (
                        statement,
                        message,
                    )
        with engine.connect() as conn:  # and what it may do, it can
            assert conn.scalar(text("SELECT count(*) FROM ledger_entries")) == 0
    finally:
        engine.dispose()
    assert len(refused) == 2 * len(LEDGER_CHANGES)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="roles are PostgreSQL's")
def test_only_the_owner_drops_the_records_index_for_a_bulk_load(roles: Roles) -> None:
    """The application role keeps the index up row by row: it may not drop it."""
    _upgrade_and_grant(roles)
    bulk = 10**9  # bytes: far more rows than the empty table holds
    for url, defers in ((roles.owner_url, True), (roles.app_url, False)):
        app = _app(url)
        try:
            with app.app_context():
                assert defers_index(db.session, bulk) is defers, url
        finally:
            _close(app)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="roles are PostgreSQL's")
def test_grant_refuses_the_owner_and_a_missing_role(roles: Roles) -> None:
    owner = _app(roles.owner_url)
    try:
        runner = owner.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        owner_role = make_url(roles.owner_url).username
        itself = runner.invoke(args=["db", "grant", str(owner_role)])
        assert itself.exit_code == 1 and "owns the tables" in itself.output
        missing = runner.invoke(args=["db", "grant", "haiyan_h5_nobody"])
        assert missing.exit_code == 1
        assert "there is no role 'haiyan_h5_nobody'; create it first" in missing.output
    finally:
        _close(owner)


def test_every_table_of_the_schema_has_its_rights_decided(database_url: str) -> None:
    """A new table needs a line in TABLE_RIGHTS, or `haiyan db grant` refuses to run."""
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables - migrate.TABLE_RIGHTS.keys() == set()
    assert migrate.TABLE_RIGHTS["ledger_entries"] == migrate.TABLE_RIGHTS["ledger_postings"]
    assert migrate.TABLE_RIGHTS["ledger_entries"] == ("SELECT", "INSERT")
    assert all("TRUNCATE" not in rights for rights in migrate.TABLE_RIGHTS.values())


@pytest.mark.skipif(ON_POSTGRES, reason="what SQLite answers")
def test_grant_on_sqlite_says_it_is_for_postgresql(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["db", "grant", "haiyan_app"])
    assert result.exit_code == 1
    assert "haiyan db grant is for PostgreSQL: SQLite has no roles" in result.output
