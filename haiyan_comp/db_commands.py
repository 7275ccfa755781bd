"""`haiyan db …`: the schema, by Alembic migrations."""

from __future__ import annotations

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
