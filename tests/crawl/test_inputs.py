"""Ratios are typed and shown as percentages, amounts with thousands separators (issue 15 §3)."""

from __future__ import annotations

import pytest

from haiyan_comp import bounds
from haiyan_comp.money import parse_decimal
from haiyan_comp.web.finance.common import percent_value
from haiyan_comp.web.inputs import percent_fraction, plain_amount


@pytest.mark.parametrize(
    ("typed", "ten_thousandths"),
    [("80%", 8000), ("80", 8000), ("80 %", 8000), ("８0％", None), ("12.5%", 1250),
     ("7.25%", 725), ("100%", 10000), ("0.80", 8000), ("1", 10000), ("10", 1000),
     ("0.5%", 50)],
)  # fmt: skip
def test_a_ratio_is_read_as_a_percentage(typed: str, ten_thousandths: int | None) -> None:
    text = percent_fraction(typed)
    if ten_thousandths is None:
        with pytest.raises(ValueError):
            parse_decimal(text, bounds.RATIO, what="ratio")
        return
    assert parse_decimal(text, bounds.RATIO, what="ratio") == ten_thousandths


@pytest.mark.parametrize("typed", ["12.345%", "80%%", "abc", "9" * 5000, "1e3%", "-"])
def test_a_bad_ratio_is_left_for_the_parser_to_refuse(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(percent_fraction(typed), bounds.RATIO, what="ratio")


@pytest.mark.parametrize(
    ("value", "shown"), [(8000, "80%"), (1250, "12.5%"), (10000, "100%"), (None, "")]
)
def test_a_stored_ratio_is_shown_as_the_percentage_the_form_takes_back(
    value: int | None, shown: str
) -> None:
    assert percent_value(value) == shown
    if value is not None:
        assert parse_decimal(percent_fraction(shown), bounds.RATIO, what="r") == value


@pytest.mark.parametrize(
    ("typed", "plain"),
    [("1,400,000.00", "1400000.00"), ("1，400，000", "1400000"), ("12,345.6", "12345.6"),
     ("1400000", "1400000"), ("1,4000", "1,4000"), ("12,34,567", "12,34,567"), ("", "")],
)  # fmt: skip
def test_amounts_are_taken_with_thousands_separators(typed: str, plain: str) -> None:
    assert plain_amount(typed) == plain
