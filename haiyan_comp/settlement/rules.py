"""Pure rules of a year's settlement (R9, R10, R13, R14): purchased units under
the growth cap, the price, every institution's final amount and its balance.

Units are hundredths of a unit, money is fen, ratios are exact Fractions; no
database, no clock. Rounding happens only where a rule says "round" (R0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from haiyan_comp.money import largest_remainder, round_half_up


def purchased_basic_medical(
    verified: int, previous: int | None, growth_cap: Fraction | None
) -> int:
    """R9: P_bm = min(V_bm, round(P_bm(Y−1) × (1 + g))) when both are known, else V_bm."""
    if growth_cap is None or previous is None:
        return verified
    return min(verified, growth_limit(previous, growth_cap))


def growth_limit(previous: int, growth_cap: Fraction) -> int:
    """R9: the most basic-medical units the growth cap buys, round(P_bm(Y−1) × (1 + g))."""
    return round_half_up(previous * (1 + growth_cap))


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


def settlement_balance(final: int, prepaid: int) -> int:
    """R13–R14: positive, a top-up paid at settlement; negative, a debt owed back."""
    return final - prepaid


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _four_places(fen_per_hundredth: Fraction) -> str:
    """Yuan per unit to 4 places: fen ÷ hundredths-of-a-unit equals yuan ÷ unit."""
    ten_thousandths = round_half_up(fen_per_hundredth * 10_000)
    return f"{ten_thousandths // 10_000}.{ten_thousandths % 10_000:04d}"
