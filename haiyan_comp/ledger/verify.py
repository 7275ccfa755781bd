"""`haiyan ledger verify`: the books recomputed from their rows, every break named.

One pass over the entries in id order, with their postings beside them:

- the hash chain (chain.py): each entry's stored hash against its content and
  the stored hash of the entry before it, so an entry changed, inserted or
  deleted in SQL is named, and so is the one after a deleted entry;
- every entry balances, posts only to accounts of a known shape, and its
  amount is what its postings say it is (an instalment's amount is what went
  into the prepaid account, a top-up's what left the cash, …);
- every account's balance from its postings; then, per settled institution
  and year, prepaid gross + top-up − debt = the final amount, all taken from
  the postings (not from the entries' amounts); the purchase account of a
  settled year = the year's final amounts; a settled year's prepaid accounts
  are empty; no institution's debt is negative; the cash paid out = the
  instalments' cash + top-ups + adjustments paid − what the risk fund put in;
- every year's seal against the chain's stored hash at its entry.

Entry problems come first, in id order (the first line names the first entry
that breaks), then the accounts' and the years' problems.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.db import driver_connection
from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger import chain
from haiyan_comp.ledger.messages import (
    AMOUNT_DISAGREES,
    CASH_DISAGREES,
    CHAIN_BROKEN,
    DEBT_NEGATIVE,
    ENTRY_UNBALANCED,
    FINAL_DISAGREES,
    HASH_MISSING,
    PREPAID_NOT_CLEARED,
    PURCHASE_DISAGREES,
    SEAL_DISAGREES,
    SEAL_MISSING,
    TOO_MANY,
    UNKNOWN_ACCOUNT,
)
from haiyan_comp.ledger.models import LedgerSeal
from haiyan_comp.messages import Message
from haiyan_comp.money import format_hundredths as fmt

MOST_ENTRY_PROBLEMS = 50  # named one by one; the rest are counted
BLOCK = 10_000  # rows fetched at a time


@dataclass
class _Books:
    """What the pass over the entries gathers."""

    codes: Mapping[int, str]
    problems: list[Message] = field(default_factory=list)
    more: int = 0
    balances: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    # (kind, year, institution id) → fen, from the postings that define each kind
    by_kind: defaultdict[tuple[str, int, int | None], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    adjustments_paid: int = 0  # cash the adjustments paid out
    hashes: dict[int, str] = field(default_factory=dict)  # of the sealed entries
    known: dict[str, bool] = field(default_factory=dict)  # account → of a known shape

    def name(self, problem: Message) -> None:
        if len(self.problems) < MOST_ENTRY_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more += 1


def verify_ledger(
    session: Session, finals: Mapping[tuple[int, int], int], instalments_cash: int
) -> list[Message]:
    """Every break of the books, named (see the module's docstring); [] when they are true.

    `finals` ((year, institution id) → F) and `instalments_cash` come from the
    settlements and the instalments paid: operations/ledger.py gathers them.
    """
    codes = dict(session.execute(select(Institution.id, Institution.code)).all())
    seals = list(session.execute(select(LedgerSeal.year, LedgerSeal.entry_id, LedgerSeal.hash)))
    books = _Books(codes, hashes={entry_id: "" for _, entry_id, _ in seals if entry_id})
    previous = chain.GENESIS
    for entry, legs in _entries(session):
        _check_entry(books, entry, legs, previous)
        previous = entry[-1] or previous
    problems = books.problems + ([TOO_MANY(count=books.more)] if books.more else [])
    problems += _year_problems(books, finals)
    problems += _cash_problems(books, instalments_cash)
    for year, entry_id, digest in seals:
        stored = books.hashes.get(entry_id, "") if entry_id else chain.GENESIS
        if digest != stored:
            problems.append(SEAL_DISAGREES(year=year, seal=digest[:16], id=entry_id or 0))
    sealed = {year for year, _, _ in seals}
    for year in sorted({year for year, _ in finals} - sealed):
        problems.append(SEAL_MISSING(year=year))
    return problems


_ENTRIES = (
    "SELECT id, kind, year, institution_id, amount, code, params, reason, created_by, "
    "created_at, hash FROM ledger_entries ORDER BY id"
)
_POSTINGS = "SELECT entry_id, account, amount FROM ledger_postings ORDER BY entry_id, id"


def _rows(session: Session, sql: str, name: str) -> Iterator[Any]:
    """The rows of `sql` straight from the driver, BLOCK at a time (a server-side cursor
    on PostgreSQL): 100,000 entries in a few seconds and little memory."""
    raw = driver_connection(session)
    postgres = session.get_bind().dialect.name == "postgresql"
    cursor = raw.cursor(name=name) if postgres else raw.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BLOCK):
            yield from rows
    finally:
        cursor.close()


def _entries(session: Session) -> Iterator[tuple[Any, dict[str, int]]]:
    """Every entry's row in id order, with its postings (account → fen)."""
    groups = groupby(_rows(session, _POSTINGS, "ledger_verify_postings"), key=itemgetter(0))
    group = next(groups, None)
    for entry in _rows(session, _ENTRIES, "ledger_verify_entries"):
        entry_id = entry[0]
        while group is not None and group[0] < entry_id:
            group = next(groups, None)  # postings of no entry: the foreign key forbids them
        legs: dict[str, int] = {}
        if group is not None and group[0] == entry_id:
            for _, account, amount in group[1]:
                legs[account] = legs.get(account, 0) + amount
            group = next(groups, None)
        yield entry, legs


def _check_entry(books: _Books, entry: Any, legs: dict[str, int], previous: str) -> None:
    entry_id, kind, year, institution, amount, code, params, reason, by, at, stored = entry
    if isinstance(at, str):  # SQLite's text: UTC without a zone
        at = datetime.fromisoformat(at)
    if not stored:
        books.name(HASH_MISSING(id=entry_id))
    elif stored != chain.entry_hash(
        previous, kind, year, institution, amount, code, params, reason, by, at, legs.items()
    ):
        books.name(CHAIN_BROKEN(id=entry_id))
    if entry_id in books.hashes:
        books.hashes[entry_id] = stored
    total = sum(legs.values())
    if total:
        books.name(ENTRY_UNBALANCED(id=entry_id, total=fmt(total)))
    for account, value in legs.items():
        books.balances[account] += value
        known = books.known.get(account)
        if known is None:
            known = books.known[account] = _known_account(account, books.codes)
        if not known:
            books.name(UNKNOWN_ACCOUNT(id=entry_id, account=account))
    posted = _posted(kind, year, books.codes.get(institution, ""), legs)
    if posted != amount:
        books.name(AMOUNT_DISAGREES(id=entry_id, amount=fmt(amount), posted=fmt(posted)))
    books.by_kind[(kind, year, institution)] += posted
    if kind == "adjustment":
        books.adjustments_paid -= legs.get("cash", 0)


def _posted(kind: str, year: int, code: str, legs: Mapping[str, int]) -> int:
    """What an entry's postings say its amount is, by its kind."""
    if kind == "instalment":
        return legs.get(f"prepaid:{code}:{year}", 0)
    if kind == "settlement":
        return -legs.get(f"prepaid:{code}:{year}", 0)
    if kind == "top_up":
        return -legs.get("cash", 0)
    if kind == "debt":
        return legs.get(f"debt:{code}", 0)
    if kind == "risk_fund_draw":
        return -legs.get("risk_fund", 0)
    if kind == "adjustment":  # to the corrected year's adjustment account
        return sum(value for account, value in legs.items() if account.startswith("adjustment:"))
    return 0


def _known_account(account: str, codes: Mapping[int, str]) -> bool:
    if account in ("cash", "risk_fund"):
        return True
    kind, _, rest = account.partition(":")
    parts = rest.split(":")
    institutions = set(codes.values())
    if kind == "prepaid":
        return len(parts) == 2 and parts[0] in institutions and parts[1].isdigit()
    if kind == "debt":
        return len(parts) == 1 and parts[0] in institutions
    return kind in ("purchase", "adjustment") and len(parts) == 1 and parts[0].isdigit()


def _year_problems(books: _Books, finals: Mapping[tuple[int, int], int]) -> list[Message]:
    """Per settled institution and year, and per settled year, from the postings."""
    problems: list[Message] = []
    sums: defaultdict[int, int] = defaultdict(int)
    for (year, institution), final in sorted(finals.items()):
        code = books.codes[institution]
        sums[year] += final
        prepaid = books.by_kind[("instalment", year, institution)]
        top_up = books.by_kind[("top_up", year, institution)]
        debt = books.by_kind[("debt", year, institution)]
        if prepaid + top_up - debt != final:
            problems.append(
                FINAL_DISAGREES(
                    institution=code,
                    year=year,
                    prepaid=fmt(prepaid),
                    top_up=fmt(top_up),
                    debt=fmt(debt),
                    final=fmt(final),
                )
            )
        left = books.balances.get(f"prepaid:{code}:{year}", 0)
        if left:
            problems.append(PREPAID_NOT_CLEARED(institution=code, year=year, balance=fmt(left)))
    for year, total in sorted(sums.items()):
        balance = books.balances.get(f"purchase:{year}", 0)
        if balance != total:
            problems.append(PURCHASE_DISAGREES(year=year, balance=fmt(balance), final=fmt(total)))
    for code in sorted(set(books.codes.values())):
        owed = books.balances.get(f"debt:{code}", 0)
        if owed < 0:
            problems.append(DEBT_NEGATIVE(institution=code, balance=fmt(owed)))
    return problems


def _cash_problems(books: _Books, instalments_cash: int) -> list[Message]:
    """The cash paid out = instalments' cash + top-ups + adjustments paid − risk-fund draws."""
    top_ups = sum(v for (kind, _, _), v in books.by_kind.items() if kind == "top_up")
    adjustments = books.adjustments_paid
    drawn = -books.balances.get("risk_fund", 0)
    cash_out = -books.balances.get("cash", 0)
    if cash_out == instalments_cash + top_ups + adjustments - drawn:
        return []
    return [
        CASH_DISAGREES(
            cash_out=fmt(cash_out),
            instalments=fmt(instalments_cash),
            top_ups=fmt(top_ups),
            adjustments=fmt(adjustments),
            drawn=fmt(drawn),
        )
    ]
