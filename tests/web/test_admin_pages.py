"""The administrator's pages: users, tokens, institutions and staff."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from haiyan_comp.accounts.models import ApiToken, User
from haiyan_comp.institutions.models import Staff
from tests.web.conftest import SignIn, post_form, read, sign_in


def test_the_admin_creates_a_centre_user_who_can_sign_in(
    app: Flask, signed_in: SignIn, client: FlaskClient
) -> None:
    admin = signed_in("admin")
    response = post_form(
        admin,
        "/admin/users",
        {"username": "wang", "display_name": "王会计", "role": "centre", "institution": "HY03",
         "password": "a-long-password"},
    )  # fmt: skip
    assert response.status_code == 302
    assert "wang" in admin.get("/admin/").get_data(as_text=True)
    sign_in(client, "wang", "a-long-password")
    assert "望海" in client.get("/centre/", follow_redirects=True).get_data(as_text=True)


def test_a_bad_user_is_refused_with_every_problem_and_nothing_stored(
    app: Flask, signed_in: SignIn
) -> None:
    admin = signed_in("admin")
    response = post_form(
        admin, "/admin/users", {"username": "x y", "role": "centre", "password": "short"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "用户名：应为 1 至 64 个可打印字符" in page and "密码：至少 12 个字符" in page
    assert "机构：卫生院用户须指定机构" in page and "needs --institution" not in page
    assert read(app, lambda s: s.scalar(select(User).where(User.username == "x y"))) is None


def test_a_refusal_names_the_role_in_chinese_and_in_english_on_the_command_line(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    admin = signed_in("admin")
    form = {"username": "cai", "role": "finance", "institution": "HY01"}
    page = post_form(admin, "/admin/users", {**form, "password": "amber-tidal-orchard-41"})
    assert page.status_code == 422
    assert "机构：财务用户面向全县，不应指定机构" in page.get_data(as_text=True)
    result = runner.invoke(
        args=["users", "create", "cai", "--role", "finance", "--institution", "HY01",
              "--password-stdin"],
        input="amber-tidal-orchard-41\n",
    )  # fmt: skip
    assert result.exit_code == 1
    assert (
        "error: the user cannot be created: "
        "institution: a finance user works for the whole county; drop it"
    ) in result.output


def test_disabling_from_the_page_signs_the_user_out(app: Flask, signed_in: SignIn) -> None:
    centre = signed_in("hy04")
    admin = signed_in("admin")
    assert centre.get("/centre/").status_code == 200
    post_form(admin, "/admin/users/hy04/active", {"active": "0"})
    assert centre.get("/centre/").status_code == 302
    post_form(admin, "/admin/users/hy04/active", {"active": "1"})
    assert "已停用" not in admin.get("/admin/").get_data(as_text=True).split("hy04")[1][:400]


def test_a_token_is_shown_once_and_works_until_revoked(app: Flask, signed_in: SignIn) -> None:
    admin = signed_in("admin")
    created = post_form(
        admin, "/admin/tokens", {"name": "区域平台", "role": "platform", "institution": ""}
    )
    assert created.status_code == 201
    secret = re.search(
        r'<code id="new-token" class="secret">(hy_[^<]+)</code>', created.get_data(as_text=True)
    )
    assert secret
    stored = read(app, lambda s: s.scalar(select(ApiToken.token_hash)))
    assert secret.group(1) not in stored
    assert secret.group(1) not in admin.get("/admin/tokens").get_data(as_text=True)
    machine = app.test_client()
    auth = {"Authorization": f"Bearer {secret.group(1)}"}
    assert machine.get("/api/v1/units?year=2018", headers=auth).status_code == 200
    token_id = read(app, lambda s: s.scalar(select(ApiToken.id)))
    post_form(admin, f"/admin/tokens/{token_id}/revoke")
    assert machine.get("/api/v1/units?year=2018", headers=auth).status_code == 401


def test_staff_are_loaded_from_a_csv_upload(app: Flask, signed_in: SignIn) -> None:
    admin = signed_in("admin")
    csv = "code,institution_code,name\nHY01S900,HY01,新职工\n".encode()
    response = post_form(
        admin,
        "/admin/institutions/staff",
        {"file": (io.BytesIO(csv), "staff.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "新增 1" in response.get_data(as_text=True)
    assert (
        read(app, lambda s: s.scalar(select(Staff.name).where(Staff.code == "HY01S900")))
        == "新职工"
    )


def test_a_bad_staff_file_names_the_line_and_loads_nothing(app: Flask, signed_in: SignIn) -> None:
    admin = signed_in("admin")
    csv = "code,institution_code,name\nHY01S901,HY01,甲\nHY01S902,NOPE,乙\n".encode()
    page = post_form(
        admin,
        "/admin/institutions/staff",
        {"file": (io.BytesIO(csv), "staff.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "第 3 行" in page and "NOPE" in page
    assert read(app, lambda s: s.scalar(select(Staff).where(Staff.code == "HY01S901"))) is None


def test_only_admins_reach_the_admin_pages(signed_in: SignIn) -> None:
    for login in ("finance", "auditor", "hy01", "hy01s001"):
        browser = signed_in(login)
        assert browser.get("/admin/").status_code == 403
        assert (
            post_form(browser, "/admin/tokens", {"name": "x", "role": "platform"}).status_code
            == 403
        )
