"""Sign-in and sign-out; who the current principal is, for people and machines.

People sign in with a password; each sign-in opens a server-side session whose
secret is the only thing in the (signed, HttpOnly) cookie, so signing out or
disabling a user ends the session at once. Machines send
`Authorization: Bearer <token>`.

Sign-in counts password checks in the database (accounts/limits.py), whatever
form the body takes (flask-wtf reads JSON bodies as well as forms), so the
limits hold across every worker process and machine.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from haiyan_comp.operations import accounts
from haiyan_comp.operations.accounts import SessionUser, SignInResult, TokenPrincipal
from haiyan_comp.web.access import allow, public

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

HOME = {
    "finance": "finance.home",
    "auditor": "audit.home",
    "centre": "centre.home",
    "staff": "staff.home",
    "admin": "admin.home",
}


@dataclass(frozen=True)
class SignedIn(SessionUser, UserMixin):  # type: ignore[misc]
    """A person signed in through the web (the session's user and its secret), detached
    from any database session."""

    secret: str
    via_token: bool = False

    def get_id(self) -> str:
        """What flask-login keeps in the cookie: the session's secret."""
        return self.secret

    @classmethod
    def found(cls, user: SessionUser, secret: str) -> SignedIn:
        """The principal of a session (just opened, or found by its secret)."""
        return cls(**asdict(user), secret=secret)


@dataclass(frozen=True)
class TokenHolder(UserMixin):  # type: ignore[misc]
    """A machine calling the API with a bearer token."""

    id: int
    username: str
    role: str
    institution_id: int | None
    institution_code: str | None
    via_token: bool = True
    staff_code: str | None = None

    @property
    def display_name(self) -> str:
        return f"token {self.username}"

    def get_id(self) -> None:
        return None  # never kept in a session

    @classmethod
    def of(cls, token: TokenPrincipal) -> TokenHolder:
        return cls(
            id=token.id,
            username=token.prefix,
            role=token.role,
            institution_id=token.institution_id,
            institution_code=token.institution_code,
        )


@login_manager.user_loader
def load_signed_in(secret: str) -> SignedIn | None:
    """The person whose live session this is, or None (signed out, expired, disabled)."""
    user = accounts.session_user(secret)
    return SignedIn.found(user, secret) if user is not None else None


@login_manager.request_loader
def load_token_holder(req: Any) -> TokenHolder | None:
    """A machine's bearer token (API only), or None."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
        return None
    token = accounts.token_principal(header.removeprefix("Bearer ").strip())
    return TokenHolder.of(token) if token is not None else None


class SignInForm(FlaskForm):  # type: ignore[misc]
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | BaseResponse | tuple[str, int]:
    """The sign-in form; a new session on success."""
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = SignInForm()
    if form.validate_on_submit():
        return _sign_in(form)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _sign_in(form: SignInForm) -> BaseResponse | tuple[str, int]:
    """One counted password check (see accounts/limits.py); a session if it succeeds."""
    result = accounts.sign_in(
        form.username.data.strip(),
        form.password.data,
        request.remote_addr or "",
        request.user_agent.string or "",
        current_app.config.get("SIGNIN_LIMITS"),
    )
    if result.wait is not None:
        return _too_many(form, result)
    if result.user is None or result.secret is None:
        flash(_("用户名或密码不正确。"), "error")
        return render_template("auth/login.html", form=form), 401
    principal = SignedIn.found(result.user, result.secret)
    session.clear()  # no fixation: nothing of the anonymous session survives
    login_user(principal)
    return redirect(_safe_next(request.args.get("next")) or url_for(HOME[principal.role]))


def _too_many(form: SignInForm, result: SignInResult) -> BaseResponse:
    """429: the form again, saying how long to wait; no password was checked."""
    flash(_("登录尝试过于频繁，请 %(n)s 分钟后再试。", n=result.wait_minutes), "error")
    response = make_response(render_template("auth/login.html", form=form), 429)
    wait = result.wait or timedelta()
    response.headers["Retry-After"] = str(math.ceil(wait.total_seconds()))
    return response


@bp.post("/logout")
@allow("finance", "auditor", "centre", "staff", "admin")
def logout() -> BaseResponse:
    """Sign out: the server forgets the session, the browser forgets the cookie."""
    accounts.sign_out(current_user.secret)
    logout_user()
    session.clear()
    flash(_("已退出登录。"), "info")
    return redirect(url_for("auth.login"))


def unauthorized() -> Response | BaseResponse:
    """Web pages send people to sign in; the API answers 401 (see errors)."""
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_auth(app: Flask) -> None:
    """flask-login and the sign-in pages."""
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
