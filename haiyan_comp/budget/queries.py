"""A year's configuration, its trail, baselines and instalments, read for pages, API, commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.budget.models import Baseline, ConfigChange, Instalment, YearConfig
from haiyan_comp.institutions.models import Institution
from haiyan_comp.years.models import Year


@dataclass(frozen=True)
class YearConfigView:
    """A year's configuration (fen, ten-thousandths) and whether the year is settled."""

    year: int
    budget: int
    price_mode: str
    unit_price: int | None
    growth_cap: int | None
    risk_fund: int
    prepay_ratio: int
    instalments: int
    basic_share: int
    updated_by: str
    updated_at: datetime
    settled: bool


def config_view(session: Session, year: int) -> YearConfigView | None:
    """The configuration of `year`, or None when it is not configured."""
    config = session.get(YearConfig, year)
    if config is None:
        return None
    row = session.get(Year, year)
    return YearConfigView(
        config.year, config.budget, config.price_mode, config.unit_price, config.growth_cap,
        config.risk_fund, config.prepay_ratio, config.instalments, config.basic_share,
        config.updated_by, config.updated_at, row is not None and row.settled_at is not None,
    )  # fmt: skip


def known_years(session: Session) -> list[int]:
    """Every year the system knows (configured or with records), newest first."""
    years = set(session.scalars(select(Year.year))) | set(session.scalars(select(YearConfig.year)))
    return sorted(years, reverse=True)


def latest_year(session: Session) -> int | None:
    """The latest configured year, else the latest year with records, else None."""
    latest = session.scalar(select(func.max(YearConfig.year)))
    if latest is None:
        latest = session.scalar(select(func.max(Year.year)))
    return None if latest is None else int(latest)


def paid_instalments(session: Session, year: int) -> int:
    """How many instalments of `year` are paid."""
    count = select(func.count()).select_from(Instalment).where(Instalment.year == year)
    return session.scalar(count) or 0


def instalments_cash(session: Session) -> int:
    """The cash every paid instalment put out, all years (R12, for R15's check)."""
    return int(session.scalar(select(func.coalesce(func.sum(Instalment.cash), 0))) or 0)


def baselines(session: Session, year: int) -> dict[str, int]:
    """Institution code → R9 baseline (basic-medical units of year − 1) entered for `year`."""
    rows = session.execute(
        select(Institution.code, Baseline.basic_medical_units)
        .join(Institution, Institution.id == Baseline.institution_id)
        .where(Baseline.year == year)
    )
    return {code: units for code, units in rows}


@dataclass(frozen=True)
class TrailEntry:
    """One change of a year's configuration, baselines or plans, as stored (JSON decoded)."""

    subject: str
    old: Any
    new: Any
    old_text: str | None
    new_text: str
    changed_by: str
    changed_at: datetime


def config_trail(session: Session, year: int, limit: int = 50) -> list[TrailEntry]:
    """The latest changes of `year`, newest first."""
    changes = session.scalars(
        select(ConfigChange)
        .where(ConfigChange.year == year)
        .order_by(ConfigChange.changed_at.desc(), ConfigChange.id.desc())
        .limit(limit)
    )
    return [
        TrailEntry(
            c.subject, _loads(c.old), _loads(c.new), c.old, c.new, c.changed_by, c.changed_at
        )
        for c in changes
    ]


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class InstitutionName:
    """An institution as the finance pages list it."""

    code: str
    name: str
    active: bool


def institutions(session: Session) -> list[InstitutionName]:
    """Every institution in code order (the pages list the active ones in their forms)."""
    rows = session.execute(
        select(Institution.code, Institution.name, Institution.active).order_by(Institution.code)
    )
    return [InstitutionName(code, name, active) for code, name, active in rows]
