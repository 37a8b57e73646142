"""Kits as the imposer sees them: each record's pieces under a typed key.

A placement's key is a :class:`PieceKey` (record id, piece name), never a string
to split: a record id may contain any character, ``/`` included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from ..catalog import Sheet
from ..geometry import Point
from .model import ImposeOptions, Piece, SheetPlan

if TYPE_CHECKING:
    from ..kit import Piece as KitPiece
    from ..kit import ResolvedKit

__all__ = ["Imposition", "PieceKey", "Where", "check_sheet", "impose_kits", "impose_piece", "where_placed"]


class PieceKey(NamedTuple):
    """Which record's which piece a placement holds."""

    record: str
    piece: str

    def __str__(self) -> str:
        return f"record {self.record!r} piece {self.piece!r}"


@dataclass(frozen=True, slots=True)
class Imposition:
    """Imposed output: pieces of each chunk of kits planned onto press sheets."""

    sheet: Sheet
    strategy: str = "gang"
    duplex: str | None = None
    stack_depth: int | None = None
    date: str = ""


def impose_piece(
    kp: KitPiece, key: PieceKey | str, bleed: float, *, record: int | None = None, group: str = ""
) -> Piece:
    """A kit piece in trim-box coordinates (a net's bbox at the origin), with the
    rotations its style allows and its outline for rotated trims."""
    from ..nets import STYLES

    dx, dy = (kp.net.bbox.x0, kp.net.bbox.y0) if kp.net is not None else (0.0, 0.0)
    outline = None
    rotations: tuple[float, ...] = (0.0, 90.0)
    if kp.net is not None:
        outline = kp.net.outline.flatten(0.5).translate(-dx, -dy)
        rotations = STYLES[kp.net.style].rotations
    folds = tuple((Point(a.x - dx, a.y - dy), Point(b.x - dx, b.y - dy)) for a, b in kp.folds)
    return Piece(
        key=key,  # type: ignore[arg-type]  # any hashable key; PieceKey in batches
        width=kp.width,
        height=kp.height,
        bleed=bleed,
        rotations=rotations,
        outline=outline,
        folds=folds,
        record=record,
        duplex=kp.duplex,
        group=group,
    )


def check_sheet(kit: ResolvedKit, imposition: Imposition) -> None:
    """Every piece must fit the sheet: raises ImposeError before anything is built."""
    from . import plan

    for kp in kit.pieces:
        options = ImposeOptions(duplex="turn" if kp.duplex else None)
        plan([impose_piece(kp, kp.key, kit.spec.bleed)], imposition.sheet, options)


def impose_kits(kit: ResolvedKit, record_ids: Sequence[str], imposition: Imposition) -> tuple[SheetPlan, ...]:
    """Sheet plans for the kits of ``record_ids`` (in order), keyed by :class:`PieceKey`."""
    from . import plan

    # Each kit piece's shape (outline flattened, rotations) once; every record's copy
    # differs only in its key, record index and group.
    shapes = [impose_piece(kp, kp.key, kit.spec.bleed) for kp in kit.pieces]
    pieces = [
        replace(shape, key=PieceKey(rid, kp.key), record=index, group=rid)
        for index, rid in enumerate(record_ids)
        for kp, shape in zip(kit.pieces, shapes, strict=True)
    ]
    duplex = imposition.duplex or ("turn" if any(p.duplex for p in pieces) else None)
    options = ImposeOptions(
        strategy=imposition.strategy,  # type: ignore[arg-type]  # checked by the CLI / ImposeOptions
        duplex=duplex,  # type: ignore[arg-type]
        stack_depth=imposition.stack_depth,
        job=kit.spec.job or kit.spec.name,
        date=imposition.date,
        spot_inks=(),  # process inks only: a patch on CutContour would be cut out by the plotter
    )
    if imposition.strategy != "step-and-repeat":
        return plan(pieces, imposition.sheet, options)
    # One piece n-up: each piece of the kit gets its own run of sheets.
    return tuple(
        sheet_plan
        for kp in kit.pieces
        for sheet_plan in plan(
            [p for p in pieces if p.key[1] == kp.key],
            imposition.sheet,
            replace(options, job=f"{options.job} {kp.key}"),
        )
    )


@dataclass(slots=True)
class Where:
    """Where one record's pieces landed: for the manifest."""

    pages: set[int]
    sheets: list[int]
    placements: list[str]


def where_placed(plans: Sequence[SheetPlan], first_page: int = 1) -> dict[str, Where]:
    """Pages, sheet numbers and "piece@sheet:position[/stack n]" of each record id."""
    out: dict[str, Where] = {}
    for page, sheet_plan in enumerate(plans, first_page):
        for pl in sheet_plan.placements:
            key: PieceKey = pl.key  # type: ignore[assignment]
            where = out.setdefault(key.record, Where(set(), [], []))
            where.pages.add(page)
            if sheet_plan.side != "A":
                continue
            stack = f"/stack {pl.stack}" if pl.stack is not None else ""
            where.placements.append(f"{key.piece}@{sheet_plan.number}:{pl.position}{stack}")
            if sheet_plan.number not in where.sheets:
                where.sheets.append(sheet_plan.number)
    return out
