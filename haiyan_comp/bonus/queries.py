"""Reads of the assessment and the bonus a user sees: one function per table (R16–R19).

`year_bonus` is the bonus table (cap, pool and every staff member's share) of
the finance page, the centre's page, `GET /api/v1/years/<y>/bonus` and
`haiyan bonus`; `pay_sheet` is the pay sheet of the centre's page, the API,
`haiyan paysheet` and the bonus slips; `assessments` the scores and surpluses
entered. Rows are frozen dataclasses with integer fen and hundredths; their
JSON shape is defined once, in haiyan_comp/api/schemas_bonus.py.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.audit.models import AuditBatch, PopulationStaff
from haiyan_comp.bonus import messages as msg
from haiyan_comp.bonus import rules
from haiyan_comp.bonus.models import Assessment
from haiyan_comp.budget.models import RATIO_SCALE, ConfigChange, YearConfig
from haiyan_comp.errors import Conflict, InvalidInput
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.messages import Message
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.money import parse_hundredths, round_half_up
from haiyan_comp.records.models import StaffTotal
from haiyan_comp.settlement.models import YearSettlement


def require_settled(session: Session, year: int) -> None:
    """R16: assessments and bonuses follow settlement (Conflict before it)."""
    if session.get(YearSettlement, year) is None:
        raise Conflict(msg.YEAR_NOT_SETTLED(year=year))


@dataclass(frozen=True)
class AssessmentRow:
    """An institution's entered score (hundredths of a point) and surplus (fen), R16."""

    institution: str
    score: int
    surplus: int
    pool: int | None  # chosen below the cap (R17), None: the cap


def assessments(session: Session, year: int) -> list[AssessmentRow]:
    """Every assessment entered for `year`, in institution code order."""
    rows = session.execute(
        select(Institution.code, Assessment.score, Assessment.surplus, Assessment.pool)
        .join(Institution, Institution.id == Assessment.institution_id)
        .where(Assessment.year == year)
        .order_by(Institution.code)
    )
    return [AssessmentRow(code, score, int(surplus), pool) for code, score, surplus, pool in rows]


def staff_weights(session: Session, year: int, institution: Institution) -> dict[str, Fraction]:
    """R18: each staff member's verified units: purchasable × (1 − failed ÷ n) of its batch."""
    return year_staff_weights(session, year, institution.id).get(institution.id, {})


def year_staff_weights(
    session: Session, year: int, institution_id: int | None = None
) -> dict[int, dict[str, Fraction]]:
    """R18 for every institution of a year (or one): institution id → staff code → weight.

    Read from the running totals, a few rows per staff member: every staff
    member's purchasable units of the year (staff_totals), and the units of
    its records frozen in the populations of closed batches with failed
    verdicts (audit_population_staff). A record lies in at most one population
    (R5), so its weight is purchasable − purchasable × failed ÷ n; batches
    without failures take nothing off. Both totals follow every write of the
    records (records/totals.py, records/caps.py, audit/population.py).
    """
    t, b, ps = StaffTotal, AuditBatch, PopulationStaff
    one = [] if institution_id is None else [t.institution_id == institution_id]
    totals = session.execute(
        select(t.institution_id, t.staff_id, t.purchasable).where(t.year == year, *one)
    )
    one_batch = [] if institution_id is None else [b.institution_id == institution_id]
    deducted = session.execute(
        select(b.institution_id, ps.staff_id, b.size, b.failed, ps.purchasable)
        .join(ps, ps.batch_id == b.id)
        .where(b.year == year, b.closed_at.is_not(None), b.failed > 0, *one_batch)
    )
    staff = session.execute(select(Staff.id, Staff.institution_id, Staff.code)).all()
    codes = {staff_id: code for staff_id, _, code in staff}
    frozen: defaultdict[tuple[int, str], list[tuple[int, int, int]]] = defaultdict(list)
    for inst, staff_id, size, failed, units in deducted:
        if staff_id in codes:
            frozen[(inst, codes[staff_id])].append((int(units), failed or 0, size))
    weights: defaultdict[int, dict[str, Fraction]] = defaultdict(dict)
    for inst, staff_id, units in totals:
        if staff_id in codes:
            code = codes[staff_id]
            weights[inst][code] = rules.verified_units(int(units), frozen[(inst, code)])
    for _, inst, code in staff:
        if institution_id in (None, inst):
            weights[inst].setdefault(code, Fraction(0))
    return {inst: dict(sorted(by_staff.items())) for inst, by_staff in weights.items()}


def integer_weights(weights: dict[str, Fraction]) -> dict[str, int]:
    """Exact weights scaled to whole numbers (the split depends only on their ratios)."""
    scale = math.lcm(*(w.denominator for w in weights.values())) if weights else 1
    return {code: int(w * scale) for code, w in weights.items()}


@dataclass(frozen=True)
class StaffShare:
    """A staff member's line of the bonus: R18's weight (hundredths) and its share (fen)."""

    code: str
    weight: int
    amount: int


@dataclass(frozen=True)
class InstitutionBonus:
    """R17–R18 for one institution."""

    code: str
    score: int | None
    surplus: int | None
    cap: int
    pool: int
    weights: dict[str, Fraction]
    amounts: dict[str, int]
    note: Message | None

    @property
    def qualifies(self) -> bool:
        """R17: a score of 950.00 or more."""
        return self.score is not None and self.score >= rules.QUALIFYING_SCORE

    @property
    def staff(self) -> tuple[StaffShare, ...]:
        """Every staff member's weight (rounded to hundredths) and share, in code order."""
        return tuple(
            StaffShare(code, round_half_up(w), self.amounts.get(code, 0))
            for code, w in self.weights.items()
        )


def institution_bonus(session: Session, year: int, institution: Institution) -> InstitutionBonus:
    """R17–R18: cap, pool and every staff member's share, for a settled year."""
    assessment = session.get(Assessment, (year, institution.id))
    return _bonus(institution, assessment, staff_weights(session, year, institution))


def _bonus(
    institution: Institution, assessment: Assessment | None, weights: dict[str, Fraction]
) -> InstitutionBonus:
    if assessment is None:
        return InstitutionBonus(institution.code, None, None, 0, 0, weights, {}, msg.NOT_ASSESSED())
    cap = rules.bonus_cap(assessment.score, assessment.surplus)
    pool = rules.choose_pool(cap, assessment.pool)
    note = None
    amounts: dict[str, int] = {}
    if assessment.score < rules.QUALIFYING_SCORE:
        note = msg.BELOW_QUALIFYING(score=fmt(assessment.score))
    elif pool and not any(weights.values()):
        note = msg.POOL_UNSPLITTABLE()
    else:
        amounts = rules.split_by_staff(pool, integer_weights(weights))
    return InstitutionBonus(institution.code, assessment.score, assessment.surplus, cap, pool,
                            weights, amounts, note)  # fmt: skip


def year_bonus(
    session: Session, year: int, institution_code: str | None = None
) -> list[InstitutionBonus]:
    """`haiyan bonus`: every institution of a settled year, or one (R18's weights at once)."""
    require_settled(session, year)
    if institution_code is not None:
        return [institution_bonus(session, year, get_institution(session, institution_code))]
    weights = year_staff_weights(session, year)
    assessed = {a.institution_id: a for a in session.scalars(
        select(Assessment).where(Assessment.year == year))}  # fmt: skip
    return [
        _bonus(inst, assessed.get(inst.id), weights.get(inst.id, {}))
        for inst in session.scalars(select(Institution).order_by(Institution.code))
    ]


@dataclass(frozen=True)
class PaySheetLine:
    """A staff member's line of the pay sheet (fen)."""

    code: str
    incentive: int
    efficiency_bonus: int


@dataclass(frozen=True)
class PaySheetResult:
    """R19 for an institution: performance pay split 4 : 6, the bonus apart."""

    code: str
    year: int
    sheet: rules.PaySheet
    bonus: InstitutionBonus

    @property
    def institution(self) -> str:
        return self.code

    @property
    def performance_pay(self) -> int:
        return self.sheet.total

    @property
    def basic(self) -> int:
        return self.sheet.basic

    @property
    def incentive(self) -> int:
        return self.sheet.incentive

    @property
    def efficiency_bonus(self) -> int:
        return sum(self.bonus.amounts.values())

    @property
    def staff(self) -> tuple[PaySheetLine, ...]:
        """Every staff member with an incentive or a bonus, in code order."""
        by_staff, amounts = self.sheet.incentive_by_staff, self.bonus.amounts
        return tuple(
            PaySheetLine(code, by_staff.get(code, 0), amounts.get(code, 0))
            for code in sorted(set(by_staff) | set(amounts))
        )

    def to_json(self) -> dict[str, Any]:
        """The pay sheet as the bonus slips' figures hold it (`haiyan paysheet --json`'s shape)."""
        return {
            "year": self.year,
            "institution": self.code,
            "performance_pay": fmt(self.performance_pay),
            "basic": fmt(self.basic),
            "incentive": fmt(self.incentive),
            "efficiency_bonus": fmt(self.efficiency_bonus),
            "staff": [
                {
                    "code": line.code,
                    "incentive": fmt(line.incentive),
                    "efficiency_bonus": fmt(line.efficiency_bonus),
                }
                for line in self.staff
            ],
        }


def pay_sheet(
    session: Session, year: int, institution_code: str, performance_pay: int
) -> PaySheetResult:
    """R19: basic = round(T × share), incentive split by R18's weights; the bonus listed apart."""
    require_settled(session, year)
    institution = get_institution(session, institution_code)
    config = session.get(YearConfig, year)
    share = Fraction(config.basic_share if config else 4000, RATIO_SCALE)
    bonus = institution_bonus(session, year, institution)
    weights = integer_weights(bonus.weights)
    try:
        sheet = rules.pay_sheet(performance_pay, weights, share)
    except ValueError:
        refusal = msg.PAY_NEGATIVE if performance_pay < 0 else msg.PAY_UNSPLITTABLE
        raise InvalidInput(refusal(institution=institution_code, year=year)) from None
    return PaySheetResult(institution_code, year, sheet, bonus)


def pay_sheet_subject(institution_code: str) -> str:
    """The trail's subject under which a centre's pay sheet entries are kept."""
    return f"pay sheet {institution_code}"


def recorded_performance_pay(session: Session, year: int, institution_code: str) -> int | None:
    """The performance pay T of the institution's latest pay sheet for `year`, if any."""
    latest = session.scalar(
        select(ConfigChange.new)
        .where(
            ConfigChange.year == year,
            ConfigChange.subject == pay_sheet_subject(institution_code),
        )
        .order_by(ConfigChange.id.desc())
        .limit(1)
    )
    return None if latest is None else parse_hundredths(latest, what="performance pay")


def recorded_pay_sheet(session: Session, year: int, institution_code: str) -> PaySheetResult | None:
    """The pay sheet the centre entered last for `year` (None before it entered one)."""
    total = recorded_performance_pay(session, year, institution_code)
    return None if total is None else pay_sheet(session, year, institution_code, total)


@dataclass(frozen=True)
class SettledYear:
    """A settled year and the date it was settled as of."""

    year: int
    as_of: date


def settled_years(session: Session) -> list[SettledYear]:
    """Every settled year, newest first (the year menus of the bonus pages)."""
    rows = session.execute(
        select(YearSettlement.year, YearSettlement.as_of).order_by(YearSettlement.year.desc())
    )
    return [SettledYear(year, as_of) for year, as_of in rows]


def institution_names(session: Session) -> dict[str, str]:
    """Institution code → name."""
    return dict(session.execute(select(Institution.code, Institution.name)).all())


def active_institutions(session: Session) -> list[str]:
    """The codes of the active institutions, in code order (the assessment form's rows)."""
    return list(
        session.scalars(
            select(Institution.code).where(Institution.active).order_by(Institution.code)
        )
    )


def staff_names(session: Session, institution_code: str) -> dict[str, str]:
    """Staff code → name of one institution."""
    institution = get_institution(session, institution_code)
    rows = session.execute(
        select(Staff.code, Staff.name).where(Staff.institution_id == institution.id)
    )
    return dict(rows.all())


def assessment(session: Session, year: int, institution_code: str) -> AssessmentRow | None:
    """One institution's assessment of `year`, if entered."""
    institution = get_institution(session, institution_code)
    row = session.get(Assessment, (year, institution.id))
    if row is None:
        return None
    return AssessmentRow(institution_code, row.score, row.surplus, row.pool)
