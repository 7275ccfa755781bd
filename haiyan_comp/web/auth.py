"""Sign-in and sign-out; who the current principal is, for people and machines.

People sign in with a password; each sign-in opens a server-side session whose
secret is the only thing in the (signed, HttpOnly) cookie, so signing out or
disabling a user ends the session at once. Machines send
`Authorization: Bearer <token>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from haiyan_comp.accounts import services
from haiyan_comp.accounts.models import ApiToken, User
from haiyan_comp.db import db
from haiyan_comp.web.access import allow, public

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

HOME = {
    "finance": "finance.home",
    "auditor": "audit.home",
    "centre": "centre.home",
    "staff": "staff.home",
    "admin": "admin.home",
}


@dataclass(frozen=True)
class SignedIn(UserMixin):  # type: ignore[misc]
    """A person signed in through the web, detached from any database session."""

    id: int
    username: str
    display_name: str
    role: str
    institution_id: int | None
    institution_code: str | None
    institution_name: str | None
    staff_code: str | None
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
    user = services.session_user(db.session, secret)
    if user is None:
        db.session.rollback()
        return None
    principal = SignedIn.of(user, secret)
    db.session.commit()  # keeps last_seen_at; the request's own work starts afresh
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
    holder = TokenHolder.of(token)
    db.session.commit()
    return holder


class SignInForm(FlaskForm):  # type: ignore[misc]
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


def _account_key() -> str:
    return "account:" + (request.form.get("username") or "").strip().lower()


def _failed(response: BaseResponse) -> bool:
    return response.status_code == 401


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
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=_failed)  # fmt: skip
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_ADDRESS"], methods=["POST"],
               deduct_when=_failed)  # fmt: skip
def login() -> str | BaseResponse | tuple[str, int]:
    """The sign-in form; a new session on success."""
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.username.data.strip(), form.password.data)
        if user is not None:
            secret = services.open_session(
                db.session,
                user,
                get_remote_address() or "",
                request.user_agent.string or "",
            )
            principal = SignedIn.of(user, secret)
            db.session.commit()
            session.clear()  # no fixation: nothing of the anonymous session survives
            login_user(principal)
            return redirect(_safe_next(request.args.get("next")) or url_for(HOME[user.role]))
        flash(_("用户名或密码不正确。"), "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@allow("finance", "auditor", "centre", "staff", "admin")
def logout() -> BaseResponse:
    """Sign out: the server forgets the session, the browser forgets the cookie."""
    services.close_session(db.session, current_user.secret)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("已退出登录。"), "info")
    return redirect(url_for("auth.login"))


def unauthorized() -> Response | BaseResponse:
    """Web pages send people to sign in; the API answers 401 (see errors)."""
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_auth(app: Flask) -> None:
    """flask-login and the sign-in limits."""
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    app.config.setdefault("LOGIN_LIMIT_ACCOUNT", "5 per 5 minutes")
    app.config.setdefault("LOGIN_LIMIT_ADDRESS", "20 per 5 minutes")
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    app.register_blueprint(bp)
