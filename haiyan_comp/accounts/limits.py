"""How many password checks sign-in allows, counted in the database.

Every password check first writes a row (account as typed, address, time) and
commits it, then counts the rows of the windows below, its own included. Over
any limit, it deletes its row and is refused without a password check; a
successful check deletes its row and the pair's earlier failures; a failed one
keeps its row. Every worker process and machine sees the same rows, and since
each check counts after committing its own row, no number of concurrent tries
gets more than a limit's worth of password checks through.

- one account from one address: 5 in 5 minutes (a person mistyping);
- one address, any account: 20 in 5 minutes (guessing many accounts);
- one account from every address: 50 in 15 minutes (a spread-out attack).

A stranger at one address reaches only the first two, so an officer at
another address still signs in; the third is high enough that one stranger
never reaches it. Refused tries leave no row, so hammering on does not
lengthen anyone's wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from haiyan_comp.accounts.models import SignInAttempt

KEEP = timedelta(days=1)  # rows older than this are deleted as new ones come


@dataclass(frozen=True)
class Limit:
    """At most `count` password checks in any `window`."""

    count: int
    window: timedelta


@dataclass(frozen=True)
class SignInLimits:
    """The three limits of the module's docstring."""

    pair: Limit = Limit(5, timedelta(minutes=5))
    address: Limit = Limit(20, timedelta(minutes=5))
    account: Limit = Limit(50, timedelta(minutes=15))


def account_key(username: str) -> str:
    """The name an attempt is counted under: as typed, trimmed, in lower case."""
    return username.strip().lower()[:64]


def record_attempt(session: Session, account: str, address: str, moment: datetime) -> int:
    """Write the attempt's row (and delete rows past KEEP); the caller commits. Its id."""
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < moment - KEEP))
    attempt = SignInAttempt(account=account, address=address[:64], at=moment)
    session.add(attempt)
    session.flush()
    return attempt.id


def wait_needed(
    session: Session, account: str, address: str, moment: datetime, limits: SignInLimits
) -> timedelta | None:
    """How long until a refused attempt may try again; None when it may try now."""
    waits = [
        _over(session, limit, moment, where)
        for limit, where in (
            (
                limits.pair,
                (SignInAttempt.account == account) & (SignInAttempt.address == address[:64]),
            ),
            (limits.address, SignInAttempt.address == address[:64]),
            (limits.account, SignInAttempt.account == account),
        )
    ]
    over = [wait for wait in waits if wait is not None]
    return max(over) if over else None


def _over(
    session: Session, limit: Limit, moment: datetime, where: ColumnElement[bool]
) -> timedelta | None:
    """None within `limit`; else the time until enough rows of the window have aged out."""
    since = moment - limit.window
    count = session.scalar(
        select(func.count()).select_from(SignInAttempt).where(where, SignInAttempt.at > since)
    )
    excess = (count or 0) - limit.count
    if excess <= 0:
        return None
    times = session.scalars(
        select(SignInAttempt.at)
        .where(where, SignInAttempt.at > since)
        .order_by(SignInAttempt.at)
        .limit(excess)
    ).all()
    oldest_needed = _aware(times[-1], moment)
    return max(oldest_needed + limit.window - moment, timedelta(seconds=1))


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored moment is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)


def forget_attempt(session: Session, attempt_id: int) -> None:
    """A refused attempt leaves no trace (it checked no password)."""
    session.execute(delete(SignInAttempt).where(SignInAttempt.id == attempt_id))


def forget_failures(session: Session, account: str, address: str) -> None:
    """After a successful sign-in: the pair's earlier failures, and this attempt, are forgiven."""
    session.execute(
        delete(SignInAttempt).where(
            SignInAttempt.account == account, SignInAttempt.address == address[:64]
        )
    )


def minutes(wait: timedelta) -> int:
    """A wait in whole minutes, rounded up (what the page says)."""
    return max(1, math.ceil(wait.total_seconds() / 60))
