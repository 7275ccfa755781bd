"""The ledger as users read it: its entries in order (for a year and/or an institution),
a settled year's seal, the latest verification of the books (the journal page is in
journal.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.descriptions import who_name
from haiyan_comp.ledger.messages import SEAL_DISAGREES
from haiyan_comp.ledger.models import LedgerCheck, LedgerEntry, LedgerSeal, Posting
from haiyan_comp.messages import Message, from_described


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
    session: Session,
    year: int | None = None,
    institution_code: str | None = None,
    *,
    after: int | None = None,
    limit: int | None = None,
) -> list[LedgerLine]:
    """Entries in order, for a year and/or an institution; with `after` and `limit`, at
    most `limit` of those after the entry `after` (the API's pages)."""
    codes = dict(session.execute(select(Institution.id, Institution.code)).all())
    wanted: list[Any] = []
    if year is not None:
        wanted.append(LedgerEntry.year == year)
    if institution_code is not None:
        ids = [pk for pk, code in codes.items() if code == institution_code]
        wanted.append(LedgerEntry.institution_id.in_(ids))
    if after is not None:
        wanted.append(LedgerEntry.id > after)
    rows = session.execute(
        select(*_LINE_COLUMNS).where(*wanted).order_by(LedgerEntry.id).limit(limit)
    ).all()
    if not rows:
        return []
    legs: dict[int, dict[str, int]] = {}
    in_range = LedgerEntry.id.between(rows[0][0], rows[-1][0])
    for entry_id, account, amount in session.execute(
        select(Posting.entry_id, Posting.account, Posting.amount)
        .join(LedgerEntry, LedgerEntry.id == Posting.entry_id)
        .where(*wanted, in_range)
        .order_by(Posting.entry_id, Posting.id)
    ):
        legs.setdefault(entry_id, {})[account] = amount
    return [
        LedgerLine(
            entry_id, kind, entry_year, codes.get(inst) if inst else None, amount, reason, by,
            at, legs.get(entry_id, {}), code, json.loads(params or "{}"), digest,
        )
        for entry_id, kind, entry_year, inst, amount, reason, by, at, code, params, digest in rows
    ]  # fmt: skip


_LINE_COLUMNS = (
    LedgerEntry.id,
    LedgerEntry.kind,
    LedgerEntry.year,
    LedgerEntry.institution_id,
    LedgerEntry.amount,
    LedgerEntry.reason,
    LedgerEntry.created_by,
    LedgerEntry.created_at,
    LedgerEntry.code,
    LedgerEntry.params,
    LedgerEntry.hash,
)


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


# ------------------------------------------------------------------ the books' latest check


@dataclass(frozen=True)
class BooksCheck:
    """What the ledger page says about the books without recomputing them: the latest
    verification (`haiyan ledger verify`, the page's button), how many entries were
    booked since, and a cheap check of the years' seals against the stored chain."""

    checked_at: datetime | None  # None: the books were never verified
    who: str  # who verified, by name (a message where it is not a person's own name)
    verified: bool
    problems: list[str]  # messages: what that verification found (as it found it)
    since: int  # entries booked after the last entry it checked
    seals: list[Message]  # seals that disagree with the chain's stored hashes now


def books_check(session: Session) -> BooksCheck:
    """The latest verification, entries since, and each seal against the stored hash at its
    entry: a few reads by key, however long the ledger."""
    latest = session.scalars(select(LedgerCheck).order_by(LedgerCheck.id.desc()).limit(1)).first()
    head = latest.head_id if latest is not None and latest.head_id is not None else 0
    since = session.scalar(select(func.count()).where(LedgerEntry.id > head)) or 0
    seals = [
        SEAL_DISAGREES(year=year, seal=seal[:12] + "…", id=entry_id)
        for year, seal, entry_id, stored in session.execute(
            select(LedgerSeal.year, LedgerSeal.hash, LedgerSeal.entry_id, LedgerEntry.hash)
            .outerjoin(LedgerEntry, LedgerEntry.id == LedgerSeal.entry_id)
            .order_by(LedgerSeal.year)
        )
        if entry_id is not None and stored != seal
    ]
    if latest is None:
        return BooksCheck(None, "", False, [], int(since), seals)
    found = [from_described(p.get("message", ""), p) for p in json.loads(latest.problems)]
    # Imported here: the accounts (their password hashing) serve only this name, and a
    # statement's `year_seal` would otherwise load them into every `statement verify`.
    from haiyan_comp.accounts.queries import user_list

    people = {user.username: user.display_name for user in user_list(session)}
    who = who_name(latest.checked_by, people)
    return BooksCheck(latest.checked_at, who, latest.verified, found, int(since), seals)
