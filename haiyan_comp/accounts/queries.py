"""Reads of the accounts: who a session or a token signs in, the users and tokens lists.

Every request of a person checks its session: one row, plain columns, no
objects to build. Reading writes nothing; the last-seen and last-used times
are bookkeeping written apart (services.note_session_seen, note_token_used).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from haiyan_comp.accounts import services
from haiyan_comp.accounts.models import ApiToken, User, WebSession
from haiyan_comp.institutions.models import Institution, Staff

SEEN_EVERY = timedelta(minutes=5)  # last-seen and last-used times are written at most this often


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored moment is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _aware_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else _aware(moment)


@dataclass(frozen=True)
class SessionUser:
    """What a request needs of the user a session signs in, read in one row."""

    id: int
    username: str
    display_name: str
    role: str
    institution_id: int | None
    institution_code: str | None
    institution_name: str | None
    staff_code: str | None
    must_change_password: bool  # a one-time password: choose your own first


class SessionCheck(NamedTuple):
    """Who a session signs in (None: nobody), and whether its row wants writing."""

    user: SessionUser | None
    write_due: bool


_SESSION_USER = (
    select(
        WebSession.created_at,
        WebSession.last_seen_at,
        User.active,
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.institution_id,
        Institution.code,
        Institution.name,
        Staff.code,
        User.must_change_password,
    )
    .join(User, User.id == WebSession.user_id)
    .outerjoin(Institution, Institution.id == User.institution_id)
    .outerjoin(Staff, Staff.id == User.staff_id)
    .where(WebSession.token_hash == bindparam("token_hash"))
)


def session_user(session: Session, secret: str) -> SessionCheck:
    """The active user of a live session (reads only; see services.note_session_seen)."""
    row = session.execute(_SESSION_USER, {"token_hash": services.digest(secret)}).one_or_none()
    if row is None:
        return SessionCheck(None, False)
    created, seen, active, *user = row
    moment = services.now()
    idle, lifetime = services.session_limits()
    seen = _aware(seen)
    if moment - seen > idle or moment - _aware(created) > lifetime:
        return SessionCheck(None, True)  # over: its row is deleted by note_session_seen
    if not active:
        return SessionCheck(None, False)
    return SessionCheck(SessionUser(*user), moment - seen > SEEN_EVERY)


def session_user_of(user: User) -> SessionUser:
    """The session's view of a user just signed in."""
    return SessionUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        institution_id=user.institution_id,
        institution_code=user.institution.code if user.institution else None,
        institution_name=user.institution.name if user.institution else None,
        staff_code=user.staff.code if user.staff else None,
        must_change_password=user.must_change_password,
    )


@dataclass(frozen=True)
class TokenPrincipal:
    """A live API token, as a request sees who calls."""

    id: int
    prefix: str
    role: str
    institution_id: int | None
    institution_code: str | None


class TokenCheck(NamedTuple):
    """The live token of a secret (None: none), and whether its last use wants writing."""

    token: TokenPrincipal | None
    use_due: bool


_TOKEN = (
    select(
        ApiToken.id,
        ApiToken.prefix,
        ApiToken.role,
        ApiToken.institution_id,
        Institution.code,
        ApiToken.revoked_at,
        ApiToken.last_used_at,
    )
    .outerjoin(Institution, Institution.id == ApiToken.institution_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def token_principal(session: Session, secret: str) -> TokenCheck:
    """The live token with this secret (reads only; see services.note_token_used)."""
    if not secret.startswith(services.TOKEN_PREFIX):
        return TokenCheck(None, False)
    row = session.execute(_TOKEN, {"token_hash": services.digest(secret)}).one_or_none()
    if row is None or row.revoked_at is not None:
        return TokenCheck(None, False)
    used = row.last_used_at
    due = used is None or services.now() - _aware(used) > SEEN_EVERY
    return TokenCheck(TokenPrincipal(*row[:5]), due)


@dataclass(frozen=True)
class UserRow:
    """A user as the administrator's page and `haiyan users list` show them (never the hash)."""

    username: str
    display_name: str
    role: str
    institution_code: str | None
    institution_name: str | None
    staff_code: str | None
    active: bool
    last_sign_in_at: datetime | None
    must_change_password: bool = False  # a one-time password not yet replaced


def _user_rows(
    session: Session, where: object | None = None, by_name: bool = False
) -> list[UserRow]:
    query = (
        select(
            User.username,
            User.display_name,
            User.role,
            Institution.code,
            Institution.name,
            Staff.code,
            User.active,
            User.last_sign_in_at,
            User.must_change_password,
        )
        .outerjoin(Institution, Institution.id == User.institution_id)
        .outerjoin(Staff, Staff.id == User.staff_id)
    )
    if where is not None:
        query = query.where(where)  # type: ignore[arg-type]
    order = (User.username,) if by_name else (User.role, User.username)
    rows = session.execute(query.order_by(*order))
    return [UserRow(*row[:7], _aware_or_none(row[7]), bool(row[8])) for row in rows]


def user_list(session: Session, by_name: bool = False) -> list[UserRow]:
    """Every user, by role and name (or by name only)."""
    return _user_rows(session, by_name=by_name)


def institution_usernames(session: Session, institution_id: int) -> list[str]:
    """The usernames of an institution's users (who uploaded its files through the pages)."""
    rows = session.scalars(select(User.username).where(User.institution_id == institution_id))
    return list(rows)


def user_row(session: Session, username: str) -> UserRow:
    """One user (NotFound if there is none)."""
    rows = _user_rows(session, User.username == username)
    if not rows:
        services.get_user(session, username)  # raises NotFound
    return rows[0]


@dataclass(frozen=True)
class TokenRow:
    """An API token as the administrator sees it (never the secret or its hash)."""

    id: int
    name: str
    prefix: str
    role: str
    institution_code: str | None
    institution_name: str | None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def token_list(session: Session, token_id: int | None = None) -> list[TokenRow]:
    """Every token (or the one with `token_id`), newest first, revoked ones included."""
    scope = aliased(Institution)
    query = select(
        ApiToken.id,
        ApiToken.name,
        ApiToken.prefix,
        ApiToken.role,
        scope.code,
        scope.name,
        ApiToken.created_by,
        ApiToken.created_at,
        ApiToken.last_used_at,
        ApiToken.revoked_at,
    ).outerjoin(scope, scope.id == ApiToken.institution_id)
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    rows = session.execute(query.order_by(ApiToken.id.desc()))
    return [
        TokenRow(*row[:7], _aware(row[7]), _aware_or_none(row[8]), _aware_or_none(row[9]))
        for row in rows
    ]
