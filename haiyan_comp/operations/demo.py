"""The demo county as one use case: institutions, staff, catalogue, a year of records, logins."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from haiyan_comp.db import db
from haiyan_comp.demo import services
from haiyan_comp.demo.generate import demo_staff
from haiyan_comp.demo.services import CATALOGUE_PATH, DemoPeople, DemoReport
from haiyan_comp.demo.users import DemoLogin, ensure_demo_users
from haiyan_comp.institutions.services import load_institutions, load_staff
from haiyan_comp.operations import operation
from haiyan_comp.operations.catalogue import change_catalogue
from haiyan_comp.records.usage import staff_record_count

__all__ = ["DemoLoaded", "DemoReport", "load_demo"]


@dataclass(frozen=True)
class DemoLoaded:
    """What `haiyan demo` loaded, and the logins it prints."""

    report: DemoReport
    logins: list[DemoLogin]


@operation
def load_demo(folder: Path, *, year: int, records: int, seed: int, chunk_rows: int) -> DemoLoaded:
    """Load a demo county in one unit of work; the records file is written to `folder`.

    Running it again with the same seed imports nothing new.
    """
    session = db.session
    with services.demo_catalogue() as catalogue_file:
        staff = demo_staff(seed)
        people = DemoPeople(
            institutions=load_institutions(
                session, services.institutions_csv(), "demo-institutions.csv"
            ),
            staff=load_staff(
                session, services.staff_csv(staff), "demo-staff.csv", staff_record_count
            ),
            staff_count=len(staff),
            catalogue=change_catalogue(session, catalogue_file, CATALOGUE_PATH.name, year),
        )
    report = services.load_year(
        session, folder, people, staff, year=year, records=records, seed=seed, chunk_rows=chunk_rows
    )
    return DemoLoaded(report, ensure_demo_users(session))
