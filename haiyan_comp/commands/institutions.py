"""`haiyan institutions load` and `haiyan staff load`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from haiyan_comp.api.schemas_admin import load_document
from haiyan_comp.cli import domain_errors, emit_json, json_option
from haiyan_comp.operations.institutions import LoadResult, load_institutions, load_staff

_path = click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_sheet = click.option(
    "--sheet", default=None, help="The workbook's sheet to read (.xlsx; default: the first)."
)


def _report(what: str, result: LoadResult, as_json: bool) -> None:
    if as_json:
        emit_json(load_document(result))
    else:
        click.echo(
            f"{what}: {len(result.added)} added, {len(result.updated)} updated, "
            f"{result.unchanged} unchanged"
        )


@click.group("institutions", cls=AppGroup)
def institutions() -> None:
    """Township institutions."""


@institutions.command("load")
@_path
@_sheet
@json_option
@domain_errors
def load_institutions_command(path: Path, sheet: str | None, as_json: bool) -> None:
    """Add or rename institutions from a CSV or .xlsx file with the header code,name."""
    with path.open("rb") as stream:
        _report("institutions", load_institutions(stream, path.name, sheet), as_json)


@click.group("staff", cls=AppGroup)
def staff() -> None:
    """Staff members of the institutions."""


@staff.command("load")
@_path
@_sheet
@json_option
@domain_errors
def load_staff_command(path: Path, sheet: str | None, as_json: bool) -> None:
    """Add or update staff from a CSV or .xlsx file with the header code,institution_code,name."""
    with path.open("rb") as stream:
        _report("staff", load_staff(stream, path.name, sheet), as_json)
