"""Job files are the service account's only (0700/0600) and are deleted after a week."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from flask import Flask
from flask_login import login_user

from haiyan_comp.web import jobs
from haiyan_comp.web.auth import TokenHolder

WEEK = 7 * 86400


@pytest.fixture
def instance(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "jobs"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def aged(path: Path, seconds: float) -> Path:
    path.write_bytes(b"old figures")
    moment = time.time() - seconds
    os.utime(path, (moment, moment))
    return path


def test_a_job_leaves_private_files_and_clears_old_ones(app: Flask, instance: Path) -> None:
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)  # as an older version left it
    old = aged(instance / "old-job.json", WEEK + 60)
    recent = aged(instance / "recent-job.json", WEEK - 3600)
    result = instance / "result.zip"

    def work(_progress: jobs.Progress) -> None:
        with jobs.private_zip(result) as zipped:
            zipped.writestr("statement.pdf", b"%PDF")

    with app.test_request_context():
        login_user(TokenHolder(id=1, username="t", role="finance", institution_id=None,
                               institution_code=None))  # fmt: skip
        job_id = jobs.start("test", "a test job", work)  # inline in tests
    assert mode(instance) == 0o700
    assert mode(instance / f"{job_id}.json") == 0o600 and mode(result) == 0o600
    assert not old.exists() and recent.exists()


def test_haiyan_jobs_clean_deletes_what_is_over_a_week_old(app: Flask, instance: Path) -> None:
    instance.mkdir(mode=0o700)
    old_zip = aged(instance / "statements-2018-x.zip", WEEK + 60)
    recent = aged(instance / "job.json", 60)
    result = app.test_cli_runner().invoke(args=["jobs", "clean"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 job file(s) older than 7 days" in result.output
    assert not old_zip.exists() and recent.exists()


def test_the_age_is_a_setting(app: Flask, instance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instance.mkdir(mode=0o700)
    day_old = aged(instance / "job.json", 86400 + 60)
    monkeypatch.setitem(app.config, "JOB_FILES_DAYS", 1)
    assert jobs.clean(app) == [day_old]
