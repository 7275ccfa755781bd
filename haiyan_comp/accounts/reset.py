"""Passwords people change: their own (the current one required), or an administrator's reset.

A reset sets a one-time password: the user signs in with it and must choose
their own before any page opens (`must_change_password`). Either way every
other sign-in session of the user ends; changing one's own keeps the session
it was done in.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from haiyan_comp.accounts.messages import (
    OLD_PASSWORD_WRONG,
    PASSWORD_UNCHANGED,
    PASSWORDS_DIFFER,
    joined,
)
from haiyan_comp.accounts.models import User, WebSession
from haiyan_comp.accounts.passwords import password_problems
from haiyan_comp.accounts.services import digest, get_user, hash_password, user_by_id
from haiyan_comp.errors import InvalidInput
from haiyan_comp.messages import Message


def change_own_password(
    session: Session, user_id: int, old: str, new: str, confirm: str, keep_secret: str
) -> User:
    """The user's own new password, checked against the current one; other sessions end.

    InvalidInput lists every problem (about old_password, password, confirm).
    """
    user = user_by_id(session, user_id)
    problems: list[Message] = []
    if not check_password_hash(user.password_hash, old):
        problems.append(OLD_PASSWORD_WRONG.on("old_password"))
    if new != confirm:
        problems.append(PASSWORDS_DIFFER.on("confirm"))
    elif new == old:
        problems.append(PASSWORD_UNCHANGED.on("password"))
    else:
        problems += password_problems(new, (user.username, user.display_name))
    if problems:
        raise InvalidInput(joined(problems), problems)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    session.execute(
        delete(WebSession).where(
            WebSession.user_id == user.id, WebSession.token_hash != digest(keep_secret)
        )
    )
    session.flush()
    return user


def reset_password(session: Session, username: str, one_time: str) -> User:
    """An administrator's one-time password: the user's sessions end, and at the next
    sign-in they must choose their own."""
    user = get_user(session, username)
    problems = password_problems(one_time, (user.username, user.display_name))
    if problems:
        raise InvalidInput(joined(problems), problems)
    user.password_hash = hash_password(one_time)
    user.must_change_password = True
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return user
