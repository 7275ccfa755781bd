"""Whether the service can work: the database answers (for the health check of load balancers)."""

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
