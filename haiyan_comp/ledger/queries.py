"""The ledger as users read it: its entries in order (for a year and/or an institution),
the finance officer's journal page, and a settled year's seal."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from haiyan_comp.accounts.queries import user_list
from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.descriptions import account_name, description, who_name
from haiyan_comp.ledger.models import LedgerEntry, LedgerSeal, Posting


@dataclass(frozen=True)
class LedgerLine:
    """An entry as machines read it (`haiyan ledger --json`, the API): the English
    description, and its code and parameters, and the entry's hash in the chain."""

    id: int
    kind: str
    year: int
    institution: str | None
    amount: int
    reason: str
    created_by: str
    created_at: datetime
    postings: dict[str, int]
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    hash: str = ""


def ledger_lines(
    session: Session, year: int | None = None, institution_code: str | None = None
) -> list[LedgerLine]:
    """Entries in order, for a year and/or an institution."""
    codes = dict(session.execute(select(Institution.id, Institution.code)).all())
    query = select(LedgerEntry).options(selectinload(LedgerEntry.postings)).order_by(LedgerEntry.id)
    if year is not None:
        query = query.where(LedgerEntry.year == year)
    if institution_code is not None:
        ids = [pk for pk, code in codes.items() if code == institution_code]
        query = query.where(LedgerEntry.institution_id.in_(ids))
    return [
        LedgerLine(
            e.id,
            e.kind,
            e.year,
            codes.get(e.institution_id) if e.institution_id else None,
            e.amount,
            e.reason,
            e.created_by,
            e.created_at,
            {p.account: p.amount for p in e.postings},
            e.code,
            json.loads(e.params or "{}"),
            e.hash,
        )
        for e in session.scalars(query)
    ]


# ------------------------------------------------------------------ the journal page


@dataclass(frozen=True)
class JournalPosting:
    """One leg of an entry as the journal shows it: debit or credit, and the account's
    balance after it (debit positive: what was paid in, owed or spent)."""

    account: str
    name: str  # a message: the account in the reader's words
    debit: int | None
    credit: int | None
    balance: int


@dataclass(frozen=True)
class JournalEntry:
    """An entry as a finance officer reads it: date, description, who, its legs."""

    id: int
    created_at: datetime
    kind: str
    year: int
    institution: str | None
    description: str  # a message (or the stored English of an unknown code)
    who: str  # a person's name, or a message (命令行（root）)
    postings: tuple[JournalPosting, ...]


@dataclass(frozen=True)
class JournalPage:
    """A page of the journal, newest first, and what the whole selection counts."""

    entries: list[JournalEntry]
    count: int
    totals: dict[str, int]  # kind → sum of the selected entries' amounts
    accounts: list[tuple[str, str]]  # every account (code, name) for the filter
    seals: list[YearSeal]  # of every settled year, oldest first


def journal_page(
    session: Session,
    *,
    year: int | None = None,
    institution: str | None = None,
    account: str | None = None,
    page: int = 1,
    size: int = 100,
) -> JournalPage:
    """Entries newest first (`size` a page), filtered by year, institution and account."""
    institutions = session.execute(select(Institution.id, Institution.code, Institution.name))
    ids, names = {}, {}
    for pk, code, name in institutions:
        ids[code], names[code] = pk, name
    wanted = _selection(year, ids.get(institution, -1) if institution else None, account)
    count = session.scalar(select(func.count()).select_from(LedgerEntry).where(*wanted)) or 0
    totals = dict(
        session.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.amount))
            .where(*wanted)
            .group_by(LedgerEntry.kind)
        ).all()
    )
    rows = session.execute(
        select(*_JOURNAL_COLUMNS)
        .where(*wanted)
        .order_by(LedgerEntry.id.desc())
        .limit(size)
        .offset((max(page, 1) - 1) * size)
    ).all()
    legs = _legs_with_balances(session, [row[0] for row in rows], names)
    people = {user.username: user.display_name for user in user_list(session)}
    codes = {pk: code for code, pk in ids.items()}
    entries = [
        JournalEntry(
            entry_id,
            at,
            kind,
            entry_year,
            codes.get(inst) if inst else None,
            description(code, params, reason),
            who_name(by, people),
            legs.get(entry_id, ()),
        )
        for entry_id, at, kind, entry_year, inst, code, params, reason, by in rows
    ]
    every = _accounts(
        session, _selection(year, ids.get(institution, -1) if institution else None, None), account
    )
    return JournalPage(
        entries,
        int(count),
        {kind: int(total) for kind, total in totals.items()},
        [(name, account_name(name, names)) for name in every],
        year_seals(session),
    )


def _accounts(session: Session, wanted: list[Any], account: str | None) -> list[str]:
    """The accounts the entries of a year and/or institution post to (for the filter), and
    the account asked for when the ledger has it at all."""
    query = select(Posting.account).distinct().order_by(Posting.account)
    if wanted:
        query = query.where(Posting.entry_id.in_(select(LedgerEntry.id).where(*wanted)))
    names = list(session.scalars(query))
    known = select(Posting.id).where(Posting.account == account).limit(1)
    if account is not None and account not in names and session.scalar(known):
        names = sorted([*names, account])
    return names


def _selection(year: int | None, institution_id: int | None, account: str | None) -> list[Any]:
    wanted: list[Any] = []
    if year is not None:
        wanted.append(LedgerEntry.year == year)
    if institution_id is not None:
        wanted.append(LedgerEntry.institution_id == institution_id)
    if account is not None:
        wanted.append(
            LedgerEntry.id.in_(select(Posting.entry_id).where(Posting.account == account))
        )
    return wanted


_JOURNAL_COLUMNS = (
    LedgerEntry.id,
    LedgerEntry.created_at,
    LedgerEntry.kind,
    LedgerEntry.year,
    LedgerEntry.institution_id,
    LedgerEntry.code,
    LedgerEntry.params,
    LedgerEntry.reason,
    LedgerEntry.created_by,
)


def _legs_with_balances(
    session: Session, entry_ids: list[int], names: dict[str, str]
) -> dict[int, tuple[JournalPosting, ...]]:
    """The postings of these entries, each with its account's running balance after it."""
    if not entry_ids:
        return {}
    legs = session.execute(
        select(Posting.id, Posting.entry_id, Posting.account, Posting.amount)
        .where(Posting.entry_id.in_(entry_ids))
        .order_by(Posting.entry_id, Posting.id)
    ).all()
    running = (
        select(
            Posting.id,
            func.sum(Posting.amount)
            .over(partition_by=Posting.account, order_by=Posting.id)
            .label("balance"),
        )
        .where(
            Posting.account.in_({leg.account for leg in legs}),
            Posting.id <= max(leg.id for leg in legs),
        )
        .subquery()
    )
    wanted = [leg.id for leg in legs]
    balances = dict(
        session.execute(
            select(running.c.id, running.c.balance).where(running.c.id.in_(wanted))
        ).all()
    )
    shown: dict[int, list[JournalPosting]] = {}
    for posting_id, entry_id, account, amount in legs:
        shown.setdefault(entry_id, []).append(
            JournalPosting(
                account,
                account_name(account, names),
                amount if amount > 0 else None,
                -amount if amount < 0 else None,
                int(balances.get(posting_id, 0)),
            )
        )
    return {entry_id: tuple(rows) for entry_id, rows in shown.items()}


# ------------------------------------------------------------------ a settled year's seal


@dataclass(frozen=True)
class YearSeal:
    """A settled year's seal: the ledger chain's hash when the year was settled."""

    year: int
    hash: str  # 64 hex digits (SHA-256); statements print it
    entry_id: int | None  # the last entry booked when the year was settled
    sealed_at: datetime


_SEAL_COLUMNS = (LedgerSeal.year, LedgerSeal.hash, LedgerSeal.entry_id, LedgerSeal.sealed_at)


def year_seal(session: Session, year: int) -> YearSeal | None:
    """The seal of a settled year (None while the year is open): statements print it."""
    row = session.execute(select(*_SEAL_COLUMNS).where(LedgerSeal.year == year)).first()
    return YearSeal(*row) if row is not None else None


def year_seals(session: Session) -> list[YearSeal]:
    """Every settled year's seal, oldest year first."""
    return [
        YearSeal(*row) for row in session.execute(select(*_SEAL_COLUMNS).order_by(LedgerSeal.year))
    ]
