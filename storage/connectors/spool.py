"""Good rows parked on disk between reading a source and writing the database.

A pull reads its whole source before it opens a write transaction: a source that breaks half-way (a
server gone at page 7, a file ending in garbage) then fails before anything is written, and SQLite's
write lock is held only while rows are written, never while waiting on a network. The rows wait in a
temporary file, packed to 18 bytes each, so a million-row history costs 18 MB of disk and no memory.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date
from types import TracebackType
from typing import IO, Self

from storage.repositories.metrics import DailyMetricRow

_RECORD = struct.Struct("<IHid")
"""account id, metric index, day (proleptic ordinal), value."""

_FLUSH_BYTES = 1 << 20
_READ_RECORDS = 65_536


class RowSpool:
    """An append-only, read-back-many file of good rows for one connector.

    ``metric_ids`` are the ids that metric indexes point into; ``source`` is stamped on every row read
    back. Use as a context manager: the file is deleted on close.
    """

    def __init__(self, metric_ids: Sequence[str], source: str) -> None:
        if len(metric_ids) > 0xFFFF:
            raise ValueError("too many metrics for one connector")
        self._metric_ids = tuple(metric_ids)
        self._source = source
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="takibi-pull-")  # noqa: SIM115 - closed by close()
        self._buffer = bytearray()
        self.count = 0

    def append(self, account_id: int, metric_index: int, day: date, value: float) -> None:
        self._buffer += _RECORD.pack(account_id, metric_index, day.toordinal(), value)
        self.count += 1
        if len(self._buffer) >= _FLUSH_BYTES:
            self._flush()

    def rows(self) -> Iterator[DailyMetricRow]:
        """Every appended row, in order, as the metrics repository takes them."""
        self._flush()
        self._file.seek(0)
        metric_ids, source = self._metric_ids, self._source
        days: dict[int, date] = {}
        while chunk := self._file.read(_RECORD.size * _READ_RECORDS):
            for account_id, metric_index, ordinal, value in _RECORD.iter_unpack(chunk):
                day = days.get(ordinal)
                if day is None:
                    day = days[ordinal] = date.fromordinal(ordinal)
                yield DailyMetricRow(account_id, metric_ids[metric_index], day, value, source)

    def _flush(self) -> None:
        if self._buffer:
            self._file.write(self._buffer)
            self._buffer.clear()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
