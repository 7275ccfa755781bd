"""Use cases of the institutions and their staff: loads from CSV, and the list the pages show."""

from __future__ import annotations

from typing import BinaryIO

from haiyan_comp.db import db
from haiyan_comp.institutions import queries, services
from haiyan_comp.institutions.queries import InstitutionRow
from haiyan_comp.institutions.services import LoadResult
from haiyan_comp.operations import operation, reading
from haiyan_comp.records.usage import staff_record_count

__all__ = [
    "InstitutionRow",
    "LoadResult",
    "institution_by_code",
    "institution_by_id",
    "institution_list",
]


@operation
def load_institutions(stream: BinaryIO, filename: str, sheet: str | None = None) -> LoadResult:
    """Add or rename institutions from CSV or .xlsx `code,name`: every row or none."""
    return services.load_institutions(db.session, stream, filename, sheet)


@operation
def load_staff(stream: BinaryIO, filename: str, sheet: str | None = None) -> LoadResult:
    """Add or update staff from CSV `code,institution_code,name`: every row or none.

    A staff member who has records cannot move to another institution.
    """
    return services.load_staff(
        db.session, stream, filename, records_of=staff_record_count, sheet=sheet
    )


@reading
def institution_list() -> list[InstitutionRow]:
    """Every institution by code, with its staff count."""
    return queries.institution_list(db.session)


@reading
def institution_by_code(code: str) -> InstitutionRow:
    """The institution with `code`, or NotFound."""
    return queries.institution_by_code(db.session, code)


@reading
def institution_by_id(institution_id: int) -> InstitutionRow:
    """The institution with this id, or NotFound."""
    return queries.institution_by_id(db.session, institution_id)
