"""`haiyan assess …`, `haiyan bonus …`, `haiyan paysheet`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from haiyan_comp import bounds
from haiyan_comp.api.schemas_bonus import bonus_document, pay_sheet_document
from haiyan_comp.cli import (
    YEAR,
    amount,
    by_option,
    domain_errors,
    emit_json,
    json_option,
    who,
    write_xlsx,
    xlsx_option,
)
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.operations import bonus as operations


@click.group("assess", cls=AppGroup)
def assess() -> None:
    """Assessment scores and surpluses of settled years (R16)."""


@assess.command("set")
@click.argument("year", type=YEAR)
@click.option("--institution", required=True)
@click.option("--score", default=None, help="0.00–1000.00; leave out to use the loaded indicators.")
@click.option(
    "--surplus", required=True, help="Income-expenditure surplus, yuan (may be negative)."
)
@by_option
@domain_errors
def assess_set(
    year: int, institution: str, score: str | None, surplus: str, by: str | None
) -> None:
    """Record an institution's assessment score and surplus for a settled YEAR."""
    row = operations.set_assessment(
        year, institution,
        score=amount(score, "score", bound=bounds.SCORE),
        surplus=amount(surplus, "surplus", allow_negative=True) or 0,
        by=who(by),
    )  # fmt: skip
    click.echo(f"{institution} {year}: score {fmt(row.score)}, surplus {fmt(row.surplus)}")


@assess.group("indicators", cls=AppGroup)
def indicators() -> None:
    """Indicator breakdowns whose maxima add up to 1000."""


@indicators.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=YEAR, required=True)
@click.option(
    "--sheet", default=None, help="The workbook's sheet to read (.xlsx; default: the first)."
)
@by_option
@domain_errors
def indicators_load(path: Path, year: int, sheet: str | None, by: str | None) -> None:
    """Load CSV or .xlsx indicator,name,max_points,institution_code,points for a settled YEAR."""
    with path.open("rb") as stream:
        scored = operations.load_indicators(stream, path.name, year, who(by), sheet)
    click.echo(f"indicators of {year} loaded for {scored} institutions; "
               "'haiyan assess set' without --score uses them")  # fmt: skip


class DefaultToShow(AppGroup):
    """`haiyan bonus 2018 …` runs `show`; `haiyan bonus pool 2018 …` runs `pool` (CONTRACT.md)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@click.group("bonus", cls=DefaultToShow)
def bonus() -> None:
    """Efficiency bonus of settled years (R17, R18): `haiyan bonus YEAR [--institution K]`."""


@bonus.command("show")
@click.argument("year", type=YEAR)
@click.option("--institution", default=None)
@json_option
@xlsx_option
@domain_errors
def show(year: int, institution: str | None, as_json: bool, xlsx: Path | None) -> None:
    """Cap, pool and every staff member's share of a settled YEAR."""
    result = operations.year_bonus(year, institution)
    write_xlsx("bonus", bonus_document(year, result), xlsx)
    if as_json:
        emit_json(bonus_document(year, result))
        return
    for b in result:
        head = f"{b.code}: cap {fmt(b.cap)}, pool {fmt(b.pool)}"
        click.echo(head + (f"  ({b.note})" if b.note else ""))
        for code, share in b.amounts.items():
            click.echo(f"  {code}: {fmt(share)}")


@bonus.command("pool")
@click.argument("year", type=YEAR)
@click.option("--institution", required=True)
@click.option("--amount", "amount_text", required=True, help="Yuan, at most the cap.")
@by_option
@domain_errors
def bonus_pool(year: int, institution: str, amount_text: str, by: str | None) -> None:
    """Lower an institution's bonus pool below its cap (never above it)."""
    pool = operations.choose_pool(year, institution, amount(amount_text, "amount") or 0, who(by))
    click.echo(f"{institution} {year}: bonus pool {fmt(pool)}")


@click.command("paysheet")
@with_appcontext
@click.argument("year", type=YEAR)
@click.option("--institution", required=True)
@click.option("--performance-pay", required=True, help="Performance-pay total T, yuan.")
@json_option
@xlsx_option
@domain_errors
def paysheet(
    year: int, institution: str, performance_pay: str, as_json: bool, xlsx: Path | None
) -> None:
    """Split performance pay 4 : 6 (basic : incentive by R18's weights); the bonus apart (R19)."""
    result = operations.pay_sheet(
        year, institution, amount(performance_pay, "performance pay") or 0
    )
    document = pay_sheet_document(result)
    write_xlsx("pay_sheet", document, xlsx)
    if as_json:
        emit_json(document)
        return
    click.echo(f"{institution} {year}: performance pay {document['performance_pay']} = basic "
               f"{document['basic']} + incentive {document['incentive']}; efficiency bonus "
               f"{document['efficiency_bonus']} (outside the performance pay)")  # fmt: skip
    for line in document["staff"]:
        click.echo(
            f"  {line['code']}: incentive {line['incentive']}, bonus {line['efficiency_bonus']}"
        )
