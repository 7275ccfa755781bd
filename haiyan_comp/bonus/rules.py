"""Pure rules of the efficiency bonus and the staff pay sheet (R17–R19).

Scores are hundredths of a point (950.00 → 95000), money is fen, weights are
hundredths of a unit; ratios are exact Fractions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.money import largest_remainder, round_half_up

QUALIFYING_SCORE = 95_000  # 950.00 of 1000 (R17)
MAX_SCORE = 100_000
BONUS_SHARE = Fraction(1, 2)  # up to 50% of the surplus (R17)
BASIC_SHARE = Fraction(2, 5)  # basic : incentive = 4 : 6 (R19)


def bonus_cap(score: int, surplus: int) -> int:
    """R17: round(max(surplus, 0) × 50%) when the score is 950.00 or more, else 0."""
    if not 0 <= score <= MAX_SCORE:
        raise ValueError(f"a score is 0.00–1000.00, got {fmt(score)}")
    if score < QUALIFYING_SCORE:
        return 0
    return round_half_up(max(surplus, 0) * BONUS_SHARE)


def choose_pool(cap: int, chosen: int | None) -> int:
    """R17: the pool is the cap unless the institution chooses less (never more)."""
    if chosen is None:
        return cap
    if not 0 <= chosen <= cap:
        raise ValueError(f"the bonus pool must be between 0.00 and the cap {fmt(cap)}")
    return chosen


def split_by_staff(pool: int, weights: Mapping[str, int]) -> dict[str, int]:
    """R18: the pool split by largest remainder over staff weights (verified units)."""
    if pool and not any(weights.values()):
        raise ValueError("no staff member has verified units this year: the pool cannot be split")
    return largest_remainder(pool, weights)


def staff_weight(purchasable: int, failed: int = 0, sampled: int = 0) -> Fraction:
    """R18: a record's weight: its purchasable units × (1 − failed ÷ n) of its closed batch."""
    if sampled == 0:
        return Fraction(purchasable)
    return purchasable * (1 - Fraction(failed, sampled))


def verified_units(purchasable: int, frozen: Iterable[tuple[int, int, int]] = ()) -> Fraction:
    """R18: a staff member's weight from all its purchasable units and its frozen ones.

    `frozen` holds (units, failed, n) per closed batch whose population holds
    some of its records: those units count × (1 − failed ÷ n), so the weight
    is the sum of staff_weight over its records, taken off the total at once.
    """
    return purchasable - sum(
        (Fraction(units * failed, sampled) for units, failed, sampled in frozen), Fraction(0)
    )


@dataclass(frozen=True)
class PaySheet:
    """R19: performance pay T split into a basic and an incentive part; the bonus apart."""

    total: int
    basic: int
    incentive: int
    incentive_by_staff: dict[str, int]


def pay_sheet(
    total: int, weights: Mapping[str, int], basic_share: Fraction = BASIC_SHARE
) -> PaySheet:
    """R19: basic = round(T × share), incentive = T − basic split by R18's weights."""
    if total < 0:
        raise ValueError("performance pay must not be negative")
    basic = round_half_up(total * basic_share)
    incentive = total - basic
    return PaySheet(total, basic, incentive, split_by_staff(incentive, weights))
