"""Assessment, efficiency bonus and pay sheets of settled years (R16–R19)."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any, BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from haiyan_comp.audit.models import AuditBatch, PopulationStaff
from haiyan_comp.bonus import rules
from haiyan_comp.bonus.models import Assessment, Indicator, IndicatorScore
from haiyan_comp.budget.models import RATIO_SCALE, ConfigChange, YearConfig
from haiyan_comp.errors import Conflict, InvalidInput, NotFound
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.money import AmountError, parse_hundredths, round_half_up
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.records.models import StaffTotal
from haiyan_comp.settlement.models import YearSettlement


def _require_settled(session: Session, year: int) -> None:
    if session.get(YearSettlement, year) is None:
        raise Conflict(
            f"year {year} is not settled yet; assessments and bonuses follow settlement (R16)"
        )


def _trail(session: Session, year: int, subject: str, old: Any, new: Any, by: str) -> None:
    session.add(
        ConfigChange(
            year=year,
            subject=subject,
            old=None if old is None else str(old),
            new=str(new),
            changed_by=by,
            changed_at=datetime.now(UTC),
        )
    )


def set_assessment(
    session: Session, year: int, institution_code: str, *, score: int | None, surplus: int, by: str
) -> Assessment:
    """R16: record an institution's score and surplus for a settled year (with a trail).

    Without a score, the indicator points loaded for the year make it.
    """
    _require_settled(session, year)
    institution = get_institution(session, institution_code)
    if score is None:
        score = _indicator_total(session, year, institution)
    if not 0 <= score <= rules.MAX_SCORE:
        raise InvalidInput(f"score: must be 0.00–1000.00, got {fmt(score)} (R16)")
    row = session.get(Assessment, (year, institution.id))
    old = None if row is None else f"score {fmt(row.score)}, surplus {fmt(row.surplus)}"
    if row is None:
        row = Assessment(year=year, institution_id=institution.id, score=score, surplus=surplus,
                         pool=None, set_by=by, set_at=datetime.now(UTC))  # fmt: skip
        session.add(row)
    else:
        row.score, row.surplus, row.set_by, row.set_at = score, surplus, by, datetime.now(UTC)
        cap = rules.bonus_cap(score, surplus)
        if row.pool is not None and row.pool > cap:
            row.pool = None  # a chosen pool never stands above the new cap
    _trail(session, year, f"assessment {institution_code}", old,
           f"score {fmt(score)}, surplus {fmt(surplus)}", by)  # fmt: skip
    session.flush()
    return row


def _indicator_total(session: Session, year: int, institution: Institution) -> int:
    points = session.scalars(
        select(IndicatorScore.points).where(
            IndicatorScore.year == year, IndicatorScore.institution_id == institution.id
        )
    ).all()
    if not points:
        raise InvalidInput(
            f"give --score, or load the {year} indicators with 'haiyan assess indicators load'"
        )
    return sum(points)


def load_indicators(session: Session, stream: BinaryIO, filename: str, year: int, by: str) -> int:
    """Indicators (maxima adding up to exactly 1000.00) and each institution's points.

    CSV `indicator,name,max_points,institution_code,points`, one row per
    indicator and institution; all or nothing. Returns institutions scored.
    """
    _require_settled(session, year)
    codes = {i.code: i for i in session.scalars(select(Institution))}
    maxima: dict[str, tuple[str, int]] = {}
    points: dict[tuple[str, str], int] = {}
    problems: list[str] = []
    reader = csv.DictReader(io.StringIO(stream.read().decode("utf-8-sig"), newline=""))
    expected = ["indicator", "name", "max_points", "institution_code", "points"]
    if [f.strip() for f in reader.fieldnames or []] != expected:
        raise InvalidInput(f"{filename}: line 1: the header must be {','.join(expected)}")
    for row in reader:
        line, code, inst = (
            reader.line_num,
            row["indicator"].strip(),
            row["institution_code"].strip(),
        )
        try:
            top = parse_hundredths(row["max_points"], what="max_points")
            got = parse_hundredths(row["points"], what="points")
        except AmountError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        if maxima.setdefault(code, (row["name"].strip(), top))[1] != top:
            problems.append(f"line {line}: max_points of {code} differs from its first row")
        if inst not in codes:
            problems.append(f"line {line}: institution_code: unknown institution {inst!r}")
        if got > top:
            problems.append(
                f"line {line}: points {fmt(got)} above the maximum {fmt(top)} of {code}"
            )
        if (code, inst) in points:
            problems.append(f"line {line}: {inst} has {code} twice")
        points[(code, inst)] = got
    total = sum(top for _, top in maxima.values())
    if maxima and total != rules.MAX_SCORE:
        problems.append(f"the indicators' maximum points add up to {fmt(total)}, not 1000.00 (R16)")
    if problems or not maxima:
        problems = problems or ["the file has no indicators"]
        raise InvalidInput(f"{filename}: nothing was loaded:\n  " + "\n  ".join(problems),
                           details={"problems": problems})  # fmt: skip
    session.execute(delete(IndicatorScore).where(IndicatorScore.year == year))
    session.execute(delete(Indicator).where(Indicator.year == year))
    for code, (name, top) in maxima.items():
        session.add(Indicator(year=year, code=code, name=name, max_points=top))
    for (code, inst), got in points.items():
        session.add(
            IndicatorScore(
                year=year, indicator_code=code, institution_id=codes[inst].id, points=got
            )
        )
    _trail(session, year, "indicators", None, f"{len(maxima)} indicators from {filename}", by)
    session.flush()
    return len({inst for _, inst in points})


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


def _integer_weights(weights: dict[str, Fraction]) -> dict[str, int]:
    """Exact weights scaled to whole numbers (the split depends only on their ratios)."""
    scale = math.lcm(*(w.denominator for w in weights.values())) if weights else 1
    return {code: int(w * scale) for code, w in weights.items()}


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
    note: str | None

    def to_json(self) -> dict[str, Any]:
        """The institution object of `haiyan bonus --json` (CONTRACT.md)."""
        return {
            "code": self.code,
            "score": None if self.score is None else fmt(self.score),
            "surplus": None if self.surplus is None else fmt(self.surplus),
            "qualifies": self.score is not None and self.score >= rules.QUALIFYING_SCORE,
            "cap": fmt(self.cap),
            "pool": fmt(self.pool),
            "note": self.note,
            "staff": [
                {
                    "code": code,
                    "weight": fmt(round_half_up(w)),
                    "amount": fmt(self.amounts.get(code, 0)),
                }
                for code, w in self.weights.items()
            ],
        }


def institution_bonus(session: Session, year: int, institution: Institution) -> InstitutionBonus:
    """R17–R18: cap, pool and every staff member's share, for a settled year."""
    assessment = session.get(Assessment, (year, institution.id))
    return _bonus(institution, assessment, staff_weights(session, year, institution))


def _bonus(
    institution: Institution, assessment: Assessment | None, weights: dict[str, Fraction]
) -> InstitutionBonus:
    if assessment is None:
        return InstitutionBonus(institution.code, None, None, 0, 0, weights, {}, "not assessed yet")
    cap = rules.bonus_cap(assessment.score, assessment.surplus)
    pool = rules.choose_pool(cap, assessment.pool)
    note = None
    amounts: dict[str, int] = {}
    if assessment.score < rules.QUALIFYING_SCORE:
        note = f"score {fmt(assessment.score)} is below 950.00: no efficiency bonus (R17)"
    elif pool and not any(weights.values()):
        note = "no staff member has verified units this year: the pool cannot be split (R18)"
    else:
        amounts = rules.split_by_staff(pool, _integer_weights(weights))
    return InstitutionBonus(institution.code, assessment.score, assessment.surplus, cap, pool,
                            weights, amounts, note)  # fmt: skip


def year_bonus(
    session: Session, year: int, institution_code: str | None = None
) -> list[InstitutionBonus]:
    """`haiyan bonus`: every institution of a settled year, or one (R18's weights at once)."""
    _require_settled(session, year)
    if institution_code is not None:
        return [institution_bonus(session, year, get_institution(session, institution_code))]
    weights = year_staff_weights(session, year)
    assessments = {a.institution_id: a for a in session.scalars(
        select(Assessment).where(Assessment.year == year))}  # fmt: skip
    return [
        _bonus(inst, assessments.get(inst.id), weights.get(inst.id, {}))
        for inst in session.scalars(select(Institution).order_by(Institution.code))
    ]


def choose_bonus_pool(
    session: Session, year: int, institution_code: str, amount: int, by: str
) -> int:
    """R17: a centre lowers its pool; it can never go above the cap."""
    _require_settled(session, year)
    institution = get_institution(session, institution_code)
    assessment = session.get(Assessment, (year, institution.id))
    if assessment is None:
        raise NotFound(f"{institution_code} has no assessment for {year}; finance enters it first")
    cap = rules.bonus_cap(assessment.score, assessment.surplus)
    try:
        pool = rules.choose_pool(cap, amount)
    except ValueError as exc:
        raise InvalidInput(f"{exc} (R17)") from None
    _trail(session, year, f"bonus pool {institution_code}", assessment.pool, amount, by)
    assessment.pool = pool
    session.flush()
    return pool


@dataclass(frozen=True)
class PaySheetResult:
    """R19 for an institution: performance pay split 4 : 6, the bonus apart."""

    code: str
    year: int
    sheet: rules.PaySheet
    bonus: InstitutionBonus

    def to_json(self) -> dict[str, Any]:
        """JSON of `haiyan paysheet --json`."""
        staff = sorted(set(self.sheet.incentive_by_staff) | set(self.bonus.amounts))
        return {
            "year": self.year,
            "institution": self.code,
            "performance_pay": fmt(self.sheet.total),
            "basic": fmt(self.sheet.basic),
            "incentive": fmt(self.sheet.incentive),
            "efficiency_bonus": fmt(sum(self.bonus.amounts.values())),
            "staff": [
                {
                    "code": code,
                    "incentive": fmt(self.sheet.incentive_by_staff.get(code, 0)),
                    "efficiency_bonus": fmt(self.bonus.amounts.get(code, 0)),
                }
                for code in staff
            ],
        }


def pay_sheet(
    session: Session, year: int, institution_code: str, performance_pay: int
) -> PaySheetResult:
    """R19: basic = round(T × share), incentive split by R18's weights; the bonus listed apart."""
    _require_settled(session, year)
    institution = get_institution(session, institution_code)
    config = session.get(YearConfig, year)
    share = Fraction(config.basic_share if config else 4000, RATIO_SCALE)
    bonus = institution_bonus(session, year, institution)
    weights = _integer_weights(bonus.weights)
    try:
        sheet = rules.pay_sheet(performance_pay, weights, share)
    except ValueError as exc:
        raise InvalidInput(f"{institution_code} {year}: {exc} (R19)") from None
    return PaySheetResult(institution_code, year, sheet, bonus)


def _pay_sheet_subject(institution_code: str) -> str:
    return f"pay sheet {institution_code}"


def record_pay_sheet(
    session: Session, year: int, institution_code: str, performance_pay: int, by: str
) -> PaySheetResult:
    """R19: a centre enters its pay sheet; its performance pay T is kept in the trail.

    The latest entry is the pay sheet the staff's bonus slips are printed from.
    """
    result = pay_sheet(session, year, institution_code, performance_pay)
    old = recorded_performance_pay(session, year, institution_code)
    _trail(session, year, _pay_sheet_subject(institution_code),
           None if old is None else fmt(old), fmt(performance_pay), by)  # fmt: skip
    session.flush()
    return result


def recorded_performance_pay(session: Session, year: int, institution_code: str) -> int | None:
    """The performance pay T of the institution's latest pay sheet for `year`, if any."""
    latest = session.scalar(
        select(ConfigChange.new)
        .where(
            ConfigChange.year == year,
            ConfigChange.subject == _pay_sheet_subject(institution_code),
        )
        .order_by(ConfigChange.id.desc())
        .limit(1)
    )
    return None if latest is None else parse_hundredths(latest, what="performance pay")
