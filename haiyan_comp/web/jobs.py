"""Long work (imports, settlement, statements for every institution) with progress.

A job runs in a thread of the web process and writes its state to a small JSON
file in `instance/jobs/`, so that any worker process can answer the page that
follows it. The page reloads itself (no script needed) until the job is done,
then sends the user to the job's result. Jobs belong to whoever started them.

A job notes the process that runs it. If that process is gone while the job
still says "running" (a worker restarted or killed mid-job), the next look at
the job says it failed: its transaction never committed, so nothing changed,
and the user can start it again instead of watching a page that never ends.

Job files (states and results such as ZIPs of statements) hold figures: the
folder is 0700 and every file 0600, readable by the service's own account
only. They are deleted after JOB_FILES_DAYS (default 7) since they were last
written: whenever a job starts, and by `haiyan jobs clean` (e.g. from cron).
"""

from __future__ import annotations

import io
import json
import os
import secrets
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import click
from flask import Blueprint, Flask, current_app, redirect, render_template, url_for
from flask.cli import AppGroup
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.errors import DomainError, NotFound
from haiyan_comp.messages import described, from_described
from haiyan_comp.web.access import allow

bp = Blueprint("jobs", __name__)
EVERYONE = ("finance", "auditor", "centre", "staff", "admin")


@dataclass
class JobState:
    id: str
    kind: str
    title: str
    owner: int
    state: str = "running"  # running, done, failed
    done: int = 0
    total: int = 0
    message: str = ""
    result_url: str | None = None
    error: str | None = None
    details: Any = None
    error_code: dict[str, Any] | None = None  # the error's code and parameters (its Chinese)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str | None = None
    process: str = field(default_factory=lambda: _this_process())  # see _process_of

    @property
    def percent(self) -> int:
        if self.state != "running":
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0


INTERRUPTED = "作业在完成前中断（服务进程已停止，例如重启）。请重新提交。"


def _process_of(pid: int) -> str:
    """A process's identity: host, pid and start time, which a reused pid does not share."""
    try:
        started = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        started = "?"
    return f"{socket.gethostname()}:{pid}:{started}"


def _this_process() -> str:
    return _process_of(os.getpid())


def _gone(process: str) -> bool:
    """Whether the process a job noted has ended (only knowable on the same host)."""
    host, _, rest = process.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if started == "?":  # no /proc: ask the kernel whether the pid exists at all
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False
    return _process_of(int(pid)) != process


class Progress:
    """Handed to the work: report how far it is (written at most a few times a second)."""

    def __init__(self, state: JobState, folder: Path) -> None:
        self.state = state
        self.folder = folder
        self._written = 0.0

    def update(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.state.done = done
        if total is not None:
            self.state.total = total
        if message is not None:
            self.state.message = message
        if time.monotonic() - self._written > 0.25:
            self.save()

    def save(self) -> None:
        self._written = time.monotonic()
        path = self.folder / f"{self.state.id}.json"
        temporary = path.with_suffix(".tmp")
        with open_private(temporary) as handle:
            handle.write(json.dumps(asdict(self.state), ensure_ascii=False).encode())
        os.replace(temporary, path)


class _Counted(io.RawIOBase):
    """A raw stream that reports how many bytes were read (import progress)."""

    def __init__(self, raw: BinaryIO, progress: Progress, total: int) -> None:
        self.raw = raw
        self.progress = progress
        self.total = total
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        self.progress.update(self.count, self.total)
        return len(data)


def counted(raw: BinaryIO, progress: Progress, total: int) -> io.BufferedReader:
    """`raw` as a buffered binary stream (what the readers take) that reports its progress."""
    return io.BufferedReader(_Counted(raw, progress, total), 1 << 20)


Work = Callable[[Progress], str | None]  # returns the URL of the result


def folder(app: Flask) -> Path:
    """instance/jobs/, where job states and results are kept: the service's account only."""
    path = Path(app.instance_path) / "jobs"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:  # made by an older version, or another umask
        path.chmod(0o700)
    return path


def open_private(path: Path) -> BinaryIO:
    """`path` opened for writing from its start, readable and writable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that existed keeps its mode through O_CREAT
    return os.fdopen(descriptor, "wb")


@contextmanager
def private_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """A new ZIP file at `path`, readable by its owner only."""
    with open_private(path) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zipped:
        yield zipped


def clean(app: Flask, now: float | None = None) -> list[Path]:
    """Delete job files last written more than JOB_FILES_DAYS ago; the paths deleted."""
    days = float(app.config.get("JOB_FILES_DAYS", 7))
    cutoff = (time.time() if now is None else now) - days * 86400
    deleted = []
    for path in folder(app).iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted.append(path)
        except FileNotFoundError:  # another worker cleaned it first
            continue
    return deleted


def start(kind: str, title: str, work: Work) -> str:
    """Start `work` (in a thread; inline when JOBS_INLINE, as in tests); returns the job id."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    clean(app)
    state = JobState(id=secrets.token_urlsafe(12), kind=kind, title=title, owner=current_user.id)
    progress = Progress(state, folder(app))
    progress.save()

    def run() -> None:
        try:
            state.result_url = work(progress)
            state.state = "done"
        except DomainError as exc:
            state.state, state.error, state.details = "failed", exc.message, exc.details
            state.error_code = described(exc.message)
        except Exception as exc:  # the job page must say it failed, whatever it was
            app.logger.exception("job %s (%s) failed", state.id, kind)
            state.state, state.error = "failed", f"内部错误：{type(exc).__name__}"
        state.finished_at = datetime.now(UTC).isoformat()
        progress.save()

    if app.config.get("JOBS_INLINE"):
        run()
    else:

        def in_context() -> None:
            with app.app_context():
                run()

        threading.Thread(target=in_context, name=f"job-{kind}", daemon=True).start()
    return state.id


def load(job_id: str) -> JobState:
    """The job, if it is the current user's; else 404."""
    if not job_id.replace("-", "").replace("_", "").isalnum():
        raise NotFound("no such job")
    path = folder(current_app) / f"{job_id}.json"
    try:
        state = JobState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError) as exc:
        raise NotFound("no such job") from exc
    if state.owner != current_user.id or current_user.via_token:
        raise NotFound("no such job")
    if state.state == "running" and _gone(state.process):
        state.state, state.error = "failed", INTERRUPTED
        state.finished_at = datetime.now(UTC).isoformat()
        Progress(state, path.parent).save()
    return state


@bp.get("/jobs/<job_id>")
@allow(*EVERYONE)
def show(job_id: str) -> str | BaseResponse:
    """The job's progress; its result once it is done."""
    state = load(job_id)
    if state.state == "done" and state.result_url:
        return redirect(state.result_url)
    error = from_described(state.error, state.error_code) if state.error else None
    return render_template("jobs/job.html", job=state, error=error)


@bp.get("/jobs/<job_id>.json")
@allow(*EVERYONE)
def show_json(job_id: str) -> dict[str, Any]:
    """The job's state as JSON (for scripts and tests)."""
    state = load(job_id)
    return {**asdict(state), "percent": state.percent}


def job_url(job_id: str) -> str:
    return url_for("jobs.show", job_id=job_id)


@click.group("jobs", cls=AppGroup)
def jobs_group() -> None:
    """Files of long work started from the pages (instance/jobs/)."""


@jobs_group.command("clean")
def clean_command() -> None:
    """Delete job files older than JOB_FILES_DAYS (default 7 days)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    deleted = clean(app)
    days = app.config.get("JOB_FILES_DAYS", 7)
    click.echo(f"deleted {len(deleted)} job file(s) older than {days:g} days from {folder(app)}")
