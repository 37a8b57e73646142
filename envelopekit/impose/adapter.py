"""Kits as the imposer sees them: each record's pieces under a typed key.

A placement's key is a :class:`PieceKey` (record id, piece name), never a string
to split: a record id may contain any character, ``/`` included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

from ..catalog import Sheet
from ..geometry import Point, Rect, Transform
from .model import ImposeOptions, Piece, SheetPlan

if TYPE_CHECKING:
    from ..kit import Piece as KitPiece
    from ..kit import ResolvedKit

__all__ = [
    "Imposition",
    "PieceKey",
    "SheetFile",
    "StockGroup",
    "Where",
    "blank_back",
    "check_sheet",
    "impose_files",
    "impose_kits",
    "impose_piece",
    "stock_groups",
    "where_placed",
]


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
    duplex_only_where_needed: bool = False  # one-sided sheets in simplex files, not with blank backs


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


def impose_kits(
    kit: ResolvedKit,
    record_ids: Sequence[str],
    imposition: Imposition,
    *,
    only: Sequence[str] | None = None,
    label: str = "",
    blank_backs: bool = False,
    numbers: Sequence[int] | None = None,
) -> tuple[SheetPlan, ...]:
    """Sheet plans for the kits of ``record_ids`` (in order), keyed by :class:`PieceKey`:
    all the kit's pieces, or those named in ``only`` (one stock's); ``label`` (the stock)
    follows the job's name in the slug; ``blank_backs`` gives a duplex job's one-sided
    sheets a side B with marks and slug but no pieces. ``numbers`` are the records'
    1-based numbers in the whole batch, for the slugs (default 1, 2, 3, ...); they must
    increase, as the records do."""
    from . import plan

    kit_pieces = [kp for kp in kit.pieces if only is None or kp.key in only]

    # Each kit piece's shape (outline flattened, rotations) once; every record's copy
    # differs only in its key, record index and group.
    shapes = [impose_piece(kp, kp.key, kit.spec.bleed) for kp in kit_pieces]
    if numbers is None:
        numbers = range(1, len(record_ids) + 1)
    elif len(numbers) != len(record_ids) or any(a >= b for a, b in pairwise(numbers)):
        raise ValueError("record numbers: one per record id, increasing")
    pieces = [
        replace(shape, key=PieceKey(rid, kp.key), record=number - 1, group=rid)  # type: ignore[arg-type]
        for number, rid in zip(numbers, record_ids, strict=True)
        for kp, shape in zip(kit_pieces, shapes, strict=True)
    ]
    duplex = imposition.duplex or ("turn" if any(p.duplex for p in pieces) else None)
    options = ImposeOptions(
        strategy=imposition.strategy,  # type: ignore[arg-type]  # checked by the CLI / ImposeOptions
        duplex=duplex,  # type: ignore[arg-type]
        stack_depth=imposition.stack_depth,
        job=" ".join(filter(None, (kit.spec.job or kit.spec.name, label))),
        date=imposition.date,
        spot_inks=(),  # process inks only: a patch on CutContour would be cut out by the plotter
        blank_backs=blank_backs,
    )
    if imposition.strategy != "step-and-repeat":
        return plan(pieces, imposition.sheet, options)
    # One piece n-up: each piece of the kit gets its own run of sheets.
    return tuple(
        sheet_plan
        for kp in kit_pieces
        for sheet_plan in plan(
            [p for p in pieces if p.key[1] == kp.key],
            imposition.sheet,
            replace(options, job=f"{options.job} {kp.key}"),
        )
    )


@dataclass(frozen=True, slots=True)
class StockGroup:
    """Kit pieces printed together: one stock and, when sides are told apart, one- or
    two-sided. ``name`` is what output files are named by (``card-300``)."""

    stock: str  # the stock's name ("" when the layout names none)
    two_sided: bool | None  # None: both kinds together
    pieces: tuple[str, ...]  # kit piece keys, in kit order
    name: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "stock"


def stock_groups(kit: ResolvedKit, *, by_sides: bool = True) -> tuple[StockGroup, ...]:
    """The kit's pieces by stock (and by sides printed when ``by_sides``), in kit order.
    A stock's one-sided group is named ``<stock>-simplex`` when the stock has a
    two-sided group too."""
    keyed: dict[tuple[str, bool | None], list[str]] = {}
    for kp in kit.pieces:
        stock = kp.stock.name if kp.stock is not None else ""
        keyed.setdefault((stock, kp.duplex if by_sides else None), []).append(kp.key)
    stocks = [stock for stock, _ in keyed]
    out = []
    for (stock, two), keys in keyed.items():
        name = _slug(stock)
        if two is False and stocks.count(stock) > 1:
            name += "-simplex"
        out.append(StockGroup(stock, two, tuple(keys), name))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class SheetFile:
    """One output file's sheet sides: one stock, and ``side`` says how it prints:
    ``duplex`` (every front followed by its back, blank where a sheet has no side B),
    ``simplex`` (fronts only, one-sided sheets), ``front`` / ``back`` (sheetwise: the
    backs in their own file, page n the back of the front file's page n)."""

    group: StockGroup
    side: str
    plans: tuple[SheetPlan, ...]

    @property
    def name(self) -> str:
        return self.group.name + ("-back" if self.side == "back" else "")


def blank_back(front: SheetPlan, mode: str) -> SheetPlan:
    """A bare side B for a sheet with nothing on its back: no pieces, marks or slug, its
    boxes behind the front's (planning with ``blank_backs`` gives targets and a slug too)."""
    from .sheet import flip

    f = flip(front.sheet, mode)  # type: ignore[arg-type]
    return replace(
        front,
        side="B",
        placements=(),
        marks=(),
        registration=(),
        colour_bar=(),
        slug=None,
        trim_box=_flipped(f, front.trim_box),
        bleed_box=_flipped(f, front.bleed_box),
    )


def _flipped(t: Transform, r: Rect) -> Rect:
    a, b = t.apply(Point(r.x0, r.y0)), t.apply(Point(r.x1, r.y1))
    return Rect(min(a.x, b.x), min(a.y, b.y), max(a.x, b.x), max(a.y, b.y))


def _with_backs(plans: Sequence[SheetPlan], mode: str) -> tuple[SheetPlan, ...]:
    out: list[SheetPlan] = []
    for i, p in enumerate(plans):
        if p.side != "A":
            continue
        out.append(p)
        nxt = plans[i + 1] if i + 1 < len(plans) else None
        out.append(nxt if nxt is not None and nxt.side == "B" else blank_back(p, mode))
    return tuple(out)


def impose_files(
    kit: ResolvedKit,
    record_ids: Sequence[str],
    imposition: Imposition,
    numbers: Sequence[int] | None = None,
) -> tuple[SheetFile, ...]:
    """Sheet plans per output file: each stock on its own sheets, never mixed; ``numbers``
    are the records' numbers in the batch, for the slugs (see :func:`impose_kits`).

    With ``imposition.duplex`` every file of a stock is a duplex file (blank backs where a
    sheet has no side B), unless ``duplex_only_where_needed`` sends the stock's one-sided
    pieces to a simplex file. Without it, side-B content goes sheetwise: fronts in one
    file, their backs (registered by work-and-turn) in another for a second pass.
    """
    mode = imposition.duplex
    by_sides = mode is None or imposition.duplex_only_where_needed
    out: list[SheetFile] = []
    for group in stock_groups(kit, by_sides=by_sides):
        two = group.two_sided is not False and any(kp.duplex for kp in kit.pieces if kp.key in group.pieces)
        duplex = mode is not None and (two or not imposition.duplex_only_where_needed)
        chosen = imposition if duplex or two else replace(imposition, duplex=None)
        plans = impose_kits(
            kit, record_ids, chosen, only=group.pieces, label=group.stock, blank_backs=duplex, numbers=numbers
        )
        if duplex:
            out.append(SheetFile(group, "duplex", _with_backs(plans, mode or "turn")))
        elif two:  # sheetwise
            out.append(SheetFile(group, "front", tuple(p for p in plans if p.side == "A")))
            out.append(SheetFile(group, "back", tuple(p for p in plans if p.side == "B")))
        else:
            out.append(SheetFile(group, "simplex", plans))
    return tuple(out)


@dataclass(slots=True)
class Where:
    """Where one record's pieces landed: for the manifest."""

    pages: set[int]
    sheets: list[int]
    placements: list[str]


def where_placed(plans: Sequence[SheetPlan], first_page: int = 1) -> dict[str, Where]:
    """Pages, sheet numbers and "piece@sheet:position[/stack n]" of each record id (from
    the sheets' fronts; from their backs in a file of backs only, a sheetwise second pass)."""
    out: dict[str, Where] = {}
    fronts = any(p.side == "A" for p in plans)
    for page, sheet_plan in enumerate(plans, first_page):
        for pl in sheet_plan.placements:
            key: PieceKey = pl.key  # type: ignore[assignment]
            where = out.setdefault(key.record, Where(set(), [], []))
            where.pages.add(page)
            if fronts and sheet_plan.side != "A":
                continue  # a back holds the pieces of its front
            stack = f"/stack {pl.stack}" if pl.stack is not None else ""
            where.placements.append(f"{key.piece}@{sheet_plan.number}:{pl.position}{stack}")
            if sheet_plan.number not in where.sheets:
                where.sheets.append(sheet_plan.number)
    return out
