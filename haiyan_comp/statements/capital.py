"""Amounts in Chinese financial capitals [大写金额], as statements print them.

The rules are those of the People's Bank's rules for filling in vouchers
(《支付结算办法》附件, 正确填写票据和结算凭证的基本规定), read level by level:

- the integer part is read in levels of four digits: 个, 万, 亿, 万亿 (and 亿亿
  past that); a level's unit is written once after its digits, and 万亿 is
  the 万 of the 亿 level: 1 234 500 000 000 元 is 壹万贰仟叁佰肆拾伍亿元, never
  壹万亿贰仟叁佰肆拾伍亿元;
- zeros at the end of a level are not read; zeros at the start of a level, a
  run of zeros inside one, or a whole level of zeros are read as one 零
  (壹仟零壹拾元, 壹亿零壹仟元, 壹万亿零壹仟万元, 壹拾万柒仟元);
- 元 ends the integer part and 整 follows it when there are no 角 and 分; 角
  needs no 整; 分 after a zero 角 takes 零 (壹拾元零伍分); "拾" is always
  written with its digit (壹拾伍万元).
"""

from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
PREFIX = "人民币"


def capital_amount(fen: int) -> str:
    """Fen as financial capitals: 1005 → 壹拾元零伍分, 10000 → 壹佰元整, −5000 → 负伍拾元整."""
    if fen < 0:
        return "负" + capital_amount(-fen)
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    words = _integer_words(yuan) + "元" if yuan else ""
    if not cents:
        return (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen_digit:
        words += DIGITS[fen_digit] + "分"
    return words


def capital_rmb(fen: int) -> str:
    """The capitals as a document prints them: 人民币壹佰元整 (negative: 人民币负伍拾元整)."""
    return PREFIX + capital_amount(fen)


def _integer_words(number: int) -> str:
    groups = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    words = ""
    zero = False  # a level of zeros, or the zeros ending one, lie between words and what follows
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = zero or bool(words)
            continue
        if words and (zero or group < 1000):
            words += "零"
        words += _group_words(group) + _level_unit(groups, index)
        zero = False
    return words


def _level_unit(groups: list[int], index: int) -> str:
    """万 for the odd levels, 亿 once per pair of levels, written after the lower level of the
    pair (or after the 万 when the lower level is all zeros): 壹万贰仟亿, 壹万亿."""
    yi = "亿" * (index // 2)
    if index % 2 == 0:
        return yi
    return "万" + (yi if groups[index - 1] == 0 else "")


def _group_words(group: int) -> str:
    words = ""
    zero = False
    for position in (3, 2, 1, 0):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(words)
            continue
        if zero:
            words += "零"
            zero = False
        words += DIGITS[digit] + SMALL_UNITS[position]
    return words
