"""The audit's use cases (R5–R8): draw, judge, close; batches, findings, flags, populations.

The pages, the API and `haiyan audit …` call these and nothing below them, so
a refused draw or verdict leaves nothing behind whichever door it came through.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from haiyan_comp.audit import lookups, reports
from haiyan_comp.audit.findings import Findings, findings
from haiyan_comp.audit.flags import flag_report
from haiyan_comp.audit.messages import UNKNOWN_STAFF_MEMBER
from haiyan_comp.audit.queries import Deductions, audit_years, centre_deductions
from haiyan_comp.audit.reports import Batch, BatchDetail, Closure, Drawn
from haiyan_comp.audit.services import VerdictResult as VerdictResult
from haiyan_comp.audit.services import (
    close_audit,
    draw_batch,
    record_verdict,
    unknown_batch,
)
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.operations import operation, reading
from haiyan_comp.records import day_totals
from haiyan_comp.records.queries import record_years, staff_choices


@operation
def draw(
    *,
    year: int,
    institution: str,
    item: str,
    size: int,
    seed: str,
    date_from: date | None,
    date_to: date | None,
    flagged_only: bool,
    by: str,
) -> Drawn:
    """Freeze a stratum's population and draw its sample by the seed (R5, R6)."""
    result = draw_batch(
        db.session, year=year, institution_code=institution, item_code=item, size=size,
        seed=seed, date_from=date_from, date_to=date_to, flagged_only=flagged_only,
        drawn_by=by,
    )  # fmt: skip
    return Drawn(reports.batch_row(db.session, result.batch.id), tuple(result.sample))


@operation
def judge(
    batch_id: int,
    source_id: str,
    outcome: str,
    *,
    reason: str | None,
    staff: str | None,
    by: str,
) -> VerdictResult:
    """Record or change the verdict on a sampled record of an open batch (R7)."""
    return record_verdict(
        db.session, batch_id, source_id, outcome, reason=reason, staff_code=staff, by=by
    )


@operation
def close(batch_id: int, *, by: str) -> Closure:
    """Close a batch whose sampled records all have a verdict; fix D (R7)."""
    batch, closing = close_audit(db.session, batch_id, by=by)
    return Closure(
        batch.id,
        closing.failed,
        closing.size,
        closing.deduction,
        batch.population_units,
        batch.population_count,
    )


@reading
def batches(year: int, institution: str | None = None) -> list[Batch]:
    """The batches of a year (of one institution), in the order drawn."""
    return reports.list_batches(db.session, year, institution)


@reading
def batch(batch_id: int, *, seen_by: int | None = None) -> BatchDetail:
    """A batch with its sample and trail; `seen_by` (an institution id) sees only its own."""
    if seen_by is not None and lookups.batch_owner(db.session, batch_id) != seen_by:
        raise unknown_batch(batch_id)  # another institution's answers as a missing one
    return reports.batch_of(db.session, batch_id)


@reading
def failures(
    year: int, institution: str | None = None, staff: str | None = None, *, scoped: bool = False
) -> Findings:
    """Failed verdicts per responsible staff member and D per institution (R7, R8).

    `scoped`: the staff member must be of `institution` (another's answers as unknown).
    """
    mine = scoped and staff is not None and institution is not None
    if mine and not lookups.is_staff_of(db.session, str(staff), str(institution)):
        raise NotFound(UNKNOWN_STAFF_MEMBER(staff=repr(staff)))
    return findings(db.session, year, institution, staff)


def flags(year: int, institution: str | None = None, limit: int = 1000) -> dict[str, Any]:
    """The automatic checks: counts per rule, institution and staff, and the first flags.

    After a bulk load of the year, the first read recounts the checks' totals
    first, as a write of its own (records/day_totals.py); every read after it
    only reads.
    """
    if _flag_totals_due(year):
        _recount_flag_totals(year)
    return _flag_report(year, institution, limit)


@reading
def _flag_totals_due(year: int) -> bool:
    return day_totals.is_due(db.session, year)


def catch_up_flag_totals() -> list[int]:
    """Recount the checks' totals of every year a bulk load left for later, one year per
    unit of work; the years this call recounted.

    Run by whatever runs in the background once a load is stored (the import job's
    follow-up, the workers' periodic task, the scheduler), so that an auditor's first
    look at the flags does not wait for it (several seconds for a year of millions of
    records). A year another process recounts first is skipped: it holds the records
    lock, and this call finds the work done once it has it.
    """
    return [year for year in _years_due() if _recount_flag_totals(year)]


@reading
def _years_due() -> list[int]:
    return day_totals.due_years(db.session)


@operation
def _recount_flag_totals(year: int) -> bool:
    return day_totals.bring_up_to_date(db.session, year)


@reading
def _flag_report(year: int, institution: str | None, limit: int) -> dict[str, Any]:
    return flag_report(db.session, year, institution, limit)


@reading
def population(batch_id: int, write: Callable[[str, int], None]) -> None:
    """Hand each (source id, purchasable units) of a batch's frozen population to `write`."""
    for source_id, purchasable in reports.population_rows(db.session, batch_id):
        write(source_id, purchasable)


@reading
def choices(year: int | None = None) -> lookups.Choices:
    """Years, institutions and `year`'s items, for the audit pages' pickers."""
    return lookups.choices(db.session, year)


@reading
def deduction_years(institution_id: int) -> list[int]:
    """The years an institution has audits or records in, newest first (its deductions page)."""
    session = db.session
    years = set(audit_years(session, institution_id)) | set(record_years(session, institution_id))
    return sorted(years, reverse=True)


@reading
def deductions_of(year: int, institution_id: int) -> tuple[Deductions, dict[str, str]]:
    """A year's closed batches of an institution with their failed records, and its staff names."""
    session = db.session
    names = {s.code: s.name for s in staff_choices(session, institution_id)}
    return centre_deductions(session, year, institution_id), names
