"""What the walker reports: the events painted on a page and what they carry.

An event is a path filled or stroked (:class:`Paint`), text shown (:class:`Text`), an
image (:class:`Image`), a form placed on the page (:class:`Placed`), a shading
(:class:`Shade`), something that makes the page use transparency
(:class:`Transparency`), or content that could not be followed (:class:`Problem`).
Each carries the colour (:class:`Colour` in a :class:`Space`) and, for text, the font
(:class:`FontInfo`) it was painted with, and its place in page space: PDF points in
the page's default coordinates (:data:`Box`, :data:`Matrix` and their arithmetic).
These are what :mod:`.rules` judge; nothing here reads a PDF.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Matrix = tuple[float, float, float, float, float, float]


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF's ``cm``: CTM' = m x CTM)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def box_of(m: Matrix, box: Box) -> Box:
    """The page-space bounding box of ``box`` (user space) under ``m``."""
    x0, y0, x1, y1 = box
    pts = [apply(m, x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (min(xs), min(ys), max(xs), max(ys))


def scale(m: Matrix) -> float:
    """The mean scale factor of ``m``: how much a length grows (sqrt of |det|)."""
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


PROCESS = ("Cyan", "Magenta", "Yellow", "Black")


@dataclass(frozen=True, slots=True)
class Space:
    """A colour space as it paints: its family, components and the inks it names."""

    family: str  # DeviceCMYK, DeviceGray, DeviceRGB, CalGray, CalRGB, Lab, ICCBased, Indexed, Pattern,
    # Separation, DeviceN (or "undefined")
    n: int = 1
    colorants: tuple[str, ...] = ()  # Separation / DeviceN names
    alternate: Space | None = None  # Separation/DeviceN alternate, ICC alternate, Indexed base, Pattern base
    label: str = ""  # the resource name it was selected by, for messages

    @property
    def rgb(self) -> bool:
        """Does it paint RGB (device, calibrated or ICC-based with three components)?"""
        if self.family in ("DeviceRGB", "CalRGB"):
            return True
        if self.family == "ICCBased":
            return self.n == 3
        if self.family in ("Indexed",) and self.alternate is not None:
            return self.alternate.rgb
        return False

    def describe(self) -> str:
        if self.family == "Separation":
            return f"spot {self.colorants[0]}"
        if self.family == "DeviceN":
            return "DeviceN " + "+".join(self.colorants)
        if self.family == "ICCBased":
            return {1: "ICC-based grey", 3: "ICC-based RGB", 4: "ICC-based CMYK"}.get(self.n, "ICC-based")
        if self.family == "Indexed" and self.alternate is not None:
            return f"Indexed {self.alternate.describe()}"
        return self.family


DEVICE_GRAY = Space("DeviceGray", 1)


DEVICE_RGB = Space("DeviceRGB", 3)


DEVICE_CMYK = Space("DeviceCMYK", 4)


@dataclass(frozen=True, slots=True)
class Colour:
    space: Space
    values: tuple[float, ...]

    def inks(self) -> dict[str, float] | None:
        """Tint per separation (0..1), or None when the colour is not in inks (RGB, Lab,
        patterns). Grey is black ink; ``All`` is every ink but is named as such."""
        s, v = self.space, self.values
        if s.family == "DeviceCMYK" or (s.family == "ICCBased" and s.n == 4):
            return dict(zip(PROCESS, (v + (0.0,) * 4)[:4], strict=True))
        if s.family == "DeviceGray" or (s.family == "ICCBased" and s.n == 1) or s.family == "CalGray":
            return {"Black": 1.0 - (v[0] if v else 0.0)}
        if s.family in ("Separation", "DeviceN"):
            return dict(zip(s.colorants, (v + (1.0,) * len(s.colorants))[: len(s.colorants)], strict=True))
        return None

    def describe(self) -> str:
        inks = self.inks()
        if inks is not None and self.space.family in ("DeviceCMYK", "DeviceGray"):
            return "C{:.0f} M{:.0f} Y{:.0f} K{:.0f}".format(*(100 * inks.get(k, 0.0) for k in PROCESS)) + (
                "" if self.space.family == "DeviceCMYK" else " (grey)"
            )
        if self.space.family == "Separation":
            tint = self.values[0] if self.values else 1.0
            return f"{100 * tint:.0f} % {self.space.colorants[0]}"
        return self.space.describe()


BLACK_GRAY = Colour(DEVICE_GRAY, (0.0,))


@dataclass(frozen=True, slots=True)
class FontInfo:
    """What the rules need of a font: its name, whether its program is in the file,
    and enough metrics to place its glyphs (widths, ascent, descent: 1/1000 em)."""

    name: str
    subtype: str
    embedded: bool
    two_byte: bool = False
    widths: Mapping[int, float] = field(default_factory=dict)
    default_width: float = 500.0
    ascent: float = 800.0
    descent: float = -200.0
    scale: float = 0.001  # glyph space -> text space (Type 3: its FontMatrix)

    def width(self, code: int) -> float:
        return self.widths.get(code, self.default_width)


@dataclass(frozen=True, slots=True)
class Paint:
    """A path filled or stroked. ``rects`` are its ``re`` rectangles in user space (a QR
    code is hundreds of them); ``subpaths`` its other segments' points in page space
    (curves by their end points)."""

    op: str  # "fill" or "stroke"
    colour: Colour
    overprint: bool
    opm: int
    width: float  # the line width in page space (strokes)
    dashed: bool
    cap: int  # line cap: 0 butt, 1 round, 2 projecting square
    bbox: Box  # page space, line width not included
    ctm: Matrix
    rects: tuple[tuple[float, float, float, float], ...]
    subpaths: tuple[tuple[tuple[float, float], ...], ...]
    where: str

    def parts(self) -> list[Box]:
        """The page-space box of each subpath and rectangle, strokes widened by half their
        width: a path of many crop marks is many small boxes, not one around the page."""
        out = []
        if self.op == "stroke":
            # a stroke marks along its segments, not inside them (a stroked outline leaves
            # its middle bare); widened by half the line width, across only where a
            # butt-capped line ends
            h = self.width / 2
            for sp in self.subpaths:
                for i in range(len(sp) - 1):
                    (ax, ay), (bx, by) = sp[i], sp[i + 1]
                    if self.cap == 0 and len(sp) == 2:
                        length = math.hypot(bx - ax, by - ay) or 1.0
                        nx, ny = abs(by - ay) / length * h, abs(bx - ax) / length * h
                    else:
                        nx = ny = h
                    out.append((min(ax, bx) - nx, min(ay, by) - ny, max(ax, bx) + nx, max(ay, by) + ny))
            for x, y, w, hh in self.rects:
                pts = [
                    apply(self.ctm, px, py) for px, py in ((x, y), (x + w, y), (x + w, y + hh), (x, y + hh))
                ]
                for i in range(4):
                    (ax, ay), (bx, by) = pts[i], pts[(i + 1) % 4]
                    out.append((min(ax, bx) - h, min(ay, by) - h, max(ax, bx) + h, max(ay, by) + h))
            return out
        for sp in self.subpaths:
            xs, ys = [p[0] for p in sp], [p[1] for p in sp]
            out.append((min(xs), min(ys), max(xs), max(ys)))
        for x, y, w, hh in self.rects:
            out.append(box_of(self.ctm, (min(x, x + w), min(y, y + hh), max(x, x + w), max(y, y + hh))))
        return out


@dataclass(frozen=True, slots=True)
class Text:
    """One text-showing operator: its glyphs' box, font, size and colours."""

    text: str
    font: FontInfo
    size: float  # the em size in page space (points)
    mode: int  # text render mode 0..7
    fill: Colour
    stroke: Colour
    overprint_fill: bool
    overprint_stroke: bool
    width: float  # stroke width in page space (modes 1, 2, 5, 6)
    bbox: Box
    where: str

    @property
    def filled(self) -> bool:
        return self.mode in (0, 2, 4, 6)

    @property
    def stroked(self) -> bool:
        return self.mode in (1, 2, 5, 6)

    @property
    def visible(self) -> bool:
        return self.mode not in (3, 7)


@dataclass(frozen=True, slots=True)
class Image:
    """An image XObject or inline image placed on the page."""

    name: str
    pixels: tuple[int, int]
    bits: int
    space: Space | None  # None: a stencil mask, painted in ``fill``
    fill: Colour
    soft_mask: bool
    placed: tuple[float, float]  # width and height of the placed image in page space (points)
    bbox: Box
    overprint: bool
    where: str
    stream: Any = None  # the image's stream object (None for inline images)


@dataclass(frozen=True, slots=True)
class Placed:
    """A Form XObject drawn straight on the page: its bounding box in page space. On an
    imposed sheet each piece is one (its box: the piece's trim plus bleed)."""

    name: str
    bbox: Box
    where: str


@dataclass(frozen=True, slots=True)
class Shade:
    """A shading painted with ``sh`` or as a shading pattern's fill."""

    space: Space
    where: str


@dataclass(frozen=True, slots=True)
class Transparency:
    """Something that makes the page use transparency (soft mask, alpha, blend mode, group)."""

    what: str
    where: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Content the walker could not follow (an undefined resource, a cycle, bad operands)."""

    what: str
    where: str


Event = Paint | Text | Image | Placed | Shade | Transparency | Problem
