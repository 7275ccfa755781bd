"""A web server whose database schema is not its code's says so, instead of failing at random.

New code started on a database nobody upgraded answered 500 wherever a page touched a
changed table (`table repeat_records has no column named source_id`), and 200 elsewhere.
Now the first request compares the revisions in alembic_version with the code's
migrations. While the schema is behind them, every request but a static file is
answered 503: people get a page in their language saying what to run, the API and the
health check the code `schema_behind`. Each such request looks again (one small read),
so the service comes back by itself once `haiyan db upgrade` has run, with no restart;
once the schema is the code's, nothing is read again.

A schema ahead of the code (a revision it does not know) is served as before, with a
warning in the log: upgrades migrate first and then replace the servers one by one, and
the release before a migration runs on the schema after it (docs/DEPLOY.md). So is a
schema whose revision cannot be read (a role without the grant, say).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request

from haiyan_comp import migrate
from haiyan_comp.messages import Message
from haiyan_comp.operations.health import schema_revisions

log = logging.getLogger(__name__)


class SchemaGate:
    """Whether this server's schema is known to be its code's (checked until it is)."""

    def __init__(self) -> None:
        self.settled = False  # the code's (or newer, or not readable): never checked again

    def problem(self) -> Message | None:
        """What is wrong with the schema now, or None."""
        stored = schema_revisions()
        if stored is None:
            log.warning("the schema's revision cannot be read (alembic_version): not checked")
            self.settled = True
            return None
        problem = migrate.schema_behind(stored)
        if problem is None:
            if stored != migrate.code_heads():
                log.warning("the schema %s is newer than this code's", sorted(stored))
            self.settled = True
        return problem

    def __call__(self) -> Any:
        """Before every request: nothing, or the 503 that says what is wrong."""
        if self.settled or request.endpoint == "static":
            return None
        problem = self.problem()
        if problem is None:
            return None
        log.error("serving 503: %s", problem)
        from haiyan_comp.web.setup import error_response

        if request.endpoint == "web.healthz":
            response = jsonify(status="unavailable", database=problem.code, message=str(problem))
            response.status_code = 503
            return response
        return error_response(503, problem.code, problem)


def init_schema_gate(app: Flask) -> None:
    """Check the schema before anything else a request does."""
    app.before_request_funcs.setdefault(None, []).insert(0, SchemaGate())
