"""The PostgreSQL import's writing thread: one chunk behind the reading thread."""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class Behind(Generic[T]):
    """Calls `work` on each item put, in a second thread, at most one item behind."""

    def __init__(self, work: Callable[[T], None]) -> None:
        self._work = work
        self._queue: queue.Queue[T | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="record-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._work(item)
                except BaseException as exc:  # handed to the caller by put() or close()
                    self._error = exc

    def put(self, item: T) -> None:
        """Queue an item (waiting while one is queued); raise what the thread raised."""
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def close(self, *, raising: bool = True) -> None:
        """Wait until every item is done; raise what the thread raised."""
        self._queue.put(None)
        self._thread.join()
        if raising and self._error is not None:
            raise self._error


# How often (seconds) a thread that holds the GIL is made to pass it on while the
# PostgreSQL import's two threads run. See _prompt_switches.
SWITCH_INTERVAL = 0.0005


@contextmanager
def prompt_switches() -> Iterator[None]:
    """Let the writing thread take the GIL back soon after the server has read its data.

    The writing thread waits for the socket without the GIL, but to send the next
    piece of a chunk (psycopg sends COPY data 128 KiB at a time) it needs the GIL
    again, and the reading thread, always busy, hands it over only at Python's next
    forced switch: every 5 ms by default. Meanwhile the server has read what was
    sent and waits. At half a millisecond, the writing thread spent 2.8–2.9 s in
    COPY for 1,000,000 rows instead of 3.2–3.6 s, and the imports took 4.5–4.7 s
    instead of 4.8–5.4 s (the two alternated in the same minutes). The interval is
    the process's; it is put back when the last chunk is read.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
