"""Use cases: the one door through which pages, the API, commands, jobs and the scheduler act.

An operation is a function decorated with `@operation`: it owns its
transaction, which opens when it is called, commits when it returns and rolls
back on any exception (an operation called by another joins the caller's).
A read is decorated with `@reading`: it takes no write lock and ends its read
transaction when it returns, so a page or a command never holds a snapshot
open after it has its rows.

Below this layer, services and queries flush and never commit; above it,
surfaces parse input, call one operation and present what it returns. Work
that crosses domains (revaluing a year's records after a catalogue change,
settling a year, assembling a year's figures, verifying the books) is an
operation here, so that every domain package depends only on the domains
below it (docs/ARCHITECTURE.md gives the order).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from haiyan_comp.db import db

P = ParamSpec("P")
R = TypeVar("R")


def operation(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` as one unit of work: all of it is stored, or none of it."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with db.unit_of_work():
            return func(*args, **kwargs)

    return wrapper


def reading(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func`, which only reads, and end its read transaction when it returns.

    Inside an operation a read joins the operation's transaction instead.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if db.in_unit_of_work():
            return func(*args, **kwargs)
        try:
            return func(*args, **kwargs)
        finally:
            db.end_read()

    return wrapper
