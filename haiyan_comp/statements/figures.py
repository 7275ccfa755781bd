"""Reads: the figures of every document (statement, notice, audit report, slips).

The audit report's and the slips' own reads are imported by the functions that need
them: a statement (and `haiyan statement verify` of one) loads neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.bonus.models import Assessment
from haiyan_comp.bonus.rules import bonus_cap
from haiyan_comp.budget.models import Instalment
from haiyan_comp.errors import Conflict, NotFound
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.ledger.queries import year_seal
from haiyan_comp.settlement.models import Settlement, YearSettlement
from haiyan_comp.statements import messages as msg
from haiyan_comp.statements.data import StatementData, StatementInstalment, StatementItem
from haiyan_comp.statements.documents import AuditReportData, NoticeData, NoticeInstalment, SlipData
from haiyan_comp.units.rules import ItemUnits
from haiyan_comp.units.services import year_units


def settlement_statement(
    session: Session, year: int, code: str, county: str, generated_at: datetime
) -> StatementData:
    """The settlement statement of institution `code` for settled `year`."""
    institution = get_institution(session, code)
    settled = session.get(YearSettlement, year)
    row = session.get(Settlement, (year, institution.id))
    if settled is None or row is None:
        raise NotFound(msg.NO_SETTLEMENT(year=year, institution=code))
    units = year_units(session, year, code).institutions
    assessment = session.get(Assessment, (year, institution.id))
    instalments = session.scalars(
        select(Instalment)
        .where(Instalment.year == year, Instalment.institution_id == institution.id)
        .order_by(Instalment.number)
    )
    return _statement(
        _Year(county, year, settled, generated_at, _seal(session, year)), institution, row,
        units[0].items if units else [], list(instalments), assessment,
    )  # fmt: skip


def settlement_statements(
    session: Session, year: int, county: str, generated_at: datetime
) -> list[StatementData]:
    """Every settlement statement of settled `year`, in code order: one query per table.

    The same figures as `settlement_statement` for each institution (the `--all`
    command and the ZIP job), without reading the year once per institution.
    """
    codes = settled_codes(session, year)  # NotFound for an unsettled year
    settled = session.get(YearSettlement, year)
    assert settled is not None  # settled_codes found its settlements
    rows = session.execute(
        select(Institution, Settlement)
        .join(Settlement, Settlement.institution_id == Institution.id)
        .where(Settlement.year == year)
        .order_by(Institution.code)
    ).all()
    items = {units.code: units.items for units in year_units(session, year).institutions}
    paid: dict[int, list[Instalment]] = {}
    for instalment in session.scalars(
        select(Instalment)
        .where(Instalment.year == year)
        .order_by(Instalment.institution_id, Instalment.number)
    ):
        paid.setdefault(instalment.institution_id, []).append(instalment)
    assessments = session.scalars(select(Assessment).where(Assessment.year == year))
    assessed = {a.institution_id: a for a in assessments}
    the_year = _Year(county, year, settled, generated_at, _seal(session, year))
    statements = []
    for institution, row in rows:
        mine = items.get(institution.code, [])
        statement = _statement(
            the_year, institution, row, mine, paid.get(institution.id, []),
            assessed.get(institution.id),
        )  # fmt: skip
        statements.append(statement)
    assert [s.institution_code for s in statements] == codes
    return statements


@dataclass(frozen=True)
class _Year:
    county: str
    year: int
    settled: YearSettlement
    generated_at: datetime
    seal: str | None  # the ledger chain's head when the year was settled


def _seal(session: Session, year: int) -> str | None:
    seal = year_seal(session, year)
    return None if seal is None else seal.hash


def _statement(
    the_year: _Year, institution: Institution, row: Settlement, items: Sequence[ItemUnits],
    instalments: Sequence[Instalment], assessment: Assessment | None,
) -> StatementData:  # fmt: skip
    """One statement from rows already read. R17's cap comes from the assessment alone
    (the statement shows no staff shares, so R18's weights are not read)."""
    settled = the_year.settled
    return StatementData(
        county=the_year.county,
        institution_code=institution.code,
        institution_name=institution.name,
        year=the_year.year,
        settled_as_of=settled.as_of,
        generated_at=the_year.generated_at,
        items=tuple(
            StatementItem(i.code, i.name, i.category, i.gross, i.over_spec, i.deducted, i.verified)
            for i in items
        ),
        verified_basic_medical=row.verified_basic_medical,
        verified_public_health=row.verified_public_health,
        purchased_basic_medical=row.purchased_basic_medical,
        purchased=row.purchased,
        unit_price=settled.unit_price,
        budget=settled.budget,
        risk_fund_draw=settled.risk_fund_draw,
        entitlement=row.entitlement,
        final=row.final,
        prepaid=row.prepaid,
        balance=row.balance,
        instalments=tuple(
            StatementInstalment(i.number, i.due, i.gross, i.offset, i.cash) for i in instalments
        ),
        score=None if assessment is None else assessment.score,
        bonus_cap=None if assessment is None else bonus_cap(assessment.score, assessment.surplus),
        settled_at=settled.settled_at,
        seal=the_year.seal,
    )


def settled_codes(session: Session, year: int) -> list[str]:
    """The codes of every institution settled in `year`, in code order."""
    codes = list(
        session.scalars(
            select(Institution.code)
            .join(Settlement, Settlement.institution_id == Institution.id)
            .where(Settlement.year == year)
            .order_by(Institution.code)
        )
    )
    if not codes:
        raise NotFound(msg.NOTHING_SETTLED(year=year))
    return codes


def prepayment_notice(
    session: Session, as_of: date, code: str, county: str, generated_at: datetime
) -> NoticeData:
    """The instalments the prepayment run of `as_of` paid institution `code`."""
    institution = get_institution(session, code)
    paid = list(
        session.scalars(
            select(Instalment)
            .where(Instalment.as_of == as_of, Instalment.institution_id == institution.id)
            .order_by(Instalment.year, Instalment.number)
        )
    )
    if not paid:
        raise NotFound(msg.NOTICE_NOTHING_PAID(as_of=as_of, institution=code))
    return NoticeData(
        county=county,
        institution_code=institution.code,
        institution_name=institution.name,
        as_of=as_of,
        generated_at=generated_at,
        instalments=tuple(
            NoticeInstalment(
                i.year, StatementInstalment(i.number, i.due, i.gross, i.offset, i.cash)
            )
            for i in paid
        ),
        gross=sum(i.gross for i in paid),
        offset=sum(i.offset for i in paid),
        cash=sum(i.cash for i in paid),
    )


def notice_codes(session: Session, as_of: date) -> list[str]:
    """The codes of every institution the prepayment run of `as_of` paid."""
    codes = list(
        session.scalars(
            select(Institution.code)
            .join(Instalment, Instalment.institution_id == Institution.id)
            .where(Instalment.as_of == as_of)
            .distinct()
            .order_by(Institution.code)
        )
    )
    if not codes:
        raise NotFound(msg.NO_PREPAYMENT_RUN(as_of=as_of))
    return codes


def audit_report(
    session: Session, batch_id: int, county: str, generated_at: datetime
) -> AuditReportData:
    """The report of closed audit batch `batch_id`, from `haiyan audit show`'s service."""
    from haiyan_comp.audit.reports import batch_of  # (see the module's docstring)

    detail = batch_of(session, batch_id)
    if not detail.batch.closed:
        raise Conflict(msg.AUDIT_OPEN(batch=batch_id))
    return AuditReportData(
        county, detail.institution_name, generated_at, detail.to_json(), detail.item_name,
        detail.staff_names,
    )  # fmt: skip


def bonus_slips(
    session: Session, year: int, code: str, performance_pay: int, county: str,
    generated_at: datetime,
) -> SlipData:  # fmt: skip
    """The staff slips of `code`'s year, from `haiyan paysheet`'s service (R18, R19)."""
    from haiyan_comp.bonus.queries import pay_sheet

    sheet = pay_sheet(session, year, code, performance_pay).to_json()
    institution = get_institution(session, code)
    names = dict(
        session.execute(
            select(Staff.code, Staff.name).where(Staff.institution_id == institution.id)
        ).all()
    )
    return SlipData(county, institution.name, generated_at, sheet, names)


def entered_slips(
    session: Session, year: int, code: str, county: str, generated_at: datetime
) -> SlipData:
    """The staff slips of the pay sheet `code`'s centre entered last (NotFound before it)."""
    from haiyan_comp.bonus.queries import recorded_performance_pay

    pay = recorded_performance_pay(session, year, code)
    if pay is None:
        raise NotFound(msg.NO_SLIP(institution=code, year=year))
    return bonus_slips(session, year, code, pay, county, generated_at)
