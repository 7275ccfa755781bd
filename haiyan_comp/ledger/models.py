"""The append-only, double-entry ledger of every money movement (R15).

An entry says who moved money, when and why; its postings move fen between
accounts and always sum to zero. Accounts are plain names:

- `cash`                     the county's payment account (negative: paid out)
- `risk_fund`                the reform risk fund (negative: drawn)
- `prepaid:{K}:{Y}`          instalments paid to institution K for year Y
- `debt:{K}`                 what institution K owes back (positive: owed)
- `purchase:{Y}`             what year Y's services cost, recognised at settlement
- `adjustment:{Y}`           corrections of a settled year, booked in an open year

Rows are never updated or deleted: the models refuse it, and on PostgreSQL a
trigger does too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from haiyan_comp.db import Base
from haiyan_comp.errors import Conflict
from haiyan_comp.ledger.messages import APPEND_ONLY

ENTRY_KINDS = ("instalment", "top_up", "debt", "risk_fund_draw", "settlement", "adjustment")


class LedgerEntry(Base):
    """One money movement: what kind, for which institution and year, who, when, why."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_year_institution", "year", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    postings: Mapped[list[Posting]] = relationship(back_populates="entry", order_by="Posting.id")


class Posting(Base):
    """One leg of an entry: fen into (positive) or out of (negative) an account."""

    __tablename__ = "ledger_postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    account: Mapped[str] = mapped_column(String(60), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)

    entry: Mapped[LedgerEntry] = relationship(back_populates="postings")


def _refuse(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    raise Conflict(APPEND_ONLY(table=type(target).__name__, id=target.id))


for _model in (LedgerEntry, Posting):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
