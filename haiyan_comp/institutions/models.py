"""Township institutions and their staff."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from haiyan_comp.db import Base


class Institution(Base):
    """A township health institution the county buys services from."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)

    staff: Mapped[list[Staff]] = relationship(back_populates="institution")


class Staff(Base):
    """A staff member; codes are unique across the county."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))

    institution: Mapped[Institution] = relationship(back_populates="staff")
