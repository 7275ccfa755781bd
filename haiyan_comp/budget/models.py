"""A year's money configuration, baselines and prepayments (R9–R12).

Money is fen, units hundredths of a unit, ratios ten-thousandths (8000 = 80%).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from haiyan_comp.db import Base

RATIO_SCALE = 10_000  # ratios are stored in ten-thousandths


class YearConfig(Base):
    """R10: budget, price, growth cap, risk fund, prepayment ratio and instalments of a year."""

    __tablename__ = "year_configs"
    __table_args__ = (
        CheckConstraint("budget >= 0", name="budget_not_negative"),
        CheckConstraint("risk_fund >= 0", name="risk_fund_not_negative"),
        CheckConstraint("prepay_ratio > 0 AND prepay_ratio <= 10000", name="ratio_in_range"),
        CheckConstraint("instalments IN (1, 2, 3, 4, 6, 12)", name="instalments_allowed"),
        CheckConstraint(
            "(price_mode = 'fixed' AND unit_price > 0)"
            " OR (price_mode = 'floating' AND unit_price IS NULL)",
            name="price_mode_consistent",
        ),
    )

    year: Mapped[int] = mapped_column(
        ForeignKey("years.year"), primary_key=True, autoincrement=False
    )
    budget: Mapped[int] = mapped_column(BigInteger)
    price_mode: Mapped[str] = mapped_column(String(10))
    unit_price: Mapped[int | None] = mapped_column(BigInteger)
    growth_cap: Mapped[int | None]
    risk_fund: Mapped[int] = mapped_column(BigInteger, default=0)
    prepay_ratio: Mapped[int]
    instalments: Mapped[int]
    basic_share: Mapped[int] = mapped_column(default=4000)  # R19: basic : incentive = 4 : 6
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConfigChange(Base):
    """Audit trail of year configuration, baselines and prepayment plans: who, when, old, new."""

    __tablename__ = "config_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    subject: Mapped[str] = mapped_column(String(60))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Baseline(Base):
    """R9: the previous year's purchased basic-medical units, when Y−1 is not in the system."""

    __tablename__ = "baselines"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    basic_medical_units: Mapped[int] = mapped_column(BigInteger)


class PrepaymentPlan(Base):
    """R11: a weight, or an outright prepayment total, entered for an institution and year."""

    __tablename__ = "prepayment_plans"
    __table_args__ = (
        CheckConstraint("(weight IS NULL) <> (total IS NULL)", name="weight_or_total"),
    )

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    weight: Mapped[int | None] = mapped_column(BigInteger)
    total: Mapped[int | None] = mapped_column(BigInteger)


class PrepaymentTotal(Base):
    """R11: each institution's prepayment total, frozen when the year's first instalment is paid."""

    __tablename__ = "prepayment_totals"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger)
    basis: Mapped[str] = mapped_column(String(20))  # last_year_final | weights | equal | outright


class Instalment(Base):
    """A paid instalment (R11, R12); the unique key makes paying it twice impossible."""

    __tablename__ = "instalments"
    __table_args__ = (UniqueConstraint("year", "institution_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    number: Mapped[int]
    due: Mapped[date] = mapped_column(Date)
    gross: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger)
    cash: Mapped[int] = mapped_column(BigInteger)
    as_of: Mapped[date] = mapped_column(Date)
    paid_by: Mapped[str] = mapped_column(String(100))
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
