"""Sign-in limits hold whatever the body, across worker processes, and lock no officer out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from haiyan_comp.accounts import limits, services
from haiyan_comp.accounts.models import SignInAttempt
from haiyan_comp.app import create_app
from tests.web.conftest import csrf_token, read

PASSWORD = "amber-tidal-orchard-41"
STRANGER, OFFICE = "203.0.113.9", "198.51.100.7"


def create_officer(runner: FlaskCliRunner, username: str = "fin") -> str:
    result = runner.invoke(
        args=["users", "create", username, "--role", "finance", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    return username


@pytest.fixture
def officer(runner: FlaskCliRunner) -> str:
    """A finance officer in the test's transaction."""
    return create_officer(runner)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password checked, in order (a refused attempt checks none)."""
    seen: list[str] = []
    real = services.check_password_hash
    lock = threading.Lock()

    def counting(stored: str, password: str) -> bool:
        with lock:
            seen.append(password)
        return real(stored, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    return seen


def by_form(client: FlaskClient, username: str, password: str, address: str = STRANGER) -> Any:
    return client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def by_json(client: FlaskClient, username: str, password: str, address: str = STRANGER) -> Any:
    return client.post(
        "/login",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
    )


def test_json_and_form_bodies_count_the_same(
    client: FlaskClient, officer: str, checks: list[str]
) -> None:
    assert [by_json(client, officer, f"wrong-{n}").status_code for n in range(3)] == [401] * 3
    assert [by_form(client, officer, f"wrong-{n}").status_code for n in range(2)] == [401] * 2
    sixth = by_json(client, officer, PASSWORD)
    assert sixth.status_code == 429
    assert "登录尝试过于频繁" in sixth.get_data(as_text=True)
    assert 0 < int(sixth.headers["Retry-After"]) <= 300
    assert by_form(client, officer, PASSWORD).status_code == 429
    assert len(checks) == 5  # the refused tries checked no password


def test_a_strangers_failures_do_not_lock_the_officer_out(
    client: FlaskClient, app: Flask, officer: str, checks: list[str]
) -> None:
    statuses = [by_form(client, officer, f"guess-{n}").status_code for n in range(40)]
    assert statuses == [401] * 5 + [429] * 35
    office = app.test_client()
    assert by_form(office, officer, PASSWORD, address=OFFICE).status_code == 302
    assert len(checks) == 6
    refused = read(app, lambda s: s.scalar(select(func.count()).select_from(SignInAttempt)))
    assert refused == 5  # refused tries leave no row, so hammering on adds nothing


def test_one_address_is_limited_across_accounts(
    client: FlaskClient, app: Flask, runner: FlaskCliRunner
) -> None:
    statuses = [by_form(client, f"user{n}", "a-guess-of-mine").status_code for n in range(21)]
    assert statuses == [401] * 20 + [429]
    other = app.test_client()
    assert by_form(other, "user99", "a-guess-of-mine", address=OFFICE).status_code == 401


def test_an_account_guessed_from_many_addresses_has_a_ceiling(
    client: FlaskClient, officer: str, checks: list[str]
) -> None:
    for n in range(10):  # 10 addresses × 5 guesses = 50, the ceiling
        address = f"192.0.2.{n + 1}"
        assert [by_form(client, officer, "guess", address).status_code for _ in range(5)] == [
            401
        ] * 5
    assert by_form(client, officer, "guess", "192.0.2.200").status_code == 429
    assert len(checks) == 50


def test_a_successful_sign_in_forgives_the_pairs_failures(
    client: FlaskClient, app: Flask, officer: str
) -> None:
    assert [by_form(client, officer, "typo").status_code for _ in range(4)] == [401] * 4
    assert by_form(client, officer, PASSWORD).status_code == 302
    again = app.test_client()
    assert [by_form(again, officer, "typo").status_code for _ in range(5)] == [401] * 5
    assert by_form(again, officer, "typo").status_code == 429


def test_rows_older_than_a_day_are_deleted(app: Flask, officer: str, client: FlaskClient) -> None:
    def old_row(session: Any) -> None:
        moment = services.now() - limits.KEEP - timedelta(minutes=1)
        limits.record_attempt(session, "someone", "192.0.2.1", moment)
        session.commit()

    read(app, old_row)
    by_form(client, officer, "typo")
    accounts = read(app, lambda s: s.scalars(select(SignInAttempt.account)).all())
    assert accounts == [officer]


# Two apps on one database stand for two worker processes (or two machines).


@pytest.fixture
def two_workers(scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("HAIYAN_INSTANCE", str(tmp_path))
    settings = {
        "DATABASE_URL": scratch_url,
        "SECRET_KEY": "tests-only",
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    apps = (create_app(settings), create_app(settings))
    create_officer(apps[0].test_cli_runner())
    yield apps
    for app in apps:
        app.extensions["haiyan_db"]["engine"].dispose()


def test_counts_are_shared_by_every_worker(two_workers: tuple[Flask, Flask]) -> None:
    one, two = (app.test_client() for app in two_workers)
    assert [by_form(one, "fin", "wrong").status_code for _ in range(3)] == [401] * 3
    assert [by_json(two, "fin", "wrong").status_code for _ in range(2)] == [401] * 2
    assert by_form(two, "fin", PASSWORD).status_code == 429
    assert by_form(one, "fin", PASSWORD).status_code == 429


def test_concurrent_guesses_on_two_workers_get_five_password_checks(
    two_workers: tuple[Flask, Flask], checks: list[str]
) -> None:
    clients = [two_workers[n % 2].test_client() for n in range(24)]
    tokens = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses = [0] * len(clients)

    def guess(n: int) -> None:
        barrier.wait()
        statuses[n] = (
            clients[n]
            .post(
                "/login",
                data={"csrf_token": tokens[n], "username": "fin", "password": f"guess-{n}"},
                environ_base={"REMOTE_ADDR": STRANGER},
            )
            .status_code
        )

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {401, 429} and statuses.count(401) <= 5
    assert len(checks) == statuses.count(401) <= 5
