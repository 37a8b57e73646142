"""The imposition plan as plain data: what goes in (pieces, options) and what comes out.

Coordinates, once and for all (everything in points):

- **Piece coordinates** run (0, 0)-(width, height) with the origin at the bottom-left
  of the piece's trim extents, seen from side A (the printed outside of a net).
- **Sheet coordinates** have the origin at the bottom-left corner of the sheet as it
  lies portrait (catalog sheets are portrait), y up, seen from the side being printed.
  On a side-A plan that is side A; on a side-B plan it is side B, looking at it.
- **Piece side-B coordinates**: side-B content of a piece is authored looking at its
  back, turned over like a page (about the piece's vertical centre line), so a point
  (u, v) on side B lies behind (width - u, v) on side A. "Up" stays up.
- **Gripper**: ``ImposeOptions.gripper_edge`` names the sheet's leading edge (default
  the bottom edge, y = 0); nothing is placed within ``Sheet.gripper`` of it, nor within
  ``Sheet.margin`` of the other edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ..catalog import Sheet
from ..errors import ImposeError
from ..geometry import Point, Polygon, Rect, Transform
from ..marks import MarkLine, Slug, Target
from ..units import mm

__all__ = [
    "Duplex",
    "Edge",
    "ImposeOptions",
    "Piece",
    "Placement",
    "SheetPlan",
    "Side",
    "StackRange",
    "Strategy",
]

Strategy = Literal["gang", "step-and-repeat", "cut-and-stack"]
Duplex = Literal["turn", "tumble"]
Side = Literal["A", "B"]
Edge = Literal["bottom", "top", "left", "right"]

_STRATEGIES = ("gang", "step-and-repeat", "cut-and-stack")
_EDGES = ("bottom", "top", "left", "right")


@dataclass(frozen=True, slots=True)
class Piece:
    """One thing to cut out: a net or a card, by its trim extents.

    ``rotations`` are the angles (degrees, counter-clockwise) the planner may use;
    a diamond net may allow 45. ``outline`` (the cut, in piece coordinates) makes
    the trim box of a rotated piece the box of its outline instead of its rectangle.
    ``folds`` become fold marks. ``record`` and ``group`` keep a kit together for
    cut-and-stack; ``duplex`` asks for a side-B plan behind the piece.
    """

    key: str
    width: float
    height: float
    bleed: float = 3 * mm
    rotations: tuple[float, ...] = (0.0, 90.0)
    outline: Polygon | None = None
    folds: tuple[tuple[Point, Point], ...] = ()
    record: int | None = None
    duplex: bool = False
    group: str = ""

    def __post_init__(self) -> None:
        # validation only: the fields are what the caller gave
        if not self.key:
            raise ImposeError("a piece needs a non-empty key")
        if not (self.width > 0 and self.height > 0 and math.isfinite(self.width * self.height)):
            raise ImposeError(
                f"size {self.width:.2f} x {self.height:.2f} pt must be positive", where=self.key
            )
        if not (self.bleed >= 0 and math.isfinite(self.bleed)):
            raise ImposeError(f"bleed {self.bleed} must be zero or more", where=self.key)
        if not self.rotations:
            raise ImposeError("allow at least one rotation", where=self.key, hint="e.g. (0, 90)")
        if self.outline is not None:
            box = self.outline.bbox
            if not Rect(0.0, 0.0, self.width, self.height).contains(box, tol=0.01):
                raise ImposeError(
                    "outline leaves the piece's (0, 0)-(width, height) box",
                    where=self.key,
                    hint="give width and height as the outline's bounding box",
                )

    @property
    def shape(self) -> Polygon:
        """The cut in piece coordinates: the outline, or the trim rectangle."""
        return self.outline or Rect(0.0, 0.0, self.width, self.height).polygon()


@dataclass(frozen=True, slots=True)
class ImposeOptions:
    """How to impose. Lengths are points (parse unit strings at the edge).

    ``gutter`` is the space between neighbouring pieces' bleed boxes; None leaves
    room for a full crop mark (``mark_offset`` beyond the bleed, then
    ``mark_length``). ``shared_cuts`` butts pieces together (zero gutter, one cut
    between neighbours) when every piece has zero bleed. ``mark_offset`` is the
    distance from the trim to the start of a mark, raised to the bleed when the
    bleed is larger. ``info_strip`` reserves a strip along the bottom of the
    printable area for two registration targets, the colour bar (C, M, Y, K and
    ``spot_inks``) and the slug; without it a sheet has none of the three.
    ``date`` goes into the slug as given (never read from the clock).
    """

    strategy: Strategy = "gang"
    duplex: Duplex | None = None
    gutter: float | None = None
    shared_cuts: bool = False
    mark_length: float = 5 * mm
    mark_offset: float = 3 * mm
    stack_depth: int | None = None
    job: str = "envelopekit"
    date: str = ""
    spot_inks: tuple[str, ...] = ()
    allow_rotation: bool = True
    gripper_edge: Edge = "bottom"
    info_strip: bool = True
    blank_backs: bool = False  # duplex: a side-B plan (targets and slug only) behind every one-sided sheet

    def __post_init__(self) -> None:
        if self.strategy not in _STRATEGIES:
            raise ImposeError(f"unknown strategy {self.strategy!r}", hint="use " + ", ".join(_STRATEGIES))
        if self.duplex not in (None, "turn", "tumble"):
            raise ImposeError(f"unknown duplex mode {self.duplex!r}", hint="use 'turn' or 'tumble'")
        if self.gripper_edge not in _EDGES:
            raise ImposeError(f"unknown gripper edge {self.gripper_edge!r}", hint="use " + ", ".join(_EDGES))
        for name in ("mark_length", "mark_offset"):
            if not getattr(self, name) >= 0:
                raise ImposeError(f"{name} must be zero or more")
        if self.gutter is not None and not self.gutter >= 0:
            raise ImposeError("gutter must be zero or more")
        if self.stack_depth is not None and self.stack_depth < 1:
            raise ImposeError("stack_depth must be at least 1 sheet")


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one piece lands on one side of a sheet.

    ``transform`` maps piece coordinates (side-B piece coordinates on a side-B plan)
    to sheet coordinates and is rigid: a rotation by ``rotation`` degrees plus a
    shift. ``trim`` and ``bleed_box`` are the placed boxes (of the outline, when the
    piece has one). ``position`` numbers placements on the sheet from the top-left
    in reading order (in cut-and-stack: the stack position, shared by one record's
    pieces); a side-B placement keeps its front's position, so the two pair up.
    ``size`` is the piece's (width, height), which the side-B mirror needs.
    """

    key: str
    transform: Transform
    rotation: float
    trim: Rect
    bleed_box: Rect
    position: int
    size: tuple[float, float]
    stack: int | None = None
    record: int | None = None


@dataclass(frozen=True, slots=True)
class StackRange:
    """One cut-and-stack pile position: its stack number and the records it holds
    (``records``, exact and in order; ``first`` and ``last`` bound them)."""

    number: int
    position: int
    first: int | None
    last: int | None
    records: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SheetPlan:
    """One side of one press sheet, ready to draw: the renderer decides nothing.

    ``number`` is the physical sheet (1-based; a side-B plan repeats its side-A
    number) out of ``total``. ``marks`` are the crop (solid) and fold (dashed)
    strokes, in the registration colour; ``registration`` the targets (stroke
    ``marks.registration_target(t.center, t.radius)`` for each, same colour);
    ``colour_bar`` solid patches, one per separation; ``slug`` one line of text;
    ``trim_box``/``bleed_box`` span the imposed pieces (for the PDF boxes);
    ``stacks`` (cut-and-stack only) the record range of every stack in this pile.
    """

    sheet: Sheet
    number: int
    total: int
    side: Side
    placements: tuple[Placement, ...]
    marks: tuple[MarkLine, ...]
    registration: tuple[Target, ...]
    colour_bar: tuple[tuple[Rect, str], ...]
    slug: Slug | None
    trim_box: Rect
    bleed_box: Rect
    stacks: tuple[StackRange, ...] = ()

    @property
    def media_box(self) -> Rect:
        return Rect(0.0, 0.0, self.sheet.width, self.sheet.height)
