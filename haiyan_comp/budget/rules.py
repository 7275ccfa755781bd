"""Pure money rules of a scheme year's budget (R11, R12): the prepayment pool,
its instalments and clearing debt from them.

Money is fen, ratios are exact Fractions; no database, no clock. Rounding
happens only where a rule says "round" (R0). The settlement's rules (R9, R10,
R13, R14) are in settlement/rules.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from haiyan_comp.money import K, largest_remainder, round_half_up

INSTALMENT_COUNTS = (1, 2, 3, 4, 6, 12)


def prepayment_totals(
    budget: int,
    ratio: Fraction,
    weights: Mapping[K, int],
    outright: Mapping[K, int] | None = None,
) -> dict[K, int]:
    """R11: each institution's prepayment total for the year.

    The pool round(B × ρ) split by largest remainder over the weights (last
    year's final amounts, or weights entered for the year, or all equal), unless
    finance set every total outright.
    """
    if outright is not None:
        return dict(outright)
    pool = round_half_up(budget * ratio)
    return largest_remainder(pool, weights)


@dataclass(frozen=True)
class Instalment:
    """One staged payment of a year's prepayment (R11)."""

    number: int
    due: date
    gross: int


def instalments(year: int, total: int, count: int) -> list[Instalment]:
    """R11: floor(total ÷ N) each, the last the rest; due the 1st of month 1 + (j−1)·12/N."""
    if count not in INSTALMENT_COUNTS:
        raise ValueError(f"instalments must be one of {INSTALMENT_COUNTS}, got {count}")
    part = total // count
    return [
        Instalment(
            number=j,
            due=date(year, 1 + (j - 1) * 12 // count, 1),
            gross=part if j < count else total - part * (count - 1),
        )
        for j in range(1, count + 1)
    ]


def clear_debt(gross: int, debt: int) -> tuple[int, int]:
    """R12: (offset, cash) of an instalment when the institution owes `debt` fen."""
    offset = min(max(debt, 0), gross)
    return offset, gross - offset
