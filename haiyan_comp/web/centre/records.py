"""The centre's records page: its institution's records, newest first, searched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from haiyan_comp import bounds
from haiyan_comp.operations import records as operations
from haiyan_comp.records.queries import RecordSearch
from haiyan_comp.web.access import allow
from haiyan_comp.web.centre.common import bp, institution
from haiyan_comp.web.inputs import whole_arg

PAGE_SIZE = 50


@dataclass(frozen=True)
class RecordFilter:
    """The search of the records page, as the form and the query string hold it."""

    source_id: str = ""
    resident_id: str = ""
    item: str = ""
    staff: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def args(self) -> dict[str, Any]:
        """The query string that repeats this search."""
        values = {
            "source_id": self.source_id,
            "resident_id": self.resident_id,
            "item": self.item,
            "staff": self.staff,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}

    def search(self, institution_id: int, before: int | None) -> RecordSearch:
        """The records search of this form: a page of the institution's, newest first."""
        return RecordSearch(
            institution_id=institution_id,
            source_id=self.source_id or None,
            item=self.item or None,
            staff=self.staff or None,
            resident_id=self.resident_id or None,
            date_from=self.date_from,
            date_to=self.date_to,
            before=before,
            newest_first=True,
            limit=PAGE_SIZE,
        )


def _date_arg(name: str, label: str, problems: list[str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(_("%(label)s应为 YYYY-MM-DD 格式的日期：%(text)s", label=label, text=text))
        return None


@bp.get("/records")
@allow("centre")
def records() -> str:
    """The institution's records, newest first, 50 a page by keyset (never counted)."""
    own = institution()
    problems: list[str] = []
    form = RecordFilter(
        source_id=request.args.get("source_id", "").strip(),
        resident_id=request.args.get("resident_id", "").strip(),
        item=request.args.get("item", "").strip(),
        staff=request.args.get("staff", "").strip(),
        date_from=_date_arg("from", _("开始日期"), problems),
        date_to=_date_arg("to", _("结束日期"), problems),
    )
    items, staff = operations.search_choices(own.id)
    if form.staff and form.staff not in {s.code for s in staff}:
        problems.append(_("本院没有工号为 %(code)s 的职工。", code=form.staff))
    before = whole_arg("before", bounds.BIG_ID)
    page = operations.search(form.search(own.id, before))
    next_before = page.next_cursor
    return render_template(
        "centre/records.html",
        institution=own,
        records=page.rows,
        item_choices=[(c.code, c.name) for c in items],
        staff_choices=[(c.code, c.name) for c in staff],
        search=form,
        problems=problems,
        first_page=before is None,
        next_url=None
        if next_before is None
        else url_for("centre.records", **form.args(), before=next_before),
        first_url=url_for("centre.records", **form.args()),
    )
