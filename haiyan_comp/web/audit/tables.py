"""The audit's tables: the batches of a year, the automatic flags, the findings."""

from __future__ import annotations

from collections.abc import Callable
from html import escape as cell_text
from typing import Any

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from haiyan_comp import bounds
from haiyan_comp.audit.flags import AFTER_IMPORT, REPEAT, RULES, STAFF_DAY
from haiyan_comp.messages import text
from haiyan_comp.operations import audit as operations
from haiyan_comp.web.access import allow
from haiyan_comp.web.audit.common import Page, bp, year_shown
from haiyan_comp.web.inputs import whole_arg
from haiyan_comp.web.layout import decimal_text, reason

RECENT_CLOSED = 12
FLAG_LIMITS = (100, 500, 1000, 5000)


@bp.get("/")
@allow("auditor", "finance")
def home() -> Page:
    """Open batches with their progress, recently closed ones, and the way to each page."""
    choices = operations.choices()
    year = year_shown(choices)
    batches = operations.batches(year)
    open_batches = [b for b in batches if not b.closed]
    closed = sorted((b for b in batches if b.closed), key=lambda b: (b.closed_at, b.id))
    closed.reverse()
    stats = {
        "open": len(open_batches),
        "closed": len(closed),
        "pending": sum(b.pending for b in open_batches),
        "deducted": sum(b.deduction or 0 for b in closed),
    }
    show_all = request.args.get("all") == "1"
    return render_template(
        "audit/home.html",
        year=year,
        years=list(choices.years),
        open_batches=open_batches,
        closed=closed if show_all else closed[:RECENT_CLOSED],
        closed_hidden=0 if show_all else max(0, len(closed) - RECENT_CLOSED),
        stats=stats,
        names=dict(choices.institutions),
    )


RULE_LABELS = {
    REPEAT: _l("同一居民同日重复"),
    STAFF_DAY: _l("单人单日超 32 当量"),
    AFTER_IMPORT: _l("服务日期晚于导入日"),
}
RULE_HELP = {
    REPEAT: _l("同一机构同一居民同日接受同一项目服务不止一次"),
    STAFF_DAY: _l("同一职工一天记录的当量超过上限（8 小时的 15 分钟当量）"),
    AFTER_IMPORT: _l("服务日期晚于带入该记录的导入日期（县时间）"),
}


def flag_detail(text: str) -> str:
    """A flag's explanation (a Message from audit/flags.py) in the pages' language."""
    return reason(text)


@bp.get("/flags")
@allow("auditor", "finance")
def flags() -> Page:
    """The automatic checks per institution and staff member, and the flagged records."""
    choices = operations.choices()
    year = year_shown(choices)
    institution = request.args.get("institution") or None
    rule = request.args.get("rule") if request.args.get("rule") in RULES else None
    limit = whole_arg("limit", bounds.ID) or 1000
    limit = limit if limit in FLAG_LIMITS else 1000
    report = operations.flags(year, institution, limit)
    listed = [f for f in report["flags"] if rule is None or f["rule"] == rule]
    labels = {key: str(label) for key, label in RULE_LABELS.items()}  # once, not per row
    return render_template(
        "audit/flags.html",
        year=year,
        years=list(choices.years),
        institution=institution,
        rule=rule,
        limit=limit,
        limits=FLAG_LIMITS,
        report=report,
        listed=listed,
        flag_rows=flag_rows(listed, labels),
        labels=labels,
        rule_help=RULE_HELP,
        institutions=list(choices.institutions),
        total_flags=sum(report["totals"][r] for r in RULES),
    )


def flag_rows(listed: list[dict[str, Any]], labels: dict[str, str]) -> Markup:
    """The listed flags' table rows as one piece of HTML, every cell escaped.

    Up to 5,000 rows: through the template's per-cell machinery they took most of
    the page's time; here each row is one format of escaped cells, each rule's label
    escaped once. Cells are escaped by the standard library's `html.escape` (quotes
    included), which makes plain strings: markupsafe's made a Markup object of each
    of 40,000 cells. What repeats from row to row is escaped once: a code, a day, a
    figure, and an explanation, which rows of one day or group share (translated
    here in the page's language, as `reason` would, without asking Flask for the
    language 5,000 times). At 5,000,000 records this took the rows of the 5,000-flag
    page from 94–104 ms to 45–51 ms, alternated in one process (the same HTML).
    """
    badges = {rule: escape(label) for rule, label in labels.items()}
    locale = str(get_locale() or "zh")
    shown = _Escaped()  # codes and days
    amounts = _Escaped(decimal_text)  # figures, grouped as the page's others
    said: dict[int, str] = {}  # by the explanation's identity: `listed` holds each
    rows = []
    for f in listed:
        detail = f["detail"]
        explained = said.get(id(detail))
        if explained is None:
            explained = said[id(detail)] = cell_text(text(detail, locale))
        rows.append(
            ROW.format(
                badges[f["rule"]], shown[f["institution"]], cell_text(f["source_id"]),
                shown[f["service_date"]], shown[f["staff"]], shown[f["item"]],
                cell_text(f["resident_id"] or "—"), amounts[f["units"]], explained,
            )
        )  # fmt: skip
    return Markup("".join(rows))


class _Escaped(dict[str, str]):
    """Text escaped for a cell, each value once (written as `written` writes it)."""

    def __init__(self, written: Callable[[str], str] = str) -> None:
        super().__init__()
        self._written = written

    def __missing__(self, value: str) -> str:
        escaped = self[value] = cell_text(self._written(value))
        return escaped


ROW = (
    '<tr><td><span class="badge warn">{}</span></td><td>{}</td><td class="code">{}</td>'
    '<td>{}</td><td class="code">{}</td><td class="code">{}</td><td>{}</td>'
    '<td class="num">{}</td><td>{}</td></tr>\n'
)


@bp.get("/findings", endpoint="findings")
@allow("auditor", "finance")
def findings_page() -> Page:
    """Failed records and deducted units per staff member and institution, for a year."""
    choices = operations.choices()
    year = year_shown(choices)
    institution = request.args.get("institution") or None
    return render_template(
        "audit/findings.html",
        year=year,
        years=list(choices.years),
        institution=institution,
        institutions=list(choices.institutions),
        report=operations.failures(year, institution),
    )
