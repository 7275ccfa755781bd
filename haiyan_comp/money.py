"""The one door for exact amounts (R0).

Units and money both have two decimal places and are held as integers of
hundredths (fen for money, hundredths of a unit for units), so that SQLite and
PostgreSQL agree to the fen. Floats are refused everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from haiyan_comp.bounds import AMOUNT, RATIO, DecimalBound

K = TypeVar("K", bound=Hashable)

_DECIMAL_TEXT = re.compile(r"^(-)?([0-9]+)(?:\.([0-9]+))?$")
SHOWN = 40  # characters of a refused text quoted back in a message


class AmountError(ValueError):
    """A text or number that is not an exact amount within its bound.

    `code` says why (`float`, `type`, `format`, `places`, `digits`, `too_large`,
    `negative`) and `bound` is the bound it broke, so that pages can say it in
    Chinese without reading the English message.
    """

    def __init__(self, message: str, code: str = "format", bound: DecimalBound = AMOUNT) -> None:
        super().__init__(message)
        self.code = code
        self.bound = bound


def shown(text: str) -> str:
    """A refused text as a message quotes it: at most SHOWN characters."""
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}… ({len(text)} characters)"


def parse_hundredths(
    value: object,
    *,
    what: str = "amount",
    allow_negative: bool = False,
    bound: DecimalBound = AMOUNT,
) -> int:
    """Parse `value` (text, int or Decimal, never float) into hundredths within `bound`.

    Accepts at most two decimal places; refuses exponents, floats, blanks, and
    more digits than the bound allows (checked before any conversion).
    """
    if bound.places != 2:
        raise ValueError("parse_hundredths reads bounds of 2 decimal places")
    return parse_decimal(value, bound, what=what, allow_negative=allow_negative)


def parse_decimal(
    value: object, bound: DecimalBound, *, what: str, allow_negative: bool = False
) -> int:
    """The one parser of decimals: `value` in units of 10^-bound.places, within `bound`."""
    text = _decimal_text(value, bound, what)
    match = _DECIMAL_TEXT.match(text)
    if not match:
        raise AmountError(
            f"{what} must be a decimal number like {bound.example}, got {shown(text)!r}",
            "format",
            bound,
        )
    sign, whole, frac = match.groups()
    frac = frac or ""
    if sign and not allow_negative:
        raise AmountError(f"{what} must not be negative: {shown(text)}", "negative", bound)
    if len(frac) > bound.places:
        raise AmountError(
            f"{what} has more than {bound.places} decimal places: {shown(text)}", "places", bound
        )
    if len(whole) > bound.digits:
        raise AmountError(
            f"{what} is too large: {bound.describe()}, got {shown(text)}", "digits", bound
        )
    number = int(whole) * bound.scale + int((frac + "0" * bound.places)[: bound.places])
    if number > bound.largest:
        raise AmountError(
            f"{what} is too large: {bound.describe()}, got {shown(text)}", "too_large", bound
        )
    return -number if sign else number


def _decimal_text(value: object, bound: DecimalBound, what: str) -> str:
    """The text of a value; numbers beyond the bound are refused before they are written out."""
    if isinstance(value, bool | float):
        raise AmountError(
            f"{what} must be written as an exact decimal, not a float ({value!r})", "float", bound
        )
    if isinstance(value, int):
        if abs(value) >= 10**bound.digits:
            raise AmountError(f"{what} is too large: {bound.describe()}", "digits", bound)
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite() or value.adjusted() >= bound.digits:
            raise AmountError(
                f"{what} is too large or not a number: {bound.describe()}", "digits", bound
            )
        return format(value, "f")
    if isinstance(value, str):
        return value.strip().replace(",", "") if "," in value else value.strip()
    raise AmountError(f"{what} must be a decimal number, got {type(value).__name__}", "type", bound)


def format_hundredths(hundredths: int) -> str:
    """Format hundredths as a decimal string with exactly two places: 1234 → '12.34'."""
    if not isinstance(hundredths, int) or isinstance(hundredths, bool):
        raise TypeError(f"hundredths must be an int, got {type(hundredths).__name__}")
    sign = "-" if hundredths < 0 else ""
    whole, frac = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_grouped(hundredths: int) -> str:
    """Hundredths as documents print them, with thousands separators: 140000000 → '1,400,000.00'."""
    return group_decimal(format_hundredths(hundredths))


def format_percent(ten_thousandths: int) -> str:
    """A stored ratio (ten-thousandths) as a percentage: 8000 → '80%', 1250 → '12.5%'."""
    whole, part = divmod(ten_thousandths, 100)
    return f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"


def group_decimal(text: str) -> str:
    """Thousands separators in a decimal text ('-1234567.5' → '-1,234,567.5'); other text as is."""
    sign, rest = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, point, fraction = rest.partition(".")
    if not whole.isdigit() or not whole.isascii():
        return text
    return f"{sign}{int(whole):,}{point}{fraction}"


def round_half_up(value: Fraction | int) -> int:
    """Round an exact rational to the nearest integer, halves away from zero (R0)."""
    value = Fraction(value)
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    floor = magnitude.numerator // magnitude.denominator
    if magnitude - floor >= Fraction(1, 2):
        floor += 1
    return sign * floor


def largest_remainder(
    total: int, weights: Mapping[K, int] | Sequence[tuple[K, int]]
) -> dict[K, int]:
    """Split `total` hundredths in proportion to integer weights (R0's largest remainder).

    Each part gets floor(total·w/Σw); the missing hundredths go one each to the
    largest fractional remainders, ties to the smaller key. With Σw = 0 the
    split is equal. The parts add up to `total` exactly.
    """
    items = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
    if not items:
        if total:
            raise ValueError("cannot split a non-zero total among nobody")
        return {}
    if total < 0:
        raise ValueError("largest_remainder splits a total >= 0")
    if any(w < 0 for _, w in items):
        raise ValueError("weights must not be negative")
    weight_sum = sum(w for _, w in items)
    if weight_sum == 0:
        items = [(key, 1) for key, _ in items]
        weight_sum = len(items)
    parts: dict[K, int] = {}
    remainders: list[tuple[int, K]] = []
    for key, weight in items:
        share, remainder = divmod(total * weight, weight_sum)
        parts[key] = share
        remainders.append((remainder, key))
    missing = total - sum(parts.values())
    remainders.sort(key=lambda pair: (-pair[0], _sort_key(pair[1])))
    for _, key in remainders[:missing]:
        parts[key] += 1
    return parts


def _sort_key(key: object) -> tuple[str, object]:
    return (type(key).__name__, key)


def parse_ratio(value: object, *, what: str = "ratio", bound: DecimalBound = RATIO) -> int:
    """Parse a fraction like '0.10' (10%) into ten-thousandths: at most 4 decimal places."""
    return parse_decimal(value, bound, what=what)
