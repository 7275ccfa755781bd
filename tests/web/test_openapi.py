"""/api/v1/openapi.json describes what the server does: schemathesis against the app, in-process.

For every operation, generated requests (valid by the schema) are sent with a
finance, an auditor and a centre token; no answer may be a server error, and
every answer must match the document: its status, content type and body.
A schema-valid request may still break a rule of the domain (a sample larger
than its population, a year not yet settled): those answer 422 or 409 with the
error document, so schemathesis's "valid data must be accepted" check is off.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskCliRunner
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.web.test_api_helpers import API, bearer, token

MAX_EXAMPLES = 25


def test_the_document_names_every_endpoint_and_the_error_shape(
    app: Flask, county: dict[str, Any]
) -> None:
    document = app.test_client().get(API + "/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert {"/api/v1/records", "/api/v1/units", "/api/v1/years/{year}",
            "/api/v1/prepayments/run", "/api/v1/audits", "/api/v1/years/{year}/settlement",
            "/api/v1/ledger", "/api/v1/years/{year}/bonus",
            "/api/v1/statements/{institution}/settlement/{year}"} <= paths  # fmt: skip
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message"}
    budget = document["components"]["schemas"]["YearConfig"]["properties"]["budget"]
    assert budget["type"] == "string" and budget["pattern"] == r"^-?\d+\.\d{2}$"
    body = document["paths"]["/api/v1/records"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "text/csv", "application/x-ndjson"} <= set(body)


def fuzz(app: Flask, secret: str) -> list[str]:
    """Every operation, MAX_EXAMPLES generated requests each; the failures found."""
    schema = schemathesis.openapi.from_wsgi(API + "/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(
                headers=bearer(secret), excluded_checks=[positive_data_acceptance]
            )

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, at once
            failures.append(f"{operation.label}: {exc}")
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("role", ["finance", "auditor", "centre"])
def test_the_server_conforms_to_its_document(
    app: Flask, runner: FlaskCliRunner, county: dict[str, Any], role: str
) -> None:
    secret = token(runner, role, "HY01" if role == "centre" else None)
    failures = fuzz(app, secret)
    assert not failures, "\n\n".join(failures)
