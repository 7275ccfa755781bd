"""The automatic checks as they were computed before the running totals: from the records.

Every request grouped the year's records (GROUP BY … HAVING) and joined them
to the imports. Slow at a county's scale, plainly right: the tests compare the
report read from the running totals with this one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from haiyan_comp.audit.flags import (
    AFTER_IMPORT,
    REPEAT,
    RULE_TEXT,
    RULES,
    STAFF_DAY,
    _detail,
    import_day,
)
from haiyan_comp.audit.rules import STAFF_DAY_LIMIT
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.money import format_hundredths
from haiyan_comp.records.models import RecordImport, ServiceRecord

r = ServiceRecord
Query = Select[*tuple[Any, ...]]


class Checks:
    """The checks of one year (and institution) as two small grouped subqueries.

    Records join them (LEFT JOIN) in one pass: a record's flags are then plain
    conditions on the joined columns, for counting, listing or drawing.
    """

    def __init__(self, session: Session, year: int, institution_id: int | None) -> None:
        mine = [] if institution_id is None else [r.institution_id == institution_id]
        self.scope: list[ColumnElement[bool]] = [r.year == year, *mine]
        # The date range (not the year column) lets the (institution, item,
        # resident, date, …) index answer this grouping on its own.
        self.repeats = (
            select(r.institution_id, r.item_id, r.resident_id, r.service_date)
            .add_columns(func.count().label("n"))
            .where(r.service_date.between(date(year, 1, 1), date(year, 12, 31)), *mine)
            .where(r.resident_id.is_not(None))
            .group_by(r.institution_id, r.item_id, r.resident_id, r.service_date)
            .having(func.count() > 1)
            .subquery("repeats")
        )
        self.days = (
            select(r.staff_id, r.service_date, func.sum(r.units).label("units"))
            .where(*self.scope)
            .group_by(r.staff_id, r.service_date)
            .having(func.sum(r.units) > STAFF_DAY_LIMIT)
            .subquery("days")
        )
        day = import_day(session.get_bind().dialect.name)
        self.flags: dict[str, ColumnElement[bool]] = {
            REPEAT: self.repeats.c.n.is_not(None),
            STAFF_DAY: self.days.c.units.is_not(None),
            AFTER_IMPORT: r.service_date > day,
        }
        self.measures: dict[str, Any] = {
            REPEAT: self.repeats.c.n,
            STAFF_DAY: self.days.c.units,
            AFTER_IMPORT: r.import_id,
        }
        self.any = or_(*self.flags.values())

    def join(self, query: Query) -> Query:
        """`query` over service_records, joined to what the checks need."""
        g, d = self.repeats, self.days
        return (
            query.outerjoin(
                g,
                and_(
                    r.institution_id == g.c.institution_id,
                    r.item_id == g.c.item_id,
                    r.resident_id == g.c.resident_id,
                    r.service_date == g.c.service_date,
                ),
            )
            .outerjoin(d, and_(r.staff_id == d.c.staff_id, r.service_date == d.c.service_date))
            .join(RecordImport, RecordImport.id == r.import_id)
            .where(*self.scope)
        )


def reference_report(
    session: Session, year: int, institution_code: str | None = None, limit: int = 1000
) -> dict[str, Any]:
    """The report as the checks computed it from the records themselves, before the totals."""
    institution_id = None
    if institution_code is not None:
        institution_id = get_institution(session, institution_code).id
    checks = Checks(session, year, institution_id)
    institutions, staff = _counts(session, checks)
    totals = {rule: sum(entry[rule] for entry in institutions) for rule in (*RULES, "records")}
    listed = _listing(session, checks, limit)
    return {
        "year": year,
        "institution": institution_code,
        "staff_day_limit": format_hundredths(STAFF_DAY_LIMIT),
        "rules": RULE_TEXT,
        "totals": totals,
        "institutions": institutions,
        "staff": staff,
        "flags": listed,
        "listed": len(listed),
        "limit": limit,
    }


def _counts(session: Session, checks: Checks) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Flags per rule and flagged records, per institution and per staff member, in one pass."""
    rows = session.execute(
        checks.join(
            select(
                r.institution_id,
                r.staff_id,
                *(func.sum(case((flag, 1), else_=0)) for flag in checks.flags.values()),
                func.count(),
            ).select_from(r)
        )
        .where(checks.any)
        .group_by(r.institution_id, r.staff_id)
    ).all()
    institutions = {
        i: code for i, code in session.execute(select(Institution.id, Institution.code))
    }
    staff_codes = {i: code for i, code in session.execute(select(Staff.id, Staff.code))}
    keys = (*RULES, "records")
    per_institution: dict[str, dict[str, Any]] = {}
    per_staff = []
    for institution_id, staff_id, *numbers in rows:
        code = institutions[institution_id]
        counts = dict(zip(keys, (int(n) for n in numbers), strict=True))
        per_staff.append({"code": staff_codes[staff_id], "institution": code, **counts})
        entry = per_institution.setdefault(code, {"code": code, **dict.fromkeys(keys, 0)})
        for key in keys:
            entry[key] += counts[key]
    per_staff.sort(key=lambda entry: (entry["institution"], entry["code"]))
    return sorted(per_institution.values(), key=lambda entry: entry["code"]), per_staff


def _listing(session: Session, checks: Checks, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` flags, rule by rule, each with what it found."""
    listed: list[dict[str, Any]] = []
    # Source ids in code-point order on both databases, whatever PostgreSQL's collation.
    postgres = session.get_bind().dialect.name == "postgresql"
    source_order = r.source_id.collate("C") if postgres else r.source_id
    for rule in RULES:
        if len(listed) >= limit:
            break
        rows = session.execute(
            checks.join(
                select(r, Institution.code, Staff.code, ServiceItem.code, checks.measures[rule])
                .add_columns(RecordImport.started_at)
                .select_from(r)
                .join(Institution, Institution.id == r.institution_id)
                .join(Staff, Staff.id == r.staff_id)
                .join(ServiceItem, ServiceItem.id == r.item_id)
            )
            .where(checks.flags[rule])
            .order_by(Institution.code, r.service_date, source_order)
            .limit(limit - len(listed))
        )
        for record, institution, member, item, measure, started_at in rows:
            listed.append(
                {"rule": rule, "institution": institution, "source_id": record.source_id,
                 "staff": member, "item": item, "service_date": record.service_date.isoformat(),
                 "resident_id": record.resident_id, "units": format_hundredths(record.units),
                 "detail": _detail(rule, record, member, item, int(measure), started_at)}
            )  # fmt: skip
    return listed
