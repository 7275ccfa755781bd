"""A sheet's data rows compressed while they are written, and put into the workbook's ZIP as
they are: a million rows' XML (about 700 MB) is compressed once, in a thread of its own
beside the rows being made, instead of being written to a temporary file, copied into the
sheet's file and read back to be compressed after the last row.

XlsxWriter still writes each sheet's file (the title and header rows, the totals row, the
sheet's settings); where the data rows belong it holds a marker (`spliced`). When the ZIP
takes that file (`QuickZip.write`), the part before the marker is compressed, then the
rows' deflate blocks follow as they were made, then the part after the marker: one deflate
stream (each part ends on a byte boundary with a sync flush, the last with the final
block), its CRC combined from the parts' (`crc32_combine`, as zlib's).
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import IO, Any

LEVEL = 1  # deflate level 1: about five times faster than 6, into a file about a fifth larger
_MARKER = b"<!--haiyan-rows:"
_PENDING: dict[bytes, DeflatedRows] = {}  # a sheet's marker → its rows, until the ZIP takes them
_BLOCK = 1 << 20
_SMALL = 16 << 20  # a sheet's file without its rows is a few kilobytes


class DeflatedRows:
    """Text written here is encoded, counted (CRC-32, length) and compressed to raw deflate
    blocks in a worker thread, into a temporary file; `close()` ends them on a byte boundary
    (not as the last block: the sheet's closing part follows)."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="haiyan-rows-")  # noqa: SIM115
        self.crc = 0
        self.size = 0
        self.compressed = 0
        self._deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._pending: list[str] = []
        self._pending_size = 0
        self._worker = threading.Thread(target=self._work, name="haiyan-deflate", daemon=True)
        self._worker.start()

    def write(self, text: str) -> None:
        """Add rows' text (handed to the worker in blocks of about a megabyte)."""
        self._pending.append(text)
        self._pending_size += len(text)
        if self._pending_size >= _BLOCK:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._pending:
            self._queue.put("".join(self._pending).encode())
            self._pending.clear()
            self._pending_size = 0

    def _work(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep taking blocks so the writer never waits on a dead worker
            try:
                self.crc = zlib.crc32(data, self.crc)
                self.size += len(data)
                self._out(self._deflate.compress(data))
            except BaseException as exc:  # raised again by close()
                self._error = exc

    def _out(self, data: bytes) -> None:
        if data:
            self.file.write(data)
            self.compressed += len(data)

    def close(self) -> None:
        """Wait for the worker; end the blocks on a byte boundary. Its error, if it had one."""
        if self._worker.is_alive():
            self._hand_over()
            self._queue.put(None)
            self._worker.join()
            if self._error is None:
                self._out(self._deflate.flush(zlib.Z_SYNC_FLUSH))
        if self._error is not None:
            raise self._error

    def chunks(self) -> Iterator[bytes]:
        """The compressed blocks, from the start."""
        self.file.seek(0)
        while data := self.file.read(_BLOCK):
            yield data

    def discard(self) -> None:
        if self._worker.is_alive():
            self._queue.put(None)
            self._worker.join()
        self.file.close()


@contextmanager
def spliced(handle: IO[str], keys: set[bytes]) -> Iterator[Callable[[str], None]]:
    """Where the sheet file being written to `handle` holds its data rows: a marker there,
    and the function that takes the rows' text (compressed as it comes, see DeflatedRows).
    The marker's key is added to `keys` (for `discard`)."""
    key = uuid.uuid4().hex.encode()
    rows = DeflatedRows()
    _PENDING[key] = rows
    keys.add(key)
    handle.write((_MARKER + key + b"-->").decode())
    try:
        yield rows.write
        rows.close()
    except BaseException:
        _PENDING.pop(key, None)
        rows.discard()
        raise


def discard(keys: set[bytes]) -> None:
    """Drop the rows of these markers a ZIP never took (the workbook failed)."""
    for key in keys:
        rows = _PENDING.pop(key, None)
        if rows is not None:
            rows.discard()


class _Spent:
    """A ZIP member writer's compressor when the data was compressed already."""

    def flush(self) -> bytes:
        return b""


class QuickZip(zipfile.ZipFile):
    """XlsxWriter's ZIP at deflate level 1; a sheet's file with a marker gets its rows
    (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compresslevel", LEVEL)
        super().__init__(*args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        if os.path.getsize(filename) > _SMALL:  # rows of its own (ours are never in it)
            return super().write(filename, arcname, *args, **kwargs)
        with open(filename, "rb") as source:
            head = source.read()
        if _MARKER not in head:
            return super().write(filename, arcname, *args, **kwargs)
        before, _, rest = head.partition(_MARKER)
        key, _, after = rest.partition(b"-->")
        rows = _PENDING.pop(key)
        try:
            self._write_spliced(zipfile.ZipInfo.from_file(filename, arcname), before, rows, after)
        finally:
            rows.discard()

    def _write_spliced(
        self, info: zipfile.ZipInfo, before: bytes, rows: DeflatedRows, after: bytes
    ) -> None:
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size = len(before) + rows.size + len(after)
        head = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        tail = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        crc = crc32_combine(zlib.crc32(before), rows.crc, rows.size)
        with self.open(info, "w") as member:
            member._compressor = _Spent()  # type: ignore[attr-defined]
            for data in chain(
                (head.compress(before) + head.flush(zlib.Z_SYNC_FLUSH),),
                rows.chunks(),  # a block at a time
                (tail.compress(after) + tail.flush(),),
            ):
                member._fileobj.write(data)  # type: ignore[attr-defined]
                member._compress_size += len(data)  # type: ignore[attr-defined]
            member._crc = zlib.crc32(after, crc)  # type: ignore[attr-defined]
            member._file_size = info.file_size  # type: ignore[attr-defined]


def crc32_combine(first: int, second: int, second_length: int) -> int:
    """The CRC-32 of A + B from A's, B's and B's length (zlib's crc32_combine): A's CRC
    is carried through B's length in zero bytes, one squared operator per bit of it."""
    operator = [0xEDB88320] + [1 << n for n in range(31)]  # one zero bit
    for _ in range(3):
        operator = _square(operator)  # two, four, then eight zero bits: one zero byte
    while second_length > 0:
        if second_length & 1:
            first = _times(operator, first)
        second_length >>= 1
        if second_length:
            operator = _square(operator)
    return first ^ second


def _times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _square(matrix: list[int]) -> list[int]:
    return [_times(matrix, matrix[n]) for n in range(32)]
