"""Sign-in, sign-out, sessions and the security of both."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from haiyan_comp.accounts.models import User, WebSession
from haiyan_comp.accounts.services import PASSWORD_METHOD, hash_password
from tests.web.conftest import csrf_token, post_form, read, sign_in


def test_a_centre_user_signs_in_and_lands_on_its_home(
    client: FlaskClient, county: dict[str, Any]
) -> None:
    response = sign_in(client, "hy01")
    assert response.headers["Location"].endswith("/centre/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/centre/").status_code == 200


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: FlaskClient, county: dict[str, Any]
) -> None:
    wrong = post_form(client, "/login", {"username": "hy01", "password": "not-the-password"})
    unknown = post_form(client, "/login", {"username": "nobody", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码不正确" in wrong.get_data(as_text=True)
    assert client.get("/centre/").status_code == 302


def test_sign_in_needs_the_csrf_token(client: FlaskClient, county: dict[str, Any]) -> None:
    response = client.post("/login", data={"username": "hy01", "password": county["password"]})
    assert response.status_code == 400
    assert client.get("/centre/").status_code == 302


def test_signing_out_kills_the_session_even_for_a_copied_cookie(
    app: Flask, client: FlaskClient, county: dict[str, Any]
) -> None:
    sign_in(client, "finance")
    stolen = client.get_cookie("haiyan_session")
    assert stolen is not None
    assert post_form(client, "/logout").status_code == 302
    assert client.get("/finance/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("haiyan_session", stolen.value)
    assert thief.get("/finance/").status_code == 302  # the server forgot the session
    assert read(app, lambda s: s.scalars(select(WebSession)).all()) == []


def test_each_sign_in_is_a_new_session(client: FlaskClient, county: dict[str, Any]) -> None:
    csrf_token(client)
    before = client.get_cookie("haiyan_session")
    sign_in(client, "auditor")
    after = client.get_cookie("haiyan_session")
    assert before is not None and after is not None and before.value != after.value


def test_disabling_a_user_ends_their_sessions(
    client: FlaskClient, county: dict[str, Any], runner: FlaskCliRunner
) -> None:
    sign_in(client, "hy02")
    assert client.get("/centre/").status_code == 200
    result = runner.invoke(args=["users", "disable", "hy02"])
    assert result.exit_code == 0, result.output
    assert client.get("/centre/").status_code == 302
    again = post_form(client, "/login", {"username": "hy02", "password": county["password"]})
    assert again.status_code == 401


def test_failed_sign_ins_are_limited_per_account(
    client: FlaskClient, county: dict[str, Any]
) -> None:
    for _ in range(5):
        post_form(client, "/login", {"username": "finance", "password": "wrong-password"})
    blocked = post_form(client, "/login", {"username": "finance", "password": county["password"]})
    assert blocked.status_code == 429
    other = post_form(client, "/login", {"username": "auditor", "password": county["password"]})
    assert other.status_code == 302  # another account is not locked out


def test_successful_sign_ins_do_not_count_against_the_limit(
    app: Flask, county: dict[str, Any]
) -> None:
    for _ in range(8):
        with app.test_client() as browser:
            sign_in(browser, "auditor")


def test_passwords_are_stored_with_scrypt(app: Flask, county: dict[str, Any]) -> None:
    assert PASSWORD_METHOD.startswith("scrypt:32768:")  # what production uses
    stored = read(
        app, lambda s: s.scalar(select(User.password_hash).where(User.username == "hy01"))
    )
    assert stored is not None and stored.startswith("scrypt:") and county["password"] not in stored
    assert read(app, lambda _: hash_password("x" * 12) != hash_password("x" * 12))  # salted


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_secure_over_https(
    client: FlaskClient, county: dict[str, Any]
) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"csrf_token": token, "username": "hy01", "password": county["password"]},
        base_url="https://localhost",
    )
    assert response.status_code in (302, 400)  # the CSRF check may refuse an http-issued token
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("haiyan_session")]
    assert cookies and all("Secure" in c for c in cookies)


def test_next_only_goes_to_this_site(client: FlaskClient, county: dict[str, Any]) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"csrf_token": token, "username": "hy01", "password": county["password"]},
    )
    assert response.headers["Location"].endswith("/centre/")
