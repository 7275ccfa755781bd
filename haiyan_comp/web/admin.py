"""The administrator's pages: users, API tokens, institutions and staff.

Administrators manage who may use the service; they see no money and no
records. A new token's secret is shown once, on the page that created it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.accounts.roles import ROLE_NAMES, ROLES
from haiyan_comp.errors import DomainError
from haiyan_comp.operations import accounts
from haiyan_comp.operations.institutions import institution_list, load_institutions, load_staff
from haiyan_comp.web.access import allow
from haiyan_comp.web.layout import nav, reason

bp = Blueprint("admin", __name__, url_prefix="/admin")
nav("admin", "用户", "admin.home", 10)
nav("admin", "接口令牌", "admin.tokens", 20)
nav("admin", "机构与职工", "admin.institutions", 30)

TOKEN_ROLE_CHOICES = ("platform", "centre", "finance", "auditor")


def _users_page(form: MultiDict[str, str], problems: list[str] | None = None) -> str:
    return render_template(
        "admin/users.html",
        users=accounts.user_list(),
        roles=ROLES,
        role_names=ROLE_NAMES,
        institutions=institution_list(),
        form=form,
        problems=problems,
    )


@bp.get("/")
@allow("admin")
def home() -> str:
    """Every user, and a form for a new one."""
    return _users_page(request.args)


@bp.post("/users")
@allow("admin")
def create_user() -> str | BaseResponse | tuple[str, int]:
    """Create a user from the form; errors are shown with what was entered."""
    form = request.form
    try:
        user = accounts.create_user(
            form.get("username", "").strip(),
            form.get("password", ""),
            form.get("role", ""),
            institution_code=form.get("institution") or None,
            staff_code=(form.get("staff") or "").strip() or None,
            display_name=(form.get("display_name") or "").strip() or None,
        )
    except DomainError as exc:
        problems = exc.details if isinstance(exc.details, list) else [exc.message]
        return _users_page(form, problems), exc.status
    flash(_("已创建用户 %(name)s。", name=user.username), "success")
    return redirect(url_for("admin.home"))


@bp.post("/users/<username>/active")
@allow("admin")
def set_active(username: str) -> BaseResponse:
    """Disable (ending their sessions) or enable a user."""
    active = request.form.get("active") == "1"
    if not active and username == current_user.username:
        flash(_("不能停用自己的账号。"), "error")
        return redirect(url_for("admin.home"))
    accounts.set_active(username, active)
    flash(
        _("已启用 %(name)s。", name=username)
        if active
        else _("已停用 %(name)s，其登录已全部失效。", name=username),
        "success",
    )
    return redirect(url_for("admin.home"))


@bp.post("/users/<username>/password")
@allow("admin")
def set_password(username: str) -> BaseResponse:
    """Reset a user's password to a one-time one: their sessions end, and at their next
    sign-in they must choose their own."""
    try:
        accounts.reset_password(username, request.form.get("password", ""))
    except DomainError as exc:
        flash(reason(exc.message), "error")  # a flash keeps text only: the Chinese now
    else:
        flash(
            _(
                "已为 %(name)s 设置一次性密码，其登录已全部失效；下次登录后须先设置自己的新密码。",
                name=username,
            ),
            "success",
        )
    return redirect(url_for("admin.home"))


def _tokens_page(issued: dict[str, Any] | None) -> str:
    return render_template(
        "admin/tokens.html",
        tokens=accounts.token_list(),
        token_roles=TOKEN_ROLE_CHOICES,
        role_names=ROLE_NAMES,
        institutions=institution_list(),
        issued=issued,
    )


@bp.get("/tokens")
@allow("admin")
def tokens() -> str:
    """Every API token: scope, last use, revoked or not."""
    return _tokens_page(None)


@bp.post("/tokens")
@allow("admin")
def create_token() -> str | tuple[str, int]:
    """Create a token; its secret is on this response only."""
    form = request.form
    try:
        issued = accounts.create_token(
            form.get("name", ""),
            form.get("role", "platform"),
            form.get("institution") or None,
            f"web:{current_user.username}",
        )
    except DomainError as exc:
        flash(reason(exc.message), "error")
        return _tokens_page(None), exc.status
    return _tokens_page({"secret": issued.secret, "id": issued.token.id}), 201


@bp.post("/tokens/<int:token_id>/revoke")
@allow("admin")
def revoke_token(token_id: int) -> BaseResponse:
    """Revoke a token: it stops working at once."""
    token = accounts.revoke_token(token_id)
    flash(_("已吊销令牌 #%(id)s（%(name)s）。", id=token.id, name=token.name), "success")
    return redirect(url_for("admin.tokens"))


@bp.get("/institutions")
@allow("admin")
def institutions() -> str:
    """Institutions with their staff counts; CSV loads for both."""
    return render_template("admin/institutions.html", institutions=institution_list())


@bp.post("/institutions/<kind>")
@allow("admin")
def load(kind: str) -> BaseResponse:
    """Load institutions (code,name) or staff (code,institution_code,name) from a CSV upload."""
    loaders: dict[str, Any] = {"institutions": load_institutions, "staff": load_staff}
    loader = loaders.get(kind)
    upload = request.files.get("file")
    if loader is None:
        flash(_("未知的数据类型。"), "error")
        return redirect(url_for("admin.institutions"))
    if upload is None or not upload.filename:
        flash(_("请选择一个 CSV 或电子表格（.xlsx）文件。"), "error")
        return redirect(url_for("admin.institutions"))
    try:
        result = loader(upload.stream, upload.filename)
    except DomainError as exc:
        problems = exc.details.get("problems") if isinstance(exc.details, dict) else None
        flash(
            reason(exc.message)
            if not problems
            else _("未导入任何数据：") + "；".join(reason(p) for p in problems[:20]),
            "error",
        )
    else:
        flash(
            _(
                "已导入：新增 %(added)s，更新 %(updated)s，未变 %(unchanged)s。",
                added=len(result.added),
                updated=len(result.updated),
                unchanged=result.unchanged,
            ),
            "success",
        )
    return redirect(url_for("admin.institutions"))
