"""The demo county as one use case: institutions, staff, catalogue, its years, logins.

`load_demo` loads one open year (`--year`, the contract's one-year demo), or,
with `since`, the years from `since` on: every year before `year` settled with
its audits, assessments, bonus pools and pay sheets, and `year` open with its
first instalments paid. A settled year is never touched again, so loading the
demo again (whatever the tour did to it) changes nothing and never fails.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from haiyan_comp.accounts.queries import user_list
from haiyan_comp.budget import queries as budget_queries
from haiyan_comp.catalogue.services import CatalogueChange, item_count
from haiyan_comp.db import db
from haiyan_comp.demo import history, services
from haiyan_comp.demo.generate import Staff, demo_staff
from haiyan_comp.demo.services import CATALOGUE_PATH, DemoPeople, DemoReport, YearSummary
from haiyan_comp.demo.users import DemoLogin, demo_logins, ensure_demo_users
from haiyan_comp.institutions.services import load_institutions, load_staff
from haiyan_comp.operations import operation, reading
from haiyan_comp.operations.budget import pay_due_instalments
from haiyan_comp.operations.catalogue import change_catalogue
from haiyan_comp.operations.demo_years import BY, begin_year, load_earlier_year, set_budget
from haiyan_comp.records.usage import staff_record_count
from haiyan_comp.settlement.queries import settlement_head
from haiyan_comp.years.services import settled_years

__all__ = ["DemoLoaded", "DemoReport", "YearSummary", "demo_state", "load_demo"]

FIRST_INSTALMENTS_PAID = (7, 1)  # the latest year's run: as of 1 July (3 of 4 instalments)


@dataclass(frozen=True)
class DemoLoaded:
    """What `haiyan demo` loaded, and the logins it prints."""

    report: DemoReport
    logins: list[DemoLogin]


@operation
def load_demo(
    folder: Path,
    *,
    year: int,
    records: int,
    seed: int,
    chunk_rows: int,
    since: int | None = None,
) -> DemoLoaded:
    """Load a demo county in one unit of work; the records files are written to `folder`.

    Running it again with the same arguments imports nothing new.
    """
    session = db.session
    first = year if since is None else min(since, year)
    staff = demo_staff(seed)
    people = _people(session, staff, first)
    earlier = tuple(
        load_earlier_year(
            session, folder, staff, year=y, first=first, latest=year, records=records,
            seed=seed, chunk_rows=chunk_rows,
        )
        for y in range(first, year)
    )  # fmt: skip
    report = _latest_year(session, folder, people, staff, year, first, records, seed, chunk_rows)
    return DemoLoaded(dataclasses.replace(report, years=earlier), ensure_demo_users(session))


def _people(session: Session, staff: list[Staff], first: int) -> DemoPeople:
    """The institutions, staff and (unless the first year is settled) its catalogue."""
    institutions = load_institutions(session, services.institutions_csv(), "demo-institutions.csv")
    people = load_staff(session, services.staff_csv(staff), "demo-staff.csv", staff_record_count)
    if first in settled_years(session):
        catalogue = CatalogueChange(first, unchanged=item_count(session, first))
    else:
        with services.demo_catalogue() as catalogue_file:
            catalogue = change_catalogue(session, catalogue_file, CATALOGUE_PATH.name, first)
    return DemoPeople(institutions, people, len(staff), catalogue)


def _latest_year(
    session: Session,
    folder: Path,
    people: DemoPeople,
    staff: list[Staff],
    year: int,
    first: int,
    records: int,
    seed: int,
    chunk_rows: int,
) -> DemoReport:
    """The open year: records, configuration and (after earlier years) instalments under way."""
    if year in settled_years(session):  # settled by the tour: shown as it is
        return services.settled_report(session, folder, people, year, seed)
    if year == first:
        return services.load_year(
            session, folder, people, staff, year=year, records=records, seed=seed,
            chunk_rows=chunk_rows,
        )  # fmt: skip
    begin_year(session, year, first=first)
    report = services.load_year(
        session, folder, people, staff, year=year, records=records, seed=seed,
        chunk_rows=chunk_rows, activity=history.ACTIVITY.get(year), configure=False,
    )  # fmt: skip
    set_budget(session, year, first=first)
    pay_due_instalments(session, date(year, *FIRST_INSTALMENTS_PAID), BY)
    return report


@dataclass(frozen=True)
class DemoState:
    """Whether the database holds the demo county, and nothing that is not the demo's."""

    loaded: bool  # the demo's logins and records are there
    others: list[str]  # logins that are not the demo's (a real county's database)
    latest: int | None  # the latest configured year
    settled: bool  # that year is settled


@reading
def demo_state() -> DemoState:
    """What `make demo` and `haiyan demo --reset` need to know before they act."""
    session = db.session
    names = {user.username for user in user_list(session)}
    demo = {login[0] for login in demo_logins()}
    latest = budget_queries.latest_year(session)
    return DemoState(
        loaded=demo <= names and latest is not None,
        others=sorted(names - demo),
        latest=latest,
        settled=latest is not None and settlement_head(session, latest) is not None,
    )
