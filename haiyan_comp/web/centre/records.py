"""The centre's records page: its institution's records, searched, sorted and counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from haiyan_comp import bounds
from haiyan_comp.operations import records as operations
from haiyan_comp.records.queries import RecordSearch
from haiyan_comp.records.queries.search import SORT_BUDGET
from haiyan_comp.web.access import allow
from haiyan_comp.web.centre.common import bp, institution
from haiyan_comp.web.inputs import whole_arg

PAGE_SIZE = 50
# What the page offers to sort by: the search's sort, and whether it reads largest first.
SORTS = {
    "": ("id", True),  # the latest imported first
    "date_desc": ("date", True),
    "date": ("date", False),
    "item": ("item", False),
    "units_desc": ("units", True),
    "units": ("units", False),
}
MAX_TEXT = 64  # a source id or resident id is at most this long


@dataclass(frozen=True)
class RecordFilter:
    """The search of the records page, as the form and the query string hold it."""

    source_id: str = ""
    resident_id: str = ""
    item: str = ""
    staff: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = ""

    def args(self) -> dict[str, Any]:
        """The query string that repeats this search."""
        values = {
            "source_id": self.source_id,
            "resident_id": self.resident_id,
            "item": self.item,
            "staff": self.staff,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "sort": self.sort,
        }
        return {k: v for k, v in values.items() if v}

    def search(self, institution_id: int, before: int | None, page: int) -> RecordSearch:
        """The records search of this form: the ids and residents by their beginning."""
        sort, descending = SORTS.get(self.sort, SORTS[""])
        return RecordSearch(
            institution_id=institution_id,
            source_id=self.source_id or None,
            source_prefix=True,
            item=self.item or None,
            staff=self.staff or None,
            resident_id=self.resident_id or None,
            resident_prefix=True,
            date_from=self.date_from,
            date_to=self.date_to,
            before=before,
            newest_first=True,
            limit=PAGE_SIZE,
            sort=sort,
            descending=descending,
            offset=(page - 1) * PAGE_SIZE,
            count=True,
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


def _text_arg(name: str) -> str:
    return request.args.get(name, "").strip()[:MAX_TEXT]


@bp.get("/records")
@allow("centre")
def records() -> str:
    """The institution's records: newest imported first by keyset, or sorted by date, item
    or units page by page; the ids and residents found by their beginning; counted."""
    own = institution()
    problems: list[str] = []
    sort = request.args.get("sort", "")
    form = RecordFilter(
        source_id=_text_arg("source_id"),
        resident_id=_text_arg("resident_id"),
        item=_text_arg("item"),
        staff=_text_arg("staff"),
        date_from=_date_arg("from", _("开始日期"), problems),
        date_to=_date_arg("to", _("结束日期"), problems),
        sort=sort if sort in SORTS else "",
    )
    items, staff = operations.search_choices(own.id)
    if form.staff and form.staff not in {s.code for s in staff}:
        problems.append(_("本院没有工号为 %(code)s 的职工。", code=form.staff))
    before = whole_arg("before", bounds.BIG_ID)
    page_number = whole_arg("page", bounds.WholeBound(1, SORT_BUDGET // PAGE_SIZE + 1)) or 1
    found = operations.search(form.search(own.id, before, page_number))
    offset_pages = found.by_offset  # sorted, or a common prefix in source-id order
    next_url = None
    if found.more and offset_pages:
        next_url = url_for("centre.records", **form.args(), page=page_number + 1)
    elif found.next_cursor is not None and not offset_pages:
        next_url = url_for("centre.records", **form.args(), before=found.next_cursor)
    return render_template(
        "centre/records.html",
        institution=own,
        records=found.rows,
        found=found,
        item_choices=[(c.code, c.name) for c in items],
        staff_choices=[(c.code, c.name) for c in staff],
        search=form,
        problems=problems,
        first_page=before is None and page_number == 1,
        page_number=page_number if offset_pages else None,
        next_url=next_url,
        first_url=url_for("centre.records", **form.args()),
        sort_refused=form.sort != "" and not found.sorted,
    )
