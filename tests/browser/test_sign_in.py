"""Every role signs in through the browser and lands on its home page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shoot, sign_in

HOMES = {
    "finance": "/finance/",
    "auditor": "/audit/",
    "admin": "/admin/",
    "hy01": "/centre/",
    "hy01s001": "/staff/",
}


@pytest.mark.parametrize("username", sorted(HOMES))
def test_each_role_signs_in_and_out(page: object, username: str) -> None:
    sign_in(page, username)
    page.wait_for_url(f"**{HOMES[username]}")  # type: ignore[attr-defined]
    shoot(page, f"home-{username}")
    page.get_by_role("button", name="退出").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/login")  # type: ignore[attr-defined]
    page.goto(HOMES[username])  # type: ignore[attr-defined]
    assert "/login" in page.url  # type: ignore[attr-defined]


def test_a_wrong_password_stays_on_the_form(page: object) -> None:
    sign_in(page, "finance", "wrong-password")
    assert page.get_by_text("用户名或密码不正确").is_visible()  # type: ignore[attr-defined]
    shoot(page, "sign-in-refused")
