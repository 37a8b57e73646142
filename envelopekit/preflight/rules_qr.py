"""QR-code rules: module size, quiet zone, 100 % K, and never rasterised.

A QR symbol is found as one filled path of 20 or more rectangles on one grid that fills
a QR version's square (:func:`find_qr`); PRINT.md item 10.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..units import mm
from .context import Limits, PageContext, Profile, finding
from .drawn import Box, Colour, Image, Paint, scale
from .measure import (
    colours_of,
    decoded_image,
    die_of,
    extent_of,
    in_mm,
    intersects,
    is_registration,
    parts_of,
    where_of,
)
from .report import Finding, Severity


@dataclass(frozen=True, slots=True)
class QR:
    """A QR symbol found as one filled path of module rectangles."""

    paint: Paint
    modules: int  # per side
    module: float  # pt, in page space
    square: bool  # module cells are square (not stretched)
    box: Box  # the symbol, page space


def find_qr(e: Paint) -> QR | None:
    """Is ``e`` a QR symbol: 20+ rectangles on one grid, filling an n x n square whose
    side is a QR version's (21, 25, ..., 177 modules)?"""
    if e.op != "fill" or len(e.rects) < 20:
        return None
    boxes = [(min(x, x + w), min(y, y + h), max(x, x + w), max(y, y + h)) for x, y, w, h in e.rects]
    sizes = [b[2] - b[0] for b in boxes] + [b[3] - b[1] for b in boxes]
    pitch = min(s for s in sizes if s > 0) if any(s > 0 for s in sizes) else 0.0
    if pitch <= 0:
        return None
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    nx, ny = (x1 - x0) / pitch, (y1 - y0) / pitch
    n = round(nx)
    if abs(nx - n) > 0.02 or abs(ny - n) > 0.02 or not 21 <= n <= 177 or (n - 17) % 4:
        return None
    for b in boxes:
        for v, o in ((b[0], x0), (b[2], x0), (b[1], y0), (b[3], y0)):
            k = (v - o) / pitch
            if abs(k - round(k)) > 0.02:
                return None
    m = e.ctm
    sx, sy = math.hypot(m[0], m[1]), math.hypot(m[2], m[3])
    return QR(e, n, pitch * scale(m), abs(sx - sy) <= 0.01 * max(sx, sy), e.bbox)


def qr_codes_on(page: PageContext) -> list[QR]:
    hit = page.local.get("qrs")
    if hit is None:
        hit = page.local["qrs"] = []
        for e in page.events:
            if isinstance(e, Paint) and e.op == "fill" and len(e.rects) >= 20:
                q = page.memo("qr", e, partial(find_qr, e))
                if q is not None:
                    hit.append(q)
    return hit  # type: ignore[no-any-return,unused-ignore]


def check_qr_module(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for q in qr_codes_on(page):
        where = where_of(q.paint, page, q.box)
        size = q.module / mm
        if q.module < limits.error_module - 1e-6 or q.module < limits.min_module - 1e-6:
            severity: Severity = "error" if q.module < limits.error_module - 1e-6 else "warning"
            floor = limits.error_module if severity == "error" else limits.min_module
            yield finding(
                "qr-module-size",
                severity,
                page.number,
                f"QR code ({q.modules} modules) with {size:.2f} mm modules, under {floor / mm:.2f} mm",
                where,
                "make the code larger or its URL shorter (a smaller version)",
            )
        if not q.square:
            yield finding(
                "qr-module-size",
                "error",
                page.number,
                "QR code stretched: its modules are not square",
                where,
                "scale QR codes uniformly",
            )


def _dark(colour: Colour, limits: Limits) -> bool:
    inks = colour.inks()
    if inks is None:
        return True  # RGB and the like: reported by colour-space; assume it shows
    if is_registration(colour, limits):
        return True
    k = inks.get("Black", 0.0)
    cmy = sum(inks.get(n, 0.0) for n in ("Cyan", "Magenta", "Yellow"))
    spots = max(
        (v for n, v in inks.items() if n not in (*limits.die_inks, "Cyan", "Magenta", "Yellow", "Black")),
        default=0.0,
    )
    return k >= 0.2 or cmy >= 0.4 or spots >= 0.3


def check_qr_quiet_zone(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for q in qr_codes_on(page):
        quiet = 4 * q.module
        b = q.box
        zone = (b[0] - quiet, b[1] - quiet, b[2] + quiet, b[3] + quiet)
        for e in page.events:
            if e is q.paint:
                continue
            ext = extent_of(e)
            if ext is None or not intersects(ext, zone):
                continue
            hits = [p for p in parts_of(e) if intersects(p, zone)]
            colours = colours_of(e)
            if not hits or all(die_of(c, limits) for c, _ in colours):
                continue  # die lines are not printed
            if isinstance(e, Image) or any(_dark(c, limits) for c, _ in colours):
                kind = colours[0][1] if colours else "content"
                ext = hits[0]
                inside = "behind or over the code" if intersects(ext, b) else "in its 4-module quiet zone"
                yield finding(
                    "qr-quiet-zone",
                    "error",
                    page.number,
                    f"{kind} {inside} ({in_mm(ext, page)})",
                    where_of(q.paint, page, q.box),
                    "keep 4 modules of light, empty space around every QR code",
                )


def check_qr_colour(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for q in qr_codes_on(page):
        inks = q.paint.colour.inks()
        k_only = (
            inks is not None
            and abs(inks.get("Black", 0.0) - 1.0) < 1e-3
            and all(v < 1e-3 for n, v in inks.items() if n != "Black")
        )
        if not k_only:
            yield finding(
                "qr-colour",
                "error",
                page.number,
                f"QR code in {q.paint.colour.describe()}, not 100 % K",
                where_of(q.paint, page, q.box),
                "draw QR codes in 100 % K (0 0 0 1 k) only",
            )


def check_qr_raster(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if not isinstance(e, Image) or min(e.pixels) < 21:
            continue
        key = ("qr", getattr(e.stream, "indirect_reference", None) or id(e.stream))
        if key not in page.cache:
            page.cache[key] = _barcode_in(decoded_image(e, page))
        if page.cache[key]:
            yield finding(
                "qr-vector",
                "error",
                page.number,
                f"image {e.name} holds a QR code (rasterised)",
                where_of(e, page, e.bbox),
                "draw QR codes as vector paths in 100 % K",
            )


def _barcode_in(im: Any) -> bool:
    if im is None:
        return False
    try:
        import zxingcpp

        rgb = im.convert("L")
        return any(r.format == zxingcpp.BarcodeFormat.QRCode for r in zxingcpp.read_barcodes(rgb))
    except Exception:
        return False
