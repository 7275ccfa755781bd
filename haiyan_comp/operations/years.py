"""Year to year: a new year starts from the previous year's configuration and catalogue.

Finance copies them, then edits what changed (`haiyan year copy`, the configure
page's 从上年复制). What R9 and R11 take from the settled previous year (the
growth cap's base, the prepayment weights) needs no copy: `year_sources` says,
for the configure page, where each of the year's figures comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from haiyan_comp.budget import queries as budget_queries
from haiyan_comp.budget import services as budget
from haiyan_comp.catalogue.services import item_count
from haiyan_comp.db import db
from haiyan_comp.errors import Conflict, NotFound
from haiyan_comp.operations import operation, reading
from haiyan_comp.operations.catalogue import copy_catalogue
from haiyan_comp.settlement.queries import last_finals, settlement_head
from haiyan_comp.years.messages import ALREADY_STARTED, COPY_STEP, NOTHING_TO_COPY
from haiyan_comp.years.services import lock_records, require_open

__all__ = ["YearCopy", "YearSources", "copy_previous_year", "start_year", "year_sources"]


@dataclass(frozen=True)
class YearCopy:
    """What copying `source` into `year` did."""

    year: int
    source: int
    configuration: bool  # the configuration was copied
    items: int  # catalogue items copied (0: the year kept its own catalogue)


def start_year(session: Session, year: int, source: int, by: str) -> YearCopy:
    """Copy `source`'s configuration and catalogue into open `year` where it has none yet.

    A configuration or catalogue `year` already has is kept: copying never
    overwrites what finance entered. Conflict when there is nothing left to copy.
    """
    lock_records(session)
    require_open(session, year, COPY_STEP())
    has_config = budget_queries.config_view(session, year) is not None
    has_items = item_count(session, year) > 0
    if has_config and has_items:
        raise Conflict(ALREADY_STARTED(year=year))
    previous = budget_queries.config_view(session, source)
    source_items = item_count(session, source)
    if previous is None and not source_items:
        raise NotFound(NOTHING_TO_COPY(source=source, year=year))
    copied_config = previous is not None and not has_config
    if previous is not None and not has_config:
        entered = budget.ConfigInput(
            budget=previous.budget,
            unit_price=previous.unit_price,
            growth_cap=previous.growth_cap,
            risk_fund=previous.risk_fund,
            prepay_ratio=previous.prepay_ratio,
            instalments=previous.instalments,
            basic_share=previous.basic_share,
        )
        budget.configure_year(session, year, entered, by)
    items = 0
    if source_items and not has_items:
        items = len(copy_catalogue(session, source, year).added)
    budget.note_copied(session, year, source, items, by)
    return YearCopy(year, source, copied_config, items)


@operation
def copy_previous_year(year: int, by: str, source: int | None = None) -> YearCopy:
    """`haiyan year copy` and the configure page: start `year` from `source` (year − 1)."""
    return start_year(db.session, year, year - 1 if source is None else source, by)


@dataclass(frozen=True)
class YearSources:
    """Where a year's figures come from, as the configure page says it."""

    year: int
    configured: bool
    items: int
    previous_configured: bool
    previous_items: int
    previous_settled: bool  # R9's base and R11's weights are the previous year's
    copied_from: int | None  # the year this one was copied from, if it was
    baselines: int  # baselines entered for the year (R9, when the previous is not here)
    prepayment_basis: str | None  # last_year_final | weights | equal | outright

    @property
    def can_copy(self) -> bool:
        """Something of the previous year could still be copied in."""
        return (not self.configured and self.previous_configured) or (
            not self.items and self.previous_items > 0
        )


@reading
def year_sources(year: int) -> YearSources:
    """What the year has, what the previous year offers, and R9's and R11's sources."""
    session = db.session
    configured = budget_queries.config_view(session, year) is not None
    copied = [
        entry.new.get("from_year")
        for entry in budget_queries.config_trail(session, year)
        if entry.subject == "copied" and isinstance(entry.new, dict)
    ]
    basis = None
    if configured:
        totals = budget.prepayment_totals(session, year, last_finals(session, year - 1))
        basis = next(iter({b for _, b in totals.values()}), None)
    return YearSources(
        year=year,
        configured=configured,
        items=item_count(session, year),
        previous_configured=budget_queries.config_view(session, year - 1) is not None,
        previous_items=item_count(session, year - 1),
        previous_settled=settlement_head(session, year - 1) is not None,
        copied_from=copied[0] if copied else None,
        baselines=len(budget_queries.baselines(session, year)),
        prepayment_basis=basis,
    )
