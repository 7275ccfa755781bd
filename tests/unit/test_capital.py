"""Financial capital amounts [大写金额] (issue 6, item 5)."""

from __future__ import annotations

import pytest

from haiyan_comp.statements.capital import capital_amount


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "零元整"),
        (1005, "壹拾元零伍分"),
        (74091, "柒佰肆拾元玖角壹分"),
        (10000, "壹佰元整"),
        (5000, "伍拾元整"),
        (100_001_000, "壹佰万零壹拾元整"),
        (10_000_000_000, "壹亿元整"),
        (-5000, "负伍拾元整"),
        (15_000_000, "壹拾伍万元整"),
        (8_684_211, "捌万陆仟捌佰肆拾贰元壹角壹分"),
        (101_000, "壹仟零壹拾元整"),
        (10_001_000_000, "壹亿零壹万元整"),
        (100_500, "壹仟零伍元整"),
        (91, "玖角壹分"),
        (5, "伍分"),
        (74090, "柒佰肆拾元玖角"),
        (1_000_000_100, "壹仟万零壹元整"),
    ],
)
def test_capital_amounts(fen: int, words: str) -> None:
    assert capital_amount(fen) == words
