"""Reads: the figures of one institution-year's explanation.

A settled year is explained from what its settlement fixed (the rows the statement
prints); an open, configured year from the same rules applied to today's units, as
an estimate. Either way the items' units are those of `haiyan units`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from haiyan_comp.audit.queries import centre_deductions
from haiyan_comp.budget.models import Baseline, YearConfig
from haiyan_comp.errors import NotFound
from haiyan_comp.explain import messages as msg
from haiyan_comp.explain.tree import Batch, Figures
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.settlement import rules
from haiyan_comp.settlement.models import Settlement
from haiyan_comp.settlement.queries import previous_basic_medical, purchased_units, settled_year
from haiyan_comp.units.rules import InstitutionUnits
from haiyan_comp.units.services import year_units


def explanation_figures(session: Session, year: int, code: str) -> Figures:
    """The figures explaining `code`'s final amount of `year` (NotFound if unconfigured)."""
    institution = get_institution(session, code)
    config = session.get(YearConfig, year)
    if config is None:
        raise NotFound(msg.NOT_EXPLAINABLE(year=year))
    batches = tuple(
        Batch(b.id, b.item, b.date_from.isoformat(), b.date_to.isoformat(), b.population_count,
              b.population_units, b.size, b.failed, b.deduction)
        for b in centre_deductions(session, year, institution.id).batches
    )  # fmt: skip
    previous = previous_basic_medical(session, year).get(code)
    baseline = session.get(Settlement, (year - 1, institution.id)) is None and (
        session.get(Baseline, (year, institution.id)) is not None
    )
    settled = settled_year(session, year)
    if settled is not None:
        line = next((i for i in settled.institutions if i.code == code), None)
        if line is None:
            raise NotFound(msg.NO_UNITS(institution=code, year=year))
        units = year_units(session, year, code).institutions
        return Figures(
            year, code, True, tuple(units[0].items) if units else (), batches,
            line.verified_basic_medical, line.verified_public_health,
            line.purchased_basic_medical, line.purchased, line.entitlement, line.final,
            previous, baseline, config.growth_cap, config.unit_price is None,
            settled.unit_price, settled.budget, settled.risk_fund_draw,
            sum(i.entitlement for i in settled.institutions),
            sum(i.purchased for i in settled.institutions),
        )  # fmt: skip
    return _estimate(session, year, code, config, batches, previous, baseline)


def _estimate(
    session: Session, year: int, code: str, config: YearConfig, batches: tuple[Batch, ...],
    previous: int | None, baseline: bool,
) -> Figures:  # fmt: skip
    """An open year: the settlement's rules on today's units (what settling would fix)."""
    every = {i.code: i for i in purchased_units(session, year).institutions}
    mine: InstitutionUnits | None = every.get(code)
    if mine is None:
        raise NotFound(msg.NO_UNITS(institution=code, year=year))
    totals = {c: i.purchased for c, i in every.items()}
    if config.unit_price is None:
        amounts = rules.floating_price_amounts(totals, config.budget)
    else:
        amounts = rules.fixed_price_amounts(
            totals, config.unit_price, config.budget, config.risk_fund
        )
    return Figures(
        year, code, False, tuple(mine.items), batches, mine.verified_basic_medical,
        mine.verified_public_health, mine.purchased_basic_medical, mine.purchased,
        amounts.entitlement[code], amounts.final[code], previous, baseline, config.growth_cap,
        config.unit_price is None, amounts.unit_price, config.budget, amounts.risk_fund_draw,
        sum(amounts.entitlement.values()), sum(totals.values()),
    )  # fmt: skip
