"""A small per-process cache of rendered page parts, keyed by what they show.

A centre's dashboard reads a dozen tables; fifty people looking at it at once
should not make the server compute it fifty times. A cached part is keyed by a
*data version*: a handful of sums over the small tables the page reads (unit
totals, closed audit batches, the catalogue, configuration, baselines and
settlements of the two years shown). Any import, audit close, catalogue load,
configuration change or settlement changes a sum, so the next request renders
afresh; nothing is ever shown stale, and there is no time to live to tune.

The version and the years a centre has records in are one statement, and a
person reloading the dashboard gets the whole page they were last sent (same
session, same data version): per request, the session's row, that statement
and two dictionary look-ups.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from flask import session
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.orm import Session

T = TypeVar("T")

# One statement, one pass over the institution's running totals: the years it
# has records in (what the year menu offers) and every year's sums, next to the
# small tables' sums over every year. So one answer, read before the year to
# show is known, is both the year menu and the version of any year's page; a
# change in another year only renders the page once more.
_VERSION = text(
    """
    WITH others AS (
      SELECT
        (SELECT COUNT(*) FROM audit_batches WHERE closed_at IS NOT NULL) AS closed,
        (SELECT COALESCE(SUM(deduction), 0) FROM audit_batches) AS deducted,
        (SELECT COUNT(*) FROM service_items) AS items,
        (SELECT COALESCE(SUM(value), 0) FROM service_items) AS item_values,
        (SELECT COALESCE(MAX(id), 0) FROM config_changes) AS configured,
        (SELECT COALESCE(SUM(basic_medical_units), 0) FROM baselines) AS baselines,
        (SELECT COUNT(*) FROM settlements) AS settled
    ),
    totals AS (
      SELECT year, MAX(records) AS most, SUM(records) AS records, SUM(gross) AS gross,
             SUM(purchasable) AS purchasable
        FROM unit_totals WHERE institution_id = :institution GROUP BY year
    )
    SELECT others.closed, others.deducted, others.items, others.item_values, others.configured,
           others.baselines, others.settled,
           totals.year, totals.most, totals.records, totals.gross, totals.purchasable
      FROM others LEFT JOIN totals ON 1 = 1
     ORDER BY totals.year DESC
    """
)


@dataclass(frozen=True)
class DataVersion:
    """What an institution's dashboard of a year shows depends on, read in one statement.

    `years`: the years with records of the institution, newest first.
    `version`: a value that changes whenever anything the page shows may have.
    """

    years: tuple[int, ...]
    version: tuple[int, ...]


def institution_version(session: Session, institution_id: int) -> DataVersion:
    """The years with records of an institution, and what its figures of any year depend on."""
    rows = session.execute(_VERSION, {"institution": institution_id}).all()
    version = tuple(int(value) for value in rows[0][:7])
    years = []
    for *_others, total_year, most, records, gross, purchasable in rows:
        if total_year is None:  # no running totals at all (the LEFT JOIN's empty side)
            continue
        if most > 0:
            years.append(int(total_year))
        version += (int(total_year), int(records), int(gross), int(purchasable))
    return DataVersion(tuple(years), version)


class PartCache:
    """A bounded, thread-safe LRU map of (key, version) → value."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable, make: Callable[[], T]) -> T:
        """The cached value for `key` at `version`, else `make()` (then kept)."""
        entry = (key, version)
        with self._lock:
            if entry in self._items:
                self._items.move_to_end(entry)
                return self._items[entry]  # type: ignore[return-value]
        value = make()
        with self._lock:
            self._items[entry] = value
            self._items.move_to_end(entry)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def personal() -> tuple[str, str] | None:
    """What makes a whole page one person's, or None when it must be rendered afresh.

    A page is the same for the same sign-in session and CSRF token (the token
    in a cached page stays valid: it is checked against the session's, with no
    time limit). A page with a message to show (a flash) is never cached, nor one
    whose session has no CSRF token yet (rendering it makes one).
    """
    token = session.get("csrf_token")
    if not token or "_flashes" in session or not current_user.is_authenticated:
        return None
    return (current_user.get_id(), token)


dashboards = PartCache()
"""Dashboard bodies, shared by everyone of the institution."""
pages = PartCache(256)
"""Whole dashboard pages, one person's each (see `personal`)."""
