"""`haiyan units`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from haiyan_comp.api.schemas_finance import units_document
from haiyan_comp.cli import YEAR, domain_errors, emit_json, json_option, write_xlsx, xlsx_option
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.operations.units import year_units


@click.command("units")
@with_appcontext
@click.option("--year", type=YEAR, required=True)
@click.option("--institution", "institution_code", default=None, help="One institution's code.")
@json_option
@xlsx_option
@domain_errors
def units(year: int, institution_code: str | None, as_json: bool, xlsx: Path | None) -> None:
    """Units of a year per institution and item: gross, over-spec, purchasable, verified."""
    result = year_units(year, institution_code)
    write_xlsx("units", units_document(result), xlsx)
    if as_json:
        emit_json(units_document(result))
        return
    header = (
        f"{'item':<12}{'records':>9}{'gross':>14}{'over-spec':>12}"
        f"{'purchasable':>14}{'deducted':>11}{'verified':>14}"
    )
    for inst in result.institutions:
        click.secho(f"{inst.code} {inst.name}  ({year})", bold=True)
        click.echo(header)
        for item in inst.items:
            click.echo(
                f"{item.code:<12}{item.records:>9}{fmt(item.gross):>14}{fmt(item.over_spec):>12}"
                f"{fmt(item.purchasable):>14}{fmt(item.deducted):>11}{fmt(item.verified):>14}"
            )
        click.echo(
            f"verified basic medical {fmt(inst.verified_basic_medical)}, public health "
            f"{fmt(inst.verified_public_health)}; purchased {fmt(inst.purchased)}\n"
        )
