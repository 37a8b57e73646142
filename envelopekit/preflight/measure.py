"""How the page rules see an event: the inks it paints, where it marks the page.

Shared by the rule modules: boxes compared (:func:`is_inside`, :func:`intersects`) and
shown in millimetres from the page's corner (:func:`in_mm`, :func:`where_of`); an event's
colours and the die and registration inks among them; its extent, its pieces and its
segments; an image decoded once per file.
"""

from __future__ import annotations

from typing import Any

from ..units import mm
from .context import TOL, Limits, PageContext
from .drawn import Box, Colour, Event, Image, Paint, Shade, Text, apply


def is_inside(inner: Box, outer: Box) -> bool:
    return (
        inner[0] >= outer[0] - TOL
        and inner[1] >= outer[1] - TOL
        and inner[2] <= outer[2] + TOL
        and inner[3] <= outer[3] + TOL
    )


def intersects(a: Box, b: Box, tol: float = TOL) -> bool:
    """Do ``a`` and ``b`` overlap by more than ``tol`` (touching edges do not count)?"""
    return a[0] < b[2] - tol and b[0] < a[2] - tol and a[1] < b[3] - tol and b[1] < a[3] - tol


def in_mm(box: Box, page: PageContext) -> str:
    ox, oy = page.media[0], page.media[1]
    return (
        f"x {(box[0] - ox) / mm:.1f}-{(box[2] - ox) / mm:.1f} mm, "
        f"y {(box[1] - oy) / mm:.1f}-{(box[3] - oy) / mm:.1f} mm"
    )


def where_of(event: Event, page: PageContext, box: Box | None = None) -> str:
    place = event.where
    if box is not None:
        place += f" at {in_mm(box, page)}"
    return place


def colours_of(e: Event) -> list[tuple[Colour, str]]:
    if isinstance(e, Paint):
        return [(e.colour, e.op)]
    if isinstance(e, Text) and e.visible:
        out = []
        if e.filled:
            out.append((e.fill, "text"))
        if e.stroked:
            out.append((e.stroke, "outlined text"))
        return out
    if isinstance(e, Image):
        if e.space is None:
            return [(e.fill, "stencil mask")]
        return [(Colour(e.space, ()), "image")]
    if isinstance(e, Shade):
        return [(Colour(e.space, ()), "shading")]
    return []


def die_of(colour: Colour, limits: Limits) -> list[str]:
    return [n for n in colour.space.colorants if n in limits.die_inks]


def is_registration(colour: Colour, limits: Limits) -> bool:
    return limits.registration in colour.space.colorants


def extent_of(e: Event) -> Box | None:
    if isinstance(e, Paint):
        if e.op == "stroke":
            h = e.width / 2
            x0, y0, x1, y1 = e.bbox
            return (x0 - h, y0 - h, x1 + h, y1 + h)
        return e.bbox
    if isinstance(e, Text | Image):
        return e.bbox
    return None


def parts_of(e: Event) -> list[Box]:
    """Where ``e`` marks the page, piece by piece (each subpath of a path)."""
    if isinstance(e, Paint):
        return e.parts()
    if isinstance(e, Text | Image):
        return [e.bbox]
    return []


def segments_of(e: Paint) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    segs = [(sp[i], sp[i + 1]) for sp in e.subpaths for i in range(len(sp) - 1)]
    for x, y, w, h in e.rects:
        pts = [apply(e.ctm, px, py) for px, py in ((x, y), (x + w, y), (x + w, y + h), (x, y + h))]
        segs += [(pts[i], pts[(i + 1) % 4]) for i in range(4)]
    return segs


MAX_DECODE = 25_000_000  # pixels: larger images are not decoded for ink or barcodes


def decoded_image(e: Image, page: PageContext) -> Any:
    """The image as PIL, decoded once per file (None when it cannot or should not be)."""
    stream = e.stream
    if stream is None or e.pixels[0] * e.pixels[1] > MAX_DECODE:
        return None
    key = ("image", getattr(stream, "indirect_reference", None) or id(stream))
    if key not in page.cache:
        try:
            page.cache[key] = stream.decode_as_image()
        except Exception:
            page.cache[key] = None
    return page.cache[key]
