"""`haiyan worker`: run queued long work (any number of workers, on any machine)."""

from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from haiyan_comp.operations.jobs import queue_installed


@click.command("worker")
@with_appcontext
@click.option("--concurrency", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Jobs this worker runs at the same time.")  # fmt: skip
@click.option("--name", help="The worker's name in procrastinate's table (default: its own).")
def worker(concurrency: int, name: str | None) -> None:
    """Take jobs from the queue in PostgreSQL and run them, until stopped (SIGTERM or Ctrl-C).

    Needs PostgreSQL with the queue's tables (`haiyan db upgrade` makes them);
    web servers queue jobs when HAIYAN_JOBS=queue. A stopped worker finishes
    the job it has begun; a killed one's job is given to another worker.
    """
    url = str(current_app.config["DATABASE_URL"])
    if not url.startswith("postgresql"):
        click.secho(
            "error: haiyan worker needs PostgreSQL (DATABASE_URL); with SQLite, jobs run "
            "in the web process and no worker is needed",
            fg="red",
            err=True,
        )
        sys.exit(2)
    if not queue_installed():
        click.secho(
            "error: the queue's tables are missing: run `haiyan db upgrade` first",
            fg="red",
            err=True,
        )
        sys.exit(2)
    from haiyan_comp.queue.worker import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    click.echo(f"worker started (concurrency {concurrency}); stop it with SIGTERM or Ctrl-C")
    run(current_app._get_current_object(), concurrency, name)  # type: ignore[attr-defined]
