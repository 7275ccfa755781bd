"""Pure money rules of a scheme year (R9–R14): purchase caps, price, budget,
prepayment instalments and the settlement balance.

Units are hundredths of a unit, money is fen, ratios are exact Fractions; no
database, no clock. Rounding happens only where a rule says "round" (R0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from haiyan_comp.money import K, largest_remainder, round_half_up

INSTALMENT_COUNTS = (1, 2, 3, 4, 6, 12)


def purchased_basic_medical(
    verified: int, previous: int | None, growth_cap: Fraction | None
) -> int:
    """R9: P_bm = min(V_bm, round(P_bm(Y−1) × (1 + g))) when both are known, else V_bm."""
    if growth_cap is None or previous is None:
        return verified
    return min(verified, round_half_up(previous * (1 + growth_cap)))


def entitlement(purchased: int, unit_price_fen: int) -> int:
    """R10: A = round(P × p), in fen (P in hundredths of a unit, p in fen per unit)."""
    return round_half_up(Fraction(purchased * unit_price_fen, 100))


@dataclass(frozen=True)
class FinalAmounts:
    """R10's outcome for a year: what each institution is owed, and the fund's part."""

    final: dict[str, int]
    entitlement: dict[str, int]
    risk_fund_draw: int
    unspent: int
    unit_price: str  # yuan per unit: '10.00' fixed, 4 places when floating


def fixed_price_amounts(
    purchased: Mapping[str, int], unit_price_fen: int, budget: int, risk_fund: int
) -> FinalAmounts:
    """R10, fixed price: pay entitlements, drawing any shortfall from the risk fund up to R."""
    amounts = {code: entitlement(units, unit_price_fen) for code, units in purchased.items()}
    total = sum(amounts.values())
    if total <= budget:
        return FinalAmounts(dict(amounts), amounts, 0, budget - total, _yuan(unit_price_fen))
    shortfall = total - budget
    draw = min(shortfall, risk_fund)
    if draw == shortfall:
        return FinalAmounts(dict(amounts), amounts, draw, 0, _yuan(unit_price_fen))
    return FinalAmounts(
        largest_remainder(budget + draw, amounts), amounts, draw, 0, _yuan(unit_price_fen)
    )


def floating_price_amounts(purchased: Mapping[str, int], budget: int) -> FinalAmounts:
    """R10, floating price: the budget split by purchased units; no risk-fund draw."""
    units = sum(purchased.values())
    final = largest_remainder(budget, purchased)
    price = "0.0000" if units == 0 else _four_places(Fraction(budget, units))
    return FinalAmounts(final, dict(final), 0, 0, price)


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


def settlement_balance(final: int, prepaid: int) -> int:
    """R13–R14: positive, a top-up paid at settlement; negative, a debt owed back."""
    return final - prepaid


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _four_places(fen_per_hundredth: Fraction) -> str:
    """Yuan per unit to 4 places: fen ÷ hundredths-of-a-unit equals yuan ÷ unit."""
    ten_thousandths = round_half_up(fen_per_hundredth * 10_000)
    return f"{ten_thousandths // 10_000}.{ten_thousandths % 10_000:04d}"
