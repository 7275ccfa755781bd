"""Domain errors: each carries an HTTP status and a stable code.

The CLI and (later) the HTTP layer turn them into a message for the user; one
place each, so every command and route speaks the same way.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An error the user can act on: what was wrong and how to mend it."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body of CONTRACT.md."""
        return {"error": self.code, "message": self.message, "details": self.details}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class InvalidInput(DomainError):
    """Input that breaks a rule; `details` lists every problem found."""

    status = 422
    code = "invalid_input"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class YearSettled(Conflict):
    code = "year_settled"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
