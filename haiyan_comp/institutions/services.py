"""Loading institutions and staff from CSV: idempotent, all rows or none."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.errors import InvalidInput, NotFound
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.records.models import ServiceRecord

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
STAFF_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass
class LoadResult:
    """Codes added and updated by a load; the rest were already as in the file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON for the command line and the API."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged}


def _read_csv(
    stream: BinaryIO, filename: str, columns: Sequence[str]
) -> list[tuple[int, dict[str, str]]]:
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{filename}: not UTF-8 text; save it as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if not header:
        raise InvalidInput(
            f"{filename}: the file is empty; expected the header {','.join(columns)}"
        )
    if sorted(header) != sorted(columns):
        raise InvalidInput(
            f"{filename}: line 1: the header must be {','.join(columns)}, got {','.join(header)}"
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            raise InvalidInput(
                f"{filename}: line {reader.line_num}: more fields than the header has"
            )
        values = {key: (value or "").strip() for key, value in row.items()}
        if any(values.values()):
            rows.append((reader.line_num, values))
    return rows


def _check(problems: list[str], line: int, ok: bool, message: str) -> None:
    if not ok:
        problems.append(f"line {line}: {message}")


def _raise_if(problems: list[str], filename: str) -> None:
    if problems:
        raise InvalidInput(
            f"{filename}: {len(problems)} problem(s), nothing was loaded:\n  "
            + "\n  ".join(problems),
            details={"problems": problems},
        )


def load_institutions(session: Session, stream: BinaryIO, filename: str) -> LoadResult:
    """Add or rename institutions from CSV `code,name`."""
    rows = _read_csv(stream, filename, ("code", "name"))
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        code = row["code"]
        _check(
            problems,
            line,
            bool(CODE_PATTERN.match(code)),
            f"code: {code!r} must be 1–16 letters, digits, '_', '.' or '-'",
        )
        _check(problems, line, bool(row["name"]), "name: must not be empty")
        _check(problems, line, len(row["name"]) <= 100, "name: longer than 100 characters")
        _check(
            problems,
            line,
            code not in seen,
            f"code: {code} is repeated (first on line {seen.get(code)})",
        )
        seen.setdefault(code, line)
    _raise_if(problems, filename)
    existing = {i.code: i for i in session.scalars(select(Institution))}
    result = LoadResult()
    for _, row in rows:
        current = existing.get(row["code"])
        if current is None:
            session.add(Institution(code=row["code"], name=row["name"], active=True))
            result.added.append(row["code"])
        elif current.name != row["name"]:
            current.name = row["name"]
            result.updated.append(row["code"])
        else:
            result.unchanged += 1
    session.flush()
    return result


def load_staff(session: Session, stream: BinaryIO, filename: str) -> LoadResult:
    """Add or update staff from CSV `code,institution_code,name`."""
    rows = _read_csv(stream, filename, ("code", "institution_code", "name"))
    institutions = {i.code: i for i in session.scalars(select(Institution))}
    existing = {s.code: s for s in session.scalars(select(Staff))}
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        code, inst = row["code"], row["institution_code"]
        _check(
            problems,
            line,
            bool(STAFF_CODE_PATTERN.match(code)),
            f"code: {code!r} must be 1–32 letters, digits, '_', '.' or '-'",
        )
        _check(
            problems, line, inst in institutions, f"institution_code: unknown institution {inst!r}"
        )
        _check(problems, line, bool(row["name"]), "name: must not be empty")
        _check(
            problems,
            line,
            code not in seen,
            f"code: {code} is repeated (first on line {seen.get(code)})",
        )
        seen.setdefault(code, line)
        current = existing.get(code)
        if (
            current is not None
            and inst in institutions
            and current.institution_id != institutions[inst].id
        ):
            moved = _records_of(session, current)
            _check(
                problems,
                line,
                moved == 0,
                f"institution_code: staff {code} has {moved} records at "
                f"{current.institution.code}; give the staff member a new code at {inst}",
            )
    _raise_if(problems, filename)
    result = LoadResult()
    for _, row in rows:
        institution = institutions[row["institution_code"]]
        current = existing.get(row["code"])
        if current is None:
            session.add(Staff(code=row["code"], institution_id=institution.id, name=row["name"]))
            result.added.append(row["code"])
        elif (current.name, current.institution_id) != (row["name"], institution.id):
            current.name, current.institution_id = row["name"], institution.id
            result.updated.append(row["code"])
        else:
            result.unchanged += 1
    session.flush()
    return result


def _records_of(session: Session, staff: Staff) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(ServiceRecord)
            .where(ServiceRecord.staff_id == staff.id)
        )
        or 0
    )


def get_institution(session: Session, code: str) -> Institution:
    """The institution with `code`, or NotFound."""
    institution = session.scalar(select(Institution).where(Institution.code == code))
    if institution is None:
        raise NotFound(f"unknown institution {code!r}")
    return institution
