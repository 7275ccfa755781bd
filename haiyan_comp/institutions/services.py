"""Loading institutions and staff from CSV: idempotent, all rows or none.

Moving a staff member who has records to another institution is refused; how
many records a staff member has is the records domain's to say, so the load
asks a `records_of` function its caller hands in (operations/institutions.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.errors import InvalidInput, NotFound
from haiyan_comp.institutions.messages import (
    AT_LINE,
    CODE_FORM,
    CODE_REPEATED,
    FILE_EMPTY,
    NAME_EMPTY,
    NAME_TOO_LONG,
    STAFF_HAS_RECORDS,
    TOO_MANY_FIELDS,
    UNKNOWN_INSTITUTION,
    UNKNOWN_INSTITUTION_CODE,
    WRONG_HEADER,
    file_refused,
)
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.messages import Message

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
STAFF_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MAX_NAME = 100
RecordsOf = Callable[[Session, int], int]  # how many records a staff member (by id) has


@dataclass
class LoadResult:
    """Codes added and updated by a load; the rest were already as in the file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def _read_csv(
    stream: BinaryIO, filename: str, columns: Sequence[str], sheet: str | None = None
) -> list[tuple[int, dict[str, str]]]:
    """CSV (UTF-8 or GB18030) or .xlsx (haiyan_comp.sheets): rows by line, codes as text."""
    from haiyan_comp import sheets  # only an import reads a file: every lookup leaves it out

    reader = sheets.dict_reader(stream, filename, sheet=sheet, ids=("code", "institution_code"))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if not header:
        raise InvalidInput(FILE_EMPTY(filename=filename, columns=",".join(columns)))
    if sorted(header) != sorted(columns):
        raise InvalidInput(
            WRONG_HEADER(filename=filename, columns=",".join(columns), header=",".join(header))
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            raise InvalidInput(TOO_MANY_FIELDS(filename=filename, line=reader.line_num))
        values = {key: (value or "").strip() for key, value in row.items()}
        if any(values.values()):
            rows.append((reader.line_num, values))
    return rows


def _check(problems: list[Message], line: int, ok: bool, message: Message) -> None:
    if not ok:
        problems.append(AT_LINE(line=line, problem=message))


def _raise_if(problems: list[Message], filename: str) -> None:
    if problems:
        raise InvalidInput(file_refused(filename, problems), details={"problems": problems})


def load_institutions(
    session: Session, stream: BinaryIO, filename: str, sheet: str | None = None
) -> LoadResult:
    """Add or rename institutions from CSV or .xlsx `code,name`."""
    rows = _read_csv(stream, filename, ("code", "name"), sheet)
    problems: list[Message] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        code = row["code"]
        _check(
            problems,
            line,
            bool(CODE_PATTERN.match(code)),
            CODE_FORM.on("code", code=repr(code), most=16),
        )
        _check(problems, line, bool(row["name"]), NAME_EMPTY.on("name"))
        _check(
            problems, line, len(row["name"]) <= MAX_NAME, NAME_TOO_LONG.on("name", most=MAX_NAME)
        )
        _check(
            problems,
            line,
            code not in seen,
            CODE_REPEATED.on("code", code=code, first=seen.get(code)),
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


def load_staff(
    session: Session,
    stream: BinaryIO,
    filename: str,
    records_of: RecordsOf,
    sheet: str | None = None,
) -> LoadResult:
    """Add or update staff from CSV `code,institution_code,name`.

    A staff member with records (`records_of`) keeps their institution.
    """
    rows = _read_csv(stream, filename, ("code", "institution_code", "name"), sheet)
    institutions = {i.code: i for i in session.scalars(select(Institution))}
    existing = {s.code: s for s in session.scalars(select(Staff))}
    problems: list[Message] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        code, inst = row["code"], row["institution_code"]
        _check_staff_row(problems, line, row, inst in institutions, seen)
        seen.setdefault(code, line)
        current = existing.get(code)
        if (
            current is not None
            and inst in institutions
            and current.institution_id != institutions[inst].id
        ):
            moved = records_of(session, current.id)
            _check(
                problems,
                line,
                moved == 0,
                STAFF_HAS_RECORDS.on(
                    "institution_code",
                    code=code,
                    count=moved,
                    institution=current.institution.code,
                    moving_to=inst,
                ),
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


def _check_staff_row(
    problems: list[Message], line: int, row: dict[str, str], known: bool, seen: dict[str, int]
) -> None:
    """The problems of one staff row by itself (`known`: its institution exists)."""
    code, inst = row["code"], row["institution_code"]
    _check(
        problems,
        line,
        bool(STAFF_CODE_PATTERN.match(code)),
        CODE_FORM.on("code", code=repr(code), most=32),
    )
    _check(problems, line, known, UNKNOWN_INSTITUTION_CODE.on("institution_code", code=repr(inst)))
    _check(problems, line, bool(row["name"]), NAME_EMPTY.on("name"))
    _check(
        problems,
        line,
        code not in seen,
        CODE_REPEATED.on("code", code=code, first=seen.get(code)),
    )


def get_institution(session: Session, code: str) -> Institution:
    """The institution with `code`, or NotFound."""
    institution = session.scalar(select(Institution).where(Institution.code == code))
    if institution is None:
        raise NotFound(UNKNOWN_INSTITUTION(code=repr(code)))
    return institution
