"""Whether the service can work: the database answers (for the health check of load balancers),
and its schema is the code's."""

from __future__ import annotations

from sqlalchemy import text

from haiyan_comp.db import db


def database_answers() -> str | None:
    """The database's dialect ('sqlite', 'postgresql') when it answers; None when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
        db.end_read()
    except Exception:  # any failure at all means unhealthy
        db.session.rollback()
        return None
    return db.dialect


def schema_revisions() -> frozenset[str] | None:
    """The revisions `haiyan db upgrade` left in the database; None when they cannot be read
    (no database, no alembic_version table, or no right to read it)."""
    try:
        rows = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars()
        revisions = frozenset(str(row) for row in rows)
        db.end_read()
    except Exception:  # whatever it is, the revisions are unknown
        db.session.rollback()
        return None
    return revisions
