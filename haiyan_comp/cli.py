"""The `haiyan` command line: a Flask CLI group over create_app.

Each domain has its commands in haiyan_comp/commands/<domain>.py; this module holds
what they share: one unit of work per command, one way to print JSON, one
way to turn a DomainError into a message and an exit status.
"""

from __future__ import annotations

import functools
import getpass
import importlib
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import click
from flask.cli import AppGroup, FlaskGroup
from sqlalchemy.exc import DBAPIError

from haiyan_comp import bounds
from haiyan_comp.bounds import DecimalBound
from haiyan_comp.db import db
from haiyan_comp.errors import DomainError, InvalidInput
from haiyan_comp.messages import Message
from haiyan_comp.money import AmountError, parse_hundredths, parse_ratio

P = ParamSpec("P")
R = TypeVar("R")


def domain_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Run a command, turning a DomainError into its message and exit status 1.

    The command's work is done by operations, which own their transactions (a
    write commits when its operation returns); whatever else the command left
    open, a read, is rolled back, so no command holds a snapshot or a lock.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            fail(exc)
        except DBAPIError:
            db.session.rollback()
            behind = _schema_behind()
            if behind is None:
                raise
            fail(DomainError(behind))
        finally:
            db.session.rollback()

    return wrapper


def _schema_behind() -> Message | None:
    """After a database error: the message saying the schema is older than the code (a table
    or column it needs is missing, and `haiyan db upgrade` is the cure), or None."""
    from haiyan_comp import migrate
    from haiyan_comp.operations.health import schema_revisions

    stored = schema_revisions()
    return None if stored is None else migrate.schema_behind(stored)


def fail(exc: DomainError, status: int = 1) -> NoReturn:
    """Print a domain error to stderr (JSON details too when asked) and exit."""
    click.secho(f"error: {exc.message}", fg="red", err=True)
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.params.get("as_json") and exc.details is not None:
        click.echo(json.dumps(exc.to_dict(), ensure_ascii=False, indent=2))
    sys.exit(status)


def emit_json(document: Any) -> None:
    """Print one JSON document on stdout (money and units are already strings)."""
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


by_option = click.option("--by", default=None, help="Who does this (default: cli:<user>).")


def who(by: str | None) -> str:
    """The name recorded in the audit trail and the ledger."""
    return by or f"cli:{getpass.getuser()}"


def amount(
    text: str | None, what: str, allow_negative: bool = False, bound: DecimalBound = bounds.AMOUNT
) -> int | None:
    """Yuan (units, a score) text to hundredths within `bound`, or an InvalidInput naming it."""
    if text is None:
        return None
    try:
        return parse_hundredths(text, what=what, allow_negative=allow_negative, bound=bound)
    except AmountError as exc:
        raise InvalidInput(str(exc)) from None


def fraction(text: str | None, what: str) -> int | None:
    """A fraction option to ten-thousandths, or a clear InvalidInput."""
    if text is None:
        return None
    try:
        return parse_ratio(text, what=what)
    except AmountError as exc:
        raise InvalidInput(str(exc)) from None


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
xlsx_option = click.option(
    "--xlsx",
    "xlsx",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write the table as an Excel workbook (.xlsx) at this path.",
)


def write_xlsx(table: str, document: Any, path: Path | None) -> None:
    """`--xlsx PATH`: the same rows as the JSON document, as a workbook (haiyan_comp.workbooks)."""
    if path is None:
        return
    from haiyan_comp.workbooks.tables import TABLES

    write_book(TABLES[table](document), path)


def write_book(book: Any, path: Path | None) -> None:
    """`--xlsx PATH` of a workbook a command made itself (haiyan_comp.workbooks.tables.Workbook)."""
    if path is None:
        return
    from flask import current_app

    from haiyan_comp.workbooks import write_workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    rows = write_workbook(
        str(path), county=str(current_app.config["COUNTY_NAME"]), sheets=book.sheets
    )
    click.echo(f"{rows} rows written to {path}", err=True)


# Whole numbers on the command line, within haiyan_comp.bounds (click says what is wrong, exit 2).
YEAR = click.IntRange(bounds.YEAR.lowest, bounds.YEAR.highest)
ID = click.IntRange(bounds.ID.lowest, bounds.ID.highest)


class IsoDate(click.ParamType):  # type: ignore[type-arg]
    """A YYYY-MM-DD date on the command line."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        from haiyan_comp.records.rules import parse_iso_date  # the records' rules, when used

        parsed = parse_iso_date(str(value))
        if parsed is None:
            self.fail(f"{value!r} is not a date written YYYY-MM-DD", param, ctx)
        return parsed


# Commands that serve or list the pages; every other command leaves the web layer
# out of its app, which takes half a second off each command's start.
WEB_COMMANDS = frozenset({"run", "routes", "shell"})


class HaiyanGroup(FlaskGroup):
    """Flask's command group, noting which command runs before it builds the app."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        ctx.meta["haiyan.command"] = cmd_name
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their one line each, as click lists them, without importing
        every command's module to read its help (app.SUMMARIES holds those lines)."""
        from haiyan_comp.app import SUMMARIES

        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(name) for name in names), default=0)
        rows = []
        for name in names:
            if name in SUMMARIES:
                summary = click.Command(name, help=SUMMARIES[name])  # click's own shortening
                rows.append((name, summary.get_short_help_str(limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _create_app() -> Any:
    from haiyan_comp.app import create_app

    ctx = click.get_current_context(silent=True)
    command = ctx.meta.get("haiyan.command") if ctx is not None else None
    return create_app(web=command in WEB_COMMANDS)


@click.group(cls=HaiyanGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Haiyan work-equivalent payments: catalogue, records, units and more."""


def main() -> None:
    """Entry point of the `haiyan` console script."""
    cli(prog_name="haiyan")


class LazyCommands(AppGroup):
    """The app's command group, importing each command's module only when it is run.

    A `haiyan` process runs one command; importing every domain (PDF fonts,
    Alembic, the demo generator …) for each of them cost most of a small
    command's time.
    """

    def __init__(self, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lazy = lazy  # command name → "module:attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, loaded or not."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, imported on first use."""
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, attribute = self.lazy[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)
