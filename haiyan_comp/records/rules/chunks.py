"""A chunk of rows checked column by column, with the same verdicts as `check_row`.

Each field is looked up for the whole column with C-level `map` over tables
of everything its check accepts: institutions, (staff, institution) pairs,
every acceptable service date, (year, item) pairs and quantities. The tables
are built by asking the checks of rows.py, and the free-text fields are
looked at by their own checks (`TextCheck.refused`). A row that any lookup or
check doubts goes to `check_row`, which explains it, or accepts it (a
quantity written `007`, say): the fast path only ever decides for rows that
are plainly valid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain, repeat
from operator import add, itemgetter, mul
from typing import Any, TypeVar

from haiyan_comp.messages import Message
from haiyan_comp.records.rules.rows import (
    MAX_QUANTITY,
    RESIDENT,
    SOURCE,
    RecordRow,
    Reference,
    Rejection,
    check_date,
    check_institution,
    check_item,
    check_quantity,
    check_resident,
    check_staff,
    make_validator,
    merge_reasons,
)

_T = TypeVar("_T")
Notes = dict[int, list[Message]]  # a row's position in the chunk → what the reader found


@dataclass(slots=True)
class ValidRows:
    """A chunk's valid rows column by column, in RecordRow's field order."""

    columns: tuple[list[Any], ...]

    def __len__(self) -> int:
        return len(self.columns[0])

    def tuples(self) -> Iterator[tuple[Any, ...]]:
        """Row tuples, as the bulk writers take them."""
        return zip(*self.columns, strict=True)

    def index_order(self) -> list[int] | None:
        """Row positions grouped by institution and item; None when a key repeats.

        Rows of one institution and item land next to each other in the
        indexes, so a chunk written in this order touches fewer index pages
        than in file order (both databases maintain their indexes faster so).
        A chunk that repeats a key keeps its line order: the first line wins.
        """
        inst, source, _, item = self.columns[:4]
        if len(set(source)) < len(source) and len(set(zip(inst, source, strict=True))) < len(
            source
        ):
            return None
        keys = list(map(add, map(mul, inst, repeat(1 << 20)), item))
        return sorted(range(len(keys)), key=keys.__getitem__)

    def column(self, name: str) -> list[Any]:
        """One column by its RecordRow field name."""
        return self.columns[RecordRow._fields.index(name)]


ChunkValidator = Callable[[list[int], list[list[str]], Notes], tuple[ValidRows, list[Rejection]]]


@dataclass(frozen=True, slots=True)
class Accepted:
    """Every value each lookup check accepts, with what it means (built by asking the checks)."""

    institutions: dict[str, int]
    staff: dict[tuple[str, str], int]  # (staff code, institution code) → staff id
    dates: dict[str, int]  # service date → year
    items: dict[tuple[int, str], tuple[int, int, bool, bool]]  # id, value, capped, needs resident
    quantities: dict[str, int]

    @classmethod
    def of(cls, ref: Reference) -> Accepted:
        institutions = {}
        for code in ref.institutions:
            institution_id, reasons = check_institution(ref, code)
            if institution_id is not None and not reasons:
                institutions[code] = institution_id
        staff = {}
        for code, (_, inst) in ref.staff.items():
            staff_id, reasons = check_staff(ref, inst, code)
            if inst in institutions and staff_id is not None and not reasons:
                staff[(code, inst)] = staff_id
        dates = {}
        for text in _days_of(ref.catalogue_years):
            year, reasons = check_date(ref, text)
            if not reasons:
                dates[text] = year
        items = {}
        for year, code in ref.items:
            found, reasons = check_item(ref, year, code)
            if found is not None and not reasons:
                needs = bool(check_resident(found, ""))
                items[(year, code)] = (found.id, found.value, found.cap is not None, needs)
        quantities = {}
        for text in ("", *map(str, range(1, MAX_QUANTITY + 1))):
            quantity, reasons = check_quantity(text)
            if quantity is not None and not reasons:
                quantities[text] = quantity
        return cls(institutions, staff, dates, items, quantities)


def _days_of(years: frozenset[int]) -> Iterator[str]:
    """Every day of `years` (that a date can be), as ISO text."""
    for year in years:
        if not 1 <= year <= 9999:
            continue
        day = date(year, 1, 1)
        while day.year == year:
            yield day.isoformat()
            if day == date.max:
                break
            day += timedelta(days=1)


def make_chunk_validator(ref: Reference, import_id: int = 0) -> ChunkValidator:
    """Validate a chunk of rows at once, column by column; the same verdicts as `check_row`."""
    row_validator = make_validator(ref, import_id)
    accepted = Accepted.of(ref)

    def validate(
        lines: list[int], columns: list[list[str]], notes: Notes
    ) -> tuple[ValidRows, list[Rejection]]:
        sources, insts, staff_codes, item_codes, days, residents, qty_texts = columns
        years: list[Any] = list(map(accepted.dates.get, days))
        looked_up: list[list[Any]] = [  # in the order _valid_rows takes them
            list(map(accepted.institutions.get, insts)),
            list(map(accepted.staff.get, zip(staff_codes, insts, strict=True))),
            years,
            list(map(accepted.items.get, zip(years, item_codes, strict=True))),
            list(map(accepted.quantities.get, qty_texts)),
        ]
        flagged = _doubted(looked_up, sources, residents, set(notes))
        rejected: list[Rejection] = []
        rescued: list[RecordRow] = []
        for i in sorted(flagged):
            result = row_validator(lines[i], [column[i] for column in columns])
            if i in notes:
                reasons = notes[i]
                if isinstance(result, Rejection):
                    reasons = merge_reasons(reasons, result.reasons)
                rejected.append(Rejection(lines[i], sources[i], reasons))
            elif isinstance(result, Rejection):
                rejected.append(result)
            else:
                rescued.append(result)
        if flagged:
            keep = [i for i in range(len(lines)) if i not in flagged]
            lines, sources, days, residents = (
                _kept(column, keep) for column in (lines, sources, days, residents)
            )
            looked_up = [_kept(column, keep) for column in looked_up]
        valid = _valid_rows(import_id, lines, sources, days, residents, looked_up)
        return (_with_rows(valid, rescued) if rescued else valid), rejected

    return validate


def _doubted(
    looked_up: list[list[Any]], sources: list[str], residents: list[str], flagged: set[int]
) -> set[int]:
    """Positions of the rows a lookup did not find or a text check refuses (and `flagged`)."""
    for column in looked_up:
        if None in column:
            flagged.update(i for i, value in enumerate(column) if value is None)
    flagged.update(SOURCE.refused(sources))
    flagged.update(RESIDENT.refused(residents))
    if "" in residents:  # allowed only for items that do not need a resident
        pairs = enumerate(zip(residents, looked_up[3], strict=True))
        flagged.update(i for i, (resident, item) in pairs if not resident and item and item[3])
    return flagged


def _valid_rows(
    import_id: int,
    lines: list[int],
    sources: list[str],
    days: list[str],
    residents: list[str],
    looked_up: list[list[Any]],
) -> ValidRows:
    inst_ids, staff_ids, years, found, qtys = looked_up
    units = list(map(mul, qtys, map(itemgetter(1), found)))
    return ValidRows(
        (
            inst_ids, sources, staff_ids, list(map(itemgetter(0), found)), years, days,
            [r or None for r in residents], qtys, units, units,
            list(map(itemgetter(2), found)), [import_id] * len(lines), lines,
        )
    )  # fmt: skip


def _kept(column: list[_T], keep: list[int]) -> list[_T]:
    return list(map(column.__getitem__, keep))


def _with_rows(valid: ValidRows, extra: list[RecordRow]) -> ValidRows:
    """`valid` with more rows, all in line order again (the first of a repeat wins)."""
    rows = sorted(chain(valid.tuples(), extra), key=itemgetter(len(RecordRow._fields) - 1))
    return ValidRows(tuple(map(list, zip(*rows, strict=True))))
