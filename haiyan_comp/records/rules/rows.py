"""A record row's checks (R2), each written once, and the per-resident cap (R3).

Each check of a row is written once, under "The checks": a function from a
field's text (and the reference data) to what it means, with every reason it
is refused (a message by code, records/messages.py). `check_row` asks all of
them about one row. The chunk validator asks them about whole columns at
once: through tables of every value a check accepts (built by asking the
check) and a check's look at a whole column; any row they do not plainly
accept goes to `check_row`, which decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, NamedTuple, TypeVar

from haiyan_comp.messages import Message, Template
from haiyan_comp.records.messages import (
    DATE_IN_FUTURE,
    DATE_NOT_CALENDAR,
    DATE_REQUIRED,
    DIFFERS,
    FIELD_REQUIRED,
    INSTITUTION_NOT_OWN,
    QUANTITY_NOT_WHOLE,
    RESIDENT_REQUIRED,
    ROW_NO_CATALOGUE,
    ROW_UNKNOWN_INSTITUTION,
    ROW_UNKNOWN_ITEM,
    ROW_UNKNOWN_STAFF,
    ROW_UNKNOWN_STAFF_AT,
    ROW_YEAR_SETTLED,
    SOURCE_ID_REQUIRED,
    SOURCE_IN_THIS_FILE,
    SOURCE_STORED_BEFORE,
    TEXT_HAS_NUL,
    TEXT_TOO_LONG,
)

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
Reasons = list[Message]
_R = TypeVar("_R")


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
    reasons: Reasons = field(default_factory=list)


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


# The checks: each written once, each a field's text (or two) → (what it means, reasons).


@dataclass(frozen=True, slots=True)
class TextCheck:
    """A free-text field: at most MAX_TEXT characters, no NUL; `required` says why not empty."""

    field: str
    required: Template | None = None

    def __call__(self, text: str) -> Reasons:
        if not text:
            return [] if self.required is None else [self.required.on(self.field)]
        if len(text) > MAX_TEXT:
            return [TEXT_TOO_LONG.on(self.field, most=MAX_TEXT)]
        if "\x00" in text:
            return [TEXT_HAS_NUL.on(self.field)]
        return []

    def refused(self, column: list[str]) -> list[int]:
        """Positions of the texts this check refuses; one look at the whole column first."""
        if not column or (
            max(map(len, column)) <= MAX_TEXT
            and "\x00" not in "".join(column)
            and (self.required is None or "" not in column)
        ):
            return []
        return [i for i, text in enumerate(column) if self(text)]


SOURCE = TextCheck("source_id", SOURCE_ID_REQUIRED)
RESIDENT = TextCheck("resident_id")


def check_institution(ref: Reference, code: str) -> tuple[int | None, Reasons]:
    """The institution's id, or why the row's institution cannot be imported here.

    An account of one institution (`ref.outside` holds the others) is told the
    same for every other code, whether it exists or not: the reason must not
    show which institutions exist beyond the account's own.
    """
    found = ref.institutions.get(code)
    if found is not None:
        return found, []
    if not code:
        return None, [FIELD_REQUIRED.on("institution_code")]
    if ref.outside:
        own = ", ".join(ref.institutions)
        return None, [INSTITUTION_NOT_OWN.on("institution_code", value=show(code), own=own)]
    return None, [ROW_UNKNOWN_INSTITUTION.on("institution_code", value=show(code))]


def check_staff(ref: Reference, inst_code: str, staff_code: str) -> tuple[int | None, Reasons]:
    """The staff member's id, or why the code is not one of the row's institution's staff.

    Staff of an institution the import may not write are unknown to it, so a
    code of another institution's staff is refused exactly as a code nobody
    has: the reason names no other institution (nor shows that the code exists).
    """
    if not staff_code:
        return None, [FIELD_REQUIRED.on("staff_code")]
    staff_ref = ref.staff.get(staff_code)
    if inst_code in ref.institutions:
        if staff_ref is None or staff_ref[1] != inst_code:
            unknown = ROW_UNKNOWN_STAFF_AT.on(
                "staff_code", staff=show(staff_code), institution=inst_code
            )
            return None, [unknown]
        return staff_ref[0], []
    if staff_ref is None or staff_ref[1] not in ref.institutions:
        return None, [ROW_UNKNOWN_STAFF.on("staff_code", staff=show(staff_code))]
    return staff_ref[0], []  # the row's institution is what is wrong


def check_date(ref: Reference, text: str) -> tuple[int, Reasons]:
    """(year, problems) of a service date; year 0 when it is no date at all."""
    service_date = parse_iso_date(text)
    if service_date is None:
        if not text:
            return 0, [DATE_REQUIRED.on("service_date")]
        return 0, [DATE_NOT_CALENDAR.on("service_date", value=show(text))]
    year = service_date.year
    reasons = []
    if service_date > ref.today:
        reasons.append(DATE_IN_FUTURE.on("service_date", value=text, today=ref.today.isoformat()))
    if year in ref.settled:
        reasons.append(ROW_YEAR_SETTLED.on("service_date", year=year, settled_on=ref.settled[year]))
    elif year not in ref.catalogue_years:
        reasons.append(ROW_NO_CATALOGUE.on("service_date", year=year))
    return year, reasons


def check_item(ref: Reference, year: int, code: str) -> tuple[ItemRef | None, Reasons]:
    """The item of the service date's year's catalogue (a bad date is reason enough)."""
    item = ref.items.get((year, code))
    if not code:
        return None, [FIELD_REQUIRED.on("item_code")]
    if item is None and year in ref.catalogue_years:
        return None, [ROW_UNKNOWN_ITEM.on("item_code", item=show(code), year=year)]
    return item, []


def check_quantity(text: str) -> tuple[int | None, Reasons]:
    """The quantity (1 when left out), or why it is not one."""
    quantity = parse_quantity(text)
    if quantity is None:
        return None, [QUANTITY_NOT_WHOLE.on("quantity", most=MAX_QUANTITY, value=show(text))]
    return quantity, []


def check_resident(item: ItemRef | None, text: str) -> Reasons:
    """A resident id, required for an item with a per-resident cap (R3)."""
    if not text and item is not None and item.cap is not None:
        return [RESIDENT_REQUIRED.on("resident_id", item=item.code)]
    return RESIDENT(text)


class Checks:
    """The checks against one reference, each verdict remembered: a file repeats its values.

    A remembered verdict is shared by the rows that have that value, so it is
    never changed (check_row makes each row's list of reasons anew).
    """

    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        self.institution = _remembered(partial(check_institution, ref))
        self.staff = _remembered(partial(check_staff, ref))
        self.date = _remembered(partial(check_date, ref))
        self.item = _remembered(partial(check_item, ref))
        self.quantity = _remembered(check_quantity)


def _remembered(check: Callable[..., _R], most: int = 10_000) -> Callable[..., _R]:
    """`check`, remembering up to `most` verdicts by its arguments."""
    verdicts: dict[tuple[Any, ...], _R] = {}

    def remembered(*values: Any) -> _R:
        verdict = verdicts.get(values)
        if verdict is None:
            verdict = check(*values)
            if len(verdicts) < most:
                verdicts[values] = verdict
        return verdict

    return remembered


def check_row(
    ref: Reference,
    line: int,
    values: Sequence[str],
    import_id: int = 0,
    checks: Checks | None = None,
) -> RecordRow | Rejection:
    """The row stored as it will be, or every reason it is not valid, field by field.

    `checks` remembers verdicts across rows (the checks of `ref`).
    """
    source_id, inst_code, staff_code, item_code, date_text, resident, qty_text = values
    checks = checks or Checks(ref)
    institution_id, inst_reasons = checks.institution(inst_code)
    staff_id, staff_reasons = checks.staff(inst_code, staff_code)
    year, date_reasons = checks.date(date_text)
    item, item_reasons = checks.item(year, item_code)
    quantity, qty_reasons = checks.quantity(qty_text)
    reasons = [
        *SOURCE(source_id), *inst_reasons, *staff_reasons, *date_reasons, *item_reasons,
        *qty_reasons, *check_resident(item, resident),
    ]  # fmt: skip
    if reasons or institution_id is None or staff_id is None or item is None or quantity is None:
        return Rejection(line, source_id, reasons)
    units = quantity * item.value
    return RecordRow(
        institution_id, source_id, staff_id, item.id, year, date_text, resident or None,
        quantity, units, units, item.cap is not None, import_id, line,
    )  # fmt: skip


def make_validator(
    ref: Reference, import_id: int = 0
) -> Callable[[int, Sequence[str]], RecordRow | Rejection]:
    """`check_row` of one row (fields in FIELDS order, stripped), stamped with `import_id`."""
    checks = Checks(ref)

    def validate(line: int, values: Sequence[str]) -> RecordRow | Rejection:
        return check_row(ref, line, values, import_id, checks)

    return validate


def merge_reasons(first: Sequence[Message], second: Sequence[Message]) -> Reasons:
    """The reader's reasons, then the validator's about fields the reader did not name."""
    merged = list(first)
    named = {reason.field for reason in first}
    merged.extend(r for r in second if r not in merged and r.field not in named)
    return merged


def conflict_reason(
    source_id: str,
    institution: str,
    first_line: int,
    import_id: int | None,
    differing: Iterable[str],
) -> Message:
    """Why a row whose source id is stored with other content is refused (R2).

    `import_id` is the import that stored it, None for this file; `differing`
    names the stored columns that differ.
    """
    params: dict[str, Any] = {
        "source_id": source_id,
        "institution": institution,
        "first_line": first_line,
        "differing": [DIFFERS[column]() for column in differing],
    }
    if import_id is None:
        return SOURCE_IN_THIS_FILE.on("source_id", **params)
    return SOURCE_STORED_BEFORE.on("source_id", import_id=import_id, **params)


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
