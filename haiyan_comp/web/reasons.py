"""Why a row or a file was not imported, or a year's step refused, in Chinese for the pages.

The services write their reasons in English: they are part of the command
line's and the API's output (CONTRACT.md), which scripts read. The pages
show the same reasons in Chinese. The importer's reasons are messages by
code (records/messages.py), shown from the catalogue, and so are the finance
domains' refusals (budget, settlement, ledger, years); here are refusals
not yet messages. Each English form is matched by one
pattern below and rewritten with its values kept; a reason no pattern knows
is shown as it is.
"""

from __future__ import annotations

import re

# (English form, Chinese form); {name} in the Chinese takes the named group.
_FORMS: list[tuple[str, str]] = [
    # accounts/passwords.py: a password that will not do.
    (r"password: at least (?P<n>\d+) characters", "密码：至少 {n} 个字符"),
    (r"password: at most (?P<n>\d+) characters", "密码：最多 {n} 个字符"),
    (
        r"password: too easy to guess \(strength (?P<s>\d) of 4, at least (?P<min>\d) needed\).*",
        "密码：太容易被猜中（强度 {s}/4，至少需要 {min}）；请用几个不相关的词组成更长的密码，"
        "不要用姓名、日期或常见密码",
    ),
    # The auditor's pages: why a draw froze no records (audit/population.py, not yet by code).
    (
        r"no records with purchasable units in (?P<stratum>.+): nothing to audit \(R5\)",
        "{stratum} 没有可购买当量的记录，无可审计（R5）",
    ),
    (
        r"no records left in (?P<stratum>.+): they are frozen in the population of audit batch "
        r"(?P<ids>.+) \(a record belongs to one population\)",
        "{stratum} 已无可抽的记录：它们已冻结在审计批次 {ids} 的总体中（一条记录只属于一个总体）",
    ),
    (r"unknown institution (?P<v>.+)", "未知机构 {v}"),
]
_PATTERNS = [(re.compile(english + r"\Z", re.DOTALL), chinese) for english, chinese in _FORMS]
_STRATUM = re.compile(
    r"^(flagged records of )?(\S+) (\S+)(?: (\d+))?(?: from ([\d-]+) to ([\d-]+))?$"
)


def in_chinese(reason: str) -> str:
    """The reason in Chinese, or as it is when no form matches."""
    for pattern, chinese in _PATTERNS:
        match = pattern.match(reason)
        if match:
            values = match.groupdict()
            if "stratum" in values:
                values["stratum"] = _stratum_in_chinese(values["stratum"])
            return chinese.format(**values)
    return reason


def _stratum_in_chinese(stratum: str) -> str:
    """An audit stratum as the services name it ('flagged records of HY01 OP from … to …')."""
    match = _STRATUM.match(stratum)
    if match is None:
        return stratum
    flagged, institution, item, year, start, end = match.groups()
    text = f"{institution} {item}" + (f" {year}" if year else "")
    if start:
        text += f" {start} 至 {end}"
    return f"{text} 的标记记录" if flagged else text
