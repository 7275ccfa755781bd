"""A year's budget: configuring it, its baselines and prepayment plans, and paying instalments.

R11's weights are the settled previous year's final amounts, which the budget
domain cannot read (settlement is above it): these operations read them from
the settlement and hand them down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from haiyan_comp.budget import queries, services
from haiyan_comp.budget.queries import InstitutionName, TrailEntry, YearConfigView
from haiyan_comp.budget.services import ConfigInput, ScheduledInstalment
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.operations import operation, reading
from haiyan_comp.settlement.queries import YearState, last_finals, settled_year, settlement_head
from haiyan_comp.years.services import lock_records

__all__ = [
    "ConfigInput",
    "ConfigurePage",
    "InstitutionName",
    "PrepaymentsPage",
    "ScheduledInstalment",
    "TrailEntry",
    "YearConfigView",
    "YearFrame",
    "YearState",
    "configure_page",
    "configure_year",
    "latest_year",
    "pay_due_instalments",
    "pay_instalments",
    "prepayment_schedule",
    "prepayments_page",
    "schedule",
    "set_baselines",
    "set_prepayment_plan",
    "year_config",
    "year_frame",
]


def pay_due_instalments(session: Session, as_of: date, by: str) -> list[ScheduledInstalment]:
    """R12: pay every instalment due on or before `as_of` and not yet paid, of unsettled years.

    Safe to run twice or twice at once: runs are serialised by the records lock
    and each instalment has a unique key, so nothing is paid twice.
    """
    lock_records(session)
    paid: list[ScheduledInstalment] = []
    for year in services.unsettled_years_until(session, as_of):
        paid += services.pay_year(session, year, as_of, by, last_finals(session, year - 1))
    return paid


def schedule(session: Session, year: int) -> list[ScheduledInstalment]:
    """Every instalment of a year, paid or due (R11, R12); NotFound if it is not configured."""
    return services.schedule(session, year, last_finals(session, year - 1))


@operation
def pay_instalments(as_of: date, by: str) -> list[ScheduledInstalment]:
    """`haiyan prepay run`, the scheduler's job, the prepayments page and the API's run."""
    return pay_due_instalments(db.session, as_of, by)


@reading
def prepayment_schedule(year: int) -> list[ScheduledInstalment]:
    """`haiyan prepay schedule`: every instalment of a year."""
    return schedule(db.session, year)


@operation
def configure_year(year: int, entered: ConfigInput, by: str) -> YearConfigView:
    """R10: set a year's configuration; the stored configuration as it now is."""
    services.configure_year(db.session, year, entered, by)
    view = queries.config_view(db.session, year)
    assert view is not None  # just stored
    return view


@reading
def year_config(year: int) -> YearConfigView:
    """A year's configuration, or NotFound saying how to configure it."""
    services.get_config(db.session, year)  # NotFound when not configured
    view = queries.config_view(db.session, year)
    assert view is not None
    return view


@operation
def set_baselines(year: int, units: dict[str, int], by: str) -> None:
    """R9: set institutions' previous-year basic-medical units for `year`; all or none."""
    for code, value in units.items():
        services.set_baseline(db.session, year, code, value, by)


@operation
def set_prepayment_plan(
    year: int, institution: str, *, weight: int | None, total: int | None, by: str
) -> None:
    """R11: a prepayment weight, or an outright total, for an institution of a year."""
    services.set_prepayment_plan(db.session, year, institution, weight=weight, total=total, by=by)


@dataclass(frozen=True)
class YearFrame:
    """What every finance page shows around its table: the years, institutions, settlement."""

    year: int
    years: list[int]
    institutions: list[InstitutionName]
    settled: YearState | None

    @property
    def names(self) -> dict[str, str]:
        """Institution code → name, of every institution."""
        return {i.code: i.name for i in self.institutions}

    @property
    def active(self) -> list[InstitutionName]:
        """The active institutions, in code order."""
        return [i for i in self.institutions if i.active]


@reading
def latest_year() -> int | None:
    """The latest configured year, else the latest year with records, else None."""
    return queries.latest_year(db.session)


@reading
def year_frame(year: int | None) -> YearFrame:
    """The known years, the institutions and the settlement of `year`, for a finance page.

    `year` None: the latest configured year, else the latest with records, else this year.
    """
    session = db.session
    if year is None:
        latest = queries.latest_year(session)
        year = latest if latest is not None else date.today().year
    return YearFrame(
        year,
        queries.known_years(session),
        queries.institutions(session),
        settlement_head(session, year),
    )


@dataclass(frozen=True)
class ConfigurePage:
    """The configure page's figures: configuration, instalments paid, trail and R9's inputs."""

    config: YearConfigView | None
    paid_instalments: int
    trail: list[TrailEntry]
    baseline: dict[str, int]
    previous_settled: YearState | None
    settled_units: dict[str, int]


@reading
def configure_page(year: int) -> ConfigurePage:
    """Everything the configure page of `year` shows besides its frame."""
    session = db.session
    previous = settlement_head(session, year - 1)
    settled_units: dict[str, int] = {}
    done = settled_year(session, year - 1) if previous is not None else None
    if done is not None:
        settled_units = {i.code: i.purchased_basic_medical for i in done.institutions}
    return ConfigurePage(
        queries.config_view(session, year),
        queries.paid_instalments(session, year),
        queries.config_trail(session, year),
        queries.baselines(session, year),
        previous,
        settled_units,
    )


@dataclass(frozen=True)
class PrepaymentsPage:
    """A year's instalments, or why there are none (the year is not configured)."""

    plan: list[ScheduledInstalment]
    problem: str | None


@reading
def prepayments_page(year: int) -> PrepaymentsPage:
    """The instalment schedule of `year` for the prepayments page."""
    try:
        return PrepaymentsPage(schedule(db.session, year), None)
    except NotFound as exc:
        return PrepaymentsPage([], exc.message)
