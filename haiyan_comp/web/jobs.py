"""Long work (imports, settlement, statements for every institution) with progress: its pages.

A page starts a job with `submit(kind, title, params)`; the work of each kind is
in haiyan_comp/queue/kinds.py. Where it runs depends on HAIYAN_JOBS:

- `process` (the default; the embedded mode): in a thread of this web process,
  its state in instance/jobs/ (haiyan_comp/queue/files.py), as a single machine
  needs; nothing else to start.
- `queue` (PostgreSQL, several machines): the job is a row of the jobs table,
  queued for `haiyan worker` in the request's own transaction
  (haiyan_comp/queue/runner.py); every web server shows its progress and
  result, and a job whose worker dies is run by another.

Jobs belong to whoever started them: anybody else (and any API token) gets 404.
The page reloads itself (no script needed) until the job is done, then sends
the user to the job's result.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import click
from flask import Blueprint, current_app, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from flask.cli import AppGroup
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.errors import NotFound
from haiyan_comp.jobs.messages import JOB_WAITING, NO_SUCH_JOB
from haiyan_comp.messages import from_described, text
from haiyan_comp.operations import jobs as operations
from haiyan_comp.queue import files
from haiyan_comp.queue.files import (  # noqa: F401  (the names pages and tests know)
    INTERRUPTED,
    JobState,
    Progress,
    _process_of,
    _this_process,
    clean,
    folder,
    private_zip,
)
from haiyan_comp.queue.kinds import KINDS, counted  # noqa: F401
from haiyan_comp.web.access import allow

bp = Blueprint("jobs", __name__)
EVERYONE = ("finance", "auditor", "centre", "staff", "admin")


@bp.record_once
def _load_the_queue(state: BlueprintSetupState) -> None:
    """A server that queues jobs loads procrastinate at start, not in a user's first request."""
    if state.app.config.get("JOBS") == "queue":
        import procrastinate  # noqa: F401


def queued() -> bool:
    """Whether jobs go on the queue (HAIYAN_JOBS=queue) rather than run in this process."""
    return current_app.config.get("JOBS") == "queue" and not current_app.config.get("JOBS_INLINE")


def start(kind: str, title: str, work: files.Work, upload_path: str | None = None) -> str:
    """Run `work` in this process (a thread; inline when JOBS_INLINE); the job's id."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return files.start(app, kind, title, current_user.id, work, upload_path)


def submit(kind: str, title: str, params: dict[str, Any], upload_path: str | None = None) -> str:
    """Start a job of `kind` (haiyan_comp/queue/kinds.py) with its parameters; its id.

    On the queue an uploaded file goes into the database with the job (any
    worker may run it) and the local file is removed; in this process the
    thread reads it from where it is.
    """
    if not queued():
        return start(kind, title, _in_process(kind, params), upload_path)
    job_id = secrets.token_urlsafe(12)
    if upload_path is None:
        operations.start_job(job_id, kind, title, current_user.id, params)
        return job_id
    try:
        with open(upload_path, "rb") as upload:
            operations.start_job(job_id, kind, title, current_user.id, params, upload=upload)
    finally:
        os.unlink(upload_path)
    return job_id


def _in_process(kind: str, params: dict[str, Any]) -> files.Work:
    """A kind's work as the embedded mode runs it: result files kept in instance/jobs/."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def work(progress: files.Progress) -> str | None:
        outcome = KINDS[kind](params, progress)
        for name, data in outcome.files.items():
            files.write_private(files.folder(app) / name, data)
        if outcome.details is not None:
            progress.state.details = outcome.details
        return outcome.result_url

    return work


def _state_of(job: operations.JobView) -> JobState:
    """A job of the database as the pages show it."""
    message = job.message or (text(JOB_WAITING(), "zh") if job.state == "queued" else "")
    return JobState(
        id=job.id, kind=job.kind, title=job.title, owner=job.owner_id or 0, state=job.state,
        done=job.done, total=job.total, message=message, result_url=job.result_url,
        error=job.error, details=job.details, error_code=job.error_code,
        started_at=job.created_at.astimezone(UTC).isoformat(),
        finished_at=job.finished_at.astimezone(UTC).isoformat() if job.finished_at else None,
        process=job.worker or "", attempts=job.attempts,
    )  # fmt: skip


def load(job_id: str) -> JobState:
    """The job, if it is the current user's; else 404."""
    if not job_id.replace("-", "").replace("_", "").isalnum() or len(job_id) > 32:
        raise NotFound(NO_SUCH_JOB())
    state = _state_of(operations.job(job_id)) if queued() else files.load(current_app, job_id)
    if state is None or state.owner != current_user.id or current_user.via_token:
        raise NotFound(NO_SUCH_JOB())
    return state


def result_file(name: str) -> tuple[bytes, datetime]:
    """A file a job made (a ZIP), and when it was made; NotFound once it is cleaned away."""
    if queued():
        info = operations.file_info(name)
        made = operations.job(info.job_id).finished_at or datetime.now(UTC)
        return operations.file_bytes(info), made
    found = files.result_file(current_app, name)
    if found is None:
        raise NotFound(NO_SUCH_JOB())
    return found


@bp.get("/jobs/<job_id>")
@allow(*EVERYONE)
def show(job_id: str) -> str | BaseResponse:
    """The job's progress; its result once it is done."""
    state = load(job_id)
    if state.state == "done" and state.result_url:
        return redirect(state.result_url)
    error = from_described(state.error, state.error_code) if state.error else None
    return render_template("jobs/job.html", job=state, error=error)


def as_json(state: JobState) -> dict[str, Any]:
    """The job's state for machines (the page's JSON and GET /api/v1/jobs/{id})."""
    return {**asdict(state), "percent": state.percent}


@bp.get("/jobs/<job_id>.json")
@allow(*EVERYONE)
def show_json(job_id: str) -> dict[str, Any]:
    """The job's state as JSON (for scripts and tests)."""
    return as_json(load(job_id))


def job_url(job_id: str) -> str:
    return url_for("jobs.show", job_id=job_id)


@click.group("jobs", cls=AppGroup)
def jobs_group() -> None:
    """Long work started from the pages: its files (instance/jobs/) and rows."""


@jobs_group.command("clean")
def clean_command() -> None:
    """Delete jobs and job files older than JOB_FILES_DAYS (default 7 days)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    deleted = clean(app)
    days = app.config.get("JOB_FILES_DAYS", 7)
    click.echo(f"deleted {len(deleted)} job file(s) older than {days:g} days from {folder(app)}")
    rows = operations.clean_jobs(float(days))
    click.echo(f"deleted {rows} job(s) older than {days:g} days from the database")
