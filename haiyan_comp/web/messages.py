"""What the web layer itself says: HTTP errors and sign-in, by code.

The English of an HTTP error is the standard text the API has always sent
(Werkzeug's); a page shows the Chinese of the same code (messages/zh/web.po).
"""

from __future__ import annotations

from werkzeug import exceptions

from haiyan_comp.messages import Message, Template, define

HTTP: dict[int, Template] = {
    error.code: define(f"http_{error.code}", error.description or "")
    for error in (
        exceptions.BadRequest,
        exceptions.Unauthorized,
        exceptions.Forbidden,
        exceptions.NotFound,
        exceptions.MethodNotAllowed,
        exceptions.Conflict,
        exceptions.RequestEntityTooLarge,
        exceptions.UnsupportedMediaType,
        exceptions.UnprocessableEntity,
        exceptions.TooManyRequests,
        exceptions.InternalServerError,
        exceptions.ServiceUnavailable,
    )
    if error.code is not None
}
SIGN_IN = define("sign_in", "sign in or send a bearer token")
CSRF = define(
    "csrf_failed",
    "The CSRF token is missing, invalid or expired; reload the form and submit it again.",
)


def http_message(error: exceptions.HTTPException) -> str:
    """The error's message: a code's when it says the standard thing, else its own words."""
    description = error.description or error.name
    template = HTTP.get(error.code or 500)
    if template is not None and description == template.english:
        return template()
    return description if isinstance(description, Message) else str(description)
