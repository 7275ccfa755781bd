"""`haiyan demo`: a demo county with its years of synthetic records, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click
from flask import current_app
from flask.cli import with_appcontext

from haiyan_comp import migrate
from haiyan_comp.api.schemas_admin import demo_document
from haiyan_comp.cli import domain_errors, emit_json, json_option
from haiyan_comp.db import db
from haiyan_comp.demo.messages import NOT_THE_DEMO
from haiyan_comp.demo.users import DEMO_PASSWORD
from haiyan_comp.errors import Conflict
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.operations.demo import DemoReport, demo_state, load_demo
from haiyan_comp.operations.institutions import LoadResult

P = ParamSpec("P")
R = TypeVar("R")


OPTIONS = (
    click.option(
        "--year",
        type=click.IntRange(2000, 2100),
        default=2018,
        show_default=True,
        help="The (latest) year, left open; the 2018 catalogue serves any year.",
    ),
    click.option(
        "--records",
        type=click.IntRange(min=0),
        default=100_000,
        show_default=True,
        help="Synthetic service records of the latest year (earlier years have fewer).",
    ),
    click.option("--seed", type=int, default=2018, show_default=True, help="Same seed, same data."),
    click.option(
        "--since",
        type=click.IntRange(2000, 2100),
        default=None,
        help="First year of the county's history: every year from it to before --year is "
        "settled (audits, assessments, bonus, pay sheets); --year stays open, instalments "
        "under way.",
    ),
    click.option(
        "--reset", is_flag=True, help="Throw the demo database away and load the demo afresh."
    ),
    click.option(
        "--unless-loaded",
        is_flag=True,
        help="Do nothing when the database holds the demo already, whatever was done to it since.",
    ),
)


def _options(command: Callable[P, R]) -> Callable[P, R]:
    """`haiyan demo`'s options, in the order --help lists them."""
    for option in reversed(OPTIONS):
        command = option(command)
    return command


@click.command("demo")
@with_appcontext
@_options
@json_option
@domain_errors
def demo(
    year: int,
    records: int,
    seed: int,
    since: int | None,
    reset: bool,
    unless_loaded: bool,
    as_json: bool,
) -> None:
    """Load a demo county: 9 institutions, their staff, the catalogue, its years of records.

    The records files are written to the instance folder and imported like any
    other; running the command again imports nothing new and never changes a
    settled year. `--records` is the size of the latest year (--year); with
    --since, the earlier years are smaller by the county's growth (+20.7% from
    2016 to 2018).
    """
    _signing_key()  # also for a demo loaded before documents were signed
    if not _ready(reset=reset, unless_loaded=unless_loaded):
        return
    loaded = load_demo(
        Path(current_app.instance_path) / "demo",
        year=year,
        records=records,
        seed=seed,
        chunk_rows=current_app.config["IMPORT_CHUNK_ROWS"],
        since=since,
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


def _signing_key() -> None:
    """The demo county signs its documents too: a self-signed key when it has none."""
    from haiyan_comp.signing import keys, pdf

    path = pdf.key_path()
    if path is not None and not path.exists():
        keys.create(path, f"{current_app.config['COUNTY_NAME']}财政局（演示）", pdf.passphrase())
        click.echo(f"a self-signed demo key for signing documents was made at {path}", err=True)


def _ready(*, reset: bool, unless_loaded: bool) -> bool:
    """--reset: throw the demo database away (only a demo's); --unless-loaded: load or not."""
    if not (reset or unless_loaded):
        return True
    migrate.upgrade(current_app.config["DATABASE_URL"])  # a new database: the schema first
    state = demo_state()
    if reset:
        if state.others:
            raise Conflict(NOT_THE_DEMO(logins=", ".join(state.others[:5])))
        _throw_away()
        return True
    if state.loaded:
        click.echo(
            f"the demo is loaded (latest year {state.latest}"
            f"{', settled' if state.settled else ''}): nothing to do;"
            " `haiyan demo --reset` starts over"
        )
        return False
    return True


def _throw_away() -> None:
    """Every table dropped (the migrations' way down) and the schema made anew."""
    url = current_app.config["DATABASE_URL"]
    db.engine.dispose()
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    click.echo("the demo database was thrown away; loading the demo afresh", err=True)


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
    for earlier in report.years:
        click.echo(
            f"  year {earlier.year}     settled: {earlier.records:>7} records imported, gross "
            f"{fmt(earlier.gross)}, {earlier.batches} audit batches deducting "
            f"{fmt(earlier.deducted)}, final amounts {fmt(earlier.final)} yuan"
        )
    if report.settled:
        click.echo(f"  year {report.year} is settled: nothing was loaded into it")
        return
    click.echo(
        f"\nSee them per institution and item:  haiyan units --year {report.year}\n"
        f"A file with {report.bad_rows} rows, some of them bad, to see how an import "
        f"rejects rows (not imported):\n  haiyan records import {report.bad_rows_file}"
    )
    if report.years:
        click.echo(
            f"The year is configured from {report.year - 1}'s and its first instalments are "
            f"paid; see them:\n  haiyan prepay schedule --year {report.year}"
        )
        return
    click.echo(
        f"The year is configured (price 10.00, 4 instalments); try the money:\n"
        f"  haiyan prepay run --as-of {report.year}-12-31\n"
        f"  haiyan settle {report.year} --as-of {report.year + 1}-01-15 --dry-run"
    )
