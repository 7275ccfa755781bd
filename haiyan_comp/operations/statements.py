"""Use cases of the documents: statements, notices, audit reports and bonus slips.

The pages (/documents, the finance and staff pages), the API and `haiyan
statement` call these; they only read, so each ends its read when it returns.
The county's name and the moment of printing come from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from haiyan_comp.bonus.queries import recorded_pay_sheet
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.operations import reading
from haiyan_comp.statements import figures, queries
from haiyan_comp.statements import messages as msg
from haiyan_comp.statements.data import StatementData
from haiyan_comp.statements.documents import AuditReportData, NoticeData, SlipData
from haiyan_comp.statements.queries import InstitutionDocuments, StaffMember, StatementsPage


@reading
def settlement_statement(year: int, code: str, county: str, now: datetime) -> StatementData:
    """The settlement statement of institution `code` for settled `year` (R13)."""
    return figures.settlement_statement(db.session, year, code, county, now)


@reading
def settlement_statements(year: int, county: str, now: datetime) -> list[StatementData]:
    """Every settlement statement of settled `year`, in code order (the year read once)."""
    return figures.settlement_statements(db.session, year, county, now)


@reading
def settled_codes(year: int) -> list[str]:
    """The institutions settled in `year` (NotFound when none is)."""
    return figures.settled_codes(db.session, year)


@reading
def prepayment_notice(as_of: date, code: str, county: str, now: datetime) -> NoticeData:
    """What the prepayment run of `as_of` paid institution `code`."""
    return figures.prepayment_notice(db.session, as_of, code, county, now)


@reading
def notice_codes(as_of: date) -> list[str]:
    """The institutions the prepayment run of `as_of` paid."""
    return figures.notice_codes(db.session, as_of)


@reading
def audit_report(
    batch: int, county: str, now: datetime, institution: str | None = None
) -> AuditReportData:
    """The report of closed audit batch `batch` (of `institution`, when named: else NotFound)."""
    if institution is not None and queries.audit_batch_owner(db.session, batch) != institution:
        raise NotFound(msg.NO_AUDIT_BATCH(institution=institution, batch=batch))
    return figures.audit_report(db.session, batch, county, now)


@reading
def closed_batches(year: int) -> list[int]:
    """Every closed audit batch of `year`, in id order."""
    return queries.closed_batch_ids(db.session, year)


@reading
def bonus_slips(year: int, code: str, performance_pay: int, county: str, now: datetime) -> SlipData:
    """The staff slips a performance pay gives (R18, R19)."""
    return figures.bonus_slips(db.session, year, code, performance_pay, county, now)


@reading
def entered_slips(year: int, code: str, county: str, now: datetime) -> SlipData:
    """The staff slips of the pay sheet the centre entered last (NotFound before it)."""
    return figures.entered_slips(db.session, year, code, county, now)


@reading
def staff_slip(year: int, code: str, staff: str, county: str, now: datetime) -> SlipData:
    """One staff member's own slip (NotFound when it is not on the pay sheet)."""
    own = figures.entered_slips(db.session, year, code, county, now).for_staff(staff)
    if not own.sheet["staff"]:
        raise NotFound(msg.NOT_ON_SHEET(institution=code, staff=repr(staff), year=year))
    return own


@reading
def institution_documents(code: str) -> InstitutionDocuments:
    """What exists to print of institution `code`."""
    return queries.institution_documents(db.session, code)


@reading
def statements_page(year: int) -> StatementsPage:
    """The finance page of a year's statements, notices and audit reports."""
    return queries.statements_page(db.session, year)


@dataclass(frozen=True)
class StaffSlipLine:
    """A staff member's line of one year's pay sheet (fen)."""

    year: int
    incentive: int
    efficiency_bonus: int


@dataclass(frozen=True)
class StaffHome:
    """A staff member's own pay sheet lines and its institution's documents."""

    me: StaffMember
    slips: list[StaffSlipLine]  # newest year first
    documents: InstitutionDocuments


@reading
def staff_home(institution_id: int, staff_code: str) -> StaffHome:
    """The staff page: its own line of every pay sheet entered, and what it may download."""
    session = db.session
    me = queries.staff_member(session, institution_id, staff_code)
    documents = queries.institution_documents(session, me.institution)
    slips = []
    for year in documents.pay_sheet_years:
        sheet = recorded_pay_sheet(session, year, me.institution)
        mine = next((line for line in sheet.staff if line.code == me.code), None) if sheet else None
        if mine is not None:
            slips.append(StaffSlipLine(year, mine.incentive, mine.efficiency_bonus))
    return StaffHome(me, slips, documents)
