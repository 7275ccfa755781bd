"""Why a row or a file was not imported, or a year's step refused, in Chinese for the pages.

The services write their reasons in English: they are part of the command
line's and the API's output (CONTRACT.md), which scripts read. The pages
show the same reasons in Chinese. The importer's reasons are messages by
code (records/messages.py), shown from the catalogue; here are refusals
not yet messages that the finance pages meet most (a year not configured, settled, or
with open audits; a frozen schedule; a score out of range). Each English form is matched by one
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
    # The finance pages.
    (
        r"year (?P<year>\d+) is not configured: run .* \(R10\)",
        "{year} 年度尚未配置：请先在“年度配置”中填写预算、单价、预付比例和期数（R10）",
    ),
    (
        r"year (?P<year>\d+) has paid instalments, so (?P<fields>.+) can no longer change .*",
        "{year} 年度已有已付分期，{fields}不能再改（它们决定预付计划）；"
        "单价、增长上限和风险金仍可修改",
    ),
    (
        r"year (?P<year>\d+) has paid instalments; its prepayment totals are fixed \(R11\)",
        "{year} 年度已有已付分期，预付总额已固定（R11）",
    ),
    (
        r"year (?P<year>\d+) is settled \((?P<on>[\d-]+)\): (?P<step>.+) \(R15\)",
        "{year} 年度已于 {on} 结算：{step}（R15）",
    ),
    (
        r"year (?P<year>\d+) is already settled \((?P<on>[\d-]+)\) \(R13\)",
        "{year} 年度已于 {on} 结算，不能再次结算（R13）",
    ),
    (
        r"year (?P<year>\d+) can be settled on or after (?P<from>[\d-]+), not as of (?P<on>[\d-]+) "
        r"\(R13\)",
        "{year} 年度须在 {from} 或之后结算，不能以 {on} 结算（R13）",
    ),
    (
        r"year (?P<year>\d+) has no service records; there is nothing to settle",
        "{year} 年度没有服务记录，无可结算",
    ),
    (
        r"year (?P<year>\d+) has open audit batches \((?P<ids>.+)\); close them first \(R13\)",
        "{year} 年度还有未关闭的审计批次（{ids}），请先关闭（R13）",
    ),
    (
        r"year (?P<year>\d+) is not settled yet; assessments and bonuses follow settlement \(R16\)",
        "{year} 年度尚未结算；考核与奖励在结算之后进行（R16）",
    ),
    (
        r"score: must be 0\.00–1000\.00, got (?P<v>.+) \(R16\)",
        "考核分：应在 0.00 至 1000.00 之间，实际为 {v}（R16）",
    ),
    (
        r"year (?P<year>\d+) has no settlement for (?P<inst>\S+); settle it first \(R13\)",
        "{inst} 的 {year} 年度尚未结算，结算后才有结算单（R13）",
    ),
    # The centre's bonus page and slips.
    (
        r"the bonus pool must be between 0\.00 and the cap (?P<cap>[\d.]+) \(R17\)",
        "奖励总额须在 0.00 至上限 {cap} 元之间（R17）",
    ),
    (
        r"(?P<inst>\S+) (?P<year>\d+): no staff member has verified units this year: "
        r"the pool cannot be split \(R19\)",
        "{inst} {year} 年度：没有职工有核定当量，奖励无法分配（R19）",
    ),
    (
        r"(?P<inst>\S+) (?P<year>\d+): performance pay must not be negative \(R19\)",
        "{inst} {year} 年度：绩效工资总额不能为负（R19）",
    ),
    (
        r"(?P<inst>\S+) has no assessment for (?P<year>\d+); finance enters it first",
        "{inst} 尚无 {year} 年度考核结果；须由财务先录入",
    ),
    (
        r"(?P<inst>\S+) has not entered its (?P<year>\d+) pay sheet; there is no slip",
        "{inst} 尚未填报 {year} 年度发放单，因此没有发放明细",
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
_SETTLED_STEPS = {
    "its baselines can no longer change": "基数不能再改",
    "its catalogue can no longer be changed": "服务项目目录不能再改",
    "its configuration can no longer change": "年度配置不能再改",
    "its prepayment plan can no longer change": "预付计划不能再改",
    "adjustments are booked in an open year": "调整须记在未结算的年度",
}
_CONFIG_FIELDS = {
    "budget": "预算",
    "prepay_ratio": "预付比例",
    "instalments": "期数",
    "unit price": "单价",
    "unit_price": "单价",
}


def in_chinese(reason: str) -> str:
    """The reason in Chinese, or as it is when no form matches."""
    for pattern, chinese in _PATTERNS:
        match = pattern.match(reason)
        if match:
            values = match.groupdict()
            if "stratum" in values:
                values["stratum"] = _stratum_in_chinese(values["stratum"])
            if "step" in values:
                values["step"] = _SETTLED_STEPS.get(values["step"], values["step"])
            if "fields" in values:
                names = values["fields"].split(", ")
                values["fields"] = "、".join(_CONFIG_FIELDS.get(n, n) for n in names)
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
