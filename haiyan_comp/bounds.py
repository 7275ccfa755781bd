"""The documented bounds of every number a user can send: amounts, units, scores, ratios,
years and ids.

Each bound is checked on the text, before it is turned into a number, on every
path (API, pages, command line): a 30-digit budget or a 20-digit id is refused
as input, never met by the database (overflow) or by Python (its int-from-text
digit limit). The API's OpenAPI document shows the same bounds (`pattern`,
`minimum`, `maximum`), made from these constants.

Why these sizes: money and units are integers of hundredths in 64-bit columns
(at most 9.2 × 10^18). An amount below 10^13 yuan is below 10^15 fen, which
leaves room for sums over thousands of rows; a unit price below 10^6 yuan times
a county's purchased units stays within 64 bits; a catalogue value below 10^5
units times a record's quantity (at most 10,000) and millions of records too.
Ids are 32-bit integer columns, except service records' (64-bit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class DecimalBound:
    """A decimal written with at most `digits` digits before the point and `places` after.

    Values are held as integers of 10^-places (hundredths for money and units,
    ten-thousandths for ratios); `highest` (in those) narrows the range further.
    """

    digits: int
    places: int
    example: str
    highest: int | None = None

    @property
    def scale(self) -> int:
        """10^places: what one whole is worth in the integers values are held in."""
        return int(10**self.places)

    @property
    def largest(self) -> int:
        """The largest value allowed, in 10^-places."""
        written = int(10**self.digits) * self.scale - 1
        return written if self.highest is None else min(self.highest, written)

    def written(self, value: int) -> str:
        """A value (in 10^-places) as decimal text: SCORE.written(100_000) == '1000.00'."""
        whole, part = divmod(value, self.scale)
        return f"{whole}.{part:0{self.places}d}"

    def pattern(self, *, signed: bool = False) -> str:
        """The regular expression of the text (the OpenAPI `pattern`)."""
        sign = "-?" if signed else ""
        return rf"^{sign}\d{{1,{self.digits}}}(\.\d{{1,{self.places}}})?$"

    def matches(self, text: str, *, signed: bool = False) -> bool:
        """Whether `text` is written exactly as `pattern` says (ASCII digits only)."""
        return re.fullmatch(self.pattern(signed=signed), text, flags=re.ASCII) is not None

    def describe(self) -> str:
        """The bound in words, for messages: 'at most 13 digits before the point and 2 after'."""
        text = f"at most {self.digits} digits before the point and {self.places} after"
        if self.highest is not None:
            text += f", at most {self.written(self.highest)}"
        return text


@dataclass(frozen=True)
class WholeBound:
    """A whole number from `lowest` to `highest`, written in ASCII digits."""

    lowest: int
    highest: int

    def parse(self, text: str) -> int | None:
        """The number `text` writes, or None when it is not one within the bound.

        The length is checked before int(): a text of thousands of digits is
        refused, not converted.
        """
        text = text.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(self.highest)):
            return None
        number = int(text)
        return number if self.lowest <= number <= self.highest else None

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and self.lowest <= number <= self.highest


# Money in yuan: budgets, risk funds, pools, surpluses, pay, adjustments (< 10^13 yuan).
AMOUNT = DecimalBound(digits=13, places=2, example="12.50")
# Units: baselines, prepayment weights (< 10^13 units).
UNITS = DecimalBound(digits=13, places=2, example="12.50")
# A fixed unit price, yuan per unit (< 10^6 yuan).
PRICE = DecimalBound(digits=6, places=2, example="10.00")
# A catalogue item's value in units (< 10^5 units).
ITEM_VALUE = DecimalBound(digits=5, places=2, example="2.50")
# An assessment score or an indicator's points: 0.00–1000.00 (R16).
SCORE = DecimalBound(digits=4, places=2, example="962.50", highest=100_000)
# A fraction: 0.10 is 10% (ratios, growth caps, shares).
RATIO = DecimalBound(digits=3, places=4, example="0.10 (for 10%)")

# Ids of 32-bit integer columns (batches, tokens, imports, users …).
ID = WholeBound(1, 2**31 - 1)
# Ids of 64-bit columns (service records).
BIG_ID = WholeBound(1, 2**63 - 1)
# A catalogue item's annual cap per resident (a 32-bit column).
CAP = WholeBound(1, 2**31 - 1)
# A scheme year: the year after it must still be a date.
YEAR = WholeBound(1900, 9998)
