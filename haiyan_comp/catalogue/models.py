"""The catalogue of service items, one version per scheme year (R1)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from haiyan_comp.db import Base


class ServiceItem(Base):
    """One catalogue item of one year; `value` is in hundredths of a unit."""

    __tablename__ = "service_items"
    __table_args__ = (
        UniqueConstraint("year", "code"),
        CheckConstraint("value > 0", name="value_positive"),
        CheckConstraint("cap IS NULL OR cap > 0", name="cap_positive"),
        CheckConstraint("category IN ('basic_medical', 'public_health')", name="category_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("years.year"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(40))
    value: Mapped[int]
    cap: Mapped[int | None]
    spec: Mapped[str] = mapped_column(Text)
    data_rule: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
