"""Use cases of the assessment, the efficiency bonus and the pay sheet (R16–R19).

The finance page, the centre's page, the API and `haiyan assess|bonus|paysheet`
call these and nothing below them; each write is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from haiyan_comp.bonus import messages as msg
from haiyan_comp.bonus import queries, services
from haiyan_comp.bonus.queries import (
    AssessmentRow,
    InstitutionBonus,
    PaySheetResult,
    SettledYear,
)
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.operations import operation, reading


@operation
def set_assessment(
    year: int, institution: str, *, score: int | None, surplus: int, by: str
) -> AssessmentRow:
    """R16: record an institution's score (None: its loaded indicators) and surplus."""
    row = services.set_assessment(
        db.session, year, institution, score=score, surplus=surplus, by=by
    )
    return AssessmentRow(institution, row.score, row.surplus, row.pool)


@operation
def set_assessments(year: int, wanted: dict[str, tuple[int, int]], by: str) -> int:
    """R16: record several institutions' (score, surplus) at once: all of them or none."""
    for code, (score, surplus) in wanted.items():
        services.set_assessment(db.session, year, code, score=score, surplus=surplus, by=by)
    return len(wanted)


@operation
def load_indicators(
    stream: BinaryIO, filename: str, year: int, by: str, sheet: str | None = None
) -> int:
    """R16: a year's indicators and each institution's points; returns institutions scored."""
    return services.load_indicators(db.session, stream, filename, year, by, sheet)


@operation
def choose_pool(year: int, institution: str, amount: int, by: str) -> int:
    """R17: a centre lowers its bonus pool, never above the cap; returns the pool."""
    return services.choose_bonus_pool(db.session, year, institution, amount, by)


@operation
def record_pay_sheet(year: int, institution: str, performance_pay: int, by: str) -> PaySheetResult:
    """R19: a centre enters its pay sheet (the one the bonus slips are printed from)."""
    return services.record_pay_sheet(db.session, year, institution, performance_pay, by)


@reading
def year_bonus(year: int, institution: str | None = None) -> list[InstitutionBonus]:
    """R17–R18: cap, pool and every staff member's share of each institution (or one)."""
    return queries.year_bonus(db.session, year, institution)


@reading
def pay_sheet(year: int, institution: str, performance_pay: int) -> PaySheetResult:
    """R19: the pay sheet a performance pay would give (nothing is stored)."""
    return queries.pay_sheet(db.session, year, institution, performance_pay)


@reading
def entered_pay_sheet(year: int, institution: str) -> PaySheetResult:
    """The pay sheet the centre entered last; NotFound before it entered one."""
    sheet = queries.recorded_pay_sheet(db.session, year, institution)
    if sheet is None:
        raise NotFound(msg.PAY_SHEET_NOT_ENTERED(institution=institution, year=year))
    return sheet


@dataclass(frozen=True)
class AssessmentsView:
    """The finance page of a year's assessments: what was entered and the bonus it gives."""

    year: int
    settled: SettledYear | None
    years: list[int]  # settled years, newest first
    assessments: list[AssessmentRow]
    bonuses: list[InstitutionBonus]  # empty before settlement
    institutions: list[str]  # the form's rows (active institutions)
    names: dict[str, str]


@reading
def assessments(year: int) -> AssessmentsView:
    """R16–R17 for the finance page: scores, surpluses, caps and pools of a year."""
    session = db.session
    settled = queries.settled_years(session)
    this = next((s for s in settled if s.year == year), None)
    return AssessmentsView(
        year=year,
        settled=this,
        years=[s.year for s in settled],
        assessments=queries.assessments(session, year),
        bonuses=queries.year_bonus(session, year) if this is not None else [],
        institutions=queries.active_institutions(session),
        names=queries.institution_names(session),
    )


@dataclass(frozen=True)
class CentreBonus:
    """A centre's bonus page of one year: its assessment, cap, pool and pay sheet."""

    year: int
    settled: bool
    settled_years: list[int]  # newest first
    institution_name: str
    assessment: AssessmentRow | None
    bonus: InstitutionBonus | None
    performance_pay: int | None
    sheet: PaySheetResult | None
    staff_names: dict[str, str]

    @property
    def qualifies(self) -> bool:
        """R17: a score of 950.00 or more."""
        return self.bonus is not None and self.bonus.qualifies


@reading
def centre_bonus(year: int, institution: str) -> CentreBonus:
    """R17–R19 of one institution's year, as its centre's page shows them."""
    session = db.session
    years = [s.year for s in queries.settled_years(session)]
    settled = year in years
    assessed = queries.assessment(session, year, institution) if settled else None
    bonus = sheet = pay = None
    if assessed is not None:
        bonus = queries.year_bonus(session, year, institution)[0]
        pay = queries.recorded_performance_pay(session, year, institution)
        sheet = None if pay is None else queries.pay_sheet(session, year, institution, pay)
    names = queries.staff_names(session, institution)
    name = queries.institution_names(session).get(institution, "")
    return CentreBonus(year, settled, years, name, assessed, bonus, pay, sheet, names)


@reading
def settled_years() -> list[int]:
    """Every settled year, newest first."""
    return [s.year for s in queries.settled_years(db.session)]


@reading
def assessment(year: int, institution: str) -> AssessmentRow | None:
    """One institution's assessment of `year`, if finance entered it."""
    return queries.assessment(db.session, year, institution)
