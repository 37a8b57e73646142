"""The record types: what reading a records file yields.

A :class:`Record` is one valid recipient, its fields a :class:`FieldMap` (read-only,
hashable, picklable: records cross process pools); a :class:`Rejected` is a row that
cannot become one. A :class:`RecordStream` yields both, in file order, lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from .errors import RecordError

__all__ = ["FieldMap", "Item", "Kind", "Record", "RecordStream", "Rejected"]

Kind = Literal["csv", "json", "xlsx"]


class FieldMap(Mapping[str, str]):
    """A read-only str -> str mapping that hashes and pickles (records cross process pools)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, str] | Iterable[tuple[str, str]] = ()):
        self._data = dict(data)

    @classmethod
    def _adopt(cls, data: dict[str, str]) -> FieldMap:
        """Wrap a dict nobody else holds, without copying it (one per record adds up)."""
        new = cls.__new__(cls)
        new._data = data
        return new

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"FieldMap({self._data!r})"

    def __reduce__(self) -> tuple[type[FieldMap], tuple[dict[str, str]]]:
        return FieldMap, (self._data,)


@dataclass(frozen=True, slots=True)
class Record:
    """One valid recipient. ``row`` is where it starts in the file, for every later error."""

    row: int
    id: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that cannot become a record; the batch reports it and goes on.

    ``reason`` names every faulty field of the row ("; " between them), ``field`` the first
    (leftmost) of them, or None when the row as a whole is wrong (its width, not an object).
    """

    row: int
    record_id: str
    field: str | None
    reason: str
    hint: str | None = None

    def as_error(self) -> RecordError:
        return RecordError(
            self.reason, row=self.row, record_id=self.record_id or None, field=self.field, hint=self.hint
        )


Item = Record | Rejected


class RecordStream(Iterator[Item]):
    """Records and rejections in file order, read lazily.

    Also a context manager that closes the file (it closes itself when exhausted).
    ``info`` says what was detected (kind, encoding, delimiter, columns), for progress
    lines and reports.
    """

    @dataclass(frozen=True, slots=True)
    class Info:
        name: str
        kind: Kind
        encoding: str | None  # None when read from text
        delimiter: str | None  # CSV only
        columns: tuple[str, ...]  # field names in file order (JSON: the first record's)

    def __init__(self, items: Iterator[Item], info: Info, close: Iterable[Callable[[], None]] = ()):
        self.info, self._items, self._close = info, items, tuple(close)

    def __iter__(self) -> RecordStream:
        return self

    def __next__(self) -> Item:
        try:
            return next(self._items)
        except BaseException:  # exhausted or failed: either way the file is done with
            self.close()
            raise

    def close(self) -> None:
        close, self._close = self._close, ()
        for step in close:
            step()

    def __enter__(self) -> RecordStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
