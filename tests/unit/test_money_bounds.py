"""Every amount, ratio, score, year and id is refused beyond its bound, before conversion."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiyan_comp import bounds
from haiyan_comp.bounds import DecimalBound
from haiyan_comp.money import AmountError, parse_decimal, parse_hundredths, parse_ratio

HOSTILE = [
    "1" * 30,  # OverflowError in a 64-bit column before
    "9" * 5000,  # ValueError from Python's int() digit limit before
    "1e400",
    "１２３",  # full-width digits: \d matched them
    "١٢٣",  # Arabic-Indic digits
    "12.5\x00",
    "NaN",
    "",
    "-",
    ".5",
    "12.",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_an_amount_error(text: str) -> None:
    with pytest.raises(AmountError):
        parse_hundredths(text)
    with pytest.raises(AmountError):
        parse_ratio(text)


def test_the_largest_amount_is_thirteen_digits_and_two_places() -> None:
    assert parse_hundredths("9" * 13 + ".99") == 10**15 - 1
    with pytest.raises(AmountError, match="at most 13 digits before the point and 2 after"):
        parse_hundredths("1" + "0" * 13)
    assert parse_hundredths("-" + "9" * 13, allow_negative=True) == -(10**15 - 100)


def test_a_long_refusal_quotes_only_the_start() -> None:
    with pytest.raises(AmountError) as caught:
        parse_hundredths("9" * 5000, what="budget")
    message = str(caught.value)
    assert message.startswith("budget is too large") and len(message) < 200
    assert "(5000 characters)" in message


@pytest.mark.parametrize(
    ("text", "hundredths"), [(" 12.5 ", 1250), ("0", 0), ("2,000.00", 200_000)]
)
def test_friendly_text_still_reads(text: str, hundredths: int) -> None:
    assert parse_hundredths(text) == hundredths


def test_minus_zero_is_a_sign_where_no_sign_is_allowed() -> None:
    with pytest.raises(AmountError, match="must not be negative"):
        parse_hundredths("-0")
    assert parse_hundredths("-0", allow_negative=True) == 0


def test_numbers_beyond_the_bound_are_refused_without_being_written_out() -> None:
    with pytest.raises(AmountError, match="too large"):
        parse_hundredths(10**5000)  # str() of it would raise ValueError
    with pytest.raises(AmountError, match="too large"):
        parse_hundredths(Decimal("1e100000000"))  # format() of it would take 100 MB
    with pytest.raises(AmountError):
        parse_hundredths(Decimal("NaN"))
    assert parse_hundredths(10**12) == 10**14


@pytest.mark.parametrize(
    ("bound", "largest", "refused"),
    [
        (bounds.SCORE, "1000.00", "1000.01"),
        (bounds.PRICE, "999999.99", "1000000"),
        (bounds.ITEM_VALUE, "99999.99", "100000"),
        (bounds.RATIO, "999.9999", "1000"),
    ],
)
def test_each_named_bound_takes_its_largest_and_refuses_beyond(
    bound: DecimalBound, largest: str, refused: str
) -> None:
    assert parse_decimal(largest, bound, what="x") == bound.largest
    with pytest.raises(AmountError, match="too large") as caught:
        parse_decimal(refused, bound, what="x")
    assert caught.value.bound is bound


def test_every_bound_fits_a_64_bit_column_with_room_for_sums() -> None:
    for bound in (bounds.AMOUNT, bounds.UNITS, bounds.PRICE, bounds.SCORE, bounds.ITEM_VALUE):
        assert bound.largest * 1000 < 2**63
    assert bounds.ITEM_VALUE.largest < 2**31  # catalogue values are a 32-bit column


def test_patterns_say_what_the_parser_takes() -> None:
    assert bounds.AMOUNT.pattern() == r"^\d{1,13}(\.\d{1,2})?$"
    assert bounds.RATIO.pattern() == r"^\d{1,3}(\.\d{1,4})?$"
    assert bounds.AMOUNT.matches("12.50") and not bounds.AMOUNT.matches(" 12.50")
    assert not bounds.AMOUNT.matches("１２")


@settings(deadline=None, max_examples=300)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789.-, ", max_size=40),
        st.from_regex(r"\A-?[0-9]{0,20}(\.[0-9]{0,4})?\Z"),
        st.integers(),
        st.decimals(allow_nan=True, allow_infinity=True),
    ),
    st.booleans(),
)
def test_parse_hundredths_returns_a_bounded_int_or_refuses(value: object, signed: bool) -> None:
    try:
        parsed = parse_hundredths(value, allow_negative=signed)
    except AmountError:
        return
    assert isinstance(parsed, int)
    assert abs(parsed) <= bounds.AMOUNT.largest
    assert signed or parsed >= 0


@settings(deadline=None, max_examples=200)
@given(st.one_of(st.text(), st.from_regex(r"\A[0-9]{0,25}\Z")))
def test_whole_bounds_return_a_number_within_or_none(text: str) -> None:
    for bound in (bounds.ID, bounds.BIG_ID, bounds.YEAR):
        number = bound.parse(text)
        assert number is None or bound.lowest <= number <= bound.highest


@pytest.mark.parametrize(
    ("bound", "text", "number"),
    [
        (bounds.ID, "2147483647", 2**31 - 1),
        (bounds.ID, "2147483648", None),
        (bounds.ID, "0", None),
        (bounds.ID, "9" * 5000, None),
        (bounds.BIG_ID, "9223372036854775807", 2**63 - 1),
        (bounds.BIG_ID, "9223372036854775808", None),
        (bounds.YEAR, "2018", 2018),
        (bounds.YEAR, "9999", None),
        (bounds.YEAR, "１２３", None),
        (bounds.YEAR, "-2018", None),
    ],
)
def test_whole_bounds(bound: bounds.WholeBound, text: str, number: int | None) -> None:
    assert bound.parse(text) == number
