"""Web and API tests: a demo county in the test's transaction, signed-in clients.

`county` loads the demo (9 institutions, staff, the 2018 catalogue, a few
thousand records, a configured year and the demo logins). `sign_in` signs a
test client in through the real form; `post_form` sends a form with its CSRF
token, as a browser would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from haiyan_comp.db import db
from haiyan_comp.demo.users import DEMO_PASSWORD

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> None:
    """Each test starts with nothing cached (rolled-back data may repeat a version)."""
    from haiyan_comp.web.cache import dashboards, pages

    dashboards.clear()
    pages.clear()


@pytest.fixture
def client(app: Flask, connection: Connection) -> Iterator[FlaskClient]:
    """A browser without cookies (sign-in attempts are rows of the rolled-back transaction).

    Web tests must not hold the `session` fixture while they send requests: its
    app context would be shared by every request (one `g`, one CSRF token).
    Read the database with `read(app, …)` instead.
    """
    yield app.test_client()


@pytest.fixture
def county(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """The demo county (2018, 2,000 records) with its logins, in the test's transaction."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = runner.invoke(args=["demo", "--records", "2000"])
    assert result.exit_code == 0, result.output
    return {"year": 2018, "password": DEMO_PASSWORD, "folder": tmp_path / "demo"}


def read(app: Flask, work: Callable[[Session], Any]) -> Any:
    """Run `work` with a session of its own app context (between requests)."""
    with app.app_context():
        return work(db.session)


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session (read off a page, as a browser has it)."""
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    match = CSRF_META.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(
    client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any
) -> Any:
    """POST a form with the session's CSRF token."""
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)


def sign_in(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> Any:
    """Sign in through the form; asserts it worked."""
    response = post_form(client, "/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


SignIn = Callable[[str], FlaskClient]


@pytest.fixture
def signed_in(app: Flask, county: dict[str, Any]) -> Iterator[SignIn]:
    """A factory of clients signed in as a demo login: signed_in("hy01")."""

    def make(username: str) -> FlaskClient:
        test_client = app.test_client()  # no `with`: its kept context would be shared
        sign_in(test_client, username)
        return test_client

    yield make
