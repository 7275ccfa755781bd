"""The finance officer's journal page: a page of entries newest first, each leg with its
account's balance after it, and what the selection counts.

Cheap at any size of the ledger: a page is read by its keyset (entries before or after
an id, on the primary key), an account's balance after a posting is one range of the
index (account, entry_id, amount) summed — the postings before the page, then a window
function over the page's range — and the accounts of the filter are a few probes of that
index. Nothing here reads the whole ledger.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.orm import Session

from haiyan_comp.accounts.queries import user_list
from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.descriptions import account_name, description, who_name
from haiyan_comp.ledger.models import LedgerEntry, Posting
from haiyan_comp.ledger.queries import YearSeal, year_seals


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
    first: int = 0  # the page's first entry's place in the selection, newest first (1 …)
    newer: int | None = None  # `after` for the page of newer entries (None: the newest)
    older: int | None = None  # `before` for the page of older entries (None: the oldest)


def journal_page(
    session: Session,
    *,
    year: int | None = None,
    institution: str | None = None,
    account: str | None = None,
    page: int = 1,
    size: int = 100,
    before: int | None = None,
    after: int | None = None,
) -> JournalPage:
    """Entries newest first (`size` a page), filtered by year, institution and account:
    the entries before the id `before`, or the `size` after the id `after`, or else
    page `page` (1: the newest)."""
    ids, names = {}, {}
    for pk, code, name in session.execute(
        select(Institution.id, Institution.code, Institution.name)
    ):
        ids[code], names[code] = pk, name
    chosen = _Selection(year, ids.get(institution, -1) if institution else None, account)
    rows = _rows(session, chosen, page, size, before, after)
    newer = older = None
    first = 0
    if rows:
        newer_count = session.scalar(chosen.query(func.count()).where(chosen.id > rows[0][0]))
        first = 1 + int(newer_count or 0)
        newer = rows[0][0] if first > 1 else None
        below = chosen.query(chosen.id).where(chosen.id < rows[-1][0]).limit(1)
        older = rows[-1][0] if session.scalar(below) is not None else None
    count, totals = _totals(session, chosen)
    return JournalPage(
        _entries(session, rows, ids, names),
        count,
        totals,
        [(a, account_name(a, names)) for a in _accounts(session, chosen, account, ids)],
        year_seals(session),
        first,
        newer,
        older,
    )


@dataclass(frozen=True)
class _Selection:
    """The entries of a year, an institution and/or an account. With an account, a query
    starts from that account's postings (the index on (account, entry_id, …) gives them
    in order), so that paging and counting never gather the whole ledger's ids."""

    year: int | None
    institution_id: int | None
    account: str | None

    @property
    def id(self) -> Any:
        """The entry's id, as the query orders and pages by it."""
        return LedgerEntry.id if self.account is None else Posting.entry_id

    def query(self, *columns: Any) -> Select[Any]:
        """`columns` of the selected entries."""
        query = select(*columns)
        if self.account is not None:
            query = query.select_from(Posting).where(Posting.account == self.account)
            if self.year is not None or self.institution_id is not None or _entry(columns):
                query = query.join(LedgerEntry, LedgerEntry.id == Posting.entry_id)
        else:
            query = query.select_from(LedgerEntry)
        if self.year is not None:
            query = query.where(LedgerEntry.year == self.year)
        if self.institution_id is not None:
            query = query.where(LedgerEntry.institution_id == self.institution_id)
        return query


def _entry(columns: tuple[Any, ...]) -> bool:
    return any(getattr(c, "table", None) is LedgerEntry.__table__ for c in columns)


def _totals(session: Session, chosen: _Selection) -> tuple[int, dict[str, int]]:
    """How many entries the selection holds, and what they sum to by kind; for one account
    (its own ledger), what was debited, credited and the balance instead."""
    if chosen.account is not None and chosen.year is None and chosen.institution_id is None:
        amount = Posting.amount
        debit = func.coalesce(func.sum(case((amount > 0, amount), else_=0)), 0)
        credit = func.coalesce(func.sum(case((amount < 0, -amount), else_=0)), 0)
        row = session.execute(chosen.query(func.count(), debit, credit)).one()
        count, debited, credited = (int(value or 0) for value in row)
        return count, {"debit": debited, "credit": credited, "balance": debited - credited}
    by_kind = session.execute(
        chosen.query(LedgerEntry.kind, func.count(), func.sum(LedgerEntry.amount)).group_by(
            LedgerEntry.kind
        )
    ).all()
    return sum(int(n) for _, n, _ in by_kind), {kind: int(total) for kind, _, total in by_kind}


def _rows(
    session: Session,
    chosen: _Selection,
    page: int,
    size: int,
    before: int | None,
    after: int | None,
) -> Sequence[Any]:
    """The page's entries, newest first, by keyset (before / after an id) or by number."""
    query = chosen.query(*_JOURNAL_COLUMNS).limit(size)
    if after is not None:
        return session.execute(query.where(chosen.id > after).order_by(chosen.id)).all()[::-1]
    query = query.order_by(chosen.id.desc())
    if before is not None:
        return session.execute(query.where(chosen.id < before)).all()
    return session.execute(query.offset((max(page, 1) - 1) * size)).all()


def _entries(
    session: Session, rows: Sequence[Any], ids: dict[str, int], names: dict[str, str]
) -> list[JournalEntry]:
    legs = _legs_with_balances(session, [row[0] for row in rows], names)
    people = {user.username: user.display_name for user in user_list(session)}
    codes = {pk: code for code, pk in ids.items()}
    return [
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


def _accounts(
    session: Session, chosen: _Selection, account: str | None, codes: Collection[str]
) -> list[str]:
    """The accounts for the filter: those the entries of the year and/or institution post
    to; with neither, the payment account, the risk fund, each institution's debt and the
    accounts of the latest year's entries (a long ledger names hundreds of years'
    accounts: choosing a year lists its own). The account asked for is there whenever the
    ledger has it. A handful of index look-ups, however long the ledger."""
    narrower = _Selection(chosen.year, chosen.institution_id, None)
    if chosen.year is None and chosen.institution_id is None:
        latest = session.scalar(select(func.max(LedgerEntry.year)))
        narrower = _Selection(latest if latest is not None else -1, None, None)
    query = select(Posting.account).distinct()
    names = set(session.scalars(query.where(_among_query(narrower))))
    if chosen.year is None and chosen.institution_id is None:
        names |= _existing(session, ["cash", "risk_fund", *(f"debt:{c}" for c in codes)])
    if account is not None and account not in names:
        names |= _existing(session, [account])
    return sorted(names)


def _among_query(chosen: _Selection) -> Any:
    return Posting.entry_id.in_(chosen.query(LedgerEntry.id))


def _existing(session: Session, accounts: list[str]) -> set[str]:
    """Those of these accounts the ledger posts to (one index probe each)."""
    if not accounts:
        return set()
    probes = [exists().where(Posting.account == name) for name in accounts]
    found = session.execute(select(*probes)).one()
    return {name for name, there in zip(accounts, found, strict=True) if there}


def _year_of(account: str) -> int | None:
    """The year an account belongs to (prepaid:K:Y, purchase:Y, adjustment:Y), else None."""
    kind, _, last = account.rpartition(":")
    return int(last) if kind and last.isdigit() and len(last) == 4 else None


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
    wanted = set(entry_ids)
    query = (
        select(Posting.entry_id, Posting.account, Posting.amount)
        .where(_among(Posting.entry_id, wanted))
        .order_by(Posting.entry_id, Posting.id)
    )
    legs = [leg for leg in session.execute(query) if leg[0] in wanted]
    balances = _balances(session, legs)
    shown: dict[int, list[JournalPosting]] = {}
    for entry_id, account, amount in legs:
        shown.setdefault(entry_id, []).append(
            JournalPosting(
                account,
                account_name(account, names),
                amount if amount > 0 else None,
                -amount if amount < 0 else None,
                balances.get((account, entry_id), 0),
            )
        )
    return {entry_id: tuple(rows) for entry_id, rows in shown.items()}


def _balances(session: Session, legs: Sequence[Any]) -> dict[tuple[str, int], int]:
    """(account, entry) → the account's balance after that entry: each account's sum of its
    postings before the page's first entry, then a running sum (a window function) over
    the page's range — both read from the index on (account, entry_id, amount), two
    statements whatever the number of accounts."""
    if not legs:
        return {}
    accounts = {account for _, account, _ in legs}
    entry_ids = {entry_id for entry_id, _, _ in legs}
    low, high = min(entry_ids), max(entry_ids)
    mine = Posting.account.in_(accounts)
    opening = {
        account: int(total)  # PostgreSQL sums bigints as numeric
        for account, total in session.execute(
            select(Posting.account, func.sum(Posting.amount))
            .where(mine, Posting.entry_id < low)
            .group_by(Posting.account)
        )
    }
    running = (
        select(
            Posting.account,
            Posting.entry_id,
            func.sum(Posting.amount)
            .over(partition_by=Posting.account, order_by=Posting.entry_id)
            .label("balance"),
        )
        .where(mine, Posting.entry_id.between(low, high))
        .subquery()
    )
    shown = select(running.c.account, running.c.entry_id, running.c.balance).where(
        _among(running.c.entry_id, entry_ids)
    )
    return {
        (account, entry_id): opening.get(account, 0) + int(balance)
        for account, entry_id, balance in session.execute(shown)
        if entry_id in entry_ids
    }


def _among(column: Any, ids: Collection[int]) -> Any:
    """`column` among these ids: IN for a page, their range for a whole workbook's (a
    statement's parameters are bounded; the caller drops what lies between)."""
    if len(ids) <= 1000:
        return column.in_(ids)
    return column.between(min(ids), max(ids))
