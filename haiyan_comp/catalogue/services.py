"""Loading a year's catalogue (R1): validate everything, then replace in place.

A change is read (`read_valid_catalogue`), planned (`plan_change`: what it adds,
removes, caps anew and values anew) and applied (`apply_change`). What stored
records forbid, and valuing them anew, is the records' and the audit's to
answer: operations/catalogue.py asks them between the plan and its application.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp import sheets
from haiyan_comp.catalogue.messages import (
    CSV_HEADER,
    FILE_EMPTY,
    HEADER_MISSING,
    HEADER_UNKNOWN,
    NO_ITEM_LIST,
    NOT_YAML,
    SETTLED_STEP,
)
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.catalogue.rules import KEYS, CatalogueItem, validate_items
from haiyan_comp.errors import InvalidInput
from haiyan_comp.institutions.messages import file_refused
from haiyan_comp.messages import Message
from haiyan_comp.years.services import lock_records, require_open

_FIELDS = ("name", "category", "unit", "value", "cap", "spec", "data_rule", "source")


@dataclass
class CatalogueChange:
    """What loading a catalogue did to a year."""

    year: int
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    records_revalued: int = 0


class _ExactLoader(yaml.SafeLoader):
    """YAML whose decimals stay text (`10.00`), never floats (R0)."""


_ExactLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


def read_catalogue(
    stream: BinaryIO, filename: str, sheet: str | None = None
) -> tuple[list[CatalogueItem], list[Message]]:
    """Parse a CSV (UTF-8 or GB18030), .xlsx or YAML catalogue and validate every item."""
    if sheets.is_xlsx(filename, sheets.head_of(stream)):
        reader = sheets.dict_reader(stream, filename, sheet=sheet, ids=("code",))
        if not reader.fieldnames:
            raise InvalidInput(FILE_EMPTY(filename=filename))
        return _read_csv(reader)
    text = sheets.decode(stream.read(), filename)
    if not text.strip():
        raise InvalidInput(FILE_EMPTY(filename=filename))
    if filename.lower().endswith(".csv"):
        return _read_csv(sheets.dict_reader(io.BytesIO(text.encode()), filename))
    return _read_yaml(text, filename)


def _read_csv(reader: sheets.DictRows) -> tuple[list[CatalogueItem], list[Message]]:
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in KEYS]
    missing = [key for key in KEYS if key not in header]
    if unknown or missing:
        raise InvalidInput(
            CSV_HEADER(
                expected=",".join(KEYS),
                unknown=HEADER_UNKNOWN(names=unknown) if unknown else "",
                missing=HEADER_MISSING(names=missing) if missing else "",
            )
        )
    reader.fieldnames = header
    rows, lines = [], []
    for row in reader:
        rows.append(row)
        lines.append(reader.line_num)
    return validate_items(rows, label="line", lines=lines)


def _read_yaml(text: str, filename: str) -> tuple[list[CatalogueItem], list[Message]]:
    try:
        document = yaml.load(text, Loader=_ExactLoader)
    except yaml.YAMLError as exc:
        raise InvalidInput(NOT_YAML(filename=filename, why=str(exc))) from None
    raw = document.get("items") if isinstance(document, dict) else document
    if not isinstance(raw, list):
        raise InvalidInput(NO_ITEM_LIST(filename=filename))
    return validate_items(raw, label="item")


def read_valid_catalogue(
    stream: BinaryIO, filename: str, sheet: str | None = None
) -> list[CatalogueItem]:
    """The items of a catalogue file, or InvalidInput listing every problem (nothing loads)."""
    items, problems = read_catalogue(stream, filename, sheet)
    if problems:
        raise InvalidInput(file_refused(filename, problems), details={"problems": problems})
    return items


@dataclass(frozen=True)
class StoredItem:
    """A catalogue item as stored: its id and code."""

    id: int
    code: str


@dataclass(frozen=True)
class CataloguePlan:
    """What replacing a year's catalogue with `items` changes of the stored items."""

    year: int
    items: list[CatalogueItem]
    existing: dict[str, ServiceItem]
    removed: list[StoredItem]  # stored items the new catalogue leaves out
    newly_capped: list[StoredItem]  # stored items without a cap that get one
    revalued: list[StoredItem]  # stored items whose value or cap changes


def plan_change(session: Session, items: list[CatalogueItem], year: int) -> CataloguePlan:
    """Plan replacing the catalogue of an open year (records are locked from here on)."""
    lock_records(session)
    require_open(session, year, SETTLED_STEP())
    existing = {
        item.code: item
        for item in session.scalars(select(ServiceItem).where(ServiceItem.year == year))
    }
    new_codes = {item.code for item in items}
    return CataloguePlan(
        year=year,
        items=items,
        existing=existing,
        removed=[
            StoredItem(old.id, old.code) for old in existing.values() if old.code not in new_codes
        ],
        newly_capped=[
            StoredItem(old.id, old.code)
            for item in items
            if item.cap is not None and (old := existing.get(item.code)) and old.cap is None
        ],
        revalued=[
            StoredItem(old.id, old.code)
            for item in items
            if (old := existing.get(item.code)) and (old.value, old.cap) != (item.value, item.cap)
        ],
    )


def apply_change(session: Session, plan: CataloguePlan) -> CatalogueChange:
    """Write the planned catalogue: add, update and remove items (records are not touched)."""
    change = CatalogueChange(plan.year)
    new_codes = {item.code for item in plan.items}
    for code, gone in plan.existing.items():
        if code not in new_codes:
            session.delete(gone)
            change.removed.append(code)
    for item in plan.items:
        old = plan.existing.get(item.code)
        if old is None:
            session.add(ServiceItem(year=plan.year, **_columns(item)))
            change.added.append(item.code)
        elif _differs(old, item) or old.position != item.position:
            if _differs(old, item):
                change.updated.append(item.code)
            else:
                change.unchanged += 1
            for key, value in _columns(item).items():
                setattr(old, key, value)
        else:
            change.unchanged += 1
    session.flush()
    return change


def _columns(item: CatalogueItem) -> dict[str, Any]:
    return {key: getattr(item, key) for key in ("position", "code", *_FIELDS)}


def _differs(old: ServiceItem, item: CatalogueItem) -> bool:
    return any(getattr(old, key) != getattr(item, key) for key in _FIELDS)


def year_items(session: Session, year: int) -> list[CatalogueItem]:
    """The catalogue of `year` as items a load would read (empty when it has none)."""
    stored = session.scalars(
        select(ServiceItem).where(ServiceItem.year == year).order_by(ServiceItem.position)
    )
    return [
        CatalogueItem(**{key: getattr(item, key) for key in ("position", "code", *_FIELDS)})
        for item in stored
    ]


def item_count(session: Session, year: int) -> int:
    """How many items the catalogue of `year` has."""
    query = select(func.count()).select_from(ServiceItem).where(ServiceItem.year == year)
    return session.scalar(query) or 0
