"""The records export's read-ahead (records/queries/stream.py): the next batch is fetched by
a thread of its own while the rows of this one are written; every row comes once, in order,
a failed fetch is raised to the reader, and a reader that stops early stops the fetching."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from haiyan_comp.records.queries import stream
from haiyan_comp.records.queries.stream import _prefetched


class Cursor:
    def __init__(self, rows: int, fail_at: int | None = None) -> None:
        self.rows, self.at, self.fail_at, self.fetches = rows, 0, fail_at, 0

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        self.fetches += 1
        if self.fail_at is not None and self.at >= self.fail_at:
            raise RuntimeError("the server went away")
        batch = [(i,) for i in range(self.at, min(self.at + size, self.rows))]
        self.at += len(batch)
        return batch


def test_every_row_once_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "STREAM_BATCH", 7)
    assert [row[0] for row in _prefetched(Cursor(100))] == list(range(100))
    assert list(_prefetched(Cursor(0))) == []


def test_a_failed_fetch_is_raised_to_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "STREAM_BATCH", 10)
    read: list[int] = []
    with pytest.raises(RuntimeError, match="went away"):
        for row in _prefetched(Cursor(100, fail_at=30)):
            read.append(row[0])
    assert read == list(range(30))


def test_a_reader_that_stops_early_stops_the_fetching(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "STREAM_BATCH", 10)
    cursor = Cursor(1_000_000)
    rows = _prefetched(cursor)
    assert next(rows) == (0,)
    rows.close()  # the workbook was dropped
    assert not [t for t in threading.enumerate() if t.name == "records-stream"]
    assert cursor.fetches <= 5  # a batch or two read ahead, never the rest
