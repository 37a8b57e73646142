"""The drawing primitives: a canvas with envelopekit's inks, die lines, marks and slugs
(reportlab); nets single-up. Kits and sheets are painted from plans by :mod:`.painter`.

Nothing here decides where anything goes. Die lines are stroked in named spot
colours set to overprint, marks in the registration colour, text and QR codes in
100 % K; pages carry TrimBox and BleedBox; output is byte-for-byte deterministic.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from reportlab import rl_config
from reportlab.lib.colors import CMYKColor, CMYKColorSep
from reportlab.pdfbase import ttfonts
from reportlab.pdfbase.pdfdoc import xObjectName
from reportlab.pdfgen.canvas import Canvas

from ..geometry import Point, Transform
from ..marks import MARK_WIDTH, MarkLine, crop_marks, fold_marks
from ..nets.base import Net
from ..pages import PROOF_TEXT, PageGeometry, single_up
from ..units import mm
from .lean import Resources, finish_page, text_code
from .ops import _path

__all__ = ["PROOF_TEXT", "Inks", "PdfCanvas", "net_pdf", "slug_font"]


@dataclass(frozen=True, slots=True)
class Inks:
    """Names of the technical separations (configurable: RIPs act on the swatch name)."""

    cut: str = "CutContour"
    crease: str = "Crease"
    glue: str = "Glue"
    registration: str = "All"

    def colour(self, role: str) -> CMYKColorSep:
        if role == "cut":
            return CMYKColorSep(0, 1, 0, 0, spotName=self.cut)
        if role == "crease":
            return CMYKColorSep(1, 0, 0, 0, spotName=self.crease)
        if role == "glue":
            return CMYKColorSep(0, 0, 1, 0, spotName=self.glue)
        if role == "registration":
            return CMYKColorSep(1, 1, 1, 1, spotName=self.registration)
        raise ValueError(role)


BLACK = CMYKColor(0, 0, 0, 1)


# Streams are Flate-compressed only: ASCII85 on top makes files 13 % larger and saving
# slower, and nothing in a print workflow needs 7-bit-clean PDF.
rl_config.useA85 = 0

# While a font writes its subsets: its face name and its subsets' character codes.
_SUBSETTING: ContextVar[tuple[bytes, tuple[tuple[int, ...], ...]] | None] = ContextVar(
    "envelopekit_subsetting", default=None
)
DIE_LAYERS: ContextVar[bool] = ContextVar("envelopekit_die_layers", default=False)
"""While True (PDF/X-4 builds), each die-line stroke is marked content of its processing
step, ``/OC /Cutting BDC ... EMC``; render/x4.py makes the layers those names point to."""
_plain_subset_tag = ttfonts.SUBSETN


def _subset_tag(n: int, *args: Any) -> bytes:
    """reportlab tags font subsets AAAAAA+, AAAAAB+, ... in every file alike, so two files
    of one job would name different subsets of a font alike. While one of our files
    writes a font's subsets, derive six letters from the font and the subset's glyph set
    instead: one tag per glyph set across every file of a job (a RIP that merges files
    can then never mix up two subsets), the same tag wherever the glyphs are the same."""
    current = _SUBSETTING.get()
    if current is None or n >= len(current[1]):
        return bytes(_plain_subset_tag(n, *args))
    face, subsets = current
    digest = hashlib.sha256(face + b"|" + ",".join(map(str, subsets[n])).encode()).digest()
    return bytes(65 + b % 26 for b in digest[:6])


ttfonts.SUBSETN = _subset_tag


def _tagging(font: Any) -> Callable[[Any], None]:
    """``font.addObjects`` that names its subsets by their glyph sets (see _subset_tag)."""
    write = font.addObjects

    def add_objects(doc: Any) -> None:
        # Read now: reportlab (and ShapingTTFont after it) may drop the state while writing.
        state = font.state.get(doc)
        subsets = tuple(tuple(s) for s in state.subsets) if state is not None else ()
        token = _SUBSETTING.set((font.face.name + font.face.subfontNameX, subsets))
        try:
            write(doc)
        finally:
            _SUBSETTING.reset(token)

    return add_objects


def slug_font() -> str:
    """The registered name of the sans face used for slugs and proof marks (embedded)."""
    from ..content.text import get_family

    return get_family("sans").fonts[0].name


CUT_WIDTH = 0.25
CREASE_DASH = (3.0, 2.0)
MARK_DASH = (2.0, 1.5)
PROOF_LINE = 0.9  # die lines on a screen proof: about a pixel at 100 % zoom
PROOF_GLUE = (0.0, 0.45, 1.0, 0.0)  # glue outlines in orange on proofs: yellow vanishes on white
PROOF_RED = CMYKColor(0, 1, 1, 0)
PROOF_BACKDROP = (0.80, 0.83, 0.87)


class PdfCanvas:
    """A thin wrapper over a reportlab canvas that draws envelopekit's primitives."""

    def __init__(
        self, out: Any, *, title: str = "envelopekit", inks: Inks | None = None, created: float | None = None
    ):
        from .pdfx import identify

        self.inks = inks or Inks()
        # The slug's font is registered first and is the initial font, or reportlab would
        # put an unembedded Helvetica on every page. Other families are registered when
        # text is laid out in them (content.text.get_family), so unused faces never load.
        self.font = slug_font()
        self.c = Canvas(out, invariant=1, pageCompression=1, initialFontName=self.font, initialFontSize=6)
        identify(self.c, created)  # /ID from the file's content; CreationDate from ``created``
        self._registration = self.inks.colour("registration")
        self.c.setTitle(title)
        self.c.setCreator("envelopekit")
        self.c.setProducer("envelopekit (reportlab)")
        self._geometry: PageGeometry | None = None
        self._shared: dict[tuple[Any, ...], Resources] = {}  # one resource dictionary per kind of page
        self._ours: set[str] = set()

    # --- pages -------------------------------------------------------------------------
    def begin_page(self, page: PageGeometry) -> None:
        self.c._pagesize = (page.media.width, page.media.height)
        self._geometry = page

    def end_page(self) -> None:
        assert self._geometry is not None, "end_page without begin_page"
        finish_page(self.c, self._geometry, self._shared, self._ours)
        self._geometry = None

    def own_form(self, name: str) -> None:
        """Note that ``name`` is a vector form this renderer made (see lean.finish_page)."""
        self._ours.add(xObjectName(name))

    def save(self) -> None:
        """Write the file, each font subset tagged by its glyph set (see _subset_tag)."""
        fonts = [f for f in getattr(self.c._doc, "delayedFonts", ()) if isinstance(f, ttfonts.TTFont)]
        for font in fonts:  # registered fonts are shared by every file: only while saving
            font.addObjects = _tagging(font)
        try:
            self.c.save()
        finally:
            for font in fonts:
                del font.addObjects

    # --- technical lines ---------------------------------------------------------------
    def _step(self, tag: str | None) -> None:
        """Open (a tag of render.x4.STEPS) or close (None) a processing step's marked content."""
        if DIE_LAYERS.get():
            self.c._code.append(f"/OC /{tag} BDC" if tag else "EMC")

    def die_lines(self, net: Net, t: Transform, *, proof: bool = False) -> None:
        """Cut outline, creases and glue outlines of ``net`` placed by ``t``."""
        c = self.c
        c.saveState()
        c.setStrokeOverprint(True)
        c.setOverprintMask(True)
        c.setLineWidth(CUT_WIDTH if not proof else PROOF_LINE)
        c.setLineJoin(1)
        c.setStrokeColor(self.inks.colour("cut"))
        self._step("Cutting")
        c.drawPath(_path(c, net.outline, t), stroke=1, fill=0)
        for hole in net.holes:  # interior cuts: a window
            c.drawPath(_path(c, hole, t), stroke=1, fill=0)
        self._step(None)
        c.setStrokeColor(self.inks.colour("crease"))
        c.setDash(*CREASE_DASH)
        p = c.beginPath()
        for fold in net.folds:
            p.moveTo(*t.apply(fold.p0))
            p.lineTo(*t.apply(fold.p1))
        self._step("Creasing")
        c.drawPath(p, stroke=1, fill=0)
        self._step(None)
        c.setDash()
        if net.glue:
            glue = self.inks.colour("glue")
            if proof:
                glue = CMYKColorSep(*PROOF_GLUE, spotName=self.inks.glue)
            c.setStrokeColor(glue)
            p = c.beginPath()
            for area in net.glue:
                pts = [t.apply(q) for q in area.polygon.points]
                p.moveTo(*pts[0])
                for q in pts[1:]:
                    p.lineTo(*q)
                p.close()
            self._step("Gluing")
            c.drawPath(p, stroke=1, fill=0)
            self._step(None)
        c.restoreState()

    def marks(self, marks: Iterable[MarkLine]) -> None:
        """Crop marks solid, fold marks dashed, all in the registration colour."""
        c = self.c
        c.saveState()
        c.setLineWidth(MARK_WIDTH)
        c.setStrokeColor(self.inks.colour("registration"))
        solid = c.beginPath()
        dashed = c.beginPath()
        n_dashed = 0
        for m in marks:
            target = dashed if m.kind == "fold" else solid
            n_dashed += m.kind == "fold"
            target.moveTo(*m.p0)
            target.lineTo(*m.p1)
        c.drawPath(solid, stroke=1, fill=0)
        if n_dashed:
            c.setDash(*MARK_DASH)
            c.drawPath(dashed, stroke=1, fill=0)
        c.restoreState()

    def card_creases(self, folds: Iterable[tuple[Point, Point]]) -> None:
        """A card's fold lines (page coordinates) in the crease ink, overprinting."""
        c = self.c
        c.saveState()
        c.setStrokeOverprint(True)
        c.setOverprintMask(True)
        c.setLineWidth(CUT_WIDTH)
        c.setStrokeColor(self.inks.colour("crease"))
        c.setDash(*CREASE_DASH)
        p = c.beginPath()
        for a, b in folds:
            p.moveTo(*a)
            p.lineTo(*b)
        self._step("Creasing")
        c.drawPath(p, stroke=1, fill=0)
        self._step(None)
        c.restoreState()

    def slug(self, x: float, y: float, text: str, size: float = 6.0) -> None:
        """One line of job information in the registration colour, baseline from (x, y)."""
        c = self.c
        name = c._checkSeparation(self._registration)  # the page's resources name the colour
        line = text_code(c._doc, x, y, size, ((self.font, text, 0.0),))
        c._code.append(f"q\n/{name} cs 1 scn\n{line}\nQ")


def net_pdf(
    net: Net,
    *,
    bleed: float = 3 * mm,
    inks: Inks | None = None,
    title: str | None = None,
    condition: str = "FOGRA39",
) -> bytes:
    """One net single-up: die lines, crop and fold marks, boxes, identified as PDF/X-1a
    for ``condition`` like the kits. Returns PDF bytes."""
    from .pdfx import mark_pdfx

    box = net.bbox
    page = single_up(box.width, box.height, bleed=bleed)
    t = page.place @ Transform.translate(-box.x0, -box.y0)
    buf = io.BytesIO()
    pdf = PdfCanvas(
        buf, title=title or f"{net.style} net {net.width / mm:.0f}x{net.height / mm:.0f}mm", inks=inks
    )
    pdf.c.setSubject(f"die line: {net.style} net")
    mark_pdfx(pdf.c, condition)
    pdf.begin_page(page)
    pdf.die_lines(net, t)
    folds = [(t.apply(f.p0), t.apply(f.p1)) for f in net.folds]
    pdf.marks(crop_marks(page.trim, bleed=bleed) + fold_marks(page.trim, folds, bleed=bleed))
    pdf.end_page()
    pdf.save()
    return buf.getvalue()


def _complete_form_resources(c: Canvas, name: str) -> None:
    """Give a Form XObject its colour spaces and graphics states.

    reportlab (4.x, 5.x) writes a form's /Resources with fonts and procsets only,
    so a spot colour or an overprint state used inside a form would be undefined
    (viewers then drop the die lines). Build the full dictionary ourselves.
    """
    from reportlab.pdfbase.pdfdoc import PDFResourceDictionary

    form = c._doc.idToObject[xObjectName(name)]
    resources = PDFResourceDictionary()
    resources.basicFonts()
    resources.basicProcs()
    if getattr(form, "ExtGState", None):
        resources.ExtGState = form.ExtGState
    resources.setColorSpace(getattr(form, "_colorsUsed", {}))
    if form.XObjects:
        resources.XObject = form.XObjects
    form.Resources = resources
