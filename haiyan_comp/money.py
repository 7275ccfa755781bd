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

K = TypeVar("K", bound=Hashable)

_DECIMAL_TEXT = re.compile(r"^(-)?(\d+)(?:\.(\d+))?$")


class AmountError(ValueError):
    """A text or number that is not an exact amount with two decimals."""


def parse_hundredths(value: object, *, what: str = "amount", allow_negative: bool = False) -> int:
    """Parse `value` (text, int or Decimal, never float) into hundredths.

    Accepts at most two decimal places; refuses exponents, floats, blanks.
    """
    if isinstance(value, bool | float):
        raise AmountError(f"{what} must be written as an exact decimal, not a float ({value!r})")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, str):
        text = value.strip().replace(",", "") if "," in value else value.strip()
    else:
        raise AmountError(f"{what} must be a decimal number, got {type(value).__name__}")
    match = _DECIMAL_TEXT.match(text)
    if not match:
        raise AmountError(f"{what} must be a decimal number like 12.50, got {text!r}")
    sign, whole, frac = match.groups()
    frac = frac or ""
    if len(frac) > 2:
        raise AmountError(f"{what} has more than 2 decimal places: {text}")
    hundredths = int(whole) * 100 + int((frac + "00")[:2])
    if sign:
        hundredths = -hundredths
    if hundredths < 0 and not allow_negative:
        raise AmountError(f"{what} must not be negative: {text}")
    return hundredths


def format_hundredths(hundredths: int) -> str:
    """Format hundredths as a decimal string with exactly two places: 1234 → '12.34'."""
    if not isinstance(hundredths, int) or isinstance(hundredths, bool):
        raise TypeError(f"hundredths must be an int, got {type(hundredths).__name__}")
    sign = "-" if hundredths < 0 else ""
    whole, frac = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{frac:02d}"


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


def parse_ratio(value: object, *, what: str = "ratio") -> int:
    """Parse a fraction like '0.10' (10%) into ten-thousandths: at most 4 decimal places."""
    if isinstance(value, bool | float):
        raise AmountError(f"{what} must be written as an exact decimal, not a float ({value!r})")
    text = str(value).strip()
    match = _DECIMAL_TEXT.match(text)
    if not match or match.group(1):
        raise AmountError(f"{what} must be a fraction like 0.10 (for 10%), got {text!r}")
    whole, frac = match.group(2), match.group(3) or ""
    if len(frac) > 4:
        raise AmountError(f"{what} has more than 4 decimal places: {text}")
    return int(whole) * 10_000 + int((frac + "0000")[:4])
