"""Helpers of the API tests: bearer tokens, JSON calls, the CLI's JSON to compare with."""

from __future__ import annotations

import json
import re
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner

API = "/api/v1"
MONEY = re.compile(r"^-?\d+\.\d{2}$")


def token(runner: FlaskCliRunner, role: str, institution: str | None = None) -> str:
    """A new API token's secret, made the way an administrator makes one."""
    args = ["tokens", "create", f"test {role}", "--role", role, "--json"]
    if institution:
        args += ["--institution", institution]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    secret: str = json.loads(result.stdout)["token"]
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def cli_json(runner: FlaskCliRunner, *args: str) -> Any:
    """A command's --json document (asserting it succeeded)."""
    result = runner.invoke(args=[*args, "--json"])
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


def cli(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, (args, result.output)
    return result.output


def call(
    client: FlaskClient,
    method: str,
    path: str,
    secret: str | None = None,
    status: int = 200,
    **kwargs: Any,
) -> Any:
    """Call the API and check the status; the JSON body back (or the response for PDFs)."""
    headers = {**(bearer(secret) if secret else {}), **kwargs.pop("headers", {})}
    response = client.open(API + path, method=method, headers=headers, **kwargs)
    assert response.status_code == status, (status, response.get_data(as_text=True)[:2000])
    if response.mimetype == "application/json":
        if status >= 400:
            assert_error_shape(response.get_json())
        return response.get_json()
    return response


def assert_error_shape(body: Any) -> None:
    """CONTRACT.md: {"error": CODE, "message": TEXT, "details": …}, and the message's own
    code and parameters (`reason`, `params`; `reasons` for a list of them) beside them."""
    assert (
        {"error", "message", "details"}
        <= set(body)
        <= {
            "error",
            "message",
            "details",
            "reason",
            "params",
            "reasons",
        }
    ), body
    assert isinstance(body["error"], str) and isinstance(body["message"], str)
    assert body.get("reason") is None or isinstance(body["reason"], str)


def money_fields_are_strings(document: Any, keys: tuple[str, ...]) -> int:
    """Every value under one of `keys`, anywhere in `document`, is a 2-place string."""
    seen = 0
    if isinstance(document, dict):
        for key, value in document.items():
            if key in keys and value is not None:
                assert isinstance(value, str) and MONEY.match(value), (key, value)
                seen += 1
            seen += money_fields_are_strings(value, keys)
    elif isinstance(document, list):
        seen += sum(money_fields_are_strings(v, keys) for v in document)
    return seen
