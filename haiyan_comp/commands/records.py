"""`haiyan records import`."""

from __future__ import annotations

import getpass
import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from haiyan_comp.cli import IsoDate, emit_json, fail, json_option
from haiyan_comp.errors import DomainError
from haiyan_comp.operations.records import import_file
from haiyan_comp.records.report import ImportRefused, ImportReport

# Exit status when the file was imported but some rows were rejected.
EXIT_SOME_REJECTED = 3


@click.group("records", cls=AppGroup)
def records() -> None:
    """Service records (R2, R3)."""


@records.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Import nothing if any row is bad.")
@click.option(
    "--sheet", default=None, help="The workbook's sheet to read (.xlsx; default: the first)."
)
@click.option(
    "--as-of", type=IsoDate(), default=None, help="Today's date for the future-date check."
)
@json_option
def import_command(
    path: Path, strict: bool, sheet: str | None, as_of: date | None, as_json: bool
) -> None:
    """Import a CSV (UTF-8 or GB18030), JSON Lines or .xlsx file of records, in one transaction.

    Exit status: 0 all rows imported or already there; 3 imported, but some rows
    were rejected (listed); 1 nothing imported (a file problem, or --strict).
    """
    try:
        with path.open("rb") as stream:
            report = import_file(
                stream,
                path.name,
                as_of=as_of or date.today(),
                imported_by=f"cli:{getpass.getuser()}",
                strict=strict,
                chunk_rows=current_app.config["IMPORT_CHUNK_ROWS"],
                size_hint=path.stat().st_size,
                sheet=sheet,
            )
    except ImportRefused as refused:
        if not as_json:  # with --json the error document carries the report
            _print(refused.report, as_json)
        fail(refused)
    except DomainError as exc:
        fail(exc)
    _print(report, as_json)
    if report.rejected_count:
        sys.exit(EXIT_SOME_REJECTED)


def _print(report: ImportReport, as_json: bool) -> None:
    if as_json:
        emit_json(report.to_json())
        return
    click.echo(
        f"{report.filename}: {report.rows} rows, {report.imported} imported, "
        f"{report.duplicates} duplicates, {report.rejected_count} rejected"
    )
    for rejection in report.rejected:
        source = f" ({rejection.source_id})" if rejection.source_id else ""
        click.echo(f"  line {rejection.line}{source}: " + "; ".join(rejection.reasons), err=True)
    hidden = report.rejected_count - len(report.rejected)
    if hidden:
        click.echo(f"  … and {hidden} more rejected rows", err=True)
