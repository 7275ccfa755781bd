"""Numbers and names as the pages and URLs take them, within haiyan_comp.bounds.

- Path converters: `<int:…>` is an id of a 32-bit column (1 … 2^31 − 1) for the
  whole app (pages and API), `<year:…>` a scheme year (1900 … 9998); anything
  else is simply not a route (404), never a database overflow.
- `whole_arg`: every whole number of a query string or form (years, record ids,
  limits, page numbers): None when absent, a 400 in Chinese when it is no
  number within its bound.
- `amount_problem`: an AmountError said in Chinese, for the form beside the field.
- `plain_amount`: money as people write it ("1,400,000.00") as the parser takes it.
- `percent_fraction`: a ratio as people write it ("80%", "80", "12.5%") as a fraction.
- `upload_name`: the one cleaning of an uploaded file's name (pages and API).
- `refuse_nul`: a page's form or query string holding a NUL character is refused
  whole (400): no text column of PostgreSQL can hold one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from flask import request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map, ValidationError

from haiyan_comp import bounds
from haiyan_comp.bounds import WholeBound
from haiyan_comp.errors import DomainError
from haiyan_comp.money import SHOWN, AmountError


class BadRequest(DomainError):
    """A query-string number out of its bound (400)."""

    status = 400
    code = "bad_request"


class BoundedInt(IntegerConverter):
    """Flask's `int`, within a WholeBound and in ASCII digits (`１２３` is no id)."""

    regex = r"[0-9]+"
    bound: WholeBound = bounds.ID

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", self.bound.lowest)
        kwargs.setdefault("max", self.bound.highest)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> Any:
        if len(value) > len(str(self.max)):  # refused before int(): no 5,000-digit conversion
            raise ValidationError()
        return super().to_python(value)


class YearConverter(BoundedInt):
    """`<year:…>`: a scheme year, 1900 … 9998."""

    bound = bounds.YEAR


CONVERTERS = {"int": BoundedInt, "year": YearConverter}


def whole_arg(name: str, bound: WholeBound, source: Mapping[str, str] | None = None) -> int | None:
    """?name= (or `source`'s field) as a whole number within `bound`; None when absent or empty."""
    text = (request.args if source is None else source).get(name, "").strip()
    if not text:
        return None
    number = bound.parse(text)
    if number is None:
        raise BadRequest(
            _(
                "参数 %(name)s 须为 %(low)s 至 %(high)s 之间的整数，收到“%(text)s”",
                name=name,
                low=bound.lowest,
                high=bound.highest,
                text=shown(text),
            )
        )
    return number


def shown(text: str) -> str:
    """What was typed, as a page quotes it back: at most SHOWN characters."""
    if len(text) <= SHOWN:
        return text
    return str(_("%(start)s…（共 %(n)s 个字符）", start=text[:SHOWN], n=len(text)))


def amount_problem(exc: AmountError, text: str, too_large: str | None = None) -> str:
    """What is wrong with an amount, in Chinese, quoting (the start of) what was typed.

    `too_large` replaces the message of a value beyond the bound (a rule's own words).
    """
    bound = exc.bound
    if exc.code in ("digits", "too_large") and too_large:
        return too_large
    if exc.code in ("digits", "too_large"):
        message = _(
            "数值过大：整数部分最多 %(digits)s 位，最大 %(largest)s（收到“%(text)s”）",
            digits=bound.digits,
            largest=bound.written(bound.largest),
            text=shown(text),
        )
    elif exc.code == "negative":
        message = _("不能为负数（收到“%(text)s”）", text=shown(text))
    elif bound.places == 2:
        message = _("须为最多两位小数的数，例如 2000000.00（收到“%(text)s”）", text=shown(text))
    else:
        message = _("须为最多两位小数的百分数，例如 80%%（收到“%(text)s”）", text=shown(text))
    return str(message)


# Thousands separators as people type them: 1,400,000.00 or 1，400，000 (groups of three).
_GROUPED = re.compile(r"-?[0-9]{1,3}(?:[,，][0-9]{3})+(?:\.[0-9]+)?")
_PERCENT = re.compile(r"(?P<number>-?[0-9]+(?:\.[0-9]+)?) ?[%％]?")


def plain_amount(text: str) -> str:
    """'1,400,000.00' → '1400000.00': separators in groups of three go; anything else
    (a misplaced comma, a letter) is left for the parser to refuse."""
    text = text.strip()
    return re.sub(r"[,，]", "", text) if len(text) <= 60 and _GROUPED.fullmatch(text) else text


def percent_fraction(text: str) -> str:
    """A ratio as typed, as the decimal fraction the parser takes: '80%' and '80' → '0.80',
    '12.5%' → '0.125'. A number of at most 1 without a percent sign is already a fraction
    ('0.80' stays 80%), as the command line writes ratios. Exact: decimal text, no floats."""
    text = text.strip()
    match = _PERCENT.fullmatch(text) if len(text) <= 40 else None
    if match is None:
        return text  # the parser says what is wrong with it
    number = match.group("number")
    percent = text.endswith(("%", "％"))
    whole, _, places = number.lstrip("-").partition(".")
    if not percent and (int(whole) < 1 or (int(whole) == 1 and not places.strip("0"))):
        return number
    digits = (whole + places).lstrip("0") or "0"
    scale = len(places) + 2  # percent: two more decimal places
    padded = digits.rjust(scale + 1, "0")
    fraction = f"{padded[:-scale]}.{padded[-scale:]}".rstrip("0").rstrip(".")
    if "." in fraction and len(fraction.split(".")[1]) < 2:
        fraction += "0"
    return ("-" if number.startswith("-") else "") + fraction


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NAME_LENGTH = 255


def upload_name(raw: str | None, default: str) -> str:
    """An uploaded file's name as it is kept: no folders, no control characters, 255 at most."""
    name = os.path.basename((raw or "").replace("\\", "/"))
    name = _CONTROL.sub("", name).strip()
    return name[-NAME_LENGTH:] or default


def refuse_nul() -> None:
    """Refuse a page request whose query string or form holds a NUL (before_request).

    The API checks its input with its schemas (haiyan_comp.api.schemas.text).
    """
    if request.path.startswith("/api/"):
        return
    values = [v for _name, vs in request.args.lists() for v in vs]
    if request.method == "POST":
        values += [v for _name, vs in request.form.lists() for v in vs]
    if any("\x00" in value for value in values):
        raise BadRequest(_("表单或网址参数含有空字符（NUL），请删去后重试。"))
