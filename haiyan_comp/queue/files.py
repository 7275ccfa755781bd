"""Jobs of the embedded mode: run in a thread of the process that started them, state in files.

A job runs in a thread of the web process and writes its state to a small JSON
file in `instance/jobs/`, so that any worker process of this machine can answer
the page that follows it. This is the mode of a single machine (SQLite, or
PostgreSQL without HAIYAN_JOBS=queue); with several machines, jobs go on the
queue instead (runner.py), because another machine cannot read these files.

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

from flask import Flask

from haiyan_comp.errors import DomainError
from haiyan_comp.jobs.messages import JOB_INTERNAL, JOB_INTERRUPTED
from haiyan_comp.messages import described, text
from haiyan_comp.queue.kinds import afterwards


@dataclass
class JobState:
    id: str
    kind: str
    title: str
    owner: int
    state: str = "running"  # queued (on the queue only), running, done, failed
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
    attempts: int = 1

    @property
    def percent(self) -> int:
        if self.state not in ("running", "queued"):
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0


INTERRUPTED = JOB_INTERRUPTED()


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

    def __init__(self, state: JobState, folder: Path, upload_path: str | None = None) -> None:
        self.state = state
        self.folder = folder
        self.upload_path = upload_path
        self._written = 0.0

    @property
    def job_id(self) -> str:
        return self.state.id

    def update(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.state.done = done
        if total is not None:
            self.state.total = total
        if message is not None:
            self.state.message = text(message, "zh")
        if time.monotonic() - self._written > 0.25:
            self.save()

    def upload(self) -> BinaryIO:
        """The uploaded file this job works on."""
        if self.upload_path is None:
            raise RuntimeError(f"job {self.state.id} has no uploaded file")
        return open(self.upload_path, "rb")  # the work closes it

    def save(self) -> None:
        self._written = time.monotonic()
        path = self.folder / f"{self.state.id}.json"
        temporary = path.with_suffix(".tmp")
        with open_private(temporary) as handle:
            handle.write(json.dumps(asdict(self.state), ensure_ascii=False).encode())
        os.replace(temporary, path)


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


def write_private(path: Path, data: bytes) -> None:
    """`data` as the file `path`, whole or not at all, readable by its owner only."""
    temporary = path.with_name(path.name + ".part")
    with open_private(temporary) as handle:
        handle.write(data)
    os.replace(temporary, path)


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


def start(
    app: Flask,
    kind: str,
    title: str,
    owner: int,
    work: Work,
    upload_path: str | None = None,
) -> str:
    """Start `work` (in a thread; inline when JOBS_INLINE, as in tests); returns the job id.

    Once the job is saved as done (not after a failure), what follows a done job of its
    kind runs in the same thread (kinds.afterwards), as a worker's runner does it.
    """
    clean(app)
    state = JobState(id=secrets.token_urlsafe(12), kind=kind, title=title, owner=owner)
    progress = Progress(state, folder(app), upload_path)
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
            internal = JOB_INTERNAL(name=type(exc).__name__)
            state.state, state.error, state.error_code = "failed", internal, described(internal)
        finally:
            if upload_path is not None and os.path.exists(upload_path):
                os.unlink(upload_path)
        state.finished_at = datetime.now(UTC).isoformat()
        progress.save()
        if state.state == "done":
            afterwards(kind)

    if app.config.get("JOBS_INLINE"):
        run()
    else:

        def in_context() -> None:
            with app.app_context():
                run()

        threading.Thread(target=in_context, name=f"job-{kind}", daemon=True).start()
    return state.id


def load(app: Flask, job_id: str) -> JobState | None:
    """The job's state (None when there is no such file); a job whose process died has failed."""
    path = folder(app) / f"{job_id}.json"
    try:
        state = JobState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if state.state == "running" and _gone(state.process):
        state.state, state.error = "failed", INTERRUPTED
        state.error_code = described(INTERRUPTED)
        state.finished_at = datetime.now(UTC).isoformat()
        Progress(state, path.parent).save()
    return state


def result_file(app: Flask, name: str) -> tuple[bytes, datetime] | None:
    """A result file a job of this machine made, and when; None if there is none."""
    path = folder(app) / name
    try:
        return path.read_bytes(), datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None
