"""Wherever a password is set, a weak one is refused: in English on the CLI, in Chinese on pages."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from haiyan_comp.accounts.models import User
from tests.web.conftest import post_form, read, sign_in

STRONG = "amber-tidal-orchard-41"


def users(runner: FlaskCliRunner, *args: str, password: str) -> tuple[int, str]:
    result = runner.invoke(args=["users", *args, "--password-stdin"], input=password + "\n")
    return result.exit_code, result.output


def test_the_command_line_refuses_a_weak_password_in_english(
    app: Flask, runner: FlaskCliRunner
) -> None:
    status, output = users(runner, "create", "zhang", "--role", "finance", password="zhang1234567")
    assert status == 1 and "password: too easy to guess (strength" in output
    status, output = users(runner, "create", "zhang", "--role", "finance", password="short")
    assert status == 1 and "password: at least 12 characters" in output
    assert read(app, lambda s: s.scalar(select(User).where(User.username == "zhang"))) is None
    assert users(runner, "create", "zhang", "--role", "finance", password=STRONG)[0] == 0
    status, output = users(runner, "password", "zhang", password="password1234")
    assert status == 1 and "password: too easy to guess" in output
    assert users(runner, "password", "zhang", password="quiet-harbour-lantern")[0] == 0


def test_the_admin_pages_refuse_a_weak_password_in_chinese(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    assert users(runner, "create", "root", "--role", "admin", password=STRONG)[0] == 0
    sign_in(client, "root", STRONG)
    created = post_form(
        client, "/admin/users", {"username": "li", "role": "finance", "password": "li-123456789"}
    )
    page = created.get_data(as_text=True)
    assert created.status_code == 422
    assert "密码：太容易被猜中" in page and "too easy" not in page
    assert read(app, lambda s: s.scalar(select(User).where(User.username == "li"))) is None
    reset = post_form(
        client, "/admin/users/root/password", {"password": "password1234"}, follow_redirects=True
    )
    text = reset.get_data(as_text=True)
    assert "密码：太容易被猜中" in text and "too easy" not in text
