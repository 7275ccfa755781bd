"""The JSON shapes of the administrator's things: users, API tokens, and what a load changed.

`haiyan users list --json`, `haiyan tokens … --json`, `haiyan catalog load
--json`, `haiyan institutions|staff load --json` and `haiyan demo --json` print
these schemas; each dumps the typed rows of accounts/queries.py or the result
of a load. Times are ISO 8601 in UTC to the second; units decimal strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields

from haiyan_comp.money import format_hundredths


class UtcTime(fields.Field):  # type: ignore[type-arg]
    """A stored moment as ISO 8601 in UTC, to the second (null when there is none)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        moment: datetime = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="seconds")


class Units(fields.Field):  # type: ignore[type-arg]
    """Integer hundredths out as a decimal string with 2 places."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format_hundredths(value)


class UserSchema(Schema):
    """One user (never the password's hash)."""

    username = fields.String(required=True)
    name = fields.String(required=True, attribute="display_name")
    role = fields.String(required=True)
    institution = fields.String(allow_none=True, attribute="institution_code")
    staff = fields.String(allow_none=True, attribute="staff_code")
    active = fields.Boolean(required=True)
    last_sign_in_at = UtcTime(allow_none=True)


class TokenSchema(Schema):
    """One API token (never the secret or its hash)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    role = fields.String(required=True)
    institution = fields.String(allow_none=True, attribute="institution_code")
    created_by = fields.String(required=True)
    created_at = UtcTime(required=True)
    last_used_at = UtcTime(allow_none=True)
    revoked_at = UtcTime(allow_none=True)


class CatalogueChangeSchema(Schema):
    """What loading a year's catalogue changed."""

    year = fields.Integer(required=True)
    added = fields.List(fields.String(), required=True)
    updated = fields.List(fields.String(), required=True)
    removed = fields.List(fields.String(), required=True)
    unchanged = fields.Integer(required=True)
    records_revalued = fields.Integer(required=True)


class LoadResultSchema(Schema):
    """What loading institutions or staff changed."""

    added = fields.List(fields.String(), required=True)
    updated = fields.List(fields.String(), required=True)
    unchanged = fields.Integer(required=True)


class DemoRecordsSchema(Schema):
    rows = fields.Integer(required=True)
    imported = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)
    rejected = fields.Integer(required=True, attribute="rejected_count")


class DemoLoginSchema(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True)
    password = fields.String(required=True)


class DemoYearSchema(Schema):
    """An earlier year of the demo county (`haiyan demo --since`), settled."""

    year = fields.Integer(required=True)
    records = fields.Integer(required=True)  # imported by this run
    gross = Units(required=True)
    final = Units(required=True)  # the year's final amounts, yuan
    batches = fields.Integer(required=True)
    deducted = Units(required=True)


class DemoSchema(Schema):
    """What `haiyan demo` loaded, and its logins."""

    year = fields.Integer(required=True)
    seed = fields.Integer(required=True)
    institutions = fields.Integer(required=True, attribute="institution_count")
    staff = fields.Integer(required=True, attribute="staff_count")
    items = fields.Integer(required=True, attribute="item_count")
    records_file = fields.String(required=True)
    records = fields.Nested(DemoRecordsSchema, required=True)
    gross = Units(required=True)
    over_spec = Units(required=True)
    bad_rows_file = fields.String(required=True)
    bad_rows = fields.Integer(required=True)
    try_ = fields.Method("_try", data_key="try")
    logins = fields.List(fields.Nested(DemoLoginSchema), required=True)
    years = fields.List(fields.Nested(DemoYearSchema))  # the earlier years, with --since
    settled = fields.Boolean()  # the year was settled already: nothing loaded into it

    def _try(self, report: Any) -> str:
        return f"haiyan records import {report.bad_rows_file}"


def users_document(users: list[Any]) -> dict[str, Any]:
    """`{"users": [...]}`."""
    return {"users": UserSchema(many=True).dump(users)}


def tokens_document(tokens: list[Any]) -> dict[str, Any]:
    """`{"tokens": [...]}`."""
    return {"tokens": TokenSchema(many=True).dump(tokens)}


def token_document(token: Any) -> dict[str, Any]:
    """One token."""
    document: dict[str, Any] = TokenSchema().dump(token)
    return document


def change_document(change: Any) -> dict[str, Any]:
    """A catalogue change."""
    document: dict[str, Any] = CatalogueChangeSchema().dump(change)
    return document


def load_document(result: Any) -> dict[str, Any]:
    """An institutions or staff load."""
    document: dict[str, Any] = LoadResultSchema().dump(result)
    return document


def demo_document(report: Any, logins: list[dict[str, str]]) -> dict[str, Any]:
    """What `haiyan demo --json` prints."""
    document: dict[str, Any] = DemoSchema().dump(_WithLogins(report, logins))
    return document


class _WithLogins:
    """A demo report with its logins, as the schema reads it."""

    def __init__(self, report: Any, logins: list[dict[str, str]]) -> None:
        self._report = report
        self.logins = logins

    def __getattr__(self, name: str) -> Any:
        return getattr(self._report, name)
