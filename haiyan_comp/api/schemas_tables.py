"""The JSON shapes of the catalogue and of an institution's imports (GET only)."""

from __future__ import annotations

from marshmallow import Schema, fields

from haiyan_comp.api.schemas import Hundredths, IsoDateTime, Year


class CatalogueQuery(Schema):
    year = Year(load_default=None)  # the latest year with a catalogue when absent


class CatalogueItem(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True, metadata={"enum": ["basic_medical", "public_health"]})
    unit = fields.String(required=True)
    value = Hundredths(required=True)
    cap = fields.Integer(required=True, allow_none=True)
    spec = fields.String(required=True)
    data_rule = fields.String(required=True)
    source = fields.String(required=True)
    change = fields.String(required=True, metadata={"enum": ["new", "changed", "same"]})
    previous_value = Hundredths(required=True, allow_none=True)
    previous_cap = fields.Integer(required=True, allow_none=True)


class RemovedItem(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    value = Hundredths(required=True)
    cap = fields.Integer(required=True, allow_none=True)


class CatalogueSchema(Schema):
    year = fields.Integer(required=True)
    years = fields.List(fields.Integer(), required=True)
    previous_year = fields.Integer(required=True, allow_none=True)
    items = fields.List(fields.Nested(CatalogueItem), required=True, attribute="entries")
    removed = fields.List(fields.Nested(RemovedItem), required=True)


class ImportSchema(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    strict = fields.Boolean(required=True)
    imported_by = fields.String(required=True)
    started_at = IsoDateTime(required=True)
    rows = fields.Integer(required=True)
    imported = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)
    rejected = fields.Integer(required=True)


class ImportsSchema(Schema):
    institution = fields.String(required=True)
    imports = fields.List(fields.Nested(ImportSchema), required=True)
