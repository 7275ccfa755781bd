"""Use cases of the accounts: users, API tokens, signing in and out, who a request is.

Signing in is several steps on purpose: the attempt is stored (and committed)
before the attempts are counted, so that concurrent tries see each other
(accounts/limits.py); the password is checked without a write lock; the session
opens, and the user's last sign-in time is written, in one unit of work.

Who a request is costs one row, read in the request's own transaction (the
page's read or write continues it). Its bookkeeping (when a session was last
seen, when a token was last used) goes through `db.try_write`, which writes it
if the database lets it within a moment and otherwise leaves it to a later
request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from haiyan_comp.accounts import limits, queries, reset, services
from haiyan_comp.accounts.queries import SessionUser, TokenPrincipal, TokenRow, UserRow
from haiyan_comp.db import db
from haiyan_comp.operations import operation, reading

__all__ = [
    "IssuedToken",
    "SessionUser",
    "SignInResult",
    "TokenPrincipal",
    "TokenRow",
    "UserRow",
]


@operation
def create_user(
    username: str,
    password: str,
    role: str,
    *,
    institution_code: str | None = None,
    staff_code: str | None = None,
    display_name: str | None = None,
) -> UserRow:
    """A new user; centre users name an institution, staff users a staff member."""
    user = services.create_user(
        db.session,
        username,
        password,
        role,
        institution_code=institution_code,
        staff_code=staff_code,
        display_name=display_name,
    )
    return queries.user_row(db.session, user.username)


@operation
def set_active(username: str, active: bool) -> UserRow:
    """Disable a user (every session of theirs ends at once) or enable them."""
    services.set_active(db.session, username, active)
    return queries.user_row(db.session, username)


@operation
def set_password(username: str, password: str) -> UserRow:
    """A new password; every open session of the user ends."""
    services.set_password(db.session, username, password)
    return queries.user_row(db.session, username)


@reading
def user_list(by_name: bool = False) -> list[UserRow]:
    """Every user, by role and name (or by name only)."""
    return queries.user_list(db.session, by_name)


@dataclass(frozen=True)
class IssuedToken:
    """A token as created: `secret` is shown once and never stored."""

    token: TokenRow
    secret: str


@operation
def create_token(
    name: str, role: str, institution_code: str | None, created_by: str
) -> IssuedToken:
    """A new API token for a machine."""
    issued = services.create_token(db.session, name, role, institution_code, created_by)
    return IssuedToken(queries.token_list(db.session, issued.token.id)[0], issued.secret)


@operation
def revoke_token(token_id: int) -> TokenRow:
    """Revoke a token; it stops working at once. Revoking twice changes nothing."""
    token = services.revoke_token(db.session, token_id)
    return queries.token_list(db.session, token.id)[0]


@reading
def token_list() -> list[TokenRow]:
    """Every token, newest first, revoked ones included."""
    return queries.token_list(db.session)


def session_user(secret: str) -> SessionUser | None:
    """The person whose live session this is, or None (signed out, expired, disabled).

    Its read is the start of the request's one transaction: the page's own read
    (or write) goes on in it and ends it. Only bookkeeping that is due ends it
    early, through `db.try_write`.
    """
    check = queries.session_user(db.session, secret)
    if check.write_due:  # bookkeeping: skipped if another writer holds the database
        db.try_write(lambda session: services.note_session_seen(session, secret))
    return check.user


def token_principal(secret: str) -> TokenPrincipal | None:
    """The live API token with this secret, or None (read in the request's transaction)."""
    check = queries.token_principal(db.session, secret)
    if check.token is not None and check.use_due:
        token_id = check.token.id
        db.try_write(lambda session: services.note_token_used(session, token_id))
    return check.token


@dataclass(frozen=True)
class SignInResult:
    """A sign-in: the user and the session's secret, or why not (a wait, or a wrong password)."""

    user: SessionUser | None = None
    secret: str | None = None
    wait: timedelta | None = None  # too many attempts: no password was checked

    @property
    def wait_minutes(self) -> int:
        """The wait in whole minutes, rounded up (what the page says)."""
        return limits.minutes(self.wait or timedelta())


def sign_in(
    username: str,
    password: str,
    address: str,
    user_agent: str,
    configured: limits.SignInLimits | None = None,
) -> SignInResult:
    """One counted password check (accounts/limits.py); a new session if it succeeds."""
    configured = configured or limits.SignInLimits()
    account, moment = limits.account_key(username), services.now()
    attempt = _record_attempt(account, address, moment)
    wait, user_id = _judge(username, password, account, address, moment, configured)
    if wait is not None:
        _forget_attempt(attempt)
        return SignInResult(wait=wait)
    if user_id is None:  # the attempt's row stays: it counts
        return SignInResult()
    return _open_session(user_id, account, address, user_agent)


@operation
def sign_out(secret: str) -> None:
    """The session's cookie no longer signs anyone in."""
    services.close_session(db.session, secret)


@operation
def _record_attempt(account: str, address: str, moment: datetime) -> int:
    return limits.record_attempt(db.session, account, address, moment)


@reading
def _judge(
    username: str,
    password: str,
    account: str,
    address: str,
    moment: datetime,
    configured: limits.SignInLimits,
) -> tuple[timedelta | None, int | None]:
    """(how long to wait, None) over a limit; else (None, the user's id or None)."""
    wait = limits.wait_needed(db.session, account, address, moment, configured)
    if wait is not None:
        return wait, None
    user = services.authenticate(db.session, username, password)
    return None, user.id if user is not None else None


@operation
def _forget_attempt(attempt: int) -> None:
    limits.forget_attempt(db.session, attempt)


@operation
def _open_session(user_id: int, account: str, address: str, user_agent: str) -> SignInResult:
    limits.forget_failures(db.session, account, address)
    user = services.user_by_id(db.session, user_id)
    secret = services.open_session(db.session, user, address, user_agent)
    return SignInResult(user=queries.session_user_of(user), secret=secret)


@operation
def change_own_password(user_id: int, old: str, new: str, confirm: str, keep_secret: str) -> None:
    """A user's own new password (the current one required); their other sessions end."""
    reset.change_own_password(db.session, user_id, old, new, confirm, keep_secret)


@operation
def reset_password(username: str, one_time: str) -> UserRow:
    """An administrator's one-time password; the user must choose their own at sign-in."""
    reset.reset_password(db.session, username, one_time)
    return queries.user_row(db.session, username)
