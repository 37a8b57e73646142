"""Lean PDF writing for the per-kit hot path: pages, shared resources, QR forms, text.

reportlab's canvas stays the owner of the document, its fonts and colours, and the
accumulator of content (its ``_code`` list). What a batch of thousands of pages
spends most of its time on is done here instead, to equivalent PDF:

- :func:`finish_page` writes a page as a :class:`Page`: three boxes, a compressed
  content stream, no empty ``/Trans`` or ``/Rotate 0``, and a :class:`Resources`
  dictionary that is one indirect object shared by every page with the same
  resources (each piece side of a batch), written inline where only one page uses
  it (a kit's QR pages);
- :class:`QRForm` holds one QR symbol as a Form XObject in module units, drawn by
  reference wherever its URL repeats;
- :func:`text_code`, :func:`fill_code` and :func:`cmyk_code` format text lines and
  fills straight to content operators, without reportlab's text and state objects.

Everything here formats deterministically: the same calls give the same bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from functools import lru_cache
from itertools import chain
from typing import Any

from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFName, PDFObject, xObjectName

from ..content.shaping import ShapedText, glyph_code
from ..pages import PageGeometry

__all__ = [
    "Page",
    "QRForm",
    "RawStream",
    "Resources",
    "box_entries",
    "cmyk_code",
    "deflate",
    "fill_code",
    "finish_page",
    "qr_path",
    "text_code",
]

_PROCS = b"[ /PDF /Text ]"
_ALL_PROCS = b"[ /PDF /Text /ImageB /ImageC /ImageI ]"


def _ref(document: Any, obj: PDFObject) -> bytes:
    """``N 0 R`` for ``obj``, registering it with the document on first use."""
    return document.Reference(obj).format(document)


def _named_ref(document: Any, name: str) -> bytes:
    """``N 0 R`` for the object the document registered under ``name``."""
    try:
        n, v = document.idToObjectNumberAndVersion[name]
    except KeyError:
        raise KeyError(f"PDF object {name!r} is used but was never defined") from None
    return b"%d %d R" % (n, v)


def deflate(data: bytes) -> bytes:
    """zlib (FlateDecode) at level 6 with a 4 KB window: a page's operators or a QR path
    fit it, and setting up zlib's default 32 KB window costs more than compressing them."""
    z = zlib.compressobj(6, zlib.DEFLATED, 12)
    return z.compress(data) + z.flush()


class RawStream(PDFObject):
    """A Flate-compressed stream; ``extra`` are further dictionary entries (bytes)."""

    __RefOnly__ = 1

    def __init__(self, data: bytes, extra: bytes = b""):
        self.data = deflate(data)
        self.extra = extra

    def format(self, document: Any) -> bytes:
        data = document.encrypt.encode(self.data)
        head = b"<< %s/Filter /FlateDecode /Length %d >>" % (self.extra, len(data))
        return head + b"\nstream\n" + data + b"\nendstream"


class QRForm(RawStream):
    """A QR symbol's dark modules as one filled path: a Form XObject in module units,
    y down from the top row (the placing ``cm`` flips it), no quiet zone."""

    def __init__(self, side: int, rects: Iterable[tuple[int, int, int, int]]):
        extra = b"/Type /XObject /Subtype /Form /BBox [ 0 0 %d %d ] /Resources << >> " % (side, side)
        super().__init__(qr_path(rects).encode("ascii"), extra)

    def copy(self) -> QRForm:
        """The same stream as a new object (for another document), not compressed again."""
        twin = QRForm.__new__(QRForm)
        twin.data, twin.extra = self.data, self.extra
        return twin


def qr_path(rects: Iterable[tuple[int, int, int, int]]) -> str:
    """``x y w h re`` for every rectangle, then one nonzero fill (they never overlap)."""
    flat = tuple(chain.from_iterable(rects))
    return ("%d %d %d %d re " * (len(flat) // 4)) % flat + "f"


class Resources(PDFObject):
    """A page's resource dictionary; ``uses`` counts the pages that share it."""

    def __init__(
        self,
        colours: tuple[tuple[str, str], ...],
        states: tuple[tuple[str, tuple[str, Any]], ...],
        xobjects: tuple[str, ...],
        images: bool,
    ):
        self.colours, self.states, self.xobjects, self.images = colours, states, xobjects, images
        self.uses = 0
        self._bytes: bytes | None = None

    def format(self, document: Any) -> bytes:
        if self._bytes is None:
            self._bytes = self._format(document)
        return self._bytes

    def _format(self, document: Any) -> bytes:
        parts = []
        if self.colours:
            spaces = b" ".join(
                PDFName(sname).encode("latin-1") + b" " + _named_ref(document, name)
                for name, sname in sorted(self.colours, key=lambda c: c[1])
            )
            parts.append(b"/ColorSpace << " + spaces + b" >>")
        if self.states:
            states = b" ".join(
                b"/%s << /%s %s >>" % (name.encode(), key.encode(), str(value).encode())
                for name, (key, value) in self.states
            )
            parts.append(b"/ExtGState << " + states + b" >>")
        parts.append(b"/Font " + _named_ref(document, "BasicFonts"))
        parts.append(b"/ProcSet " + (_ALL_PROCS if self.images else _PROCS))
        if self.xobjects:
            forms = b" ".join(
                PDFName(x).encode("latin-1") + b" " + _named_ref(document, x) for x in sorted(self.xobjects)
            )
            parts.append(b"/XObject << " + forms + b" >>")
        return b"<< " + b" ".join(parts) + b" >>"


class Page(PDFObject):
    """One page: boxes, shared or inline resources, and its content stream."""

    __RefOnly__ = 1

    def __init__(self, boxes: bytes, resources: Resources, contents: RawStream):
        self.boxes, self.resources, self.contents = boxes, resources, contents

    def format(self, document: Any) -> bytes:
        res = self.resources
        resources = _ref(document, res) if res.uses > 1 else res.format(document)
        return b"<< /Type /Page /Parent %s %s /Resources %s /Contents %s >>" % (
            _ref(document, document.Pages),
            self.boxes,
            resources,
            _ref(document, self.contents),
        )


@lru_cache(maxsize=256)
def box_entries(page: PageGeometry) -> bytes:
    """``/MediaBox``, ``/TrimBox`` and ``/BleedBox`` of a page, formatted once per geometry."""
    media = fp_str(0, 0, page.media.width, page.media.height)
    trim, bleed = fp_str(*page.trim.as_tuple()), fp_str(*page.bleed.as_tuple())
    return f"/MediaBox [ {media} ] /TrimBox [ {trim} ] /BleedBox [ {bleed} ]".encode("ascii")


def finish_page(c: Any, page: PageGeometry, shared: dict[tuple[Any, ...], Resources], ours: set[str]) -> None:
    """End the canvas's current page as a lean :class:`Page` and start the next one.

    ``shared`` maps resource keys to the dictionaries already made for this file;
    ``ours`` holds the internal names of the forms this renderer made (vector only,
    so pages using nothing else need no image procsets)."""
    content = ("\n".join(c._code) + "\n").encode("latin-1")
    colours = tuple(sorted(c._colorsUsed.items()))
    states = tuple(sorted((name, t) for t, name in c._extgstate._c.items()))
    xobjects = tuple(sorted({xObjectName(name) for name in c._formsinuse}))
    images = not ours.issuperset(xobjects)
    key = (colours, states, xobjects, images)
    resources = shared.get(key)
    if resources is None:
        resources = shared[key] = Resources(colours, states, xobjects, images)
    resources.uses += 1
    c._doc.addPage(Page(box_entries(page), resources, RawStream(content)))
    c._startPage()


@lru_cache(maxsize=64)
def cmyk_code(colour: tuple[float, float, float, float]) -> str:
    """The fill operator for a process colour (as reportlab writes it)."""
    return f"{fp_str(*colour)} k"


@lru_cache(maxsize=32)
def _font(name: str) -> Any:
    font = pdfmetrics.getFont(name)
    if not font._dynamicFont:  # pragma: no cover - only bundled TrueType faces are registered
        raise TypeError(f"font {name!r} is not an embedded TrueType face")
    return font


def text_code(doc: Any, x: float, y: float, size: float, runs: Iterable[tuple[str, str, float]]) -> str:
    """One line of text as a text object: each run at (x + its offset, y) in its font.

    Fonts are reportlab TrueType faces, subset per document (``splitString``). A line
    of shaped runs (:class:`~envelopekit.content.shaping.ShapedText`) is written by
    :func:`_shaped_code` instead."""
    runs = tuple(runs)
    if runs and isinstance(runs[0][1], ShapedText):
        return _shaped_code(doc, x, y, size, runs)
    parts = ["BT"]
    tf = f"{fp_str(size)} Tf"
    for name, text, dx in runs:
        font = _font(name)
        parts.append(f"1 0 0 1 {fp_str(x + dx, y)} Tm")
        current = -1
        for subset, chunk in font.splitString(text, doc):
            if subset != current:
                parts.append(f"{font.getSubsetInternalName(subset, doc)} {tf}")
                current = subset
            parts.append(f"({escapePDF(chunk)}) Tj")
    parts.append("ET")
    return " ".join(parts)


def _shaped_code(doc: Any, x: float, y: float, size: float, runs: tuple[tuple[str, str, float], ...]) -> str:
    """A shaped line as one text object: glyphs left to right, as PDF text extraction
    expects (pdfium and pypdf turn right-to-left text back to reading order), each
    placed by ``TJ`` adjustments (and ``Ts`` for a raised or lowered mark) from where
    the previous one left the pen. Each glyph's ToUnicode entry is the text it stands
    for (see :func:`~envelopekit.content.shaping.shape_run`); a cluster with glyphs
    standing for nothing is wrapped in an ``/ActualText`` span, inside this BT/ET. (An
    ``/ActualText`` of the whole line in logical order was tried, inside and around
    BT/ET: pdfium and poppler reorder it again as if it were visual, pypdf ignores it;
    see the :mod:`~envelopekit.content.shaping` docstring.)"""
    parts = [f"BT 1 0 0 1 {fp_str(x, y)} Tm"]
    tf = f"{fp_str(size)} Tf"
    current: tuple[str, int] | None = None
    pen = 0.0  # where the pen is, 1/1000 em from the line's start
    rise = 0.0
    open_span = 0
    items: list[str] = []  # the open TJ array

    def flush() -> None:
        if items:
            parts.append("[" + " ".join(items) + "] TJ")
            items.clear()

    for name, text, dx in runs:
        font = _font(name)
        widths = font.face.charWidths
        start = dx * 1000.0 / size
        glyphs = text.glyphs if isinstance(text, ShapedText) else ()
        for g in glyphs:
            code = glyph_code(font, g)
            ((subset, chunk),) = font.splitString(code, doc)
            if (name, subset) != current:
                flush()
                parts.append(f"{font.getSubsetInternalName(subset, doc)} {tf}")
                current = (name, subset)
            if g.y != rise:
                flush()
                rise = g.y
                parts.append(f"{fp_str(rise * size / 1000.0)} Ts")
            shift = pen - (start + g.x)
            if abs(shift) > 0.01:
                items.append(fp_str(shift))
            if g.span:  # a cluster with glyphs standing for nothing: its text said once
                flush()
                k = glyphs.index(g)
                actual = "".join(h.text for h in glyphs[k : k + g.span])
                parts.append(f"/Span << /ActualText <FEFF{actual.encode('utf-16-be').hex().upper()}> >> BDC")
                open_span = g.span
            items.append(f"({escapePDF(chunk)})")
            if open_span:
                open_span -= 1
                if not open_span:
                    flush()
                    parts.append("EMC")
            pen = start + g.x + widths.get(ord(code), 0)
    flush()
    if rise:
        parts.append("0 Ts")
    parts.append("ET")
    return " ".join(parts)


def fill_code(x: float, y: float, w: float, h: float) -> str:
    """A filled rectangle (nonzero; a rectangle never overlaps itself)."""
    return f"n {fp_str(x, y, w, h)} re f"


def form_use(name: str) -> str:
    """The operator drawing form ``name`` (a name given to ``doc.Reference``)."""
    return f"/{xObjectName(name)} Do"
