"""Domain errors: each carries an HTTP status, a kind and a message by code.

The kind (`code`: not_found, invalid_input, conflict …) is the `error` of the
API's JSON; the message (a `haiyan_comp.messages.Message`) says exactly what
was wrong with its own code and parameters, in English for the command line
and the API, in Chinese for the pages. The CLI and the HTTP layer turn them
into a response in one place each, so every command and route speaks the same way.
"""

from __future__ import annotations

from typing import Any

from haiyan_comp.messages import Message, as_json, text


class DomainError(Exception):
    """An error the user can act on: what was wrong and how to mend it."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message  # a Message (a str with a code); plain text only from old callers
        self.details = details

    @property
    def reason(self) -> str | None:
        """The code of what exactly was wrong (None for an error still written as plain text)."""
        return self.message.code if isinstance(self.message, Message) else None

    def text(self, locale: str) -> str:
        """The message as a person reads it in `locale`."""
        return text(self.message, locale)

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body of CONTRACT.md, with the message's code and parameters added."""
        body = {"error": self.code, "message": str(self.message), "details": self.details}
        described = as_json(self.message)
        body["reason"] = described["code"]
        body["params"] = described["params"]
        if isinstance(self.details, list) and any(isinstance(d, Message) for d in self.details):
            body["reasons"] = [as_json(d) for d in self.details]
        return body


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
