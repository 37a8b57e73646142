"""Where a record's pieces are in a build's files, read from its manifest row and the kit.

Single-up print output has a file per paper stock (and sides printed) in each chunk by
default (``kits-00001-card-300.pdf``), or with ``group="record"`` one file holding each
kit's pieces together (``kits-00001.pdf``). Either way a record's manifest row names its
files and, per file, its page range; in each file the record's pages are its pieces in
kit order, side A then side B (a proof adds a mockup page after them). Tests that read a
piece's page use :func:`piece_page` and so hold for both groupings.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["file_pieces", "piece_page", "record_pages"]

_CHUNK = re.compile(r"(?:kits|sheets)-\d{5}(?:-(.+))?\.pdf")


def file_pieces(kit: Any, name: str) -> tuple[str, ...]:
    """The kit pieces a single-up file holds: every piece for ``kits-00001.pdf``, a stock
    group's pieces for ``kits-00001-<group>.pdf``."""
    from envelopekit.impose.adapter import stock_groups

    m = _CHUNK.fullmatch(name)
    assert m is not None, name
    if m[1] is None:
        return tuple(p.key for p in kit.pieces)
    (group,) = [g for g in stock_groups(kit) if g.name == m[1]]
    return group.pieces


def record_pages(row: dict[str, str]) -> list[tuple[str, int, int]]:
    """(file, first, last) per file of a built record's manifest row, 1-based pages."""
    out = []
    for name, pages in zip(row["file"].split(), row["pages"].split(), strict=True):
        first, _, last = pages.partition("-")
        out.append((name, int(first), int(last or first)))
    return out


def piece_page(built: Any, record_id: str, piece: str, side: str = "A") -> tuple[Path, int]:
    """(the PDF, 0-based page index) of a record's ``piece`` (side ``A`` or ``B``)."""
    kits = {p.key: p for p in built.kit.pieces}
    for name, first, _ in record_pages(built.row(record_id)):
        index = first - 1
        for key in file_pieces(built.kit, name):
            sides = ("A", "B") if kits[key].duplex else ("A",)
            for s in sides:
                if (key, s) == (piece, side):
                    return built.outdir / name, index
                index += 1
    raise AssertionError(f"{record_id}: no page for {piece} side {side}")
