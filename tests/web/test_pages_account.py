"""Everyone changes their own password; an administrator resets one to a one-time password."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import SignIn, post_form, sign_in

NEW = "quiet harbour lantern 2026 orchard"
ONE_TIME = "copper meadow violin ninety"


def _change(browser: FlaskClient, old: str, new: str, confirm: str | None = None) -> Any:
    data = {"old_password": old, "password": new, "confirm": new if confirm is None else confirm}
    return post_form(browser, "/account/password", data)


def test_every_person_finds_the_password_page(signed_in: SignIn) -> None:
    for login in ("finance", "auditor", "hy01", "hy01s001", "admin"):
        browser = signed_in(login)
        home = browser.get("/", follow_redirects=True).get_data(as_text=True)
        assert 'href="/account/password"' in home, login
        page = browser.get("/account/password")
        assert page.status_code == 200 and "当前密码" in page.get_data(as_text=True)


def test_a_user_changes_their_own_password(app: Flask, signed_in: SignIn, county: Any) -> None:
    browser = signed_in("hy01")
    elsewhere = signed_in("hy01")  # another browser of the same user
    done = _change(browser, county["password"], NEW)
    assert done.status_code == 302
    assert "密码已修改" in browser.get("/centre/", follow_redirects=True).get_data(as_text=True)
    assert browser.get("/centre/").status_code == 200  # this session stays
    assert elsewhere.get("/centre/").status_code == 302  # the other one ended
    fresh = app.test_client()
    refused = post_form(fresh, "/login", {"username": "hy01", "password": county["password"]})
    assert refused.status_code == 401
    sign_in(fresh, "hy01", NEW)


def test_a_wrong_current_password_or_a_weak_new_one_is_refused(
    signed_in: SignIn, county: Any
) -> None:
    browser = signed_in("finance")
    wrong = _change(browser, "not my password at all", NEW)
    assert wrong.status_code == 422
    assert "当前密码不正确" in wrong.get_data(as_text=True)
    weak = _change(browser, county["password"], "password1234")
    assert weak.status_code == 422
    assert "密码" in weak.get_data(as_text=True)
    differ = _change(browser, county["password"], NEW, confirm=NEW + "x")
    assert "两次输入的新密码不一致" in differ.get_data(as_text=True)
    same = _change(browser, county["password"], county["password"])
    assert "不能与当前密码相同" in same.get_data(as_text=True)
    assert browser.get("/finance/").status_code == 200  # still signed in, nothing changed


def test_the_change_needs_the_csrf_token(signed_in: SignIn, county: Any) -> None:
    browser = signed_in("auditor")
    data = {"old_password": county["password"], "password": NEW, "confirm": NEW}
    assert browser.post("/account/password", data=data).status_code == 400


def test_an_admin_reset_is_a_one_time_password(app: Flask, signed_in: SignIn) -> None:
    victim = signed_in("hy02")
    admin = signed_in("admin")
    users = admin.get("/admin/").get_data(as_text=True)
    assert "重置密码" in users
    reset = post_form(admin, "/admin/users/hy02/password", {"password": ONE_TIME})
    assert reset.status_code == 302
    assert "一次性密码" in admin.get("/admin/").get_data(as_text=True)
    assert "待改密码" in admin.get("/admin/").get_data(as_text=True)
    assert victim.get("/centre/").status_code == 302  # their sessions ended

    browser = app.test_client()
    sign_in(browser, "hy02", ONE_TIME)
    for page in ("/centre/", "/centre/records", "/catalogue"):
        response = browser.get(page)
        assert response.status_code == 302, page
        assert response.headers["Location"].endswith("/account/password")
    form = browser.get("/account/password").get_data(as_text=True)
    assert "一次性密码" in form
    assert _change(browser, ONE_TIME, NEW).status_code == 302
    assert browser.get("/centre/").status_code == 200
    assert "待改密码" not in admin.get("/admin/").get_data(as_text=True)


def test_a_weak_one_time_password_is_refused(signed_in: SignIn, county: Any) -> None:
    admin = signed_in("admin")
    post_form(admin, "/admin/users/hy03/password", {"password": "short"})
    page = admin.get("/admin/").get_data(as_text=True)
    assert "至少" in page
    sign_in(signed_in("hy03"), "hy03", county["password"])  # unchanged
