"""Pure catalogue validation (R1): every problem of every item, at once."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from haiyan_comp.bounds import CAP, ITEM_VALUE
from haiyan_comp.catalogue.messages import (
    AT,
    CAP_FORM,
    CATEGORY,
    CODE_FORM,
    DUPLICATE_CODE,
    EMPTY,
    ITEM,
    LINE,
    MISSING,
    NO_ITEMS,
    NOT_A_MAPPING,
    TOO_LONG,
    UNKNOWN_FIELD,
    VALUE_TOO_SMALL,
    VALUE_UNREADABLE,
    WITH_CODE,
)
from haiyan_comp.messages import Message
from haiyan_comp.money import AmountError, parse_hundredths, shown

CATEGORIES = ("basic_medical", "public_health")
KEYS = ("code", "name", "category", "unit", "value", "cap", "spec", "data_rule", "source")
TEXT_KEYS = ("name", "unit", "spec", "data_rule", "source")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
MAX_LENGTH = {"name": 200, "unit": 40}


@dataclass(frozen=True)
class CatalogueItem:
    """A valid catalogue item; value in hundredths of a unit."""

    position: int
    code: str
    name: str
    category: str
    unit: str
    value: int
    cap: int | None
    spec: str
    data_rule: str
    source: str


def validate_items(
    raw_items: Sequence[Mapping[str, object]],
    label: str = "item",
    lines: Sequence[int] | None = None,
) -> tuple[list[CatalogueItem], list[Message]]:
    """Check every raw item; return the valid items and every problem found.

    `label` names a row in messages: 'line' for CSV (numbered from 2, or by
    `lines`, each row's line in the file), 'item' for YAML (numbered from 1).
    """
    problems: list[Message] = []
    items: list[CatalogueItem] = []
    first_seen: dict[str, int] = {}
    if not raw_items:
        problems.append(NO_ITEMS())
    place = LINE if label == "line" else ITEM
    for index, raw in enumerate(raw_items):
        number = index + 2 if label == "line" else index + 1
        if lines is not None:
            number = lines[index]
        where: Message = place(number=number)
        if not isinstance(raw, Mapping):
            problems.append(AT(where=where, problem=NOT_A_MAPPING(keys=", ".join(KEYS))))
            continue
        code = _text(raw.get("code"))
        if code:
            where = WITH_CODE(where=where, code=code)
        item_problems = _check_item(raw, code)
        if code in first_seen:
            first = place(number=first_seen[code])
            item_problems.append(DUPLICATE_CODE.on("code", code=code, first=first))
        elif code:
            first_seen[code] = number
        problems.extend(AT(where=where, problem=p) for p in item_problems)
        if not item_problems:
            items.append(_build(index, raw))
    return items, problems


def _check_item(raw: Mapping[str, object], code: str) -> list[Message]:
    problems = [UNKNOWN_FIELD.on(key) for key in raw if key not in KEYS]
    problems += [MISSING.on(key) for key in KEYS if key not in raw and key != "cap"]
    if "code" in raw and not CODE_PATTERN.match(code):
        problems.append(CODE_FORM.on("code"))
    category = _text(raw.get("category"))
    if "category" in raw and category not in CATEGORIES:
        problems.append(CATEGORY.on("category", given=repr(category)))
    if "value" in raw:
        problems += _check_value(raw.get("value"))
    problems += _check_cap(raw.get("cap"))
    for key in TEXT_KEYS:
        if key in raw and not _text(raw.get(key)):
            problems.append(EMPTY.on(key))
        elif key in MAX_LENGTH and len(_text(raw.get(key))) > MAX_LENGTH[key]:
            problems.append(TOO_LONG.on(key, most=MAX_LENGTH[key]))
    return problems


def _check_value(value: object) -> list[Message]:
    try:
        hundredths = parse_hundredths(
            _number_text(value), what="value", allow_negative=True, bound=ITEM_VALUE
        )
    except AmountError as exc:
        return [VALUE_UNREADABLE.on("value", error=str(exc))]
    if hundredths <= 0:
        return [VALUE_TOO_SMALL.on("value", given=_number_text(value))]
    return []


def _check_cap(cap: object) -> list[Message]:
    if cap is None or cap == "":
        return []
    text = _number_text(cap)
    if isinstance(cap, bool) or CAP.parse(text) is None:
        return [CAP_FORM.on("cap", given=repr(shown(text)), most=CAP.highest)]
    return []


def _build(index: int, raw: Mapping[str, object]) -> CatalogueItem:
    cap = raw.get("cap")
    return CatalogueItem(
        position=index + 1,
        code=_text(raw["code"]),
        name=_text(raw["name"]),
        category=_text(raw["category"]),
        unit=_text(raw["unit"]),
        value=parse_hundredths(_number_text(raw["value"]), what="value", bound=ITEM_VALUE),
        cap=None if cap is None or cap == "" else int(_number_text(cap)),
        spec=_text(raw["spec"]),
        data_rule=_text(raw["data_rule"]),
        source=_text(raw["source"]),
    )


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _number_text(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return _text(value)
