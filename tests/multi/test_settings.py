"""What a server refuses to start with, and the job API in the embedded mode (no worker)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from haiyan_comp.config import ConfigError, load_config
from tests.web.conftest import (  # noqa: F401  (the pages' fixtures, used here too)
    SignIn,
    _fresh_page_cache,
    county,
    post_form,
    signed_in,
)

PG = "postgresql+psycopg://haiyan@db1/haiyan"


def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> dict[str, Any]:
    for name in ("HAIYAN_PRODUCTION", "HAIYAN_JOBS", "HAIYAN_SECRET_KEY", "HAIYAN_SIGNING_KEY",
                 "DATABASE_URL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_config(str(tmp_path))


def test_production_refuses_what_one_server_keeps_to_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as refused:
        settings(monkeypatch, tmp_path, HAIYAN_PRODUCTION="1")
    said = str(refused.value)
    for setting in ("HAIYAN_SECRET_KEY", "DATABASE_URL", "HAIYAN_JOBS", "HAIYAN_SIGNING_KEY"):
        assert setting in said
    key = tmp_path / "county.p12"
    key.write_bytes(b"key")
    ready = settings(
        monkeypatch, tmp_path, HAIYAN_PRODUCTION="1", DATABASE_URL=PG, HAIYAN_JOBS="queue",
        HAIYAN_SECRET_KEY="k" * 64, HAIYAN_SIGNING_KEY=str(key),
    )  # fmt: skip
    assert (ready["JOBS"], ready["COUNTY_KEY"]) == ("queue", str(key))


def test_the_queue_needs_postgresql(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs PostgreSQL"):
        settings(monkeypatch, tmp_path, HAIYAN_JOBS="queue")
    with pytest.raises(ConfigError, match="'process' or 'queue'"):
        settings(monkeypatch, tmp_path, HAIYAN_JOBS="redis")
    assert settings(monkeypatch, tmp_path)["JOBS"] == "process"  # a new user needs nothing else


def test_the_job_api_answers_its_owner_only(app: Flask, signed_in: SignIn) -> None:  # noqa: F811
    officer = signed_in("finance")
    started = post_form(officer, "/finance/statements/zip?year=2018")
    if started.status_code == 404:  # the demo's 2018 is open: settle it first
        assert post_form(officer, "/finance/settlement/confirm?year=2018",
                         {"as_of": "2019-01-15"}).status_code == 302  # fmt: skip
        started = post_form(officer, "/finance/statements/zip?year=2018")
    job_id = started.headers["Location"].rsplit("/", 1)[1]
    document = officer.get(f"/api/v1/jobs/{job_id}").get_json()
    assert document["state"] == "done" and document["percent"] == 100
    assert document["result_url"].startswith("/finance/statements/zip/statements-2018-")
    assert {"kind", "title", "done", "total", "message", "attempts", "started_at"} <= set(document)
    assert signed_in("auditor").get(f"/api/v1/jobs/{job_id}").status_code == 404
    assert officer.get("/api/v1/jobs/no-such-job").get_json()["error"] == "not_found"


def test_the_deployment_example_is_a_configuration_that_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """deploy/haiyan.env.example names settings the service takes, and production accepts them."""
    example = Path(__file__).resolve().parents[2] / "deploy" / "haiyan.env.example"
    env = dict(
        line.split("=", 1)
        for line in example.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    key = tmp_path / "county.p12"
    key.write_bytes(b"key")
    env["HAIYAN_SIGNING_KEY"] = str(key)
    env["HAIYAN_SECRET_KEY"] = "k" * 64
    loaded = settings(monkeypatch, tmp_path, **env)
    assert (loaded["PRODUCTION"], loaded["JOBS"], loaded["PROXY_FIX"]) == (True, "queue", True)
    units = (example.parent / "haiyan-worker@.service").read_text()
    assert "haiyan worker --name" in units and "KillSignal=SIGTERM" in units


def test_a_worker_needs_postgresql_and_the_queue_and_says_so(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 2
    if app.config["DATABASE_URL"].startswith("postgresql"):  # the suite's: Alembic's tables only
        assert "run `haiyan db upgrade` first" in result.output
    else:
        assert "needs PostgreSQL" in result.output
