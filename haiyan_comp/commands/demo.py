"""`haiyan demo`: a demo county with a year of synthetic records, in one transaction."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from haiyan_comp.api.schemas_admin import demo_document
from haiyan_comp.cli import domain_errors, emit_json, json_option
from haiyan_comp.demo.users import DEMO_PASSWORD
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.operations.demo import DemoReport, load_demo
from haiyan_comp.operations.institutions import LoadResult


@click.command("demo")
@with_appcontext
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    default=2018,
    show_default=True,
    help="Scheme year of the records (the 2018 catalogue serves any year).",
)
@click.option(
    "--records",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    help="How many synthetic service records to write and import.",
)
@click.option("--seed", type=int, default=2018, show_default=True, help="Same seed, same data.")
@json_option
@domain_errors
def demo(year: int, records: int, seed: int, as_json: bool) -> None:
    """Load a demo county: 9 institutions, their staff, the catalogue, a year of records.

    The records file is written to the instance folder and imported like any
    other; running the command again imports nothing new.
    """
    loaded = load_demo(
        Path(current_app.instance_path) / "demo",
        year=year,
        records=records,
        seed=seed,
        chunk_rows=current_app.config["IMPORT_CHUNK_ROWS"],
    )
    report, logins = loaded.report, loaded.logins
    if as_json:
        shown = [{"username": u, "role": r, "password": DEMO_PASSWORD} for u, r, _ in logins]
        emit_json(demo_document(report, shown))
        return
    _print(report)
    click.secho(f"\nDemo logins (password for all: {DEMO_PASSWORD}; demo only):", bold=True)
    for username, role, note in logins:
        click.echo(f"  {username:<10}{role:<9}{note}")


def _changes(result: LoadResult) -> str:
    return f"{len(result.added)} added, {len(result.updated)} updated, {result.unchanged} unchanged"


def _print(report: DemoReport) -> None:
    records, catalogue = report.records, report.catalogue
    click.secho(f"Demo county, year {report.year} (seed {report.seed})", bold=True)
    click.echo(f"  institutions  {report.institution_count:>7}  ({_changes(report.institutions)})")
    click.echo(f"  staff         {report.staff_count:>7}  ({_changes(report.staff)})")
    click.echo(
        f"  items         {report.item_count:>7}  ({len(catalogue.added)} added, "
        f"{len(catalogue.updated)} updated, {catalogue.unchanged} unchanged)"
    )
    click.echo(
        f"  records       {records.imported:>7}  imported from {report.records_file}"
        f" ({records.rows} rows, {records.duplicates} duplicates, "
        f"{records.rejected_count} rejected)"
    )
    if records.duplicates and not records.imported:
        click.echo("                          every row was already there: nothing changed")
    click.echo(
        f"  units {report.year}    gross {fmt(report.gross)}, over-spec {fmt(report.over_spec)}"
        " (beyond the per-resident caps: shown, never paid, R3)"
    )
    click.echo(
        f"\nSee them per institution and item:  haiyan units --year {report.year}\n"
        f"A file with {report.bad_rows} rows, some of them bad, to see how an import "
        f"rejects rows (not imported):\n  haiyan records import {report.bad_rows_file}\n"
        f"The year is configured (price 10.00, 4 instalments); try the money:\n"
        f"  haiyan prepay run --as-of {report.year}-12-31\n"
        f"  haiyan settle {report.year} --as-of {report.year + 1}-01-15 --dry-run"
    )
