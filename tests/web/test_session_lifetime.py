"""A sign-in session ends after 2 idle hours, and after 12 hours however busy (configurable)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from haiyan_comp.accounts.models import WebSession
from haiyan_comp.accounts.services import now
from tests.web.conftest import read, sign_in

PASSWORD = "amber-tidal-orchard-41"


@pytest.fixture
def signed_in_client(client: FlaskClient, runner: FlaskCliRunner) -> FlaskClient:
    result = runner.invoke(
        args=["users", "create", "fin", "--role", "finance", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    sign_in(client, "fin", PASSWORD)
    assert client.get("/finance/").status_code == 200
    return client


def age(app: Flask, *, created: timedelta, seen: timedelta) -> None:
    """Make the session `created` old, last seen `seen` ago."""

    def work(session: Session) -> None:
        moment = now()
        session.execute(
            update(WebSession).values(created_at=moment - created, last_seen_at=moment - seen)
        )
        session.commit()

    read(app, work)


def sessions(app: Flask) -> int:
    return len(read(app, lambda s: s.scalars(select(WebSession)).all()))


def test_a_busy_session_ends_after_twelve_hours(app: Flask, signed_in_client: FlaskClient) -> None:
    age(app, created=timedelta(hours=11, minutes=50), seen=timedelta(minutes=1))
    assert signed_in_client.get("/finance/").status_code == 200
    age(app, created=timedelta(hours=12, minutes=1), seen=timedelta(minutes=1))
    assert signed_in_client.get("/finance/").status_code == 302
    assert sessions(app) == 0  # and it is deleted


def test_an_idle_session_ends_after_two_hours(app: Flask, signed_in_client: FlaskClient) -> None:
    age(app, created=timedelta(hours=3), seen=timedelta(hours=1, minutes=55))
    assert signed_in_client.get("/finance/").status_code == 200  # and it is seen again now
    seen = read(app, lambda s: s.scalar(select(WebSession.last_seen_at)))
    assert abs(now() - seen.replace(tzinfo=now().tzinfo)) < timedelta(minutes=1)
    age(app, created=timedelta(hours=3), seen=timedelta(hours=2, minutes=1))
    assert signed_in_client.get("/finance/").status_code == 302


def test_both_lifetimes_are_settings(
    app: Flask, signed_in_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SESSION_HOURS", 1)
    age(app, created=timedelta(minutes=61), seen=timedelta(minutes=1))
    assert signed_in_client.get("/finance/").status_code == 302
