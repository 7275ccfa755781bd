"""`haiyan catalog …`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from haiyan_comp.api.schemas_admin import change_document
from haiyan_comp.cli import YEAR, domain_errors, emit_json, json_option
from haiyan_comp.operations.catalogue import load_catalogue


@click.group("catalog", cls=AppGroup)
def catalog() -> None:
    """The catalogue of service items of a year (R1)."""


@catalog.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=YEAR, required=True, help="The scheme year the catalogue is for.")
@click.option(
    "--sheet", default=None, help="The workbook's sheet to read (.xlsx; default: the first)."
)
@json_option
@domain_errors
def load(path: Path, year: int, sheet: str | None, as_json: bool) -> None:
    """Load or replace the catalogue of an open YEAR from CSV (UTF-8 or GB18030), .xlsx or YAML."""
    with path.open("rb") as stream:
        change = load_catalogue(stream, path.name, year, sheet)
    if as_json:
        emit_json(change_document(change))
        return
    click.echo(
        f"catalogue {year}: {len(change.added)} added, {len(change.updated)} updated, "
        f"{len(change.removed)} removed, {change.unchanged} unchanged"
        + (f"; {change.records_revalued} records valued anew" if change.records_revalued else "")
    )
