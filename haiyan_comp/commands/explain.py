"""`haiyan explain`: how an institution's final amount of a year came to be."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from haiyan_comp.cli import YEAR, domain_errors, emit_json, json_option
from haiyan_comp.operations.explain import explanation

if TYPE_CHECKING:
    from haiyan_comp.operations.explain import Node


@click.command("explain")
@with_appcontext
@click.argument("year", type=YEAR)
@click.option("--institution", "institution", required=True, help="The institution's code.")
@json_option
@domain_errors
def explain(year: int, institution: str, as_json: bool) -> None:
    """How INSTITUTION's final amount of YEAR came to be, down to items and audit batches."""
    tree = explanation(year, institution)
    if as_json:  # the API's schema (marshmallow) only for the JSON document
        from haiyan_comp.api.schemas_explain import explanation_document

        emit_json(explanation_document(tree))
        return
    _print(tree, "")


def _print(node: Node, indent: str) -> None:
    unit = {"yuan": " yuan", "units": " units"}.get(node.unit, "")
    click.echo(f"{indent}{node.label}: {node.value}{unit}")
    if node.formula is not None:
        click.echo(f"{indent}    = {node.formula}")
    for child in node.children:
        _print(child, indent + "  ")
