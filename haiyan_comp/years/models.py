"""The scheme year and its lifecycle (open → settled)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column

from haiyan_comp.db import Base


class Year(Base):
    """A scheme year; settled_at is set once, when the year is settled (R13, R15)."""

    __tablename__ = "years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
