"""Amounts in Chinese financial capitals [大写金额], as statements print them."""

from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")


def capital_amount(fen: int) -> str:
    """Fen as financial capitals: 1005 → 壹拾元零伍分, 10000 → 壹佰元整, −5000 → 负伍拾元整."""
    if fen < 0:
        return "负" + capital_amount(-fen)
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    if yuan >= 10**16:
        raise ValueError("amount too large for capital words")
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


def _integer_words(number: int) -> str:
    groups = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    words = ""
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(words)
            continue
        if words and (need_zero or group < 1000):
            words += "零"
        words += _group_words(group) + GROUP_UNITS[index]
        need_zero = False
    return words


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
