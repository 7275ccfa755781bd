"""A web server on a database nobody upgraded says so (503, in Chinese) instead of failing."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from haiyan_comp import migrate
from haiyan_comp.app import create_app
from tests.api.test_cli_start import built  # noqa: F401  (the apps a command built, disposed)

PREVIOUS = "0020_repeat_records_listed"


def _app(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("HAIYAN_INSTANCE", str(tmp_path / "instance"))
    return create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "tests-only"})


def test_a_schema_behind_the_code_is_a_page_saying_what_to_run(
    scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate.downgrade(scratch_url, PREVIOUS)
    app = _app(scratch_url, tmp_path, monkeypatch)
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 503
    body = page.get_data(as_text=True)
    assert "数据库结构" in body and "haiyan db upgrade" in body and PREVIOUS in body
    api = client.get("/api/v1/years")
    assert api.status_code == 503 and api.get_json()["error"] == "schema_behind"
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] == "schema_behind"
    with client.get("/static/app.css") as style:  # the error page's own style is served
        assert style.status_code == 200
    migrate.upgrade(scratch_url)  # no restart: the next request finds it upgraded
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").get_json()["status"] == "ok"
    app.extensions["haiyan_db"]["engine"].dispose()


def test_a_schema_ahead_of_the_code_is_served_as_the_upgrade_steps_need(
    scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upgrades migrate first, then replace servers: the release before runs on the new schema."""
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()
    app = _app(scratch_url, tmp_path, monkeypatch)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200
    app.extensions["haiyan_db"]["engine"].dispose()


@pytest.mark.usefixtures("built")
def test_a_command_on_a_schema_behind_the_code_says_what_to_run(scratch_url: str) -> None:
    """A command that meets a missing table says to upgrade, instead of a traceback."""
    from click.testing import CliRunner

    from haiyan_comp.cli import cli

    migrate.downgrade(scratch_url, "0010_records_staff_index")  # before flag_years_due
    result = CliRunner().invoke(
        cli, ["audit", "flags", "--year", "2018", "--json"], env={"DATABASE_URL": scratch_url}
    )
    assert result.exit_code == 1, result.output
    assert "error: The database's schema (0010_records_staff_index) is older" in result.output
    assert "haiyan db upgrade" in result.output and "Traceback" not in result.output
    migrate.upgrade(scratch_url)
    result = CliRunner().invoke(
        cli, ["audit", "flags", "--year", "2018", "--json"], env={"DATABASE_URL": scratch_url}
    )
    assert result.exit_code == 0, result.output
