"""Single-up page geometry: where one piece sits on its own page, with its boxes.

Pure arithmetic, so the renderer only has to draw: MediaBox = the page,
TrimBox = the piece's cut extents, BleedBox = TrimBox + bleed, and room outside
the bleed for crop and fold marks and a slug line.
"""

from __future__ import annotations

from dataclasses import dataclass

from .geometry import Point, Rect, Transform
from .marks import mark_extent
from .units import mm

__all__ = ["PageGeometry", "single_up"]


@dataclass(frozen=True, slots=True)
class PageGeometry:
    media: Rect
    trim: Rect
    bleed: Rect
    place: Transform  # piece coordinates (trim bbox at the origin) -> page coordinates
    slug_at: Point  # baseline start of the slug line, below the bottom marks


def single_up(
    width: float,
    height: float,
    *,
    bleed: float = 3 * mm,
    mark_gap: float = 0.0,
    mark_length: float = 5 * mm,
    slug: float = 6 * mm,
) -> PageGeometry:
    """A page for a ``width`` x ``height`` piece: marks all round, a slug strip below."""
    room = mark_extent(bleed=bleed, gap=mark_gap, length=mark_length) + 2 * mm
    x0, y0 = room, room + slug
    trim = Rect(x0, y0, x0 + width, y0 + height)
    media = Rect(0.0, 0.0, round(trim.x1 + room, 4), round(trim.y1 + room, 4))
    return PageGeometry(
        media=media,
        trim=trim,
        bleed=trim.expand(bleed),
        place=Transform.translate(x0, y0),
        slug_at=Point(x0, 2.5 * mm),
    )
