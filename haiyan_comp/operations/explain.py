"""How an institution's final amount of a year came to be (`haiyan explain`, its page
and API): the explanation tree of the figures the statement prints."""

from __future__ import annotations

from haiyan_comp.db import db
from haiyan_comp.explain.queries import explanation_figures
from haiyan_comp.explain.tree import Link, Node, explain
from haiyan_comp.operations import reading

__all__ = ["Link", "Node", "explanation"]


@reading
def explanation(year: int, institution: str) -> Node:
    """The tree for `institution`'s year: settled figures, or an estimate for an open year."""
    return explain(explanation_figures(db.session, year, institution))
