"""Loading a year's catalogue (R1): validate everything, then replace in place."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import yaml
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from haiyan_comp.audit.services import audited_items
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.catalogue.rules import KEYS, CatalogueItem, validate_items
from haiyan_comp.errors import Conflict, InvalidInput
from haiyan_comp.records.caps import recompute_caps_for_year
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.totals import recount_totals
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

    def to_json(self) -> dict[str, Any]:
        """JSON for the command line and the API."""
        return {
            "year": self.year,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "records_revalued": self.records_revalued,
        }


class _ExactLoader(yaml.SafeLoader):
    """YAML whose decimals stay text (`10.00`), never floats (R0)."""


_ExactLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


def read_catalogue(stream: BinaryIO, filename: str) -> tuple[list[CatalogueItem], list[str]]:
    """Parse a CSV or YAML catalogue and validate every item."""
    data = stream.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{filename}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    if not text.strip():
        raise InvalidInput(f"{filename}: the file is empty")
    if filename.lower().endswith(".csv"):
        return _read_csv(text)
    return _read_yaml(text, filename)


def _read_csv(text: str) -> tuple[list[CatalogueItem], list[str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in KEYS]
    missing = [key for key in KEYS if key not in header]
    if unknown or missing:
        raise InvalidInput(
            f"line 1: the header must be {','.join(KEYS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
    reader.fieldnames = header
    return validate_items(list(reader), label="line")


def _read_yaml(text: str, filename: str) -> tuple[list[CatalogueItem], list[str]]:
    try:
        document = yaml.load(text, Loader=_ExactLoader)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{filename}: not valid YAML ({exc})") from None
    raw = document.get("items") if isinstance(document, dict) else document
    if not isinstance(raw, list):
        raise InvalidInput(f"{filename}: expected a list of items (or a mapping with 'items:')")
    return validate_items(raw, label="item")


def load_catalogue(session: Session, stream: BinaryIO, filename: str, year: int) -> CatalogueChange:
    """Load or replace the catalogue of an open year; refuse it whole on any problem."""
    items, problems = read_catalogue(stream, filename)
    if problems:
        raise InvalidInput(
            f"{filename}: {len(problems)} problem(s), nothing was loaded:\n  "
            + "\n  ".join(problems),
            details={"problems": problems},
        )
    lock_records(session)
    require_open(session, year, "its catalogue can no longer be changed")
    existing = {
        item.code: item
        for item in session.scalars(select(ServiceItem).where(ServiceItem.year == year))
    }
    new_codes = {item.code for item in items}
    _refuse_removing_used(session, year, [existing[c] for c in existing if c not in new_codes])
    _refuse_new_caps_without_residents(session, items, existing)
    revalue = [
        existing[i.code].id
        for i in items
        if i.code in existing and (existing[i.code].value, existing[i.code].cap) != (i.value, i.cap)
    ]
    if revalue:
        _refuse_revaluing_audited(session, year, revalue)
    change = CatalogueChange(year)
    for code, gone in existing.items():
        if code not in new_codes:
            session.delete(gone)
            change.removed.append(code)
    for item in items:
        old = existing.get(item.code)
        if old is None:
            session.add(ServiceItem(year=year, **_columns(item)))
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
    if revalue:
        change.records_revalued = _revalue(session, year, revalue)
    return change


def _columns(item: CatalogueItem) -> dict[str, Any]:
    return {key: getattr(item, key) for key in ("position", "code", *_FIELDS)}


def _differs(old: ServiceItem, item: CatalogueItem) -> bool:
    return any(getattr(old, key) != getattr(item, key) for key in _FIELDS)


def _refuse_removing_used(session: Session, year: int, removed: list[ServiceItem]) -> None:
    if not removed:
        return
    counts = dict(
        session.execute(
            select(ServiceRecord.item_id, func.count())
            .where(ServiceRecord.item_id.in_([item.id for item in removed]))
            .group_by(ServiceRecord.item_id)
        ).all()
    )
    used = [f"{item.code} ({counts[item.id]} records)" for item in removed if item.id in counts]
    if used:
        raise Conflict(
            f"the new catalogue of {year} leaves out items that records of {year} use: "
            f"{', '.join(used)}; keep them in the catalogue",
            details={"used": used},
        )


def _refuse_new_caps_without_residents(
    session: Session, items: list[CatalogueItem], existing: dict[str, ServiceItem]
) -> None:
    newly_capped = [
        existing[i.code]
        for i in items
        if i.cap is not None and i.code in existing and existing[i.code].cap is None
    ]
    for item in newly_capped:
        missing = session.scalar(
            select(func.count())
            .select_from(ServiceRecord)
            .where(ServiceRecord.item_id == item.id, ServiceRecord.resident_id.is_(None))
        )
        if missing:
            raise Conflict(
                f"item {item.code} would get a per-resident cap, but {missing} of its records "
                f"have no resident_id (R2, R3)"
            )


def _refuse_revaluing_audited(session: Session, year: int, item_ids: list[int]) -> None:
    """A drawn batch froze its population's units; a new value would make V = S − D wrong."""
    audited = audited_items(session, item_ids)
    if audited:
        codes = dict(session.execute(select(ServiceItem.id, ServiceItem.code)).all())
        named = ", ".join(f"{codes[i]} ({n} batches)" for i, n in sorted(audited.items()))
        raise Conflict(
            f"the value or cap of items audited in {year} cannot change: {named}; "
            "their batches froze the units they sampled (R5, R8)"
        )


def _revalue(session: Session, year: int, item_ids: list[int]) -> int:
    """Value the year's records of changed items anew (R1, R2), then re-apply caps (R3)."""
    value = (
        select(ServiceItem.value).where(ServiceItem.id == ServiceRecord.item_id).scalar_subquery()
    )
    capped = (
        select(ServiceItem.cap.is_not(None))
        .where(ServiceItem.id == ServiceRecord.item_id)
        .scalar_subquery()
    )
    result = session.execute(
        update(ServiceRecord)
        .where(ServiceRecord.item_id.in_(item_ids))
        .values(
            units=ServiceRecord.quantity * value,
            purchasable=ServiceRecord.quantity * value,
            capped=capped,
        )
        .execution_options(synchronize_session=False)
    )
    recompute_caps_for_year(session, year)
    recount_totals(session, year)
    return int(result.rowcount)  # type: ignore[attr-defined]
