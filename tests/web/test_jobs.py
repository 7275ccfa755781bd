"""A job whose process is gone says it failed, instead of running for ever."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from haiyan_comp.accounts.models import User
from haiyan_comp.web import jobs
from tests.web.conftest import SignIn, read


def running_job(app: Flask, owner: int, process: str) -> str:
    """A job file as a worker leaves it mid-job."""
    state = jobs.JobState(id="job-under-test", kind="import", title="r.csv", owner=owner)
    state.process = process
    folder = Path(app.instance_path) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{state.id}.json").write_text(json.dumps(asdict(state)))
    return state.id


def finance_id(app: Flask) -> int:
    return int(read(app, lambda s: s.scalar(select(User.id).where(User.username == "finance"))))


def test_a_job_whose_worker_died_is_reported_as_interrupted(app: Flask, signed_in: SignIn) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()  # a process that has ended: its pid no longer runs anything of ours
    job_id = running_job(app, finance_id(app), jobs._process_of(dead.pid))
    client = signed_in("finance")
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert (state["state"], state["error"]) == ("failed", jobs.INTERRUPTED)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert jobs.INTERRUPTED.text("zh") in page and 'http-equiv="refresh"' not in page


def test_a_job_whose_worker_is_alive_keeps_running(app: Flask, signed_in: SignIn) -> None:
    job_id = running_job(app, finance_id(app), jobs._this_process())
    state = signed_in("finance").get(f"/jobs/{job_id}.json").get_json()
    assert state["state"] == "running" and state["error"] is None


def test_a_job_refused_by_a_rule_says_why_in_chinese(app: Flask, signed_in: SignIn) -> None:
    from haiyan_comp.messages import described
    from haiyan_comp.years.messages import YEAR_SETTLED

    refusal = YEAR_SETTLED(year=2018, settled_on="2019-01-15", what="it cannot be settled again")
    state = jobs.JobState(id="job-refused", kind="settlement", title="2018", owner=finance_id(app))
    state.state, state.error, state.error_code = "failed", str(refusal), described(refusal)
    folder = Path(app.instance_path) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{state.id}.json").write_text(json.dumps(asdict(state)))
    client = signed_in("finance")
    assert client.get("/jobs/job-refused.json").get_json()["error"] == str(refusal)
    page = client.get("/jobs/job-refused").get_data(as_text=True)
    assert refusal.text("zh") in page and "is settled" not in page
