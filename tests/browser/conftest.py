"""Browser tests: the demo county served by gunicorn, driven by Debian's Chromium.

The server runs in its own process on a database of its own (a SQLite file, or
a fresh PostgreSQL database when DATABASE_URL points at PostgreSQL), loaded by
`haiyan demo` exactly as `make demo` does. Screenshots of every step land in
test-artifacts/screenshots/ (CI keeps them).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ON_POSTGRES, PG_URL, _normalise

CHROMIUM = os.environ.get("HAIYAN_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def server_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the server's own."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path_factory.mktemp('browser') / 'demo.sqlite3'}"
        return
    base = _normalise(PG_URL)
    name = f"haiyan_browser_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def live_server(server_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo county under gunicorn; yields its base URL."""
    instance = tmp_path_factory.mktemp("instance")
    env = {
        **os.environ,
        "DATABASE_URL": server_database,
        "HAIYAN_SECRET_KEY": uuid.uuid4().hex,
        "HAIYAN_INSTANCE": str(instance),
    }
    haiyan = str(BIN / "haiyan")
    for args in (["db", "upgrade"], ["demo", "--records", "3000"]):
        subprocess.run([haiyan, *args], env=env, check=True, capture_output=True, cwd=instance)
    port = _free_port()
    log = (instance / "server.log").open("w")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "wsgi:app",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError((instance / "server.log").read_text()[-3000:]) from None
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: object, live_server: str, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser context (no cookies) at 1280×900, Chinese locale."""
    context = chromium.new_context(  # type: ignore[attr-defined]
        base_url=live_server,
        viewport={"width": 1280, "height": 900},
        locale="zh-CN",
        accept_downloads=True,
    )
    context.set_default_timeout(20_000)
    browser_page = context.new_page()
    yield browser_page
    context.close()


def shoot(page: object, name: str) -> Path:
    """Keep a full-page screenshot as a test artefact."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def sign_in(page: object, username: str, password: str = "haiyan-demo") -> None:
    """Sign in through the form, as a person would."""
    page.goto("/login")  # type: ignore[attr-defined]
    page.get_by_label("用户名").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("密码").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]


def haiyan_cli(server_database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a `haiyan` command against the server's database (to set up a later stage)."""
    env = {**os.environ, "DATABASE_URL": server_database}
    return subprocess.run(
        [str(BIN / "haiyan"), *args], env=env, check=True, capture_output=True, text=True
    )
