"""/api/v1/jobs/{id}: a job's state, progress and result link, from any web server.

A job belongs to whoever started it from the pages (a signed-in person, with
the session cookie): anybody else, and any API token, gets 404, as on the page.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from haiyan_comp.api.blueprint import Blueprint
from haiyan_comp.queue.files import JobState
from haiyan_comp.web import jobs
from haiyan_comp.web.access import allow
from haiyan_comp.web.jobs import EVERYONE

blp = Blueprint("api_jobs", __name__, url_prefix="/jobs", description="Long work and its progress")


class JobSchema(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"example": "statements-zip"})
    title = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": ["queued", "running", "done", "failed"]})
    done = fields.Integer(required=True, metadata={"description": "Steps (or bytes) done."})
    total = fields.Integer(required=True)
    percent = fields.Integer(required=True)
    message = fields.String(required=True, metadata={"description": "The step under way."})
    result_url = fields.String(
        allow_none=True, metadata={"description": "Where the result is, once the job is done."}
    )
    error = fields.String(allow_none=True, metadata={"description": "Why it failed (English)."})
    reason = fields.String(allow_none=True, metadata={"description": "The failure's code."})
    params = fields.Dict(allow_none=True, metadata={"description": "The failure's parameters."})
    attempts = fields.Integer(
        required=True, metadata={"description": "Runs begun (more than 1: a worker died)."}
    )
    started_at = fields.String(required=True, metadata={"description": "ISO 8601, UTC."})
    finished_at = fields.String(allow_none=True)


def document(state: JobState) -> dict[str, Any]:
    code = state.error_code or {}
    return {
        **jobs.as_json(state),
        "error": None if state.error is None else str(state.error),
        "reason": code.get("code"),
        "params": code.get("params"),
    }


@blp.route("/<job_id>", methods=["GET"])
@blp.response(200, JobSchema)
@allow(*EVERYONE)
def job(job_id: str) -> dict[str, Any]:
    """A job you started: its state, progress and, once done, the link to its result."""
    return document(jobs.load(job_id))
