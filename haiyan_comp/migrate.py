"""Run the Alembic migrations in migrations/ from the app or a test; grant the app's rights.

On PostgreSQL the schema has two roles (docs/PRODUCTION-ROLES.md): the owner,
which runs the migrations, and the application's role, which `grant` gives
exactly what the application does to each table (TABLE_RIGHTS) and nothing it
could change the schema or the ledger's triggers with.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, text

from haiyan_comp.messages import Message, define

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    """An Alembic config pointing at migrations/ and at `url` (or a live connection)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head", connection: Connection | None = None) -> None:
    """Create or upgrade the schema to `revision`."""
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str, revision: str, connection: Connection | None = None) -> None:
    """Step the schema back to `revision`."""
    command.downgrade(alembic_config(url, connection), revision)


SCHEMA_BEHIND = define(
    "schema_behind",
    "The database's schema ({stored}) is older than this version of the service ({expected}):"
    " run `{upgrade}` (and `{grant}` on PostgreSQL).",
)


@cache
def _script() -> ScriptDirectory:
    """This code's migrations, read once per process."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR))


def code_heads() -> frozenset[str]:
    """The revisions this code's migrations end at (one, unless two branches were left)."""
    return frozenset(_script().get_heads())


def known_revisions() -> frozenset[str]:
    """Every revision of this code's migrations."""
    return frozenset(revision.revision for revision in _script().walk_revisions())


def schema_behind(stored: frozenset[str]) -> Message | None:
    """What to tell people when the database's revisions (`stored`, from alembic_version) are
    older than this code's migrations; None when they are the code's, or newer (revisions
    this code does not know: a newer release migrated, and the one before it runs on that)."""
    expected = code_heads()
    if stored == expected or (stored and not stored <= known_revisions()):
        return None
    return SCHEMA_BEHIND(
        stored=", ".join(sorted(stored)) or "—", expected=", ".join(sorted(expected)),
        upgrade="haiyan db upgrade", grant="haiyan db grant",
    )  # fmt: skip


# What the application's role may do to each table (`haiyan db grant`), from what the
# application's code does to it (found by reading it, and by logging every statement of
# the suite on PostgreSQL). The ledger is append-only: INSERT and SELECT, never UPDATE or
# DELETE; so are the trails (config_changes, audit_verdict_changes), the frozen audit
# populations, the paid instalments and the settlements. No table gets TRUNCATE,
# REFERENCES or TRIGGER, and the role owns nothing: it cannot ALTER, DROP or disable a
# trigger. Rows locked FOR UPDATE/SHARE (audit batches, verdicts) need UPDATE.
READ_APPEND = ("SELECT", "INSERT")
READ_WRITE = ("SELECT", "INSERT", "UPDATE")
READ_WRITE_DELETE = ("SELECT", "INSERT", "UPDATE", "DELETE")
READ_APPEND_DELETE = ("SELECT", "INSERT", "DELETE")
LEDGER_TABLES = ("ledger_entries", "ledger_postings")
TABLE_RIGHTS: dict[str, tuple[str, ...]] = {
    # `haiyan db upgrade` writes it (the owner); a web server reads it to refuse, with a page
    # saying so, to serve a schema that is not its code's (web/schema_gate.py).
    "alembic_version": ("SELECT",),
    "api_tokens": READ_WRITE,  # revoked, last used
    "assessment_indicator_scores": READ_APPEND_DELETE,  # a year's indicators are reloaded whole
    "assessment_indicators": READ_APPEND_DELETE,
    "assessments": READ_WRITE,
    "audit_batches": READ_WRITE,  # closed
    "audit_population": READ_APPEND,  # frozen at the draw (R5)
    # R18's units: written when a batch closes with failures, redone after a revaluation.
    "audit_population_staff": READ_WRITE_DELETE,
    "audit_verdict_changes": READ_APPEND,  # the verdicts' trail
    "audit_verdicts": READ_WRITE,
    "baselines": READ_WRITE,
    "config_changes": READ_APPEND,  # the configuration's trail
    "instalments": READ_APPEND,  # paid once, never changed (a correction is a new row)
    "flag_years_due": READ_APPEND_DELETE,  # a bulk load names its year; the first read recounts
    "institutions": READ_WRITE,
    "job_files": READ_APPEND_DELETE,  # uploads and results of jobs, deleted with their job
    "jobs": READ_WRITE_DELETE,  # long work's state (issue 18); old jobs are deleted
    "ledger_checks": READ_APPEND,  # each verification of the books, kept (0018)
    "ledger_entries": READ_APPEND,
    "ledger_postings": READ_APPEND,
    "ledger_seals": READ_APPEND,  # a settled year's seal: the ledger chain's head (0012)
    "prepayment_plans": READ_WRITE,
    "prepayment_totals": READ_APPEND,  # frozen at the first payment (R11)
    # procrastinate's queue (haiyan_comp/jobs/queue.py): workers take, finish and retry jobs.
    "procrastinate_events": READ_WRITE_DELETE,
    "procrastinate_jobs": READ_WRITE_DELETE,
    "procrastinate_periodic_defers": READ_WRITE_DELETE,
    "procrastinate_workers": READ_WRITE_DELETE,
    "record_imports": READ_WRITE,
    # The audit's repeats: a bulk load regroups its year; a revaluation updates their units.
    "repeat_records": READ_WRITE_DELETE,
    "schedule_runs": READ_APPEND,  # the daily run's claim of a day
    "service_items": READ_WRITE_DELETE,  # a catalogue reload drops items no record uses
    "service_records": READ_WRITE,  # purchasable units follow the cap (R3); never deleted
    "settlements": READ_APPEND,  # fixed at settlement (R13)
    "signin_attempts": READ_APPEND_DELETE,
    "staff": READ_WRITE,
    "staff_day_imports": READ_APPEND_DELETE,  # recomputed after a catalogue change
    "staff_day_totals": READ_WRITE_DELETE,  # imports add to a day; recomputed like the above
    "staff_totals": READ_WRITE_DELETE,  # recomputed
    "unit_totals": READ_WRITE_DELETE,  # recomputed
    "users": READ_WRITE,
    "web_sessions": READ_WRITE_DELETE,
    "year_configs": READ_WRITE,
    "year_settlements": READ_APPEND,
    "years": READ_WRITE,
}


class GrantRefused(Exception):
    """`haiyan db grant` cannot grant (not PostgreSQL, no such role, a table nobody listed)."""


def grant(url: str, role: str) -> list[str]:
    """Give `role` exactly TABLE_RIGHTS on the schema's tables (PostgreSQL); the statements run.

    Idempotent: every right the role holds on the tables and sequences is revoked
    first, in the same transaction, so running it again (after each upgrade)
    leaves exactly the rights listed, whatever was granted before.
    """
    engine = create_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            raise GrantRefused(
                "haiyan db grant is for PostgreSQL: SQLite has no roles (whoever may write "
                "the database file may change every table; protect the file instead)"
            )
        with engine.begin() as conn:
            statements = _grants(conn, role)
            for statement in statements:
                conn.exec_driver_sql(statement)
        return statements
    finally:
        engine.dispose()


def _grants(conn: Connection, role: str) -> list[str]:
    """The statements that leave `role` with exactly TABLE_RIGHTS, after checking it may."""
    found = conn.execute(
        text(
            "SELECT rolsuper, quote_ident(:role), quote_ident(current_schema()), "
            "quote_ident(current_database()) FROM pg_roles WHERE rolname = :role"
        ),
        {"role": role},
    ).first()
    if found is None:
        raise GrantRefused(f"there is no role {role!r}; create it first: createuser {role}")
    superuser, quoted, schema, database = found
    owners: dict[str, bool] = dict(
        conn.execute(
            text(
                "SELECT tablename, pg_has_role(:role, tableowner, 'MEMBER') FROM pg_tables "
                "WHERE schemaname = current_schema()"
            ),
            {"role": role},
        ).all()
    )
    if superuser or any(owners.values()):
        raise GrantRefused(
            f"role {role!r} is a superuser, or owns the tables (or is a member of their "
            "owner): no grant can hold it back; the application needs a role of its own"
        )
    tables = set(owners)
    unlisted = sorted(tables - TABLE_RIGHTS.keys())
    if unlisted:
        raise GrantRefused(
            f"no rights are decided for table(s) {', '.join(unlisted)}: "
            "list them in haiyan_comp.migrate.TABLE_RIGHTS"
        )
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {quoted}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {quoted}",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {quoted}",  # temporary stages
        f"REVOKE CREATE ON SCHEMA {schema} FROM {quoted}",
        f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
    ]
    for table in sorted(tables):
        if TABLE_RIGHTS[table]:
            statements.append(f"GRANT {', '.join(TABLE_RIGHTS[table])} ON {table} TO {quoted}")
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}")
    return statements
