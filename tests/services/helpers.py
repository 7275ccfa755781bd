"""Small helpers for service tests: load reference data, import inline text."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy.orm import Session

from haiyan_comp.institutions.services import load_institutions, load_staff
from haiyan_comp.operations.catalogue import change_catalogue
from haiyan_comp.records.services import ImportReport, import_records
from haiyan_comp.records.usage import staff_record_count
from tests.worked_example import CATALOGUE_CSV, INSTITUTIONS_CSV, STAFF_CSV

HEADER = "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
AS_OF = date(2019, 1, 10)


def setup_county(session: Session, year: int = 2018) -> None:
    """The worked example's institutions, staff and catalogue."""
    load_institutions(session, io.BytesIO(INSTITUTIONS_CSV.encode()), "institutions.csv")
    load_staff(session, io.BytesIO(STAFF_CSV.encode()), "staff.csv", staff_record_count)
    change_catalogue(session, io.BytesIO(CATALOGUE_CSV.encode()), "catalogue.csv", year)


def import_text(
    session: Session,
    content: str | bytes,
    filename: str = "records.csv",
    *,
    strict: bool = False,
    chunk_rows: int = 7,
    size_hint: int | None = None,
) -> ImportReport:
    """Import a file given as text or bytes."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return import_records(
        session,
        io.BufferedReader(io.BytesIO(data)),
        filename,  # type: ignore[arg-type]
        as_of=AS_OF,
        imported_by="test",
        strict=strict,
        chunk_rows=chunk_rows,
        size_hint=size_hint,
    )
