"""Posting, listing and verifying the ledger (R15)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from haiyan_comp.budget.models import Instalment
from haiyan_comp.errors import InvalidInput
from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.models import ENTRY_KINDS, LedgerEntry, Posting
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.settlement.models import Settlement


def post(
    session: Session,
    *,
    kind: str,
    year: int,
    institution_id: int | None,
    amount: int,
    reason: str,
    by: str,
    postings: Mapping[str, int],
) -> LedgerEntry:
    """Append one balanced entry; refuse one whose postings do not sum to zero."""
    if kind not in ENTRY_KINDS:
        raise InvalidInput(f"unknown ledger entry kind {kind!r}")
    legs = {account: value for account, value in postings.items() if value}
    if sum(legs.values()) != 0:
        raise InvalidInput(
            f"a {kind} entry must balance; its postings sum to {fmt(sum(legs.values()))}"
        )
    entry = LedgerEntry(
        kind=kind,
        year=year,
        institution_id=institution_id,
        amount=amount,
        reason=reason,
        created_by=by,
        created_at=datetime.now(UTC),
        postings=[Posting(account=account, amount=value) for account, value in legs.items()],
    )
    session.add(entry)
    session.flush()
    return entry


def account_balance(session: Session, account: str) -> int:
    """The sum of every posting to an account."""
    total = session.scalar(
        select(func.coalesce(func.sum(Posting.amount), 0)).where(Posting.account == account)
    )
    return int(total or 0)  # PostgreSQL sums bigints as numeric


def debt_of(session: Session, institution_code: str) -> int:
    """What an institution still owes back (R14), in fen."""
    return account_balance(session, f"debt:{institution_code}")


@dataclass(frozen=True)
class LedgerLine:
    """An entry as users read it."""

    id: int
    kind: str
    year: int
    institution: str | None
    amount: int
    reason: str
    created_by: str
    created_at: datetime
    postings: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """JSON of `haiyan ledger --json`."""
        return {
            "id": self.id,
            "kind": self.kind,
            "year": self.year,
            "institution": self.institution,
            "amount": fmt(self.amount),
            "reason": self.reason,
            "by": self.created_by,
            "at": self.created_at.isoformat(),
            "postings": {account: fmt(value) for account, value in self.postings.items()},
        }


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
        )
        for e in session.scalars(query)
    ]


def verify_ledger(session: Session) -> list[str]:
    """Every broken invariant of R15, named; an empty list when the ledger is sound.

    Checked: every entry balances; per settled institution and year, prepaid
    gross + top-up − debt = F; the cash paid out equals the instalments' cash
    plus the top-ups, less what the risk fund put in.
    """
    problems = []
    for entry_id, total in session.execute(
        select(Posting.entry_id, func.sum(Posting.amount))
        .group_by(Posting.entry_id)
        .having(func.sum(Posting.amount) != 0)
    ):
        problems.append(f"entry {entry_id} does not balance: its postings sum to {fmt(int(total))}")
    codes = dict(session.execute(select(Institution.id, Institution.code)).all())
    by_kind: defaultdict[tuple[str, int, int | None], int] = defaultdict(int)
    for kind, year, inst, amount in session.execute(
        select(
            LedgerEntry.kind,
            LedgerEntry.year,
            LedgerEntry.institution_id,
            func.sum(LedgerEntry.amount),
        ).group_by(LedgerEntry.kind, LedgerEntry.year, LedgerEntry.institution_id)
    ):
        by_kind[(kind, year, inst)] = int(amount)
    for s in session.scalars(select(Settlement)):
        key = (s.year, s.institution_id)
        prepaid = by_kind[("instalment", *key)]
        top_up = by_kind[("top_up", *key)]
        debt = by_kind[("debt", *key)]
        if prepaid + top_up - debt != s.final:
            problems.append(
                f"{codes[s.institution_id]} {s.year}: prepaid {fmt(prepaid)} + top-up "
                f"{fmt(top_up)} − debt {fmt(debt)} ≠ final amount {fmt(s.final)} (R15)"
            )
    cash_paid = int(session.scalar(select(func.coalesce(func.sum(Instalment.cash), 0))) or 0)
    top_ups = sum(v for (kind, _, _), v in by_kind.items() if kind == "top_up")
    adjustments_paid = -sum(
        p
        for p in session.scalars(
            select(Posting.amount)
            .join(LedgerEntry)
            .where(LedgerEntry.kind == "adjustment", Posting.account == "cash")
        )
    )
    drawn = -account_balance(session, "risk_fund")
    cash_out = -account_balance(session, "cash")
    expected = cash_paid + top_ups + adjustments_paid - drawn
    if cash_out != expected:
        problems.append(
            f"cash out {fmt(cash_out)} ≠ instalments' cash {fmt(cash_paid)} + top-ups "
            f"{fmt(top_ups)} + adjustments {fmt(adjustments_paid)} − risk-fund draws {fmt(drawn)}"
        )
    return problems
