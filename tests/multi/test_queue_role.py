"""The application's role (haiyan db grant) can queue jobs and run them as a worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from haiyan_comp.operations import jobs as operations
from tests.api.test_pg_roles import Roles, _app, _close, _upgrade_and_grant, roles  # noqa: F401
from tests.conftest import ON_POSTGRES

BIN = Path(sys.executable).parent


@pytest.mark.postgres_only
@pytest.mark.slow
@pytest.mark.skipif(not ON_POSTGRES, reason="the queue is PostgreSQL's")
def test_the_application_role_queues_and_runs_jobs(roles: Roles) -> None:  # noqa: F811
    statements = _upgrade_and_grant(roles)
    assert f"ON procrastinate_jobs TO {roles.app_role}" in statements
    app = _app(roles.app_url)
    app.config["JOBS"] = "queue"
    try:
        with app.app_context():
            params = {"year": 2018, "as_of": "2019-01-15", "by": "t", "result_url": "/"}
            operations.start_job("role-job", "settlement", "2018", None, params)
        env = {**os.environ, "DATABASE_URL": roles.app_url}
        worker = subprocess.Popen([str(BIN / "haiyan"), "worker"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            with app.app_context():
                while (job := operations.job("role-job")).state in ("queued", "running"):
                    assert time.monotonic() < deadline and worker.poll() is None
                    time.sleep(0.2)
        finally:
            worker.send_signal(signal.SIGTERM)
            output = worker.communicate(timeout=30)[0].decode()
        # The year is not configured: the job ran, and failed for that reason only.
        assert job.state == "failed" and job.error_code is not None, output[-2000:]
        assert job.error_code["code"] not in (None, "job_internal"), job
    finally:
        _close(app)
