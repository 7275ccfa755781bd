"""Writes of the assessment, the bonus pool and the pay sheet of settled years (R16–R19).

The reads (the bonus, R18's weights, the pay sheet) are in queries.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from haiyan_comp import sheets
from haiyan_comp.bonus import messages as msg
from haiyan_comp.bonus import rules
from haiyan_comp.bonus.models import Assessment, Indicator, IndicatorScore
from haiyan_comp.bonus.queries import PaySheetResult, pay_sheet, pay_sheet_subject, require_settled

# Reads that moved to queries.py, kept importable here for the tests that still ask services.
from haiyan_comp.bonus.queries import recorded_performance_pay as recorded_performance_pay
from haiyan_comp.bonus.queries import staff_weights as staff_weights
from haiyan_comp.bonus.queries import year_staff_weights as year_staff_weights
from haiyan_comp.budget.models import ConfigChange
from haiyan_comp.errors import InvalidInput, NotFound
from haiyan_comp.institutions.models import Institution
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.messages import Message
from haiyan_comp.money import AmountError, parse_hundredths
from haiyan_comp.money import format_hundredths as fmt


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
    require_settled(session, year)
    institution = get_institution(session, institution_code)
    if score is None:
        score = _indicator_total(session, year, institution)
    if not 0 <= score <= rules.MAX_SCORE:
        raise InvalidInput(msg.SCORE_OUT_OF_RANGE.on("score", score=fmt(score)))
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
        raise InvalidInput(msg.SCORE_OR_INDICATORS(year=year))
    return sum(points)


_INDICATOR_IDS = ("indicator", "institution_code")  # a number there is refused (.xlsx)


def load_indicators(
    session: Session, stream: BinaryIO, filename: str, year: int, by: str, sheet: str | None = None
) -> int:
    """Indicators (maxima adding up to exactly 1000.00) and each institution's points.

    CSV `indicator,name,max_points,institution_code,points`, one row per
    indicator and institution; all or nothing. Returns institutions scored.
    """
    require_settled(session, year)
    codes = {i.code: i for i in session.scalars(select(Institution))}
    maxima: dict[str, tuple[str, int]] = {}
    points: dict[tuple[str, str], int] = {}
    problems: list[Message] = []
    reader = sheets.dict_reader(stream, filename, sheet=sheet, ids=_INDICATOR_IDS)
    expected = ["indicator", "name", "max_points", "institution_code", "points"]
    if [f.strip() for f in reader.fieldnames or []] != expected:
        raise InvalidInput(msg.INDICATORS_HEADER(filename=filename, header=",".join(expected)))
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
            problems.append(msg.INDICATOR_AMOUNT(line=line, problem=str(exc)))
            continue
        if maxima.setdefault(code, (row["name"].strip(), top))[1] != top:
            problems.append(msg.INDICATOR_MAX_DIFFERS(line=line, indicator=code))
        if inst not in codes:
            problems.append(msg.INDICATOR_UNKNOWN_INSTITUTION(line=line, institution=repr(inst)))
        if got > top:
            problems.append(
                msg.INDICATOR_ABOVE_MAX(line=line, points=fmt(got), most=fmt(top), indicator=code)
            )
        if (code, inst) in points:
            problems.append(msg.INDICATOR_TWICE(line=line, institution=inst, indicator=code))
        points[(code, inst)] = got
    total = sum(top for _, top in maxima.values())
    if maxima and total != rules.MAX_SCORE:
        problems.append(msg.INDICATORS_TOTAL(total=fmt(total)))
    if problems or not maxima:
        problems = problems or [msg.INDICATORS_NONE()]
        refused = msg.INDICATORS_NOT_LOADED(filename=filename, problems="\n  ".join(problems))
        raise InvalidInput(refused, details={"problems": problems})
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


def choose_bonus_pool(
    session: Session, year: int, institution_code: str, amount: int, by: str
) -> int:
    """R17: a centre lowers its pool; it can never go above the cap."""
    require_settled(session, year)
    institution = get_institution(session, institution_code)
    assessment = session.get(Assessment, (year, institution.id))
    if assessment is None:
        raise NotFound(msg.NO_ASSESSMENT(institution=institution_code, year=year))
    cap = rules.bonus_cap(assessment.score, assessment.surplus)
    try:
        pool = rules.choose_pool(cap, amount)
    except ValueError:
        raise InvalidInput(msg.POOL_ABOVE_CAP(cap=fmt(cap))) from None
    _trail(session, year, f"bonus pool {institution_code}", assessment.pool, amount, by)
    assessment.pool = pool
    session.flush()
    return pool


def record_pay_sheet(
    session: Session, year: int, institution_code: str, performance_pay: int, by: str
) -> PaySheetResult:
    """R19: a centre enters its pay sheet; its performance pay T is kept in the trail.

    The latest entry is the pay sheet the staff's bonus slips are printed from.
    """
    result = pay_sheet(session, year, institution_code, performance_pay)
    old = recorded_performance_pay(session, year, institution_code)
    _trail(session, year, pay_sheet_subject(institution_code),
           None if old is None else fmt(old), fmt(performance_pay), by)  # fmt: skip
    session.flush()
    return result
