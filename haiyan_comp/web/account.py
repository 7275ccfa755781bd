"""Everyone's own account: changing one's password, and the one-time password's first sign-in.

A user whose password an administrator has reset (a one-time password) is
sent to the change page by every other page until they have chosen their own.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.accounts.passwords import MIN_LENGTH
from haiyan_comp.errors import InvalidInput
from haiyan_comp.operations import accounts
from haiyan_comp.web.access import allow

bp = Blueprint("account", __name__, url_prefix="/account")
PEOPLE = ("finance", "auditor", "centre", "staff", "admin")
# What a user with a one-time password may still open: this page, signing out, files.
_OPEN_BEFORE_CHANGE = frozenset(
    {"account.password", "account.password_save", "auth.logout", "static", "web.favicon"}
)


@bp.before_app_request
def one_time_password_first() -> BaseResponse | None:
    """A one-time password: every page but the change page sends the user there."""
    if not current_user.is_authenticated or getattr(current_user, "via_token", True):
        return None
    if not getattr(current_user, "must_change_password", False):
        return None
    if request.endpoint in _OPEN_BEFORE_CHANGE or request.blueprint == "api-docs":
        return None
    if request.path.startswith("/api/"):
        return None  # machines use tokens; a person's session on the API is not a page
    return redirect(url_for("account.password"))


def _page(problems: list[str] | None = None, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "account/password.html",
            problems=problems or [],
            must_change=current_user.must_change_password,
            least=MIN_LENGTH,
        ),
        status,
    )


@bp.get("/password")
@allow(*PEOPLE)
def password() -> tuple[str, int]:
    """The form: the current password, the new one twice."""
    return _page()


@bp.post("/password")
@allow(*PEOPLE)
def password_save() -> BaseResponse | tuple[str, int]:
    """Change one's own password; the user's other sign-ins end, this one stays."""
    form = request.form
    try:
        accounts.change_own_password(
            current_user.id,
            form.get("old_password", ""),
            form.get("password", ""),
            form.get("confirm", ""),
            current_user.secret,
        )
    except InvalidInput as exc:
        problems = exc.details if isinstance(exc.details, list) else [exc.message]
        return _page(problems, 422)
    flash(_("密码已修改。您在其他地方的登录已全部失效。"), "success")
    from haiyan_comp.web.auth import HOME

    return redirect(url_for(HOME[current_user.role]))
