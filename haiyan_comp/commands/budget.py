"""`haiyan year configure`, `haiyan baseline set`, `haiyan prepay …`, `haiyan scheduler run`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from haiyan_comp import bounds
from haiyan_comp.api.schemas_finance import run_document, schedule_document
from haiyan_comp.budget.messages import FIXED_OR_FLOATING
from haiyan_comp.cli import (
    YEAR,
    IsoDate,
    amount,
    by_option,
    domain_errors,
    emit_json,
    fraction,
    json_option,
    who,
    write_xlsx,
    xlsx_option,
)
from haiyan_comp.errors import InvalidInput, NotFound
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.operations import budget as operations
from haiyan_comp.operations.budget import ConfigInput
from haiyan_comp.operations.years import copy_previous_year


@click.group("year", cls=AppGroup)
def year_group() -> None:
    """A scheme year's budget and price (R10)."""


@year_group.command("configure")
@click.argument("year", type=YEAR)
@click.option("--budget", default=None, help="Purchase budget B, yuan.")
@click.option("--unit-price", default=None, help="Fixed price p, yuan per unit.")
@click.option("--floating-price", is_flag=True, help="Price = budget ÷ purchased units.")
@click.option("--growth-cap", default=None, help="Basic-medical growth cap g as a fraction (0.10).")
@click.option("--risk-fund", default=None, help="Risk fund R, yuan.  [default: 0]")
@click.option("--prepay-ratio", default=None, help="Prepayment ratio ρ, 0 < ρ ≤ 1.")
@click.option("--instalments", type=click.IntRange(1, 12), help="1, 2, 3, 4, 6 or 12.")
@click.option("--basic-share", default=None, help="R19's basic part of pay.  [default: 0.40]")
@by_option
@json_option
@domain_errors
def configure(
    year: int,
    budget: str | None,
    unit_price: str | None,
    floating_price: bool,
    growth_cap: str | None,
    risk_fund: str | None,
    prepay_ratio: str | None,
    instalments: int | None,
    basic_share: str | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Configure YEAR: budget, fixed or floating price, growth cap, risk fund, prepayment.

    A configured year (one copied with `haiyan year copy`, say) may be edited by
    naming only what changes: `haiyan year configure 2020 --budget 1500000`; with
    --budget, a price, --prepay-ratio and --instalments all given, every option
    not given takes its default, as for a new year.
    """
    if floating_price and unit_price is not None:
        raise InvalidInput(FIXED_OR_FLOATING())
    given = {
        "budget": amount(budget, "budget"),
        "unit_price": amount(unit_price, "unit price", bound=bounds.PRICE),
        "growth_cap": fraction(growth_cap, "growth cap"),
        "risk_fund": amount(risk_fund, "risk fund"),
        "prepay_ratio": fraction(prepay_ratio, "prepay ratio"),
        "instalments": instalments,
        "basic_share": fraction(basic_share, "basic share"),
    }
    whole = None not in (budget, prepay_ratio, instalments) and (floating_price or unit_price)
    entered = _whole(given) if whole else _edited(year, given, floating_price)
    config = operations.configure_year(year, entered, who(by))
    document = {
        "year": year,
        "budget": fmt(config.budget),
        "unit_price": "floating" if config.unit_price is None else fmt(config.unit_price),
        "growth_cap": None if config.growth_cap is None else f"{config.growth_cap / 10_000:.4f}",
        "risk_fund": fmt(config.risk_fund),
        "prepay_ratio": f"{config.prepay_ratio / 10_000:.4f}",
        "instalments": config.instalments,
    }
    if as_json:
        emit_json(document)
    else:
        click.echo(" ".join(f"{key}={value}" for key, value in document.items()))


def _whole(given: dict[str, int | None]) -> ConfigInput:
    """A configuration given whole: what is not given takes its default, as for a new year."""
    return ConfigInput(
        budget=given["budget"] or 0, unit_price=given["unit_price"],
        growth_cap=given["growth_cap"], risk_fund=given["risk_fund"] or 0,
        prepay_ratio=given["prepay_ratio"] or 0, instalments=given["instalments"] or 0,
        basic_share=4000 if given["basic_share"] is None else given["basic_share"],
    )  # fmt: skip


def _edited(year: int, given: dict[str, int | None], floating_price: bool) -> ConfigInput:
    """The stored configuration of YEAR with what was given (a usage error if it has none)."""
    try:
        stored = operations.year_config(year)
    except NotFound:
        if given["unit_price"] is None and not floating_price:
            raise InvalidInput(FIXED_OR_FLOATING()) from None
        missing = [f"--{key.replace('_', '-')}" for key in ("budget", "prepay_ratio",
                   "instalments") if given[key] is None]  # fmt: skip
        raise click.UsageError(
            f"year {year} is not configured yet: {', '.join(missing)} required"
        ) from None
    values = {key: getattr(stored, key) if value is None else value for key, value in given.items()}
    if floating_price:
        values["unit_price"] = None
    return ConfigInput(
        budget=values["budget"] or 0, unit_price=values["unit_price"],
        growth_cap=values["growth_cap"], risk_fund=values["risk_fund"] or 0,
        prepay_ratio=values["prepay_ratio"] or 0, instalments=values["instalments"] or 0,
        basic_share=values["basic_share"] or 0,
    )  # fmt: skip


@year_group.command("copy")
@click.argument("year", type=YEAR)
@click.option("--from", "source", type=YEAR, default=None, help="The year to copy (YEAR − 1).")
@by_option
@domain_errors
def copy(year: int, source: int | None, by: str | None) -> None:
    """Start YEAR from the previous year's configuration and catalogue, then edit them."""
    copied = copy_previous_year(year, who(by), source)
    done = []
    if copied.configuration:
        done.append("configuration")
    if copied.items:
        done.append(f"catalogue ({copied.items} items)")
    click.echo(f"year {year}: copied {' and '.join(done) or 'nothing'} from {copied.source}")


@click.group("baseline", cls=AppGroup)
def baseline_group() -> None:
    """R9 baselines for years whose previous year is not in the system."""


@baseline_group.command("set")
@click.argument("year", type=YEAR)
@click.option("--institution", required=True)
@click.option("--basic-medical-units", required=True, help="P_bm of year−1, units.")
@by_option
@domain_errors
def baseline_set(year: int, institution: str, basic_medical_units: str, by: str | None) -> None:
    """Set an institution's previous-year purchased basic-medical units for YEAR."""
    units = amount(basic_medical_units, "basic-medical units", bound=bounds.UNITS) or 0
    operations.set_baselines(year, {institution: units}, who(by))
    click.echo(f"baseline {year} {institution}: {fmt(units)} basic-medical units")


@click.group("prepay", cls=AppGroup)
def prepay_group() -> None:
    """Staged prepayment (R11, R12)."""


@prepay_group.command("run")
@click.option("--as-of", "as_of", type=IsoDate(), required=True)
@by_option
@json_option
@domain_errors
def prepay_run(as_of: date, by: str | None, as_json: bool) -> None:
    """Pay every instalment due on or before --as-of that is not yet paid."""
    paid = operations.pay_instalments(as_of, who(by))
    if as_json:
        emit_json(run_document(as_of, paid))
        return
    for p in paid:
        click.echo(
            f"{p.institution} {p.year} #{p.number} due {p.due}: gross {fmt(p.gross)}, "
            f"offset {fmt(p.offset or 0)}, cash {fmt(p.cash or 0)}"
        )
    click.echo(f"{len(paid)} instalments paid as of {as_of}")


@prepay_group.command("schedule")
@click.option("--year", type=YEAR, required=True)
@json_option
@xlsx_option
@domain_errors
def prepay_schedule(year: int, as_json: bool, xlsx: Path | None) -> None:
    """Every instalment of a year: due date, gross, offset, cash, paid or not."""
    items = operations.prepayment_schedule(year)
    write_xlsx("schedule", schedule_document(year, items), xlsx)
    if as_json:
        emit_json(schedule_document(year, items))
        return
    for i in items:
        state = f"paid: offset {fmt(i.offset or 0)}, cash {fmt(i.cash or 0)}" if i.paid else "due"
        click.echo(f"{i.institution} #{i.number} {i.due} gross {fmt(i.gross)}  {state}")


@prepay_group.command("plan")
@click.argument("year", type=YEAR)
@click.option("--institution", required=True)
@click.option("--weight", default=None, help="A weight for the pool split.")
@click.option("--total", default=None, help="Or this institution's total, yuan.")
@by_option
@domain_errors
def prepay_plan(
    year: int, institution: str, weight: str | None, total: str | None, by: str | None
) -> None:
    """Set an institution's prepayment weight or outright total for YEAR (R11)."""
    operations.set_prepayment_plan(
        year,
        institution,
        weight=amount(weight, "weight", bound=bounds.UNITS),
        total=amount(total, "total"),
        by=who(by),
    )
    click.echo(f"prepayment plan {year} {institution} set")


@click.group("scheduler", cls=AppGroup)
def scheduler_group() -> None:
    """The daily prepayment job, started on purpose (never inside web workers)."""


@scheduler_group.command("run")
@click.option("--once", is_flag=True, help="Pay what is due now, once, and exit.")
def scheduler_run(once: bool) -> None:
    """Pay due instalments every day at 06:00, prove the books at 02:30, recount the audit
    checks a bulk load left every 10 minutes (each once at start)."""
    from haiyan_comp.scheduler import run_forever, run_job

    if once:
        click.echo(f"{run_job()} instalments paid")
        return
    run_forever()
