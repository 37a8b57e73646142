"""The records side of a batch: what needs the whole batch checked as records stream
past (columns, duplicate ids, empty required fields), then cut into chunks.

Only the record ids seen are held (for duplicates), so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..content.imb import SerialLedger
from ..errors import EnvelopekitError, RecordError
from ..kit import KitSpec
from ..records import Record, Rejected
from .chunk import Chunk, Item, Reject

__all__ = ["chunked", "validated"]


def _reason(item: Rejected) -> str:
    return item.reason + (f" ({item.hint})" if item.hint else "")


def validated(
    stream: Iterable[Record | Rejected],
    spec: KitSpec,
    needed: tuple[str, ...],
    ledger: SerialLedger | None = None,
) -> Iterator[Item]:
    """Records checked against the whole batch: the first one for missing columns (which
    stops the batch: every record would fail), every one for duplicate ids and empty
    required fields (which reject the record, all its faults named at once)."""
    seen: dict[str, int | None] = {}
    checked = False
    for item in stream:
        if isinstance(item, Rejected):
            yield Reject(item.row, item.record_id, item.field or "", _reason(item))
            continue
        if not checked:
            _check_columns(item, needed)
            checked = True
        if item.id in seen:
            first = seen[item.id]
            where = f" (first at line {first})" if first else ""
            yield Reject(item.row, item.id, spec.id_field, f"record id {item.id!r} appears twice{where}")
            continue
        seen[item.id] = item.row
        if ledger is not None and ledger.blocks and (dup := ledger.claim(item.fields, item.row)):
            reason = dup.message + (f" ({dup.hint})" if dup.hint else "")
            yield Reject(item.row, item.id, dup.field or "", reason)
            continue
        empty = [f for f in spec.required if not (item.fields.get(f) or "").strip()]
        if empty:
            reason = "; ".join(f"{f} is empty, and the layout requires it" for f in empty)
            yield Reject(item.row, item.id, empty[0], reason)
            continue
        yield item


def _check_columns(record: Record, needed: tuple[str, ...]) -> None:
    missing = [f for f in needed if f not in record.fields]
    if missing:
        import difflib

        have = ", ".join(sorted(record.fields)) or "none"
        names = ", ".join(repr(f) for f in missing)
        typos = [
            f"{{{f}}} in the layout may be a typo for the column {close[0]!r}"
            for f in missing
            if (close := difflib.get_close_matches(f, list(record.fields), n=1, cutoff=0.75))
        ]
        hint = f"columns found: {have}; rename or add them (or map them: --map FIELD=COLUMN)"
        raise RecordError(
            f"the records have no column {names}, which the layout uses",
            row=1,
            field=missing[0],
            hint="; ".join([*typos, hint]),
        )


def chunked(items: Iterable[Item], size: int) -> Iterator[Chunk]:
    """Chunks of ``size`` items. When the records stop with an error part-way (a
    torn file), the records read before it still go out as a last chunk; the error
    follows once that chunk has been taken."""
    batch: list[Item] = []
    index, first = 1, 1
    try:
        for item in items:
            batch.append(item)
            if len(batch) >= size:
                yield Chunk(index, tuple(batch), first)
                index, first = index + 1, first + len(batch)
                batch = []
    except EnvelopekitError:
        if batch:
            yield Chunk(index, tuple(batch), first)
        raise
    if batch:
        yield Chunk(index, tuple(batch), first)
