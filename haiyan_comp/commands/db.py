"""`haiyan db …`: the schema, by Alembic migrations; the application role's rights."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from haiyan_comp import migrate


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Create or upgrade the database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Create or upgrade the schema to REVISION (default: the newest)."""
    url = str(current_app.config["DATABASE_URL"])
    migrate.upgrade(url, revision)
    click.echo(f"database schema is at {revision}")
    if url.startswith("postgresql"):
        from haiyan_comp.operations.jobs import install_queue

        created = install_queue(url)
        click.echo("the job queue's tables " + ("are created" if created else "are in place"))


@db_group.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Step the schema back to REVISION ('base' removes every table)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database schema is at {revision}")


@db_group.command("grant")
@click.argument("role")
@click.option("--show", is_flag=True, help="Print the GRANT and REVOKE statements run.")
def grant(role: str, show: bool) -> None:
    """Give ROLE exactly the rights the application needs (PostgreSQL; after each upgrade).

    Run it as the tables' owner, the role that runs `haiyan db upgrade`. ROLE may
    read and write what the application writes, only append to the ledger, and
    never alter, truncate or drop a table (docs/PRODUCTION-ROLES.md).
    """
    try:
        statements = migrate.grant(current_app.config["DATABASE_URL"], role)
    except migrate.GrantRefused as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    if show:
        for statement in statements:
            click.echo(f"{statement};")
    click.echo(f"role {role} has the application's rights on every table")


@db_group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup(path: str) -> None:
    """Copy the SQLite database to PATH while the service runs (SQLite's online backup).

    The copy is consistent (one moment of the database) however busy the service
    is. For PostgreSQL use scripts/backup-pg.sh (pg_dump), docs/DEPLOY.md.
    """
    import sqlite3
    from pathlib import Path

    url = str(current_app.config["DATABASE_URL"])
    if not url.startswith("sqlite:///"):
        click.secho(
            "error: haiyan db backup copies the embedded SQLite database; for PostgreSQL "
            "run scripts/backup-pg.sh (pg_dump), see docs/DEPLOY.md",
            fg="red",
            err=True,
        )
        sys.exit(2)
    source_path = url.removeprefix("sqlite:///").split("?", 1)[0]
    target = Path(path)
    if target.resolve() == Path(source_path).resolve():
        click.secho("error: PATH is the database itself", fg="red", err=True)
        sys.exit(2)
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)  # the figures are the service account's only
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy, pages=4096)
    finally:
        copy.close()
        source.close()
    partial.replace(target)
    click.echo(f"backed up {source_path} to {target} ({target.stat().st_size} bytes)")
