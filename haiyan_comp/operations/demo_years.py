"""The demo county's earlier years, through the product's own operations.

Each earlier year is started from the year before (`start_year`: configuration
and catalogue copied, then the budget edited), its records imported, its
instalments paid, a batch audited per institution, settled, assessed, and its
bonus pools and pay sheets entered, exactly as finance, the auditors and the
centres would. The latest year is started the same way and left open with its
first instalments paid. Everything runs in the caller's unit of work.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from haiyan_comp.budget import queries as budget_queries
from haiyan_comp.budget import services as budget
from haiyan_comp.catalogue.services import year_items
from haiyan_comp.demo import history
from haiyan_comp.demo.generate import Staff
from haiyan_comp.demo.mix import INSTITUTION_SIZES
from haiyan_comp.demo.services import YearSummary, import_year
from haiyan_comp.operations import audit, bonus, settlement
from haiyan_comp.operations.budget import pay_due_instalments
from haiyan_comp.operations.catalogue import replace_catalogue
from haiyan_comp.operations.years import start_year
from haiyan_comp.settlement.queries import settled_year
from haiyan_comp.units.services import year_units

BY = "demo"


def load_earlier_year(
    session: Session,
    folder: Path,
    staff: Sequence[Staff],
    *,
    year: int,
    first: int,
    latest: int,
    records: int,
    seed: int,
    chunk_rows: int,
) -> YearSummary:
    """Load, audit, settle and assess earlier `year`; a settled year is left as it is."""
    done = settled_year(session, year)
    if done is None:
        begin_year(session, year, first=first)
        _, report = import_year(
            session, folder, staff, year=year, chunk_rows=chunk_rows,
            records=history.year_records(records, year, latest),
            seed=history.year_seed(seed, year, latest),
            activity=history.ACTIVITY.get(year),
        )  # fmt: skip
        set_budget(session, year, first=first)
        pay_due_instalments(session, date(year, 12, 31), BY)
        _audit(session, year)
        settlement.settle_year(year, date(year + 1, 1, 15), BY)
        _assess(year)
        done = settled_year(session, year)
        imported = report.imported
    else:
        imported = 0
    assert done is not None
    units = year_units(session, year)
    batches = audit.batches(year)
    return YearSummary(
        year=year,
        records=imported,
        gross=sum(item.gross for inst in units.institutions for item in inst.items),
        final=sum(line.final for line in done.institutions),
        batches=len(batches),
        deducted=sum(b.deduction or 0 for b in batches),
    )


def begin_year(session: Session, year: int, *, first: int) -> None:
    """The first year gets the county's configuration; later ones copy the year before's."""
    configured = budget_queries.config_view(session, year) is not None
    if year == first or configured:
        if not configured:
            budget.configure_year(session, year, _first_configuration(), BY)
        return
    start_year(session, year, year - 1, BY)
    revalued = history.REVALUED.get(year)
    if revalued:  # finance edits the copied catalogue before the year's records come
        items = [
            dataclasses.replace(item, value=revalued.get(item.code, item.value))
            for item in year_items(session, year)
        ]
        replace_catalogue(session, items, year)


def _first_configuration() -> budget.ConfigInput:
    return budget.ConfigInput(
        budget=1_000_000,  # set from the year's units by set_budget
        unit_price=history.UNIT_PRICE,
        growth_cap=history.GROWTH_CAP,
        risk_fund=history.RISK_FUND,
        prepay_ratio=history.PREPAY_RATIO,
        instalments=history.INSTALMENTS,
    )


def set_budget(session: Session, year: int, *, first: int) -> None:
    """Budget the year from its units (before any instalment is paid).

    The first year also gets R9's baselines (the year before it is not in the
    system) and R11's prepayment weights (nor are its final amounts).
    """
    if budget_queries.paid_instalments(session, year):
        return  # the schedule is fixed
    units = year_units(session, year).institutions
    need = sum(item.purchasable for inst in units for item in inst.items)
    config = budget_queries.config_view(session, year)
    assert config is not None
    entered = budget.ConfigInput(
        budget=history.budget_for(need * history.UNIT_PRICE // 100, year),
        unit_price=config.unit_price,
        growth_cap=config.growth_cap,
        risk_fund=config.risk_fund,
        prepay_ratio=config.prepay_ratio,
        instalments=config.instalments,
        basic_share=config.basic_share,
    )
    budget.configure_year(session, year, entered, BY)
    if year != first:
        return
    for inst in units:
        basic = sum(i.purchasable for i in inst.items if i.category == "basic_medical")
        baseline = basic * 100 // history.BASELINE_GROWTH
        budget.set_baseline(session, year, inst.code, baseline, BY)
        budget.set_prepayment_plan(
            session, year, inst.code, weight=max(baseline, 1), total=None, by=BY
        )


def _audit(session: Session, year: int) -> None:
    """One batch per institution on an item it has enough records of; some records fail."""
    failing = history.FAILED.get(year, {})
    for inst in year_units(session, year).institutions:
        counts = {item.code: item.records for item in inst.items}
        item = next((c for c in history.AUDITED_ITEMS if counts.get(c, 0) >= 2), None)
        if item is None:
            continue
        size = min(history.SAMPLE_SIZE, counts[item])
        drawn = audit.draw(
            year=year, institution=inst.code, item=item, size=size,
            seed=f"{year}{inst.code}", date_from=None, date_to=None, flagged_only=False, by=BY,
        )  # fmt: skip
        fails = min(failing.get(inst.code, 0), size - 1)
        for n, source_id in enumerate(drawn.sample):
            if n < fails:
                reason = history.FAIL_REASONS[n % len(history.FAIL_REASONS)]
                audit.judge(drawn.batch.id, source_id, "fail", reason=reason, staff=None, by=BY)
            else:
                audit.judge(drawn.batch.id, source_id, "pass", reason=None, staff=None, by=BY)
        audit.close(drawn.batch.id, by=BY)


def _assess(year: int) -> None:
    """Scores and surpluses of every institution; a lower pool and the pay sheets."""
    wanted = {}
    for code, (residents, _staff) in INSTITUTION_SIZES.items():
        assessed = history.assessment(code, year, residents)
        wanted[code] = (assessed.score, assessed.surplus)
    bonus.set_assessments(year, wanted, BY)
    lower = history.LOWER_POOLS.get(year)
    for line in bonus.year_bonus(year):
        if not line.qualifies:
            continue
        if lower is not None and line.code == lower[0] and line.cap:
            bonus.choose_pool(year, line.code, line.cap * lower[1] // 100, BY)
        staff_count = INSTITUTION_SIZES.get(line.code, (0, 1))[1]
        pay = staff_count * history.PERFORMANCE_PAY_PER_STAFF
        bonus.record_pay_sheet(year, line.code, pay, BY)
