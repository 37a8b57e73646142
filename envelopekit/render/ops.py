"""Drawing compose's operations into a canvas's current page or form.

Text lines, fills and QR codes are written straight as PDF operators (see
:mod:`.lean`); rectangles, rules and images go through reportlab's canvas. A
group's clip and transform are the same for every kit, so each is formatted once.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from reportlab.lib.colors import CMYKColor
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfdoc import xObjectName
from reportlab.pdfgen.canvas import Canvas

from ..compose import FillOp, Group, ImageOp, LineOp, Op, QROp, RectOp, TextOp
from ..geometry import Cubic, Line, Path, Polygon, Transform
from .lean import QRForm, cmyk_code, fill_code, form_use, text_code

__all__ = ["OpDrawer"]

_BIG = 1e5
K_ONLY = (0.0, 0.0, 0.0, 1.0)


QRStreams = dict[int, tuple[tuple[tuple[int, int, int, int], ...], QRForm]]
"""Compressed QR forms by the identity of their modules (kept alive beside each form)."""


def _qr_stream(op: QROp, made: QRStreams) -> QRForm:
    """The form of ``op``'s symbol: its path compressed once per symbol in ``made`` (a
    chunk's painters share it, so a kit's letter and card in two stock files share the
    work); each file gets its own object (a PDF object belongs to one document)."""
    hit = made.get(id(op.rects))
    if hit is None or hit[0] is not op.rects:
        side = op.side or max(max(x + w, y + h) for x, y, w, h in op.rects)
        hit = made[id(op.rects)] = (op.rects, QRForm(side, op.rects))
    return hit[1].copy()


@lru_cache(maxsize=64)
def _cmyk_image(
    path: str,
    pad: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
    size: tuple[float, float] = (1.0, 1.0),
) -> tuple[Any, tuple[float, float, float, float]]:
    """The image as CMYK (print output is PDF/X-1a: no RGB, no transparency), through
    ICC profiles and ink-limited (see :mod:`envelopekit.colour`); read once per process.
    ``pad`` (points, at the placed ``size``) extends its edges into the bleed: returns
    the image and how far (points) it now reaches beyond its rectangle on each side."""
    import math
    import warnings

    from PIL import Image
    from reportlab.lib.utils import ImageReader

    from ..colour import InkWarning, extend_edges, to_print_cmyk

    with Image.open(path) as im:
        ready = to_print_cmyk(im, name=path)
    for message in ready.warnings:
        warnings.warn(message, InkWarning, stacklevel=2)
    image = ready.image
    if not any(pad):
        return ImageReader(image), pad
    sx, sy = image.width / size[0], image.height / size[1]  # pixels per point
    px = tuple(math.ceil(p * s - 1e-9) for p, s in zip(pad, (sx, sy, sx, sy), strict=True))
    grown = (px[0] / sx, px[1] / sy, px[2] / sx, px[3] / sy)
    return ImageReader(extend_edges(image, (px[0], px[1], px[2], px[3]))), grown


def _path(c: Canvas, path: Path | Polygon, t: Transform | None = None) -> Any:
    p = c.beginPath()
    if isinstance(path, Polygon):
        pts = [t.apply(q) if t else q for q in path.points]
        p.moveTo(*pts[0])
        for q in pts[1:]:
            p.lineTo(*q)
        p.close()
        return p
    if t is not None:
        path = path.transform(t)
    p.moveTo(*path.start)
    for seg in path.segments:
        if isinstance(seg, Line):
            p.lineTo(*seg.p1)
        elif isinstance(seg, Cubic):
            p.curveTo(*seg.p1, *seg.p2, *seg.p3)
    p.close()
    return p


def _cmyk(colour: tuple[float, float, float, float]) -> CMYKColor:
    return CMYKColor(*colour)


class OpDrawer:
    """Mixin of the renderers: draws groups of operations on ``self.c`` (a reportlab
    canvas), keeping per-file caches of group openings, text lines and QR forms."""

    c: Canvas

    def own_form(self, name: str) -> None:  # pragma: no cover - PdfCanvas's comes first
        """Note a form this renderer made (see ``PdfCanvas.own_form``)."""
        raise NotImplementedError

    def init_ops(self, qr_streams: QRStreams | None = None) -> None:
        self._qr_streams: QRStreams = {} if qr_streams is None else qr_streams
        self._qr_forms: dict[tuple[tuple[int, int, int, int], ...], str] = {}
        self._starts: dict[tuple[int, ...], tuple[tuple[Any, ...], str]] = {}
        self._lines: dict[tuple[Any, ...], str] = {}

    def groups(self, groups: Iterable[Group], place: Transform) -> None:
        code = self.c._code
        for g in groups:
            code.append(self._group_start(g, place))
            fill = None  # the fill colour set inside this group, if known
            overprint = False  # fill overprint on (for 100 % K text) inside this group
            for op in g.ops:
                if isinstance(op, TextOp):
                    # 100 % K text overprints: no white halo around it if plates misregister.
                    if (op.colour == K_ONLY) != overprint:
                        overprint = not overprint
                        code.append(self._overprint(overprint))
                    # One text object per line, so the line extracts as one line of text.
                    if op.colour != fill:
                        code.append(cmyk_code(op.colour))
                        fill = op.colour
                    code.append(self._text(op))
                    continue
                if overprint:  # fills, images and codes knock out as before
                    overprint = False
                    code.append(self._overprint(False))
                if isinstance(op, FillOp):
                    if op.colour != fill:
                        code.append(cmyk_code(op.colour))
                        fill = op.colour
                    code.append(fill_code(op.rect.x0, op.rect.y0, op.rect.width, op.rect.height))
                else:  # each of these saves and restores the graphics state
                    self.op(op)
            code.append("Q")

    def _overprint(self, on: bool) -> str:
        """Fill overprint on (with overprint mode 1: zero components leave the inks below
        alone) or off, as ``gs`` operators; the states join the page's or form's resources."""
        names = self.c._extgstate._c
        wanted: list[tuple[str, Any]] = [("op", "true" if on else "false")]
        if on:
            wanted.append(("OPM", 1))
        ops = []
        for key in wanted:
            name = names.get(key)
            if name is None:
                name = names[key] = f"gRLs{len(names)}"
            ops.append(f"/{name} gs")
        return " ".join(ops)

    def _text(self, op: TextOp) -> str:
        """A line's text object. Most lines of a letter are the same in every kit: each is
        encoded once per file (its characters are then in this file's font subsets)."""
        key = (op.x, op.y, op.size, op.runs)
        line = self._lines.get(key)
        if line is None:
            if len(self._lines) >= 4096:  # names and addresses: seldom seen twice
                self._lines.clear()
            line = self._lines[key] = text_code(self.c._doc, op.x, op.y, op.size, op.runs)
        return line

    def _group_start(self, g: Group, place: Transform) -> str:
        """``q``, the clip and the transform that open a group: the same for every kit, so
        made once per (group geometry, placement), by identity of its frozen parts."""
        key = (id(g.clip), id(g.holes), id(g.bleed), id(g.to_piece), id(place))
        hit = self._starts.get(key)
        if hit is not None and hit[0] == (g.clip, g.holes, g.bleed, g.to_piece, place):
            return hit[1]
        c = self.c
        lines = ["q"]
        if g.clip is not None:
            clip = _path(c, g.clip, place)
            for band in g.bleed:  # same winding: the nonzero clip is the union
                pts = [place.apply(q) for q in band.points]
                clip.moveTo(*pts[0])
                for q in pts[1:]:
                    clip.lineTo(*q)
                clip.close()
            # Nonzero: the bands are wound like the clip, so the clip is their union (even-odd,
            # the canvas's default, would cut out wherever two bands overlap).
            lines.append(clip.getCode() + " W n")
        for hole in g.holes:
            p = _path(c, hole, place)
            p.rect(-_BIG, -_BIG, 2 * _BIG, 2 * _BIG)
            lines.append(p.getCode() + " W* n")
        lines.append(f"{fp_str(*(place @ g.to_piece).as_tuple())} cm")
        start = "\n".join(lines)
        # The key's objects are kept alive in the value, so their ids cannot be reused.
        self._starts[key] = ((g.clip, g.holes, g.bleed, g.to_piece, place), start)
        return start

    def qr_form(self, op: QROp) -> str:
        """The form holding ``op``'s QR symbol: made on first use in this file, then drawn
        by reference wherever the same symbol (the same URL) appears again."""
        name = self._qr_forms.get(op.rects)
        if name is None:
            name = self._qr_forms[op.rects] = f"qr{len(self._qr_forms) + 1}"
            self.c._doc.Reference(_qr_stream(op, self._qr_streams), xObjectName(name))
            self.own_form(name)
        self.c._formsinuse.append(name)
        return name

    def op(self, op: Op) -> None:
        """Draw one operation that keeps the graphics state (text and fills, which set the
        fill colour for what follows in their group, are drawn by :meth:`groups`)."""
        c = self.c
        if isinstance(op, TextOp | FillOp):
            self.groups((Group(Transform(), None, (), (op,)),), Transform())
        elif isinstance(op, QROp):
            code = c._code
            code.append(f"q\n{fp_str(*op.transform.as_tuple())} cm\n{cmyk_code(op.colour)}")
            code.append(form_use(self.qr_form(op)))
            code.append("Q")
        elif isinstance(op, RectOp):
            r = op.rect
            c.saveState()
            if op.fill:
                c.setFillColor(_cmyk(op.fill))
            if op.stroke:
                c.setStrokeColor(_cmyk(op.stroke))
                c.setLineWidth(op.width)
                if op.dash:
                    c.setDash(list(op.dash))
            if op.radius:
                c.roundRect(
                    r.x0,
                    r.y0,
                    r.width,
                    r.height,
                    op.radius,
                    stroke=int(bool(op.stroke)),
                    fill=int(bool(op.fill)),
                )
            else:
                c.rect(r.x0, r.y0, r.width, r.height, stroke=int(bool(op.stroke)), fill=int(bool(op.fill)))
            c.restoreState()
        elif isinstance(op, LineOp):
            c.saveState()
            c.setStrokeColor(_cmyk(op.colour))
            c.setLineWidth(op.width)
            if op.dash:
                c.setDash(list(op.dash))
            c.line(op.p0.x, op.p0.y, op.p1.x, op.p1.y)
            c.restoreState()
        elif isinstance(op, ImageOp):
            c.saveState()
            clip = c.beginPath()
            clip.rect(op.clip.x0, op.clip.y0, op.clip.width, op.clip.height)
            c.clipPath(clip, stroke=0, fill=0)
            r = op.rect
            image, (gl, gb, gr, gt) = _cmyk_image(op.path, op.pad, (r.width, r.height))
            c.drawImage(image, r.x0 - gl, r.y0 - gb, r.width + gl + gr, r.height + gb + gt)
            c.restoreState()
        else:  # pragma: no cover - exhaustive
            raise TypeError(op)
