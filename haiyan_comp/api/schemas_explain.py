"""The JSON shape of an explanation (`haiyan explain --json`, GET /api/v1/explain):
nodes {name, label, value, formula, unit, link, children} as CONTRACT.md describes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields


class LinkSchema(Schema):
    kind = fields.String(required=True)
    params = fields.Dict(keys=fields.String(), values=fields.Raw())


class NodeSchema(Schema):
    name = fields.String(required=True)
    label = fields.Function(lambda node: str(node.label), required=True)
    value = fields.String(required=True, metadata={"description": "yuan, units or a percentage"})
    unit = fields.String(metadata={"description": "yuan, units, percent or price"})
    formula = fields.Function(lambda node: None if node.formula is None else str(node.formula))
    link = fields.Nested(LinkSchema, allow_none=True)
    children = fields.List(fields.Nested(lambda: NodeSchema()))


def explanation_document(node: Any) -> dict[str, Any]:
    """An explanation tree as the API and `--json` give it."""
    document: dict[str, Any] = NodeSchema().dump(node)
    return document
