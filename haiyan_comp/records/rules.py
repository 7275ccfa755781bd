"""Pure rules for service records: row validation (R2) and the per-resident cap (R3).

No Flask, no SQLAlchemy, no clock: the reference data and `today` come in as
values, so an import can list every problem of every row at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

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
        quantity = quantities.get(qty_text)
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
        ):
            units = quantity * item.value
            return RecordRow(
                institution_id, source_id, staff_ref[0], item.id, year, date_text,
                resident or None, quantity, units, units, item.cap is not None, import_id, line,
            )  # fmt: skip
        return _explain(ref, line, values, year, date_reasons)

    return validate


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
    if inst_code in ref.outside:
        mine = ", ".join(ref.institutions)
        reasons.append(
            f"institution_code: {show(inst_code)} is another institution; "
            f"this account imports records of {mine} only"
        )
    elif inst_code not in ref.institutions:
        reasons.append(
            "institution_code: required"
            if not inst_code
            else f"institution_code: unknown institution {show(inst_code)}"
        )
    staff_ref = ref.staff.get(staff_code)
    if staff_ref is None:
        reasons.append(
            "staff_code: required"
            if not staff_code
            else f"staff_code: unknown staff {show(staff_code)}"
        )
    elif inst_code in ref.institutions and staff_ref[1] != inst_code:
        reasons.append(f"staff_code: staff {staff_code} belongs to {staff_ref[1]}, not {inst_code}")
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
    return Rejection(line, source_id, reasons)


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
