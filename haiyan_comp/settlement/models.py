"""What a settlement fixed, per year and per institution (R13, R14)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from haiyan_comp.db import Base


class YearSettlement(Base):
    """A settled year: when, as of which date, by whom, at what price, with what draw."""

    __tablename__ = "year_settlements"

    year: Mapped[int] = mapped_column(
        ForeignKey("years.year"), primary_key=True, autoincrement=False
    )
    as_of: Mapped[date] = mapped_column(Date)
    unit_price: Mapped[str] = mapped_column(String(20))
    budget: Mapped[int] = mapped_column(BigInteger)
    risk_fund_draw: Mapped[int] = mapped_column(BigInteger)
    settled_by: Mapped[str] = mapped_column(String(100))
    settled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Settlement(Base):
    """An institution's settled year: P, A, F, prepaid and the balance (R13)."""

    __tablename__ = "settlements"

    year: Mapped[int] = mapped_column(ForeignKey("year_settlements.year"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    verified_basic_medical: Mapped[int] = mapped_column(BigInteger)
    verified_public_health: Mapped[int] = mapped_column(BigInteger)
    purchased_basic_medical: Mapped[int] = mapped_column(BigInteger)
    purchased: Mapped[int] = mapped_column(BigInteger)
    entitlement: Mapped[int] = mapped_column(BigInteger)
    final: Mapped[int] = mapped_column(BigInteger)
    prepaid: Mapped[int] = mapped_column(BigInteger)
    balance: Mapped[int] = mapped_column(BigInteger)
