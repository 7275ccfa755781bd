"""Several machines in one: two web servers and two workers on one PostgreSQL database.

Each web server is gunicorn with two worker processes and an instance folder of
its own (nothing on one server's disk is seen by the other); both share the
database, the secret key and HAIYAN_JOBS=queue. Workers are `haiyan worker`
processes started by the tests, which kill them as a power cut would.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.conftest import ON_POSTGRES, PG_URL, _normalise

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "haiyan-demo"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    url: str  # the database
    env: dict[str, str]
    folder: Path
    servers: list[str] = field(default_factory=list)  # base URLs
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    by_server: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def haiyan(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "haiyan"), *args], env=self.env, capture_output=True, text=True,
            cwd=self.folder, check=False,
        )  # fmt: skip

    def start_server(self, name: str, port: int | None = None) -> str:
        instance = self.folder / name
        instance.mkdir(exist_ok=True)
        port = port or free_port()
        log = (self.folder / f"{name}.log").open("a")
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "4", "wsgi:app"],
            env={**self.env, "HAIYAN_INSTANCE": str(instance)}, cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()  # the server writes to its own copy
        self.processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still starting
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.folder / f"{name}.log").read_text()[-3000:])
            time.sleep(0.2)
        if base not in self.servers:
            self.servers.append(base)
        self.by_server[base] = process
        return base

    def stop_server(self, base: str) -> None:
        """SIGTERM, as systemctl stop does: the server finishes its requests and exits."""
        process = self.by_server.pop(base)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)

    def start_worker(self, name: str, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("w")
        process = subprocess.Popen(
            [str(BIN / "haiyan"), "worker", "--name", name],
            env={**self.env, "HAIYAN_INSTANCE": str(self.folder / name), **extra},
            cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def scalar(self, sql: str, **params: Any) -> Any:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar()
        finally:
            engine.dispose()


def csrf(session: requests.Session, base: str, path: str = "/login") -> str:
    match = CSRF_META.search(session.get(base + path, timeout=10).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(base: str, username: str, password: str = PASSWORD) -> requests.Response:
    """A password check through the form of server `base`; its answer (not followed)."""
    session = requests.Session()
    token = csrf(session, base)
    answer = session.post(
        base + "/login", data={"csrf_token": token, "username": username, "password": password},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    answer.session = session  # type: ignore[attr-defined]
    return answer


def signed_in(base: str, username: str) -> requests.Session:
    answer = sign_in(base, username)
    assert answer.status_code == 302, answer.text[:500]
    session: requests.Session = answer.session  # type: ignore[attr-defined]
    return session


def post(
    session: requests.Session, base: str, path: str, data: dict[str, Any]
) -> requests.Response:
    token = csrf(session, base, "/")
    return session.post(
        base + path, data={"csrf_token": token, **data}, allow_redirects=False, timeout=30
    )


def wait_for(check: Callable[[], Any], seconds: float, every: float = 0.05) -> Any:
    """The first true value of `check()` within `seconds`; fails the test after."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(every)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A demo county (2017 settled, 2018 open) on a database of its own, two web servers."""
    if not ON_POSTGRES:
        pytest.skip("several machines share PostgreSQL: set DATABASE_URL")
    base = _normalise(PG_URL)
    name = f"haiyan_multi_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    folder = tmp_path_factory.mktemp("multi")
    env = {
        **os.environ, "DATABASE_URL": url, "HAIYAN_JOBS": "queue",
        "HAIYAN_SECRET_KEY": uuid.uuid4().hex, "HAIYAN_INSTANCE": str(folder / "setup"),
    }  # fmt: skip
    env.pop("HAIYAN_FAULT", None)
    made = Cluster(url=url, env=env, folder=folder)
    try:
        for args in (["db", "upgrade"], ["demo", "--since", "2017", "--year", "2018",
                                         "--records", "3000"]):  # fmt: skip
            done = made.haiyan(*args)
            assert done.returncode == 0, done.stderr[-2000:]
        made.start_server("web1")
        made.start_server("web2")
        yield made
    finally:
        for process in made.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in made.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
