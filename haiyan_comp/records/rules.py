"""Pure rules for service records: row validation (R2) and the per-resident cap (R3).

No Flask, no SQLAlchemy, no clock: the reference data and `today` come in as
values, so an import can list every problem of every row at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import chain, repeat
from operator import add, itemgetter, mul
from typing import Any, NamedTuple, TypeVar

FIELDS = (
    "source_id",
    "institution_code",
    "staff_code",
    "item_code",
    "service_date",
    "resident_id",
    "quantity",
)
REQUIRED_FIELDS = FIELDS[:5]
MAX_TEXT = 64
MAX_QUANTITY = 10_000
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ItemRef:
    """What validation needs of a catalogue item of one year."""

    id: int
    code: str
    value: int  # hundredths of a unit
    cap: int | None


@dataclass(frozen=True, slots=True)
class Reference:
    """The reference data a row is checked against."""

    institutions: dict[str, int]
    staff: dict[str, tuple[int, str]]  # staff code → (id, institution code)
    items: dict[tuple[int, str], ItemRef]  # (year, item code) → item
    catalogue_years: frozenset[int]
    settled: dict[int, str]  # year → when it was settled, for the message
    today: date
    # Institutions that exist but that this import may not write (a centre's upload).
    outside: frozenset[str] = frozenset()


class RecordRow(NamedTuple):
    """A valid row, in the column order it is stored in (a tuple: bulk writes take it as is).

    `service_date` stays ISO text (YYYY-MM-DD); `purchasable` starts equal to
    `units` and is set by the cap (R3) once the row is stored.
    """

    institution_id: int
    source_id: str
    staff_id: int
    item_id: int
    year: int
    service_date: str
    resident_id: str | None
    quantity: int
    units: int
    purchasable: int
    capped: bool
    import_id: int
    line: int

    @property
    def content(self) -> tuple[int, int, str, str | None, int]:
        """What must match for the same source id to count as a duplicate."""
        return (self.staff_id, self.item_id, self.service_date, self.resident_id, self.quantity)


@dataclass(slots=True)
class Rejection:
    """A row that was not imported, with every reason."""

    line: int
    source_id: str
    reasons: list[str] = field(default_factory=list)


def show(value: str) -> str:
    """A value quoted for a message, with undecodable bytes shown as escapes."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if len(value) > 80:
        value = value[:77] + "…"
    return repr(value)


def parse_iso_date(text: str) -> date | None:
    """A strict YYYY-MM-DD date, or None (Python also accepts 20180203; we don't)."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text.isascii():
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_quantity(text: str) -> int | None:
    """A whole number 1…MAX_QUANTITY written in plain digits, or None."""
    if not text:
        return 1
    if not (text.isascii() and text.isdigit()):
        return None
    quantity = int(text)
    return quantity if 1 <= quantity <= MAX_QUANTITY else None


def make_validator(
    ref: Reference, import_id: int = 0
) -> Callable[[int, Sequence[str]], RecordRow | Rejection]:
    """A fast checker of one row (fields in FIELDS order, stripped) against `ref`.

    Valid rows come back as RecordRow tuples stamped with `import_id`. What
    repeats across rows (dates, quantities) is checked once and remembered.
    """
    institutions = ref.institutions
    staff = ref.staff
    items = ref.items
    dates: dict[str, tuple[int, list[str]]] = {}
    quantities = {"": 1, **{str(n): n for n in range(1, 100)}}

    def validate(line: int, values: Sequence[str]) -> RecordRow | Rejection:
        source_id, inst_code, staff_code, item_code, date_text, resident, qty_text = values
        institution_id = institutions.get(inst_code)
        staff_ref = staff.get(staff_code)
        checked = dates.get(date_text)
        if checked is None:
            checked = _check_date(ref, date_text)
            if checked[0] and len(dates) < 10_000:
                dates[date_text] = checked
        year, date_reasons = checked
        item = items.get((year, item_code))
        quantity = quantities.get(qty_text) or parse_quantity(qty_text)
        if (
            institution_id is not None
            and staff_ref is not None
            and item is not None
            and quantity is not None
            and staff_ref[1] == inst_code
            and not date_reasons
            and source_id
            and len(source_id) <= MAX_TEXT
            and (resident or item.cap is None)
            and len(resident) <= MAX_TEXT
            and "\x00" not in source_id
            and "\x00" not in resident
        ):
            units = quantity * item.value
            return RecordRow(
                institution_id, source_id, staff_ref[0], item.id, year, date_text,
                resident or None, quantity, units, units, item.cap is not None, import_id, line,
            )  # fmt: skip
        return _explain(ref, line, values, year, date_reasons)

    return validate


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


ChunkValidator = Callable[
    [list[int], list[list[str]], dict[int, list[str]]], tuple[ValidRows, list[Rejection]]
]


def make_chunk_validator(ref: Reference, import_id: int = 0) -> ChunkValidator:
    """Validate a chunk of rows at once, column by column; same verdicts as make_validator.

    Each field is looked up for the whole column with C-level `map` over
    dictionaries of everything valid: institutions, (staff, institution)
    pairs, every acceptable service date, (year, item) pairs and quantities.
    A row that any lookup or length check flags goes to the row validator,
    which explains it, or accepts it (a quantity written `007`, say): the
    fast checks only ever decide for rows that are plainly valid.
    """
    row_validator = make_validator(ref, import_id)
    staff_at = {(code, inst): staff_id for code, (staff_id, inst) in ref.staff.items()}
    dates = _acceptable_dates(ref)
    items = {key: (item.id, item.value, item.cap is not None) for key, item in ref.items.items()}
    quantities = {"": 1, **{str(n): n for n in range(1, MAX_QUANTITY + 1)}}
    institutions = ref.institutions

    def validate(
        lines: list[int], columns: list[list[str]], notes: dict[int, list[str]]
    ) -> tuple[ValidRows, list[Rejection]]:
        sources, insts, staff_codes, item_codes, days, residents, qty_texts = columns
        inst_ids: list[Any] = list(map(institutions.get, insts))
        staff_ids: list[Any] = list(map(staff_at.get, zip(staff_codes, insts, strict=True)))
        years: list[Any] = list(map(dates.get, days))
        found: list[Any] = list(map(items.get, zip(years, item_codes, strict=True)))
        qtys: list[Any] = list(map(quantities.get, qty_texts))
        flagged = set(notes)
        for looked_up in (inst_ids, staff_ids, years, found, qtys):
            if None in looked_up:
                flagged.update(i for i, v in enumerate(looked_up) if v is None)
        for texts, required in ((sources, True), (residents, False)):
            if texts and (
                max(map(len, texts)) > MAX_TEXT
                or (required and "" in texts)
                or "\x00" in "".join(texts)
            ):
                flagged.update(i for i, t in enumerate(texts) if len(t) > MAX_TEXT or "\x00" in t)
                if required:
                    flagged.update(i for i, t in enumerate(texts) if not t)
        if "" in residents:  # allowed only for items without a cap
            pairs = enumerate(zip(residents, found, strict=True))
            flagged.update(i for i, (r, f) in pairs if not r and f and f[2])
        rejected: list[Rejection] = []
        rescued: list[RecordRow] = []
        if flagged:
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
            keep = [i for i in range(len(lines)) if i not in flagged]
            lines, sources, days, residents = (
                _kept(column, keep) for column in (lines, sources, days, residents)
            )
            inst_ids, staff_ids, years, found, qtys = (
                _kept(column, keep) for column in (inst_ids, staff_ids, years, found, qtys)
            )
        units = list(map(mul, qtys, map(itemgetter(1), found)))
        valid = ValidRows(
            (
                inst_ids, sources, staff_ids, list(map(itemgetter(0), found)), years, days,
                [r or None for r in residents], qtys, units, units,
                list(map(itemgetter(2), found)), [import_id] * len(lines), lines,
            )
        )  # fmt: skip
        if rescued:
            valid = _with_rows(valid, rescued)
        return valid, rejected

    return validate


def _kept(column: list[_T], keep: list[int]) -> list[_T]:
    return list(map(column.__getitem__, keep))


def _with_rows(valid: ValidRows, extra: list[RecordRow]) -> ValidRows:
    """`valid` with more rows, all in line order again (the first of a repeat wins)."""
    rows = sorted(chain(valid.tuples(), extra), key=itemgetter(len(RecordRow._fields) - 1))
    return ValidRows(tuple(map(list, zip(*rows, strict=True))))


def _acceptable_dates(ref: Reference) -> dict[str, int]:
    """Every service date a record may have (as text) → its year."""
    dates: dict[str, int] = {}
    for year in ref.catalogue_years:
        if year in ref.settled or not 1 <= year <= 9999:
            continue
        day = date(year, 1, 1)
        while day.year == year and day <= ref.today:
            dates[day.isoformat()] = year
            day += timedelta(days=1)
    return dates


def merge_reasons(first: list[str], second: list[str]) -> list[str]:
    """The reader's reasons, then the validator's about fields the reader did not name."""
    merged = list(first)
    fields_named = {reason.split(":", 1)[0] for reason in first}
    merged.extend(r for r in second if r not in merged and r.split(":", 1)[0] not in fields_named)
    return merged


def _check_date(ref: Reference, text: str) -> tuple[int, list[str]]:
    """(year, problems) of a service date; year 0 when it is no date at all."""
    service_date = parse_iso_date(text)
    if service_date is None:
        if not text:
            return 0, ["service_date: required (YYYY-MM-DD)"]
        return 0, [f"service_date: {show(text)} is not a calendar date written YYYY-MM-DD"]
    year = service_date.year
    reasons = []
    if service_date > ref.today:
        reasons.append(f"service_date: {text} is in the future (today is {ref.today})")
    if year in ref.settled:
        reasons.append(
            f"service_date: year {year} is settled ({ref.settled[year]}); "
            f"its records can no longer be added (R15)"
        )
    elif year not in ref.catalogue_years:
        reasons.append(
            f"service_date: there is no catalogue for {year}; load one with "
            f"'haiyan catalog load PATH --year {year}' (R1)"
        )
    return year, reasons


def _explain(
    ref: Reference, line: int, values: Sequence[str], year: int, date_reasons: list[str]
) -> Rejection:
    """Every reason a row is not valid, field by field (the slow path)."""
    source_id, inst_code, staff_code, item_code, _, resident, qty_text = values
    reasons: list[str] = []
    if not source_id:
        reasons.append("source_id: required (R2)")
    elif len(source_id) > MAX_TEXT:
        reasons.append(f"source_id: longer than {MAX_TEXT} characters")
    elif "\x00" in source_id:
        reasons.append("source_id: contains a NUL character")
    reasons.extend(_institution_reasons(ref, inst_code))
    reasons.extend(_staff_reasons(ref, inst_code, staff_code))
    reasons.extend(date_reasons)
    item = ref.items.get((year, item_code))
    if not item_code:
        reasons.append("item_code: required")
    elif item is None and year in ref.catalogue_years:
        reasons.append(f"item_code: unknown item {show(item_code)} in the {year} catalogue")
    if parse_quantity(qty_text) is None:
        reasons.append(
            f"quantity: must be a whole number from 1 to {MAX_QUANTITY}, got {show(qty_text)} (R2)"
        )
    if item is not None and item.cap is not None and not resident:
        reasons.append(
            f"resident_id: required for item {item.code}, which has a per-resident cap (R2, R3)"
        )
    elif len(resident) > MAX_TEXT:
        reasons.append(f"resident_id: longer than {MAX_TEXT} characters")
    elif "\x00" in resident:
        reasons.append("resident_id: contains a NUL character")
    return Rejection(line, source_id, reasons)


def _institution_reasons(ref: Reference, inst_code: str) -> list[str]:
    """Why a row's institution cannot be imported here.

    An account of one institution (`ref.outside` holds the others) is told the
    same for every other code, whether it exists or not: the reason must not
    show which institutions exist beyond the account's own.
    """
    if inst_code in ref.institutions:
        return []
    if not inst_code:
        return ["institution_code: required"]
    if ref.outside:
        mine = ", ".join(ref.institutions)
        return [
            f"institution_code: {show(inst_code)} is not {mine}; "
            f"this account imports records of {mine} only"
        ]
    return [f"institution_code: unknown institution {show(inst_code)}"]


def _staff_reasons(ref: Reference, inst_code: str, staff_code: str) -> list[str]:
    """Why a row's staff code is not one of its institution's staff.

    Staff of an institution the import may not write are unknown to it, so a
    code of another institution's staff is refused exactly as a code nobody
    has: the reason names no other institution (nor shows that the code exists).
    """
    if not staff_code:
        return ["staff_code: required"]
    staff_ref = ref.staff.get(staff_code)
    if inst_code in ref.institutions:
        if staff_ref is None or staff_ref[1] != inst_code:
            return [f"staff_code: unknown staff {show(staff_code)} at {inst_code}"]
        return []
    if staff_ref is None or staff_ref[1] not in ref.institutions:
        return [f"staff_code: unknown staff {show(staff_code)}"]
    return []


def split_by_cap(quantities: Sequence[int], cap: int) -> list[int]:
    """R3: the purchasable quantity of each record, given in (date, source id) order.

    The first `cap` quantity-units of a resident's year are purchasable; a
    record that crosses the cap is split.
    """
    purchasable: list[int] = []
    used = 0
    for quantity in quantities:
        part = max(0, min(quantity, cap - used))
        purchasable.append(part)
        used += quantity
    return purchasable
