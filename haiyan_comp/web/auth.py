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

from haiyan_comp.accounts import limits, services
from haiyan_comp.accounts.models import ApiToken, User
from haiyan_comp.db import db
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
class SignedIn(services.SessionUser, UserMixin):  # type: ignore[misc]
    """A person signed in through the web (the session's user and its secret), detached
    from any database session."""

    secret: str
    via_token: bool = False

    def get_id(self) -> str:
        """What flask-login keeps in the cookie: the session's secret."""
        return self.secret

    @classmethod
    def of(cls, user: User, secret: str) -> SignedIn:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            institution_id=user.institution_id,
            institution_code=user.institution.code if user.institution else None,
            institution_name=user.institution.name if user.institution else None,
            staff_code=user.staff.code if user.staff else None,
            secret=secret,
        )

    @classmethod
    def found(cls, user: services.SessionUser, secret: str) -> SignedIn:
        """The principal of a session found by `services.session_user`."""
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
    def of(cls, token: ApiToken) -> TokenHolder:
        return cls(
            id=token.id,
            username=token.prefix,
            role=token.role,
            institution_id=token.institution_id,
            institution_code=token.institution.code if token.institution else None,
        )


@login_manager.user_loader
def load_signed_in(secret: str) -> SignedIn | None:
    """The person whose live session this is, or None (signed out, expired, disabled)."""
    check = services.session_user(db.session, secret)
    principal = SignedIn.found(check.user, secret) if check.user is not None else None
    # Its read transaction goes on into the request's own reads (a unit of work
    # ends a read-only transaction before it writes; try_write does too).
    if check.write_due:  # bookkeeping: skipped if another writer holds the database
        db.try_write(lambda session: services.note_session_seen(session, secret))
    return principal


@login_manager.request_loader
def load_token_holder(req: Any) -> TokenHolder | None:
    """A machine's bearer token (API only), or None."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
        return None
    token = services.token_for(db.session, header.removeprefix("Bearer ").strip())
    if token is None:
        db.session.rollback()
        return None
    holder, due = TokenHolder.of(token), services.token_use_due(token)
    db.session.commit()
    if due:
        db.try_write(lambda session: services.note_token_used(session, holder.id))
    return holder


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
    username = form.username.data.strip()
    account, address = limits.account_key(username), request.remote_addr or ""
    moment = services.now()
    with db.unit_of_work():
        attempt = limits.record_attempt(db.session, account, address, moment)
    configured = current_app.config.get("SIGNIN_LIMITS") or limits.SignInLimits()
    wait = limits.wait_needed(db.session, account, address, moment, configured)
    if wait is not None:
        with db.unit_of_work():
            limits.forget_attempt(db.session, attempt)
        return _too_many(form, wait)
    user = services.authenticate(db.session, username, form.password.data)
    if user is None:  # the attempt's row stays: it counts
        flash(_("用户名或密码不正确。"), "error")
        return render_template("auth/login.html", form=form), 401
    with db.unit_of_work():
        limits.forget_failures(db.session, account, address)
        secret = services.open_session(db.session, user, address, request.user_agent.string or "")
        principal = SignedIn.of(user, secret)
    session.clear()  # no fixation: nothing of the anonymous session survives
    login_user(principal)
    return redirect(_safe_next(request.args.get("next")) or url_for(HOME[principal.role]))


def _too_many(form: SignInForm, wait: timedelta) -> BaseResponse:
    """429: the form again, saying how long to wait; no password was checked."""
    flash(_("登录尝试过于频繁，请 %(n)s 分钟后再试。", n=limits.minutes(wait)), "error")
    response = make_response(render_template("auth/login.html", form=form), 429)
    response.headers["Retry-After"] = str(math.ceil(wait.total_seconds()))
    return response


@bp.post("/logout")
@allow("finance", "auditor", "centre", "staff", "admin")
def logout() -> BaseResponse:
    """Sign out: the server forgets the session, the browser forgets the cookie."""
    with db.unit_of_work():
        services.close_session(db.session, current_user.secret)
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
