"""Posting, listing and verifying the ledger (R15)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.errors import InvalidInput
from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.messages import (
    CASH_DISAGREES,
    ENTRY_MUST_BALANCE,
    ENTRY_UNBALANCED,
    FINAL_DISAGREES,
    UNKNOWN_ENTRY_KIND,
)
from haiyan_comp.ledger.models import ENTRY_KINDS, LedgerEntry, Posting
from haiyan_comp.messages import Message
from haiyan_comp.money import format_hundredths as fmt


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
        raise InvalidInput(UNKNOWN_ENTRY_KIND(kind=repr(kind)))
    legs = {account: value for account, value in postings.items() if value}
    if sum(legs.values()) != 0:
        raise InvalidInput(ENTRY_MUST_BALANCE(kind=kind, total=fmt(sum(legs.values()))))
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


def verify_ledger(
    session: Session, finals: Mapping[tuple[int, int], int], instalments_cash: int
) -> list[Message]:
    """Every broken invariant of R15, named; an empty list when the ledger is sound.

    Checked: every entry balances; per settled institution and year, prepaid
    gross + top-up − debt = F; the cash paid out equals the instalments' cash
    plus the top-ups, less what the risk fund put in. `finals` ((year,
    institution id) → F) and `instalments_cash` come from the settlements and
    the instalments paid: operations/ledger.py `verify_books` gathers them.
    """
    problems: list[Message] = []
    for entry_id, total in session.execute(
        select(Posting.entry_id, func.sum(Posting.amount))
        .group_by(Posting.entry_id)
        .having(func.sum(Posting.amount) != 0)
    ):
        problems.append(ENTRY_UNBALANCED(id=entry_id, total=fmt(int(total))))
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
    problems += _final_problems(session, by_kind, finals)
    top_ups = sum(v for (kind, _, _), v in by_kind.items() if kind == "top_up")
    return problems + _cash_problems(session, instalments_cash, top_ups)


def _final_problems(
    session: Session,
    by_kind: Mapping[tuple[str, int, int | None], int],
    finals: Mapping[tuple[int, int], int],
) -> list[Message]:
    """Prepaid gross + top-up − debt = F, per settled institution and year (R15)."""
    codes = dict(session.execute(select(Institution.id, Institution.code)).all())
    problems = []
    for (year, institution), final in finals.items():
        prepaid = by_kind.get(("instalment", year, institution), 0)
        top_up = by_kind.get(("top_up", year, institution), 0)
        debt = by_kind.get(("debt", year, institution), 0)
        if prepaid + top_up - debt != final:
            problems.append(
                FINAL_DISAGREES(
                    institution=codes[institution],
                    year=year,
                    prepaid=fmt(prepaid),
                    top_up=fmt(top_up),
                    debt=fmt(debt),
                    final=fmt(final),
                )
            )
    return problems


def _cash_problems(session: Session, instalments_cash: int, top_ups: int) -> list[Message]:
    """The cash paid out = instalments' cash + top-ups + adjustments − risk-fund draws (R15)."""
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
    if cash_out == instalments_cash + top_ups + adjustments_paid - drawn:
        return []
    return [
        CASH_DISAGREES(
            cash_out=fmt(cash_out),
            instalments=fmt(instalments_cash),
            top_ups=fmt(top_ups),
            adjustments=fmt(adjustments_paid),
            drawn=fmt(drawn),
        )
    ]
