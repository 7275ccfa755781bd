"""R0: exact amounts, rounding half up, largest-remainder splits."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiyan_comp.money import (
    AmountError,
    format_hundredths,
    largest_remainder,
    parse_hundredths,
    round_half_up,
)


@pytest.mark.parametrize(
    ("text", "hundredths"),
    [("0", 0), ("1", 100), ("1.5", 150), ("10.00", 1000), ("0.01", 1), ("2,000.00", 200000)],
)
def test_parses_exact_decimals(text: str, hundredths: int) -> None:
    assert parse_hundredths(text) == hundredths


@pytest.mark.parametrize("text", ["1.005", "1e3", "abc", "", "1.2.3", "-1", " ", "NaN", "inf"])
def test_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(AmountError):
        parse_hundredths(text)


def test_refuses_floats_and_bools() -> None:
    with pytest.raises(AmountError, match="float"):
        parse_hundredths(1.5)
    with pytest.raises(AmountError):
        parse_hundredths(True)


def test_negative_only_when_allowed() -> None:
    assert parse_hundredths("-50.00", allow_negative=True) == -5000
    assert parse_hundredths(Decimal("-0.5"), allow_negative=True) == -50


@pytest.mark.parametrize(
    ("hundredths", "text"),
    [(0, "0.00"), (1, "0.01"), (1234, "12.34"), (-5000, "-50.00"), (-7, "-0.07")],
)
def test_formats_two_places(hundredths: int, text: str) -> None:
    assert format_hundredths(hundredths) == text


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Fraction(5, 2), 3),
        (Fraction(3, 2), 2),
        (Fraction(-5, 2), -3),
        (Fraction(249, 100), 2),
        (7, 7),
    ],
)
def test_rounds_half_up(value: Fraction, rounded: int) -> None:
    assert round_half_up(value) == rounded


def test_budget_variant_split_of_rules_md() -> None:
    # B + draw = 1,630.00 split 900 : 750 → HY01 889.09, HY02 740.91
    parts = largest_remainder(163000, {"HY01": 90000, "HY02": 75000})
    assert parts == {"HY01": 88909, "HY02": 74091}


def test_ties_go_to_the_smaller_code() -> None:
    assert largest_remainder(100, {"B": 1, "A": 1, "C": 1}) == {"A": 34, "B": 33, "C": 33}


def test_zero_weights_split_equally() -> None:
    assert largest_remainder(160000, {"HY01": 0, "HY02": 0}) == {"HY01": 80000, "HY02": 80000}


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12),
)
def test_parts_always_add_up(total: int, weights: list[int]) -> None:
    parts = largest_remainder(total, {f"K{i:02d}": w for i, w in enumerate(weights)})
    assert sum(parts.values()) == total
    weight_sum = sum(weights) or len(weights)
    for i, w in enumerate(weights):
        exact = Fraction(total * (w if sum(weights) else 1), weight_sum)
        assert abs(parts[f"K{i:02d}"] - exact) < 1
