"""Creating users and tokens, checking passwords, opening and closing sessions.

Passwords are hashed with scrypt (memory-hard; Werkzeug's default method) and
must pass `passwords.password_problems` wherever they are set. Session and API
tokens are long random strings, so a SHA-256 of them is enough to store: nobody
can guess one from its hash, and a lookup stays one index hit.

A sign-in session ends when it has been idle too long (SESSION_IDLE_MINUTES,
default 2 hours) and, however busy, after SESSION_HOURS (default 12). Reading
who a session belongs to (accounts/queries.py) writes nothing; the last-seen
time is written apart (`note_session_seen`), as bookkeeping that may be skipped
when the database is busy.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import current_app, has_app_context
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from haiyan_comp.accounts.messages import (
    COUNTY_WIDE,
    INSTITUTION_NEEDED,
    NO_INSTITUTION,
    NO_STAFF,
    NO_TOKEN,
    NO_USER,
    ROLE_UNKNOWN,
    STAFF_ELSEWHERE,
    STAFF_NEEDED,
    TOKEN_COUNTY_WIDE,
    TOKEN_NAME,
    TOKEN_NEEDS_INSTITUTION,
    TOKEN_ROLE,
    USER_EXISTS,
    USER_REFUSED,
    USERNAME_FORM,
    joined,
    role_name,
)
from haiyan_comp.accounts.models import ApiToken, User, WebSession
from haiyan_comp.accounts.passwords import password_problems
from haiyan_comp.accounts.roles import ROLES, TOKEN_ROLE_CHOICES
from haiyan_comp.errors import Conflict, InvalidInput, NotFound
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.messages import Message

PASSWORD_METHOD = "scrypt:32768:8:1"  # n=2^15, r=8: 32 MiB per hash
TOKEN_PREFIX = "hy_"
SESSION_IDLE = timedelta(hours=2)  # defaults; the app's SESSION_IDLE_MINUTES and SESSION_HOURS
SESSION_LIFETIME = timedelta(hours=12)


@cache
def _dummy_hash() -> str:
    """A hash to check against when the user does not exist, so that the answer takes as
    long as for a real user (no user enumeration by timing). Made at the first sign-in, not
    when this module is imported: every command imports it, and one scrypt costs 0.1 s."""
    return generate_password_hash("not a password", method=PASSWORD_METHOD)


def hash_password(password: str) -> str:
    """scrypt, with the cost the app is configured for (tests make it cheaper)."""
    method = PASSWORD_METHOD
    if has_app_context():
        method = current_app.config.get("PASSWORD_HASH_METHOD", PASSWORD_METHOD)
    return generate_password_hash(password, method=method)


def digest(secret: str) -> str:
    """The stored form of a session or API token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def now() -> datetime:
    """The current moment, UTC (one place, so that tests can read it)."""
    return datetime.now(UTC)


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    institution_code: str | None = None,
    staff_code: str | None = None,
    display_name: str | None = None,
    weak_password_ok: bool = False,
) -> User:
    """A new user; centre users name an institution, staff users a staff member.

    `weak_password_ok` is for the demo's shared, printed password only.
    """
    problems: list[Message] = []
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        problems.append(USERNAME_FORM.on("username"))
    if role not in ROLES:
        problems.append(ROLE_UNKNOWN.on("role", role=repr(role), roles=", ".join(ROLES)))
    institution, staff = _scope(session, role, institution_code, staff_code, problems)
    if not weak_password_ok:
        names = (username, display_name or "", staff.name if staff else "")
        problems += password_problems(password, names)
    if problems:
        raise InvalidInput(USER_REFUSED(problems=joined(problems)), problems)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(USER_EXISTS(username=repr(username)))
    user = User(
        username=username,
        display_name=display_name or (staff.name if staff else username),
        role=role,
        institution_id=institution.id if institution else None,
        staff_id=staff.id if staff else None,
        password_hash=hash_password(password),
        active=True,
        created_at=now(),
    )
    session.add(user)
    session.flush()
    return user


def _scope(
    session: Session,
    role: str,
    institution_code: str | None,
    staff_code: str | None,
    problems: list[Message],
) -> tuple[Institution | None, Staff | None]:
    """The institution and staff member a new user of `role` belongs to; problems noted."""
    if role == "staff":
        if not staff_code:
            problems.append(STAFF_NEEDED.on("staff"))
            return None, None
        staff = session.scalar(select(Staff).where(Staff.code == staff_code))
        if staff is None:
            problems.append(NO_STAFF.on("staff", code=repr(staff_code)))
            return None, None
        if institution_code and institution_code != staff.institution.code:
            problems.append(
                STAFF_ELSEWHERE.on(
                    "institution",
                    staff=staff_code,
                    belongs_to=staff.institution.code,
                    given=institution_code,
                )
            )
        return staff.institution, staff
    if role == "centre":
        if not institution_code:
            problems.append(INSTITUTION_NEEDED.on("institution"))
            return None, None
        institution = session.scalar(
            select(Institution).where(Institution.code == institution_code)
        )
        if institution is None:
            problems.append(NO_INSTITUTION.on("institution", code=repr(institution_code)))
        return institution, None
    if institution_code or staff_code:
        problems.append(COUNTY_WIDE.on("institution", role=role_name(role)))
    return None, None


def get_user(session: Session, username: str) -> User:
    """The user called `username`, or NotFound."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(NO_USER(username=repr(username)))
    return user


def user_by_id(session: Session, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(NO_USER(username=f"#{user_id}"))
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    """Disable (ending every session at once) or enable a user."""
    user = get_user(session, username)
    user.active = active
    if not active:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """A new password; every open session of the user ends."""
    user = get_user(session, username)
    problems = password_problems(password, (user.username, user.display_name))
    if problems:
        raise InvalidInput(joined(problems), problems)
    user.password_hash = hash_password(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same time either way)."""
    dummy = _dummy_hash()  # before the look-up: the first sign-in pays for it, whoever it is
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(dummy, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def open_session(session: Session, user: User, address: str, user_agent: str) -> str:
    """A new sign-in session; returns the secret that goes into the cookie.

    The user's last sign-in time is written in the same unit of work.
    """
    secret = secrets.token_urlsafe(32)
    moment = now()
    session.add(
        WebSession(
            token_hash=digest(secret),
            user_id=user.id,
            created_at=moment,
            last_seen_at=moment,
            address=address[:64],
            user_agent=user_agent[:255],
        )
    )
    user.last_sign_in_at = moment
    session.flush()
    return secret


def _setting(name: str, default: timedelta, unit: str) -> timedelta:
    if has_app_context() and current_app.config.get(name) is not None:
        return timedelta(**{unit: float(current_app.config[name])})
    return default


def session_limits() -> tuple[timedelta, timedelta]:
    """(idle, lifetime) of a sign-in session, as the app is configured."""
    return (
        _setting("SESSION_IDLE_MINUTES", SESSION_IDLE, "minutes"),
        _setting("SESSION_HOURS", SESSION_LIFETIME, "hours"),
    )


def note_session_seen(session: Session, secret: str) -> None:
    """Keep the session's last-seen time; delete it, and every other session, once over."""
    moment = now()
    idle, lifetime = session_limits()
    session.execute(
        update(WebSession)
        .where(WebSession.token_hash == digest(secret), WebSession.last_seen_at >= moment - idle)
        .values(last_seen_at=moment)
    )
    session.execute(
        delete(WebSession).where(
            or_(WebSession.last_seen_at < moment - idle, WebSession.created_at < moment - lifetime)
        )
    )


def close_session(session: Session, secret: str) -> None:
    """Sign out: the session's cookie no longer signs anyone in."""
    session.execute(delete(WebSession).where(WebSession.token_hash == digest(secret)))


@dataclass(frozen=True)
class IssuedToken:
    """A token as created: `secret` is shown once and never stored."""

    token: ApiToken
    secret: str


def create_token(
    session: Session, name: str, role: str, institution_code: str | None, created_by: str
) -> IssuedToken:
    """A new API token for a machine."""
    if role not in TOKEN_ROLE_CHOICES:
        raise InvalidInput(TOKEN_ROLE.on("role", role=repr(role)))
    if not name.strip():
        raise InvalidInput(TOKEN_NAME.on("name"))
    if role == "centre" and not institution_code:
        raise InvalidInput(TOKEN_NEEDS_INSTITUTION.on("institution"))
    if role in ("finance", "auditor") and institution_code:
        raise InvalidInput(TOKEN_COUNTY_WIDE.on("institution", role=role_name(role)))
    institution = get_institution(session, institution_code) if institution_code else None
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip()[:100],
        prefix=secret[:10],
        token_hash=digest(secret),
        role=role,
        institution_id=institution.id if institution else None,
        created_by=created_by[:100],
        created_at=now(),
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, secret)


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, newest first, revoked ones included (their history matters)."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Revoke a token; it stops working at once. Revoking twice changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(NO_TOKEN(id=token_id))
    if token.revoked_at is None:
        token.revoked_at = now()
        session.flush()
    return token


def note_token_used(session: Session, token_id: int) -> None:
    """Note that a token was used now."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now()))
