"""Year configuration, baselines and staged prepayment (R9–R12)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp import faults
from haiyan_comp.budget import rules
from haiyan_comp.budget.messages import (
    AND_ALSO,
    BASELINES_FIXED,
    CONFIGURATION_FIXED,
    FROZEN_FIELDS,
    INSTALMENTS_ONE_OF,
    MUST_BE_ABOVE_ZERO,
    MUST_NOT_BE_NEGATIVE,
    PLAN_FIXED,
    PREPAYMENT_TOTALS_FIXED,
    PREVIOUS_YEAR_SETTLED,
    RATIO_ABOVE_ZERO_AT_MOST_ONE,
    SCHEDULE_FIXED,
    SHARE_BETWEEN_ZERO_AND_ONE,
    WEIGHT_OR_TOTAL,
    WEIGHTS_NOT_NEGATIVE,
    YEAR_NOT_CONFIGURED,
)
from haiyan_comp.budget.models import (
    RATIO_SCALE,
    Baseline,
    ConfigChange,
    Instalment,
    PrepaymentPlan,
    PrepaymentTotal,
    YearConfig,
)
from haiyan_comp.errors import Conflict, InvalidInput, NotFound
from haiyan_comp.institutions.models import Institution
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.ledger.descriptions import said
from haiyan_comp.ledger.messages import INSTALMENT, INSTALMENT_OFFSET
from haiyan_comp.ledger.services import debt_of, post
from haiyan_comp.years.models import Year
from haiyan_comp.years.services import lock_records, require_open

# Fields that fix the prepayment schedule: frozen once an instalment of the year is paid.
SCHEDULE_FIELDS = ("budget", "prepay_ratio", "instalments")
CONFIG_FIELDS = (
    "budget",
    "price_mode",
    "unit_price",
    "growth_cap",
    "risk_fund",
    "prepay_ratio",
    "instalments",
    "basic_share",
)


@dataclass(frozen=True)
class ConfigInput:
    """A year's configuration as entered (fen, ten-thousandths)."""

    budget: int
    unit_price: int | None  # None: floating price
    growth_cap: int | None
    risk_fund: int
    prepay_ratio: int
    instalments: int
    basic_share: int = 4000


def ratio(value: int | None) -> Fraction | None:
    """A stored ten-thousandths ratio as an exact Fraction."""
    return None if value is None else Fraction(value, RATIO_SCALE)


def get_config(session: Session, year: int) -> YearConfig:
    """The configuration of `year`, or NotFound saying how to configure it."""
    config = session.get(YearConfig, year)
    if config is None:
        raise NotFound(YEAR_NOT_CONFIGURED(year=year))
    return config


def _paid_count(session: Session, year: int) -> int:
    return (
        session.scalar(select(func.count()).select_from(Instalment).where(Instalment.year == year))
        or 0
    )


def _record(session: Session, year: int, subject: str, old: Any, new: Any, by: str) -> None:
    session.add(
        ConfigChange(
            year=year,
            subject=subject,
            old=None if old is None else json.dumps(old, ensure_ascii=False, sort_keys=True),
            new=json.dumps(new, ensure_ascii=False, sort_keys=True),
            changed_by=by,
            changed_at=datetime.now(UTC),
        )
    )


def configure_year(session: Session, year: int, entered: ConfigInput, by: str) -> YearConfig:
    """R10: set a year's configuration; once an instalment is paid, the schedule is fixed."""
    _check(entered)
    lock_records(session)
    require_open(session, year, CONFIGURATION_FIXED())
    values = {
        "budget": entered.budget,
        "price_mode": "floating" if entered.unit_price is None else "fixed",
        "unit_price": entered.unit_price,
        "growth_cap": entered.growth_cap,
        "risk_fund": entered.risk_fund,
        "prepay_ratio": entered.prepay_ratio,
        "instalments": entered.instalments,
        "basic_share": entered.basic_share,
    }
    config = session.get(YearConfig, year)
    old = None if config is None else {field: getattr(config, field) for field in CONFIG_FIELDS}
    if old is not None and _paid_count(session, year):
        frozen = [f for f in SCHEDULE_FIELDS if old[f] != values[f]]
        if frozen:
            names = [FROZEN_FIELDS[field]() for field in frozen]
            raise Conflict(SCHEDULE_FIXED(year=year, fields=names))
    if config is None:
        config = YearConfig(year=year, **values, updated_by=by, updated_at=datetime.now(UTC))
        session.add(config)
    else:
        for field, value in values.items():
            setattr(config, field, value)
        config.updated_by, config.updated_at = by, datetime.now(UTC)
    if old != values:
        _record(session, year, "configuration", old, values, by)
    session.flush()
    return config


def _check(entered: ConfigInput) -> None:
    problems = []
    if entered.budget < 0:
        problems.append(MUST_NOT_BE_NEGATIVE.on("budget"))
    if entered.unit_price is not None and entered.unit_price <= 0:
        problems.append(MUST_BE_ABOVE_ZERO.on("unit price"))
    if entered.risk_fund < 0:
        problems.append(MUST_NOT_BE_NEGATIVE.on("risk fund"))
    if not 0 < entered.prepay_ratio <= RATIO_SCALE:
        problems.append(RATIO_ABOVE_ZERO_AT_MOST_ONE.on("prepay ratio"))
    if entered.instalments not in rules.INSTALMENT_COUNTS:
        problems.append(INSTALMENTS_ONE_OF.on("instalments", given=entered.instalments))
    if entered.growth_cap is not None and entered.growth_cap < 0:
        problems.append(MUST_NOT_BE_NEGATIVE.on("growth cap"))
    if not 0 <= entered.basic_share <= RATIO_SCALE:
        problems.append(SHARE_BETWEEN_ZERO_AND_ONE.on("basic share"))
    if problems:
        message = problems[-1]
        for problem in reversed(problems[:-1]):
            message = AND_ALSO(first=problem, rest=message)
        raise InvalidInput(message, details={"problems": problems})


def set_baseline(session: Session, year: int, institution_code: str, units: int, by: str) -> None:
    """R9: the previous year's purchased basic-medical units, when that year is not here."""
    if units < 0:
        raise InvalidInput(MUST_NOT_BE_NEGATIVE.on("basic-medical units"))
    require_open(session, year, BASELINES_FIXED())
    previous = session.get(Year, year - 1)
    if previous is not None and previous.settled_at is not None:
        raise Conflict(PREVIOUS_YEAR_SETTLED(year=year - 1))
    institution = get_institution(session, institution_code)
    row = session.get(Baseline, (year, institution.id))
    old = None if row is None else row.basic_medical_units
    if row is None:
        session.add(Baseline(year=year, institution_id=institution.id, basic_medical_units=units))
    else:
        row.basic_medical_units = units
    _record(session, year, f"baseline {institution_code}", old, units, by)
    session.flush()


def set_prepayment_plan(
    session: Session,
    year: int,
    institution_code: str,
    *,
    weight: int | None,
    total: int | None,
    by: str,
) -> None:
    """R11: a prepayment weight, or an outright total, for an institution of a year."""
    if (weight is None) == (total is None):
        raise InvalidInput(WEIGHT_OR_TOTAL())
    if (weight or 0) < 0 or (total or 0) < 0:
        raise InvalidInput(WEIGHTS_NOT_NEGATIVE())
    require_open(session, year, PLAN_FIXED())
    if _paid_count(session, year):
        raise Conflict(PREPAYMENT_TOTALS_FIXED(year=year))
    institution = get_institution(session, institution_code)
    row = session.get(PrepaymentPlan, (year, institution.id))
    old = None if row is None else {"weight": row.weight, "total": row.total}
    if row is None:
        session.add(
            PrepaymentPlan(year=year, institution_id=institution.id, weight=weight, total=total)
        )
    else:
        row.weight, row.total = weight, total
    _record(
        session,
        year,
        f"prepayment plan {institution_code}",
        old,
        {"weight": weight, "total": total},
        by,
    )
    session.flush()


def prepayment_totals(
    session: Session, year: int, last_finals: Mapping[int, int]
) -> dict[int, tuple[int, str]]:
    """R11: institution id → (prepayment total, basis); frozen ones if the year has begun paying.

    `last_finals`: institution id → final amount of the settled year before (R11's
    first choice of weights), empty when that year is not settled.
    """
    frozen = session.scalars(select(PrepaymentTotal).where(PrepaymentTotal.year == year)).all()
    if frozen:
        return {row.institution_id: (row.total, row.basis) for row in frozen}
    config = get_config(session, year)
    active = list(
        session.scalars(select(Institution).where(Institution.active).order_by(Institution.code))
    )
    plans = {
        p.institution_id: p
        for p in session.scalars(select(PrepaymentPlan).where(PrepaymentPlan.year == year))
    }
    if active and all(plans.get(i.id) and plans[i.id].total is not None for i in active):
        return {i.id: (plans[i.id].total or 0, "outright") for i in active}
    weights, basis = _weights(last_finals, active, plans)
    pool = rules.prepayment_totals(
        config.budget, Fraction(config.prepay_ratio, RATIO_SCALE), weights
    )
    return {institution_id: (total, basis) for institution_id, total in pool.items()}


def _weights(
    last: Mapping[int, int], active: list[Institution], plans: dict[int, PrepaymentPlan]
) -> tuple[dict[int, int], str]:
    if last:
        return {i.id: last.get(i.id, 0) for i in active}, "last_year_final"
    if any(p.weight is not None for p in plans.values()):
        return {i.id: (plans[i.id].weight or 0) if i.id in plans else 0 for i in active}, "weights"
    return {i.id: 1 for i in active}, "equal"


@dataclass(frozen=True)
class ScheduledInstalment:
    """An instalment of the schedule, paid or not."""

    institution: str
    year: int
    number: int
    due: date
    gross: int
    offset: int | None
    cash: int | None
    paid: bool


def schedule(
    session: Session, year: int, last_finals: Mapping[int, int]
) -> list[ScheduledInstalment]:
    """Every instalment of a year with its due date and amounts; paid ones as paid (R11, R12).

    `last_finals` as for `prepayment_totals`.
    """
    config = get_config(session, year)
    codes = dict(session.execute(select(Institution.id, Institution.code)).all())
    paid = {
        (i.institution_id, i.number): i
        for i in session.scalars(select(Instalment).where(Instalment.year == year))
    }
    result = []
    for institution_id, (total, _) in sorted(
        prepayment_totals(session, year, last_finals).items(), key=lambda kv: codes[kv[0]]
    ):
        for planned in rules.instalments(year, total, config.instalments):
            done = paid.get((institution_id, planned.number))
            result.append(
                ScheduledInstalment(
                    codes[institution_id],
                    year,
                    planned.number,
                    planned.due,
                    planned.gross,
                    done.offset if done else None,
                    done.cash if done else None,
                    done is not None,
                )
            )
    return result


def unsettled_years_until(session: Session, as_of: date) -> list[int]:
    """Configured years not settled and begun by `as_of`: those that may have instalments due."""
    return list(
        session.scalars(
            select(YearConfig.year)
            .join(Year, Year.year == YearConfig.year)
            .where(Year.settled_at.is_(None), YearConfig.year <= as_of.year)
            .order_by(YearConfig.year)
        )
    )


def pay_year(
    session: Session, year: int, as_of: date, by: str, last_finals: Mapping[int, int]
) -> list[ScheduledInstalment]:
    """R12: pay every instalment of `year` due on or before `as_of` and not yet paid.

    Call it under the records lock (lock_records): runs are then serialised and
    each instalment has a unique key, so nothing is paid twice.
    """
    _freeze_totals(session, year, last_finals)
    paid = []
    for item in schedule(session, year, last_finals):
        if not item.paid and item.due <= as_of:
            paid.append(_pay(session, item, as_of, by))
            faults.point("prepay:after-an-instalment")
    return paid


def _freeze_totals(session: Session, year: int, last_finals: Mapping[int, int]) -> None:
    if session.scalar(
        select(func.count()).select_from(PrepaymentTotal).where(PrepaymentTotal.year == year)
    ):
        return
    for institution_id, (total, basis) in prepayment_totals(session, year, last_finals).items():
        session.add(
            PrepaymentTotal(year=year, institution_id=institution_id, total=total, basis=basis)
        )
    session.flush()


def _pay(session: Session, item: ScheduledInstalment, as_of: date, by: str) -> ScheduledInstalment:
    institution = get_institution(session, item.institution)
    offset, cash = rules.clear_debt(item.gross, debt_of(session, item.institution))
    instalment = {"number": item.number, "year": item.year, "due": item.due.isoformat()}
    session.add(
        Instalment(
            year=item.year,
            institution_id=institution.id,
            number=item.number,
            due=item.due,
            gross=item.gross,
            offset=offset,
            cash=cash,
            as_of=as_of,
            paid_by=by,
            paid_at=datetime.now(UTC),
        )
    )
    post(
        session,
        kind="instalment",
        year=item.year,
        institution_id=institution.id,
        amount=item.gross,
        reason=said(INSTALMENT_OFFSET, offset=offset, **instalment)
        if offset
        else said(INSTALMENT, **instalment),
        by=by,
        postings={
            f"prepaid:{item.institution}:{item.year}": item.gross,
            "cash": -cash,
            f"debt:{item.institution}": -offset,
        },
    )
    return ScheduledInstalment(
        item.institution, item.year, item.number, item.due, item.gross, offset, cash, True
    )


def note_copied(session: Session, year: int, source: int, items: int, by: str) -> None:
    """Keep in the trail that `year` started from `source`'s configuration and catalogue."""
    _record(session, year, "copied", None, {"from_year": source, "items": items}, by)
    session.flush()
