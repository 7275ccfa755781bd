"""Capital words [大写金额] against an independent reading, up to and beyond 1万亿 (issue 17).

The oracle below writes every digit with its unit and level mark and then applies
the reading rules as rewrites of that text (a level of zeros → one 零, zeros ending
a level dropped, runs of 零 merged), which is a different road from the level-by-level
reading in haiyan_comp/statements/capital.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from haiyan_comp.statements.capital import capital_amount, capital_rmb

DIGIT = "零壹贰叁肆伍陆柒捌玖"
SMALL = ("", "拾", "佰", "仟")
MARK = {4: "万", 8: "亿", 12: "万"}  # the 万 of the 亿 level: 万亿


def oracle_integer(yuan: int) -> str:
    """Yuan below 10^16 as capitals, by rewriting the fully spelled-out text."""
    assert 0 < yuan < 10**16
    text = ""
    for power, char in zip(range(len(str(yuan)) - 1, -1, -1), str(yuan), strict=True):
        digit = int(char)
        text += DIGIT[digit] + SMALL[power % 4] if digit else "零"
        text += MARK.get(power, "")
    text += "元"
    text = text.replace("亿零零零零万", "亿零")  # the 万 level all zeros: one 零, no 万
    text = text.replace("万零零零零亿", "万亿零")  # the 亿 level all zeros under 万亿
    text = text.replace("万零零零零元", "万元")  # the 个 level all zeros
    text = re.sub("零+(万|亿|元)", r"\1", text)  # zeros ending a level are not read
    return re.sub("零+", "零", text)


def oracle(fen: int) -> str:
    if fen < 0:
        return "负" + oracle(-fen)
    yuan, jiao, fen_digit = fen // 100, fen // 10 % 10, fen % 10
    head = oracle_integer(yuan) if yuan else ""
    if jiao == 0 and fen_digit == 0:
        return (head or "零元") + "整"
    tail = (DIGIT[jiao] + "角") if jiao else ("零" if yuan else "")
    return head + tail + (DIGIT[fen_digit] + "分" if fen_digit else "")


@pytest.mark.parametrize(
    ("yuan", "words"),
    [
        (1_234_500_000_000, "壹万贰仟叁佰肆拾伍亿元整"),  # the malformed case
        (1_000_000_000_000, "壹万亿元整"),
        (1_000_000_000_001, "壹万亿零壹元整"),
        (1_000_010_000_000, "壹万亿零壹仟万元整"),
        (1_200_000_000_000, "壹万贰仟亿元整"),
        (100_000_000_000_000, "壹佰万亿元整"),
        (
            9_999_999_999_999_999,
            "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元整",
        ),
        (100_001_000, "壹亿零壹仟元整"),
        (110_000_000, "壹亿壹仟万元整"),
        (107_000, "壹拾万柒仟元整"),
        (1_409, "壹仟肆佰零玖元整"),
        (6_007, "陆仟零柒元整"),
        (16_409, "壹万陆仟肆佰零玖元整"),
    ],
)
def test_large_amounts_read_by_levels(yuan: int, words: str) -> None:
    assert capital_amount(yuan * 100) == words == oracle(yuan * 100)


def test_the_peoples_bank_examples() -> None:
    """The examples of the rules for filling in vouchers, in the variant these documents use."""
    assert capital_amount(140950) == "壹仟肆佰零玖元伍角"
    assert capital_amount(600714) == "陆仟零柒元壹角肆分"
    assert capital_amount(168032) == "壹仟陆佰捌拾元叁角贰分"
    assert capital_amount(10700053) == "壹拾万柒仟元伍角叁分"
    assert capital_amount(1640902) == "壹万陆仟肆佰零玖元零贰分"
    assert capital_amount(32504) == "叁佰贰拾伍元零肆分"


def test_documents_print_the_currency_prefix() -> None:
    assert capital_rmb(10000) == "人民币壹佰元整"
    assert capital_rmb(-5000) == "人民币负伍拾元整"


@settings(max_examples=3000)
@given(st.integers(min_value=-(10**16), max_value=10**16))
@example(123_450_000_000_000)
@example(10**16)
@example(10**14 + 10**9)
@example(1)
@example(0)
def test_capitals_agree_with_the_independent_reading(fen: int) -> None:
    assert capital_amount(fen) == oracle(fen)


@given(st.integers(min_value=1, max_value=10**16))
def test_capitals_are_well_formed(fen: int) -> None:
    words = capital_amount(fen)
    assert "零零" not in words and "亿万" not in words and not words.startswith("零零")
    assert not re.search("零(万|亿|元|整)", words)
    assert "万亿" not in words or words.count("亿") == 1  # 万亿 is one level, never two 亿 marks
    assert words.endswith(("整", "角", "分"))
