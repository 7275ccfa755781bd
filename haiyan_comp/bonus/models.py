"""Assessments, indicators and bonus pools of settled years (R16, R17)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from haiyan_comp.db import Base


class Assessment(Base):
    """An institution's score (hundredths of a point) and surplus (fen) for a year (R16)."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100000", name="score_in_range"),
        CheckConstraint("pool IS NULL OR pool >= 0", name="pool_not_negative"),
    )

    year: Mapped[int] = mapped_column(ForeignKey("year_settlements.year"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    score: Mapped[int]
    surplus: Mapped[int] = mapped_column(BigInteger)
    pool: Mapped[int | None] = mapped_column(BigInteger)  # chosen below the cap (R17)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Indicator(Base):
    """An assessment indicator of a year, with its maximum points (the maxima add up to 1000)."""

    __tablename__ = "assessment_indicators"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    max_points: Mapped[int]


class IndicatorScore(Base):
    """An institution's points on one indicator (never above its maximum)."""

    __tablename__ = "assessment_indicator_scores"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    indicator_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    points: Mapped[int]
