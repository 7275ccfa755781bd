"""What settlements fixed, and R9's purchased units, read for pages, the API and commands."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from haiyan_comp.budget.models import Baseline, YearConfig
from haiyan_comp.institutions.models import Institution
from haiyan_comp.settlement import rules
from haiyan_comp.settlement.models import Settlement, YearSettlement
from haiyan_comp.units.services import YearUnits, year_units


def last_finals(session: Session, year: int) -> dict[int, int]:
    """Institution id → final amount F of settled `year`; empty when it is not settled (R11)."""
    return dict(
        session.execute(
            select(Settlement.institution_id, Settlement.final).where(Settlement.year == year)
        ).all()
    )


def finals(session: Session) -> dict[tuple[int, int], int]:
    """(year, institution id) → final amount F, of every settled institution and year."""
    rows = session.execute(
        select(Settlement.year, Settlement.institution_id, Settlement.final).order_by(
            Settlement.year, Settlement.institution_id
        )
    )
    return {(year, institution): final for year, institution, final in rows}


def previous_basic_medical(session: Session, year: int) -> dict[str, int]:
    """R9's P_bm(k, Y−1): from the settled year Y−1, else the baselines entered for Y."""
    codes = dict(session.execute(select(Institution.id, Institution.code)).all())
    settled = session.execute(
        select(Settlement.institution_id, Settlement.purchased_basic_medical).where(
            Settlement.year == year - 1
        )
    ).all()
    if settled:
        return {codes[institution]: units for institution, units in settled}
    baselines = session.execute(
        select(Baseline.institution_id, Baseline.basic_medical_units).where(Baseline.year == year)
    )
    return {codes[institution]: units for institution, units in baselines}


def growth_capped(session: Session, year: int, verified: dict[str, int]) -> dict[str, int]:
    """R9 for every institution: P_bm from V_bm, the year's growth cap and P_bm(Y−1)."""
    from haiyan_comp.budget.services import ratio  # its services (and the ledger's) only here

    config = session.get(YearConfig, year)
    growth = None if config is None else ratio(config.growth_cap)
    previous = previous_basic_medical(session, year)
    return {
        code: rules.purchased_basic_medical(v_bm, previous.get(code), growth)
        for code, v_bm in verified.items()
    }


def purchased_units(session: Session, year: int, institution_code: str | None = None) -> YearUnits:
    """`haiyan units`: every institution's units of a year, with R9's purchased units."""
    units = year_units(session, year, institution_code)
    capped = growth_capped(
        session, year, {i.code: i.verified_basic_medical for i in units.institutions}
    )
    return YearUnits(
        year,
        [replace(i, growth_capped_basic_medical=capped[i.code]) for i in units.institutions],
    )


@dataclass(frozen=True)
class SettledInstitution:
    """One institution's line of a settled year (R13, R14), in hundredths and fen."""

    code: str
    name: str
    verified_basic_medical: int
    verified_public_health: int
    purchased_basic_medical: int
    purchased: int
    entitlement: int
    final: int
    prepaid: int
    balance: int


@dataclass(frozen=True)
class YearState:
    """Whether a year is settled, and the settlement's head when it is."""

    year: int
    as_of: date
    unit_price: str
    budget: int
    risk_fund_draw: int
    settled_by: str
    settled_at: datetime


@dataclass(frozen=True)
class SettledYear(YearState):
    """What the settlement of a year fixed: its head and every institution's line."""

    institutions: tuple[SettledInstitution, ...]


def settled_year(
    session: Session, year: int, institution_code: str | None = None
) -> SettledYear | None:
    """The settlement of `year` (one institution's line, or every one), or None if not settled."""
    head = session.get(YearSettlement, year)
    if head is None:
        return None
    query = (
        select(Institution.code, Institution.name, Settlement)
        .join(Institution, Institution.id == Settlement.institution_id)
        .where(Settlement.year == year)
        .order_by(Institution.code)
    )
    if institution_code is not None:
        query = query.where(Institution.code == institution_code)
    lines = tuple(
        SettledInstitution(
            code, name, s.verified_basic_medical, s.verified_public_health,
            s.purchased_basic_medical, s.purchased, s.entitlement, s.final, s.prepaid, s.balance,
        )
        for code, name, s in session.execute(query)
    )  # fmt: skip
    return SettledYear(
        year, head.as_of, head.unit_price, head.budget, head.risk_fund_draw,
        head.settled_by, head.settled_at, lines,
    )  # fmt: skip


def settlement_head(session: Session, year: int) -> YearState | None:
    """The head of the settlement of `year` (when, by whom, price, draw), or None."""
    head = session.get(YearSettlement, year)
    if head is None:
        return None
    return YearState(
        year, head.as_of, head.unit_price, head.budget, head.risk_fund_draw,
        head.settled_by, head.settled_at,
    )  # fmt: skip


# One statement, one pass over the institution's running totals: the years it
# has records in (what the year menu offers) and every year's sums, next to the
# small tables' sums over every year. So one answer, read before the year to
# show is known, is both the year menu and the version of any year's page; a
# change in another year only renders the page once more.
_VERSION = text(
    """
    WITH others AS (
      SELECT
        (SELECT COUNT(*) FROM audit_batches WHERE closed_at IS NOT NULL) AS closed,
        (SELECT COALESCE(SUM(deduction), 0) FROM audit_batches) AS deducted,
        (SELECT COUNT(*) FROM service_items) AS items,
        (SELECT COALESCE(SUM(value), 0) FROM service_items) AS item_values,
        (SELECT COALESCE(MAX(id), 0) FROM config_changes) AS configured,
        (SELECT COALESCE(SUM(basic_medical_units), 0) FROM baselines) AS baselines,
        (SELECT COUNT(*) FROM settlements) AS settled
    ),
    totals AS (
      SELECT year, MAX(records) AS most, SUM(records) AS records, SUM(gross) AS gross,
             SUM(purchasable) AS purchasable
        FROM unit_totals WHERE institution_id = :institution GROUP BY year
    )
    SELECT others.closed, others.deducted, others.items, others.item_values, others.configured,
           others.baselines, others.settled,
           totals.year, totals.most, totals.records, totals.gross, totals.purchasable
      FROM others LEFT JOIN totals ON 1 = 1
     ORDER BY totals.year DESC
    """
)


@dataclass(frozen=True)
class DataVersion:
    """What an institution's dashboard of a year shows depends on, read in one statement.

    `years`: the years with records of the institution, newest first.
    `version`: a value that changes whenever anything the page shows may have.
    """

    years: tuple[int, ...]
    version: tuple[int, ...]


def institution_version(session: Session, institution_id: int) -> DataVersion:
    """The years with records of an institution, and what its figures of any year depend on."""
    rows = session.execute(_VERSION, {"institution": institution_id}).all()
    version = tuple(int(value) for value in rows[0][:7])
    years = []
    for *_others, total_year, most, records, gross, purchasable in rows:
        if total_year is None:  # no running totals at all (the LEFT JOIN's empty side)
            continue
        if most > 0:
            years.append(int(total_year))
        version += (int(total_year), int(records), int(gross), int(purchasable))
    return DataVersion(tuple(years), version)
