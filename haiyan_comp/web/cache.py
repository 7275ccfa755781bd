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
from typing import TypeVar

from flask import session
from flask_login import current_user

T = TypeVar("T")


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
