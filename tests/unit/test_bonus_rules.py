"""R17–R19 against the worked example."""

from __future__ import annotations

from fractions import Fraction

import pytest

from haiyan_comp.bonus.rules import bonus_cap, choose_pool, pay_sheet, split_by_staff, staff_weight


@pytest.mark.parametrize(
    ("score", "surplus", "cap"),
    [
        (96250, 30_000_000, 15_000_000),  # HY01: 962.50, surplus 300,000.00 → 150,000.00
        (94999, 30_000_000, 0),  # HY02: 949.99 does not qualify
        (95000, 30_000_000, 15_000_000),  # exactly 950.00 does
        (99000, -100, 0),  # a negative surplus gives no bonus
        (99000, 1, 1),  # half of 0.01 rounds half up
    ],
)
def test_bonus_cap(score: int, surplus: int, cap: int) -> None:
    assert bonus_cap(score, surplus) == cap


def test_staff_split_of_the_worked_example() -> None:
    # S1 = 40 + 3 × 10 × (1 − 1/2) = 55.00; S2 = 20 + 2 × 10 × (1 − 1/2) + 10 = 40.00
    s1 = 4000 + 3 * staff_weight(1000, failed=1, sampled=2)
    s2 = 2000 + 2 * staff_weight(1000, failed=1, sampled=2) + staff_weight(1000)
    assert (s1, s2) == (Fraction(5500), Fraction(4000))
    assert split_by_staff(15_000_000, {"S1": 5500, "S2": 4000}) == {
        "S1": 8_684_211,
        "S2": 6_315_789,
    }


def test_a_pool_is_never_above_the_cap() -> None:
    assert choose_pool(15_000_000, None) == 15_000_000
    assert choose_pool(15_000_000, 1_000_000) == 1_000_000
    with pytest.raises(ValueError, match=r"between 0\.00 and the cap 150000\.00"):
        choose_pool(15_000_000, 15_000_001)


def test_no_staff_units_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no staff member has verified units"):
        split_by_staff(100, {"S1": 0, "S2": 0})


def test_pay_sheet_is_four_to_six() -> None:
    sheet = pay_sheet(1_000_001, {"S1": 5500, "S2": 4000})
    assert (sheet.basic, sheet.incentive) == (400_000, 600_001)
    assert sum(sheet.incentive_by_staff.values()) == 600_001
