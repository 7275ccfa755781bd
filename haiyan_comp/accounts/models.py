"""Users, their sign-in sessions and API tokens (secrets are stored hashed only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from haiyan_comp.accounts.roles import ROLE_NAMES, ROLES, TOKEN_ROLES
from haiyan_comp.db import Base
from haiyan_comp.institutions.models import Institution, Staff

__all__ = ["ROLES", "ROLE_NAMES", "TOKEN_ROLES", "ApiToken", "SignInAttempt", "User", "WebSession"]


class User(Base):
    """A person who signs in; centre and staff users belong to one institution."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('finance', 'auditor', 'centre', 'staff', 'admin')", name="known_role"
        ),
        CheckConstraint(
            "(role IN ('centre', 'staff')) = (institution_id IS NOT NULL)",
            name="institution_iff_scoped",
        ),
        CheckConstraint("(role = 'staff') = (staff_id IS NOT NULL)", name="staff_iff_staff_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A one-time password set by an administrator: the user must choose their own.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    institution: Mapped[Institution | None] = relationship(lazy="joined")
    staff: Mapped[Staff | None] = relationship(lazy="joined")


class WebSession(Base):
    """One signed-in browser; signing out deletes it, so its cookie is dead at once."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    address: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(255))

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token for a machine, scoped to an institution or the whole county."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(
            "role IN ('finance', 'auditor', 'centre', 'platform')", name="known_token_role"
        ),
        CheckConstraint(
            "role NOT IN ('centre') OR institution_id IS NOT NULL", name="centre_has_institution"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists, to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    institution: Mapped[Institution | None] = relationship(lazy="joined")


class SignInAttempt(Base):
    """A password check at sign-in that did not succeed (or is under way); see accounts.limits.

    Kept in the database so that every worker process and machine counts the same
    attempts; rows older than a day are deleted as new ones come.
    """

    __tablename__ = "signin_attempts"
    __table_args__ = (
        Index("ix_signin_attempts_account_at", "account", "at"),
        Index("ix_signin_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(64))  # the name typed, in lower case
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
