"""Reads of the documents a user sees: which exist, and the tables that list them.

`institution_documents` is what the document lists of every role start from
(the web layer adds titles and links); `statements_page` is the finance page
of a year's statements, notices and audit reports. Rows are frozen
dataclasses with integer fen and hundredths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.audit.models import AuditBatch
from haiyan_comp.bonus.queries import recorded_performance_pay
from haiyan_comp.budget.models import Instalment
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.errors import NotFound
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.settlement.models import Settlement, YearSettlement
from haiyan_comp.statements import messages as msg


@dataclass(frozen=True)
class ClosedBatch:
    """A closed audit batch, whose report can be printed."""

    id: int
    year: int
    institution: str
    item: str
    date_from: date
    date_to: date
    size: int
    population_count: int
    failed: int
    deduction: int
    closed_at: datetime


@dataclass(frozen=True)
class InstitutionDocuments:
    """What exists to print of one institution, newest first."""

    code: str
    settled_years: list[int]
    notice_dates: list[date]
    audit_batches: list[ClosedBatch]
    pay_sheet_years: list[int]  # settled years whose pay sheet the centre entered


def _closed_batches(session: Session, *where: object) -> list[ClosedBatch]:
    b = AuditBatch
    rows = session.execute(
        select(
            b.id,
            b.year,
            Institution.code,
            ServiceItem.code,
            b.date_from,
            b.date_to,
            b.size,
            b.population_count,
            b.failed,
            b.deduction,
            b.closed_at,
        )
        .join(Institution, Institution.id == b.institution_id)
        .join(ServiceItem, ServiceItem.id == b.item_id)
        .where(b.closed_at.is_not(None), *where)  # type: ignore[arg-type]
        .order_by(b.id)
    )
    return [
        ClosedBatch(i, y, inst, item, start, end, size, n, failed or 0, deduction or 0, closed)
        for i, y, inst, item, start, end, size, n, failed, deduction, closed in rows
    ]


def institution_documents(session: Session, code: str) -> InstitutionDocuments:
    """The settled years, prepayment runs, closed audit batches and pay sheets of `code`."""
    institution = get_institution(session, code)
    settled = list(
        session.scalars(
            select(Settlement.year)
            .where(Settlement.institution_id == institution.id)
            .order_by(Settlement.year.desc())
        )
    )
    notices = session.scalars(
        select(Instalment.as_of)
        .where(Instalment.institution_id == institution.id)
        .distinct()
        .order_by(Instalment.as_of.desc())
    )
    batches = _closed_batches(session, AuditBatch.institution_id == institution.id)
    paid = [y for y in settled if recorded_performance_pay(session, y, code) is not None]
    return InstitutionDocuments(code, settled, list(notices), batches[::-1], paid)


def audit_batch_owner(session: Session, batch: int) -> str | None:
    """The code of the institution audit batch `batch` belongs to (None: no such batch)."""
    return session.scalar(
        select(Institution.code)
        .join(AuditBatch, AuditBatch.institution_id == Institution.id)
        .where(AuditBatch.id == batch)
    )


def closed_batch_ids(session: Session, year: int) -> list[int]:
    """Every closed audit batch of `year`, in id order."""
    return list(
        session.scalars(
            select(AuditBatch.id)
            .where(AuditBatch.year == year, AuditBatch.closed_at.is_not(None))
            .order_by(AuditBatch.id)
        )
    )


@dataclass(frozen=True)
class SettledLine:
    """An institution's settled figures as the statements list shows them (fen, hundredths)."""

    code: str
    purchased: int
    final: int
    prepaid: int
    balance: int


@dataclass(frozen=True)
class NoticeLine:
    """What one prepayment run paid one institution (fen)."""

    as_of: date
    institution: str
    gross: int
    cash: int


@dataclass(frozen=True)
class StatementsPage:
    """The finance page of a year's documents."""

    year: int
    settled_years: list[int]
    settlements: list[SettledLine]  # empty when the year is not settled
    notices: list[NoticeLine]  # newest run first, then by institution
    batches: list[ClosedBatch]
    names: dict[str, str]

    @property
    def codes(self) -> list[str]:
        """The institutions with a statement, in code order."""
        return [line.code for line in self.settlements]


def statements_page(session: Session, year: int) -> StatementsPage:
    """Settled lines, prepayment runs and closed audit batches of `year`."""
    settled_years = list(
        session.scalars(select(YearSettlement.year).order_by(YearSettlement.year.desc()))
    )
    s = Settlement
    settled = session.execute(
        select(Institution.code, s.purchased, s.final, s.prepaid, s.balance)
        .join(Institution, Institution.id == s.institution_id)
        .where(s.year == year)
        .order_by(Institution.code)
    )
    runs = session.execute(
        select(
            Instalment.as_of,
            Institution.code,
            func.sum(Instalment.gross),
            func.sum(Instalment.cash),
        )
        .join(Institution, Institution.id == Instalment.institution_id)
        .where(Instalment.year == year)
        .group_by(Instalment.as_of, Institution.code)
        .order_by(Instalment.as_of.desc(), Institution.code)
    )
    return StatementsPage(
        year=year,
        settled_years=settled_years,
        settlements=[SettledLine(c, int(p), int(f), int(pp), int(b)) for c, p, f, pp, b in settled],
        notices=[NoticeLine(a, c, int(g), int(cash)) for a, c, g, cash in runs],
        batches=_closed_batches(session, AuditBatch.year == year),
        names=dict(session.execute(select(Institution.code, Institution.name)).all()),
    )


@dataclass(frozen=True)
class StaffMember:
    """A staff member and the institution it works at."""

    code: str
    name: str
    institution: str
    institution_name: str


def staff_member(session: Session, institution_id: int, staff_code: str) -> StaffMember:
    """The signed-in staff member's record (NotFound when it is gone)."""
    row = session.execute(
        select(Staff.code, Staff.name, Institution.code, Institution.name)
        .join(Institution, Institution.id == Staff.institution_id)
        .where(Staff.code == staff_code, Institution.id == institution_id)
    ).first()
    if row is None:
        raise NotFound(msg.STAFF_UNKNOWN())
    return StaffMember(*row)
