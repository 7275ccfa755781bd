"""A small per-process cache of rendered page parts, keyed by what they show.

A centre's dashboard reads a dozen tables; fifty people looking at it at once
should not make the server compute it fifty times. A cached part is keyed by a
*data version*: a handful of sums over the small tables the page reads (unit
totals, closed audit batches, the catalogue, configuration, baselines and
settlements of the two years shown). Any import, audit close, catalogue load,
configuration change or settlement changes a sum, so the next request renders
afresh; nothing is ever shown stale, and there is no time to live to tune.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

T = TypeVar("T")

_VERSION = text(
    """
    SELECT
      (SELECT COALESCE(SUM(records), 0) FROM unit_totals
        WHERE institution_id = :institution AND year IN (:year, :year - 1)),
      (SELECT COALESCE(SUM(gross), 0) FROM unit_totals
        WHERE institution_id = :institution AND year IN (:year, :year - 1)),
      (SELECT COALESCE(SUM(purchasable), 0) FROM unit_totals
        WHERE institution_id = :institution AND year IN (:year, :year - 1)),
      (SELECT COUNT(*) FROM audit_batches
        WHERE closed_at IS NOT NULL AND year IN (:year, :year - 1)),
      (SELECT COALESCE(SUM(deduction), 0) FROM audit_batches WHERE year IN (:year, :year - 1)),
      (SELECT COUNT(*) FROM service_items WHERE year IN (:year, :year - 1)),
      (SELECT COALESCE(SUM(value), 0) FROM service_items WHERE year IN (:year, :year - 1)),
      (SELECT COALESCE(MAX(id), 0) FROM config_changes),
      (SELECT COALESCE(SUM(basic_medical_units), 0) FROM baselines
        WHERE year IN (:year, :year - 1)),
      (SELECT COUNT(*) FROM settlements WHERE year IN (:year, :year - 1))
    """
)


def institution_year_version(session: Session, institution_id: int, year: int) -> tuple[int, ...]:
    """What an institution's figures of `year` (and the year before) depend on."""
    row = session.execute(_VERSION, {"institution": institution_id, "year": year}).one()
    return tuple(int(value) for value in row)


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


dashboards = PartCache()
