"""`haiyan records import`, `haiyan records search`."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from haiyan_comp.cli import YEAR, IsoDate, emit_json, fail, json_option, write_book, xlsx_option
from haiyan_comp.errors import DomainError
from haiyan_comp.operations.institutions import institution_by_code
from haiyan_comp.operations.records import import_file, search, stream
from haiyan_comp.records.queries import RecordSearch
from haiyan_comp.records.report import ImportRefused, ImportReport
from haiyan_comp.workbooks import money
from haiyan_comp.workbooks.records import every_record, every_row

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


@records.command("search")
@click.option("--year", type=YEAR, default=None)
@click.option("--institution", "institution_code", default=None, help="One institution's code.")
@click.option("--item", default=None, help="An item code.")
@click.option("--staff", default=None, help="A staff member's code.")
@click.option("--resident", default=None, help="A resident's id.")
@click.option("--from", "date_from", type=IsoDate(), default=None, help="First service date.")
@click.option("--to", "date_to", type=IsoDate(), default=None, help="Last service date.")
@json_option
@xlsx_option
def search_command(
    year: int | None,
    institution_code: str | None,
    item: str | None,
    staff: str | None,
    resident: str | None,
    date_from: date | None,
    date_to: date | None,
    as_json: bool,
    xlsx: Path | None,
) -> None:
    """Every record of a search (the records page's and GET /api/v1/records' search, all of
    its pages): one line each, --json one document {"records": [...]}, --xlsx a workbook."""
    try:
        institution_id = (
            None if institution_code is None else institution_by_code(institution_code).id
        )
    except DomainError as exc:
        fail(exc)
    wanted = RecordSearch(
        institution_id=institution_id, year=year, item=item, staff=staff, resident_id=resident,
        date_from=date_from, date_to=date_to,
    )  # fmt: skip
    if xlsx is not None:
        title = f"{year}年度服务记录查询结果" if year is not None else "服务记录查询结果"
        write_book(money.records(every_row(wanted, search, stream), title, year), xlsx)
        if not as_json:
            return
    if as_json:
        _stream_json(every_record(wanted, search))
        return
    for row in every_record(wanted, search):
        click.echo(
            f"{row['source_id']}\t{row['institution']}\t{row['staff']}\t{row['item']}\t"
            f"{row['service_date']}\t{row['resident_id'] or ''}\t{row['quantity']}\t{row['units']}"
        )


def _stream_json(rows: Any) -> None:
    """One JSON document, written a row at a time (a search may hold millions)."""
    click.echo('{"records": [', nl=False)
    for number, row in enumerate(rows):
        click.echo(("," if number else "") + json.dumps(row, ensure_ascii=False), nl=False)
    click.echo("]}")
