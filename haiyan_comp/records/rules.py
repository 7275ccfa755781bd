"""Pure rules for service records: row validation (R2) and the per-resident cap (R3).

No Flask, no SQLAlchemy, no clock: the reference data and `today` come in as
values, so an import can list every problem of every row at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

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


@dataclass(frozen=True, slots=True)
class RecordRow:
    """A valid row, ready to store. `service_date` stays ISO text (YYYY-MM-DD)."""

    line: int
    source_id: str
    institution_id: int
    staff_id: int
    item_id: int
    year: int
    service_date: str
    resident_id: str | None
    quantity: int
    units: int
    capped: bool

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


def make_validator(ref: Reference) -> Callable[[int, Sequence[str]], RecordRow | Rejection]:
    """A fast checker of one row (fields in FIELDS order, stripped) against `ref`."""
    institutions = ref.institutions
    staff = ref.staff
    items = ref.items
    catalogue_years = ref.catalogue_years
    settled = ref.settled
    today = ref.today

    def validate(line: int, values: Sequence[str]) -> RecordRow | Rejection:
        source_id, inst_code, staff_code, item_code, date_text, resident, qty_text = values
        reasons: list[str] = []
        if not source_id:
            reasons.append("source_id: required (R2)")
        elif len(source_id) > MAX_TEXT:
            reasons.append(f"source_id: longer than {MAX_TEXT} characters")
        institution_id = institutions.get(inst_code)
        if institution_id is None:
            reasons.append(
                "institution_code: required"
                if not inst_code
                else f"institution_code: unknown institution {show(inst_code)}"
            )
        staff_ref = staff.get(staff_code)
        if staff_ref is None:
            reasons.append(
                "staff_code: required"
                if not staff_code
                else f"staff_code: unknown staff {show(staff_code)}"
            )
        elif institution_id is not None and staff_ref[1] != inst_code:
            reasons.append(
                f"staff_code: staff {staff_code} belongs to {staff_ref[1]}, not {inst_code}"
            )
        service_date = parse_iso_date(date_text)
        item: ItemRef | None = None
        year = 0
        if service_date is None:
            reasons.append(
                "service_date: required (YYYY-MM-DD)"
                if not date_text
                else f"service_date: {show(date_text)} is not a calendar date written YYYY-MM-DD"
            )
        else:
            year = service_date.year
            if service_date > today:
                reasons.append(f"service_date: {date_text} is in the future (today is {today})")
            if year in settled:
                reasons.append(
                    f"service_date: year {year} is settled ({settled[year]}); "
                    f"its records can no longer be added (R15)"
                )
            elif year not in catalogue_years:
                reasons.append(
                    f"service_date: there is no catalogue for {year}; load one with "
                    f"'haiyan catalog load PATH --year {year}' (R1)"
                )
            else:
                item = items.get((year, item_code))
                if item is None:
                    reasons.append(
                        "item_code: required"
                        if not item_code
                        else f"item_code: unknown item {show(item_code)} in the {year} catalogue"
                    )
        if not item_code and service_date is None:
            reasons.append("item_code: required")
        quantity = parse_quantity(qty_text)
        if quantity is None:
            reasons.append(
                f"quantity: must be a whole number from 1 to {MAX_QUANTITY}, "
                f"got {show(qty_text)} (R2)"
            )
        if item is not None and item.cap is not None and not resident:
            reasons.append(
                f"resident_id: required for item {item.code}, which has a per-resident cap (R2, R3)"
            )
        elif len(resident) > MAX_TEXT:
            reasons.append(f"resident_id: longer than {MAX_TEXT} characters")
        if reasons:
            return Rejection(line, source_id, reasons)
        assert institution_id is not None and staff_ref is not None
        assert item is not None and quantity is not None
        return RecordRow(
            line=line,
            source_id=source_id,
            institution_id=institution_id,
            staff_id=staff_ref[0],
            item_id=item.id,
            year=year,
            service_date=date_text,
            resident_id=resident or None,
            quantity=quantity,
            units=quantity * item.value,
            capped=item.cap is not None,
        )

    return validate


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
