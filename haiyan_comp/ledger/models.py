"""The append-only, double-entry ledger of every money movement (R15).

An entry says who moved money, when and why; its postings move fen between
accounts and always sum to zero. Accounts are plain names:

- `cash`                     the county's payment account (negative: paid out)
- `risk_fund`                the reform risk fund (negative: drawn)
- `prepaid:{K}:{Y}`          instalments paid to institution K for year Y
- `debt:{K}`                 what institution K owes back (positive: owed)
- `purchase:{Y}`             what year Y's services cost, recognised at settlement
- `adjustment:{Y}`           corrections of a settled year, booked in an open year

Each entry carries its description as a message code and parameters (shown in
the reader's language) beside the English, and a hash over its content and the
previous entry's hash (chain.py), so that a change made behind the
application's back shows in `haiyan ledger verify`. Settling a year records
the chain's head as the year's seal (LedgerSeal).

Rows are never updated or deleted: the models refuse it, and triggers do too,
on PostgreSQL and on SQLite (migrations 0003 and 0012).
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
    code: Mapped[str] = mapped_column(String(60), server_default="")  # the description's
    params: Mapped[str] = mapped_column(Text, server_default="{}")  # canonical JSON
    hash: Mapped[str] = mapped_column(String(64), server_default="")  # chain.entry_hash

    postings: Mapped[list[Posting]] = relationship(back_populates="entry", order_by="Posting.id")


class Posting(Base):
    """One leg of an entry: fen into (positive) or out of (negative) an account."""

    __tablename__ = "ledger_postings"
    # An account's balance up to an entry, from the index alone (the page's running balances).
    __table_args__ = (Index("ix_ledger_postings_account_entry", "account", "entry_id", "amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    account: Mapped[str] = mapped_column(String(60))
    amount: Mapped[int] = mapped_column(BigInteger)

    entry: Mapped[LedgerEntry] = relationship(back_populates="postings")


class LedgerSeal(Base):
    """A settled year's seal: the chain's head when the year was settled."""

    __tablename__ = "ledger_seals"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LedgerCheck(Base):
    """One verification of the books: when, by whom, up to which entry, what it found
    (the problems as JSON: each message's English, code, field and parameters)."""

    __tablename__ = "ledger_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_by: Mapped[str] = mapped_column(String(100))
    head_id: Mapped[int | None]  # the last entry checked (None: the ledger was empty)
    head_hash: Mapped[str] = mapped_column(String(64))
    verified: Mapped[bool]
    problems: Mapped[str] = mapped_column(Text)


def _refuse(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    raise Conflict(APPEND_ONLY(table=type(target).__name__, id=target.id))


for _model in (LedgerEntry, Posting, LedgerSeal):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
