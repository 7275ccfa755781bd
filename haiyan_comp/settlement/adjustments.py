"""Corrections of settled years, booked in an open year (R15)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from haiyan_comp.errors import Conflict, InvalidInput
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.ledger.descriptions import said
from haiyan_comp.ledger.messages import ADJUSTMENT as LEDGER_ADJUSTMENT
from haiyan_comp.ledger.models import LedgerEntry
from haiyan_comp.ledger.services import post
from haiyan_comp.settlement.messages import (
    ADJUSTMENT_NEEDS_REASON,
    ADJUSTMENT_OF_ZERO,
    ADJUSTMENTS_IN_OPEN_YEAR,
    CORRECTED_YEAR_NOT_SETTLED,
)
from haiyan_comp.settlement.models import YearSettlement
from haiyan_comp.years.services import require_open


def book_adjustment(
    session: Session,
    year: int,
    institution_code: str,
    amount: int,
    corrects: int,
    reason: str,
    by: str,
) -> LedgerEntry:
    """A positive amount is paid to the institution; a negative one becomes its debt."""
    if not reason.strip():
        raise InvalidInput(ADJUSTMENT_NEEDS_REASON())
    if amount == 0:
        raise InvalidInput(ADJUSTMENT_OF_ZERO())
    require_open(session, year, ADJUSTMENTS_IN_OPEN_YEAR())
    if session.get(YearSettlement, corrects) is None:
        raise Conflict(CORRECTED_YEAR_NOT_SETTLED(year=corrects))
    institution = get_institution(session, institution_code)
    other = "cash" if amount > 0 else f"debt:{institution_code}"
    return post(
        session,
        kind="adjustment",
        year=year,
        institution_id=institution.id,
        amount=amount,
        reason=said(LEDGER_ADJUSTMENT, corrects=corrects, reason=reason.strip()),
        by=by,
        postings={f"adjustment:{corrects}": amount, other: -amount},
    )
