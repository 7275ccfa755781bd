"""R9–R14 as pure rules, checked against RULES.md's worked example."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiyan_comp.budget.rules import clear_debt, instalments, prepayment_totals
from haiyan_comp.settlement.rules import (
    fixed_price_amounts,
    floating_price_amounts,
    purchased_basic_medical,
    settlement_balance,
)

TEN_PERCENT = Fraction(1, 10)


def test_growth_cap_of_the_worked_example() -> None:
    # HY01: V_bm 60.00, baseline 50.00, g = 10% → round(55.00) = 55.00
    assert purchased_basic_medical(6000, 5000, TEN_PERCENT) == 5500
    # HY02 has no baseline: P_bm = V_bm
    assert purchased_basic_medical(4000, None, TEN_PERCENT) == 4000
    # no growth cap configured
    assert purchased_basic_medical(6000, 5000, None) == 6000


def test_growth_cap_rounds_half_up() -> None:
    assert purchased_basic_medical(10**9, 5, TEN_PERCENT) == 6  # 5.5 hundredths → 6


def test_fixed_price_within_budget() -> None:
    result = fixed_price_amounts({"HY01": 9000, "HY02": 7500}, 1000, 200_000, 10_000)
    assert result.final == {"HY01": 90_000, "HY02": 75_000}
    assert (result.risk_fund_draw, result.unspent, result.unit_price) == (0, 35_000, "10.00")


def test_budget_variant_draws_the_risk_fund_and_scales() -> None:
    # B = 1,600.00, R = 30.00: ΣA − B = 50.00, draw 30.00, 1,630.00 split 900 : 750
    result = fixed_price_amounts({"HY01": 9000, "HY02": 7500}, 1000, 160_000, 3_000)
    assert result.risk_fund_draw == 3_000
    assert result.final == {"HY01": 88_909, "HY02": 74_091}
    assert result.entitlement == {"HY01": 90_000, "HY02": 75_000}


def test_a_fund_large_enough_pays_entitlements_in_full() -> None:
    result = fixed_price_amounts({"HY01": 9000, "HY02": 7500}, 1000, 160_000, 5_000)
    assert (result.final, result.risk_fund_draw) == ({"HY01": 90_000, "HY02": 75_000}, 5_000)


def test_floating_price_splits_the_budget() -> None:
    result = floating_price_amounts({"HY01": 9000, "HY02": 7500}, 200_000)
    assert result.final == {"HY01": 109_091, "HY02": 90_909}
    assert result.unit_price == "12.1212"  # 2,000.00 ÷ 165.00
    assert result.risk_fund_draw == 0


def test_prepayment_of_the_worked_example() -> None:
    totals = prepayment_totals(200_000, Fraction(4, 5), {"HY01": 0, "HY02": 0})
    assert totals == {"HY01": 80_000, "HY02": 80_000}
    schedule = instalments(2018, totals["HY01"], 4)
    assert [(i.due, i.gross) for i in schedule] == [
        (date(2018, 1, 1), 20_000),
        (date(2018, 4, 1), 20_000),
        (date(2018, 7, 1), 20_000),
        (date(2018, 10, 1), 20_000),
    ]


def test_prepayment_totals_set_outright() -> None:
    assert prepayment_totals(200_000, Fraction(4, 5), {}, {"HY01": 1, "HY02": 2}) == {
        "HY01": 1,
        "HY02": 2,
    }


@pytest.mark.parametrize("count", [1, 2, 3, 4, 6, 12])
def test_due_dates_fall_on_the_first_of_evenly_spaced_months(count: int) -> None:
    schedule = instalments(2019, 100_001, count)
    assert [i.due.month for i in schedule] == list(range(1, 13, 12 // count))
    assert all(i.due.day == 1 for i in schedule)
    assert sum(i.gross for i in schedule) == 100_001
    assert schedule[-1].gross == 100_001 - (100_001 // count) * (count - 1)


@pytest.mark.parametrize("count", [0, 5, 7, 24])
def test_other_instalment_counts_are_refused(count: int) -> None:
    with pytest.raises(ValueError, match="instalments must be one of"):
        instalments(2019, 1000, count)


def test_settlement_and_debt_of_the_worked_example() -> None:
    assert settlement_balance(90_000, 80_000) == 10_000  # HY01 top-up 100.00
    debt = -settlement_balance(75_000, 80_000)  # HY02 owes 50.00
    assert debt == 5_000
    # cleared from HY02's first 2019 instalment of 200.00
    assert clear_debt(20_000, debt) == (5_000, 15_000)
    assert clear_debt(3_000, debt) == (3_000, 0)
    assert clear_debt(20_000, 0) == (0, 20_000)


@given(
    st.dictionaries(
        st.sampled_from([f"HY0{i}" for i in range(1, 10)]), st.integers(0, 10**8), min_size=1
    ),
    st.integers(0, 10**10),
    st.integers(0, 10**9),
)
def test_fixed_price_pays_entitlements_up_to_budget_and_fund(
    purchased: dict[str, int], budget: int, fund: int
) -> None:
    result = fixed_price_amounts(purchased, 1000, budget, fund)
    entitled = sum(result.entitlement.values())
    assert sum(result.final.values()) == min(entitled, budget + fund)
    assert result.risk_fund_draw == max(0, min(entitled - budget, fund))
