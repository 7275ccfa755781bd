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
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database schema is at {revision}")


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
