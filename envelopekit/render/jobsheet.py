"""The job sheet (``job-sheet.pdf``): the job ticket painted for people, A4 portrait.

What goes on it is planned by :func:`envelopekit.jobplan.sheet_plan` from the ticket;
this module only lays that plan out on pages (reportlab platypus) and paints it, with
the bundled fonts embedded. The assembly pictures are the folded mockups of the
layout's sample record (:func:`sample_mockups`, through
:func:`envelopekit.preview.preview_record`), drawn at one scale per row so a card is
seen to fit its envelope. Deterministic: the same ticket and kit give the same bytes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..errors import EnvelopekitError
from ..jobplan import Heading, NewPage, Para, Picture, Pictures, SheetPlan, Step, sheet_plan
from ..jobplan import Table as PlanTable
from ..kit import ResolvedCard, ResolvedKit
from ..render.mockup import Mockup
from ..units import mm

__all__ = ["JOB_SHEET_DPI", "job_sheet_pdf", "paint", "sample_mockups"]

JOB_SHEET_DPI = 60.0
"""Resolution of the mockups on the sheet: a C5 envelope is about 540 pixels wide."""
SAMPLE_KEY = b"envelopekit job sheet sample key"
"""Signs the sample record's survey link in the pictures (never a recipient's)."""
MARGIN = 14 * mm
ROW_HEIGHT = 52 * mm  # the tallest picture in a row of assembly pictures
PARTS_HEIGHT = 38 * mm
INK = colors.CMYKColor(0, 0, 0, 0.9)
GREY = colors.Color(0.45, 0.45, 0.45)
RULE = colors.Color(0.75, 0.77, 0.8)
HEAD_FILL = colors.Color(0.9, 0.92, 0.95)
BACKDROP = colors.Color(0.82, 0.85, 0.89)  # white paper reads against a tint, as on a desk
ACCENT = colors.Color(0.0, 0.36, 0.62)
WARN = colors.Color(0.75, 0.1, 0.05)


# --- pictures ---------------------------------------------------------------------------------


def sample_mockups(kit: ResolvedKit, *, dpi: float = JOB_SHEET_DPI) -> dict[tuple[str, str], Image.Image]:
    """(piece, view) -> the folded view of the layout's sample record, or {} when the
    sample cannot be drawn (the sheet then shows empty frames)."""
    from ..compose import personalise
    from ..links import Links, qr_blocks
    from ..records import FieldMap
    from .proofs import record_mockups

    spec = kit.spec
    try:
        fields = FieldMap(spec.sample)
        record_id = fields.get(spec.id_field, "SAMPLE")
        links = Links(spec, key=SAMPLE_KEY, id_field=spec.id_field) if qr_blocks(kit) else None
        link = links.for_record(record_id) if links is not None else None
        personal = personalise(kit, fields, record_id=record_id, row=0, link=link)
        mockups = record_mockups(kit, personal, dpi=dpi)
    except EnvelopekitError:
        return {}
    return _views(mockups)


def _views(mockups: Sequence[Mockup]) -> dict[tuple[str, str], Image.Image]:
    return {(m.key, name): image for m in mockups for name, image in m.views()}


# --- text -------------------------------------------------------------------------------------


def _fonts() -> dict[str, str]:
    from ..content.text import get_family

    return {name: get_family(name).fonts[0].name for name in ("sans", "sans-bold", "sans-italic")}


def _markup(text: str, family: str = "sans") -> str:
    """``text`` as paragraph markup: escaped, lines broken, and characters the family's
    first face lacks set in the face of its fallback chain that has them."""
    from ..content.text import get_family, split_runs

    first = get_family(family).fonts[0].name
    lines = []
    for line in text.split("\n"):
        try:
            runs = split_runs(line, family)
        except (EnvelopekitError, ValueError):
            runs = [(first, line)]
        lines.append(
            "".join(escape(s) if f == first else f'<font name="{f}">{escape(s)}</font>' for f, s in runs)
        )
    return "<br/>".join(lines)


class _Styles:
    def __init__(self) -> None:
        f = _fonts()
        self.regular, self.bold, self.italic = f["sans"], f["sans-bold"], f["sans-italic"]
        base = ParagraphStyle(
            "body",
            fontName=self.regular,
            bulletFontName=self.regular,
            fontSize=9,
            leading=11.5,
            textColor=INK,
        )
        self.body = base
        self.cell = ParagraphStyle("cell", parent=base, fontSize=7.6, leading=9.4)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=self.bold)
        self.note = ParagraphStyle("note", parent=base, fontSize=8, leading=10, textColor=GREY, spaceBefore=3)
        self.warning = ParagraphStyle(
            "warning", parent=base, fontName=self.bold, textColor=WARN, spaceBefore=3
        )
        self.bullet = ParagraphStyle("bullet", parent=base, leftIndent=10, bulletIndent=2, spaceBefore=2)
        self.h1 = ParagraphStyle(
            "h1", parent=base, fontName=self.bold, fontSize=13, leading=16, spaceBefore=10, spaceAfter=4
        )
        self.h2 = ParagraphStyle(
            "h2", parent=base, fontName=self.bold, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3
        )
        self.title = ParagraphStyle("title", parent=base, fontName=self.bold, fontSize=18, leading=22)
        self.subtitle = ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14, textColor=GREY)
        self.step = ParagraphStyle(
            "step", parent=base, fontName=self.bold, fontSize=11, leading=14, textColor=ACCENT, spaceBefore=4
        )
        self.line = ParagraphStyle(
            "line", parent=base, fontSize=9.5, leading=12.5, leftIndent=14, bulletIndent=0
        )
        self.caption = ParagraphStyle("caption", parent=base, fontSize=7, leading=8.5, textColor=GREY)


# --- flowables --------------------------------------------------------------------------------


class PictureRow(Flowable):
    """Pictures side by side at one scale (at most their real size, or ``scale``), standing
    on one line, each on a tinted backdrop with its caption below; a missing picture is an
    empty dashed frame. ``arrow`` draws an arrow before the last picture (the result)."""

    GAP = 4 * mm
    PAD = 2 * mm
    CAPTION = 10.0

    def __init__(
        self,
        pictures: Sequence[tuple[Image.Image | None, str, tuple[float, float]]],
        *,
        dpi: float,
        max_height: float,
        font: str,
        arrow: bool = False,
        scale: float | None = None,
    ):
        super().__init__()
        self.pictures = list(pictures)  # (image, caption, size in points when no image)
        self.dpi = dpi
        self.max_height = max_height
        self.font = font
        self.arrow = arrow and len(self.pictures) > 1
        self.fixed = scale
        self.scale = 1.0

    def sizes(self) -> list[tuple[float, float]]:
        """Each picture's real size in points."""
        out = []
        for image, _, fallback in self.pictures:
            s = 72.0 / self.dpi
            out.append(fallback if image is None else (image.width * s, image.height * s))
        return out

    def fit(self, avail_width: float) -> float:
        """The scale at which the row fits ``avail_width`` and ``max_height``."""
        sizes = self.sizes()
        gaps = self.GAP * (len(sizes) - 1) + (self.GAP * 2 if self.arrow else 0.0)
        room = avail_width - gaps - 2 * self.PAD * len(sizes)
        widest = sum(w for w, _ in sizes) or 1.0
        tallest = max((h for _, h in sizes), default=1.0) or 1.0
        return min(1.0, room / widest, self.max_height / tallest)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.scale = self.fixed if self.fixed is not None else self.fit(avail_width)
        tallest = max((h for _, h in self.sizes()), default=0.0)
        self.width = avail_width
        self.height = tallest * self.scale + 2 * self.PAD + self.CAPTION
        return self.width, self.height

    def draw(self) -> None:
        c: Canvas = self.canv
        x = 0.0
        base = self.CAPTION  # the backdrops stand on this line, captions below it
        last = len(self.pictures) - 1
        for i, ((image, caption, _), size) in enumerate(zip(self.pictures, self.sizes(), strict=True)):
            if self.arrow and i == last:
                self._arrow(x, base + (size[1] * self.scale) / 2 + self.PAD)
                x += 2 * self.GAP
            w, h = size[0] * self.scale, size[1] * self.scale
            box_w = w + 2 * self.PAD
            c.saveState()
            c.setFillColor(BACKDROP)
            c.roundRect(x, base, box_w, h + 2 * self.PAD, 1.5 * mm, stroke=0, fill=1)
            if image is not None:
                c.drawImage(ImageReader(image), x + self.PAD, base + self.PAD, w, h)
            else:
                c.setStrokeColor(GREY)
                c.setDash(2, 2)
                c.rect(x + self.PAD, base + self.PAD, w, h, stroke=1, fill=0)
            c.setFillColor(INK)
            text = caption
            limit = box_w + self.GAP - 1
            while len(text) > 2 and c.stringWidth(text, self.font, 7) > limit:
                text = text[:-2] + "…"
            c.setFont(self.font, 7)
            c.drawString(x, base - 8, text)
            c.restoreState()
            x += box_w + self.GAP

    def _arrow(self, x: float, y: float) -> None:
        c: Canvas = self.canv
        c.saveState()
        c.setStrokeColor(ACCENT)
        c.setFillColor(ACCENT)
        c.setLineWidth(1.6)
        x1 = x + 2 * self.GAP - 1.5 * mm
        c.line(x - 1 * mm, y, x1 - 1.5 * mm, y)
        p = c.beginPath()
        p.moveTo(x1, y)
        p.lineTo(x1 - 2.2 * mm, y + 1.5 * mm)
        p.lineTo(x1 - 2.2 * mm, y - 1.5 * mm)
        p.close()
        c.drawPath(p, stroke=0, fill=1)
        c.restoreState()


# --- painting ---------------------------------------------------------------------------------


def _table(t: PlanTable, st: _Styles, width: float, *, header: bool = True) -> Table:
    cells: list[list[Any]] = []
    if header:
        cells.append([Paragraph(_markup(c, "sans-bold"), st.head) for c in t.columns])
    for row in t.rows:
        cells.append(
            [
                Paragraph(
                    _markup(c, "sans-bold" if (not header and i == 0) else "sans"),
                    st.head if (not header and i == 0) else st.cell,
                )
                for i, c in enumerate(row)
            ]
        )
    table = Table(cells, colWidths=[f * width for f in t.widths], repeatRows=1 if header else 0)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 0), (-1, -1), st.regular, 7.6),  # else reportlab sets Helvetica for each cell
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL))
    table.setStyle(TableStyle(style))
    return table


def _row(
    pictures: Sequence[Picture],
    images: Mapping[tuple[str, str], Image.Image],
    sizes: Mapping[str, tuple[float, float]],
    st: _Styles,
    *,
    dpi: float,
    max_height: float,
    arrow: bool = False,
) -> PictureRow:
    return PictureRow(
        [
            (images.get((p.piece, p.view)), p.caption, sizes.get(p.piece, (60 * mm, 40 * mm)))
            for p in pictures
        ],
        dpi=dpi,
        max_height=max_height,
        font=st.regular,
        arrow=arrow,
    )


def _flowables(
    plan: SheetPlan,
    images: Mapping[tuple[str, str], Image.Image],
    sizes: Mapping[str, tuple[float, float]],
    st: _Styles,
    width: float,
    dpi: float,
) -> list[Flowable]:
    out: list[Flowable] = [
        Paragraph(_markup(plan.title, "sans-bold"), st.title),
        Paragraph(_markup(plan.subtitle), st.subtitle),
    ]
    rows = [
        _row(b.pictures, images, sizes, st, dpi=dpi, max_height=PARTS_HEIGHT)
        for b in plan.blocks
        if isinstance(b, Pictures)
    ]
    parts_scale = min((r.fit(width) for r in rows), default=1.0)  # one scale for all the parts
    if plan.banner:
        out.append(
            Paragraph(
                _markup(plan.banner, "sans-bold"),
                ParagraphStyle("b", parent=st.warning, fontSize=14, leading=18),
            )
        )
    for b in plan.blocks:
        if isinstance(b, Heading):
            out.append(Paragraph(_markup(b.text, "sans-bold"), st.h1 if b.level == 1 else st.h2))
        elif isinstance(b, Para):
            style = {"body": st.body, "note": st.note, "warning": st.warning, "bullet": st.bullet}[b.kind]
            text = ("Warning: " if b.kind == "warning" else "") + b.text
            out.append(Paragraph(_markup(text), style, bulletText="•" if b.kind == "bullet" else None))
        elif isinstance(b, PlanTable):
            out.append(_table(b, st, width, header=any(b.columns)))
        elif isinstance(b, Pictures):
            row = _row(b.pictures, images, sizes, st, dpi=dpi, max_height=PARTS_HEIGHT)
            row.fixed = parts_scale
            out += [Spacer(1, 2 * mm), row, Spacer(1, 3 * mm)]
        elif isinstance(b, Step):
            head = Paragraph(_markup(f"Assembly step {b.number} of {b.of}: {b.title}", "sans-bold"), st.step)
            lines = [
                Paragraph(_markup(line), st.line, bulletText=f"{'abcdefgh'[i] if i < 8 else '-'})")
                for i, line in enumerate(b.lines)
            ]
            row = _row(b.pictures, images, sizes, st, dpi=dpi, max_height=ROW_HEIGHT, arrow=True)
            out.append(KeepTogether([head, *lines, Spacer(1, 2 * mm), row, Spacer(1, 6 * mm)]))
        elif isinstance(b, NewPage):
            out.append(PageBreak())
    return out


def paint(
    plan: SheetPlan,
    images: Mapping[tuple[str, str], Image.Image],
    *,
    sizes: Mapping[str, tuple[float, float]] | None = None,
    dpi: float = JOB_SHEET_DPI,
    created: float | None = None,
) -> bytes:
    """The sheet of ``plan`` as PDF bytes. ``images`` maps (piece, view) to a picture at
    ``dpi``; ``sizes`` gives the closed size (points) of pieces without one. Identified
    like the print files: /ID from its content, CreationDate ``created`` (default
    $SOURCE_DATE_EPOCH, else now)."""
    from .pdfx import identify

    def identified(*args: Any, **kwargs: Any) -> Canvas:
        c = Canvas(*args, **kwargs)
        identify(c, created)
        return c

    st = _Styles()
    buf = io.BytesIO()
    width = A4[0] - 2 * MARGIN

    def page(c: Canvas, doc: Any) -> None:
        c.saveState()
        c.setFont(st.regular, 7)
        c.setFillColor(GREY)
        c.drawString(MARGIN, 8 * mm, plan.footer)
        c.drawRightString(A4[0] - MARGIN, 8 * mm, f"page {doc.page}")
        if plan.banner:
            c.setFillColor(WARN)
            c.setFont(st.bold, 9)
            c.drawRightString(A4[0] - MARGIN, A4[1] - 9 * mm, plan.banner)
        c.restoreState()

    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 2 * mm,
        title=plan.title,
        author="envelopekit",
        creator="envelopekit",
        producer="envelopekit (reportlab)",
        subject=f"JOB SHEET: {plan.subtitle} (for the people doing the job, not for press)",
        invariant=1,
        initialFontName=st.regular,
        initialFontSize=9,
    )
    doc.build(
        _flowables(plan, images, sizes or {}, st, width, dpi),
        onFirstPage=page,
        onLaterPages=page,
        canvasmaker=identified,
    )
    return buf.getvalue()


def job_sheet_pdf(
    kit: ResolvedKit,
    ticket: Mapping[str, Any] | str,
    *,
    images: Mapping[tuple[str, str], Image.Image] | None = None,
    dpi: float = JOB_SHEET_DPI,
    created: float | None = None,
) -> bytes:
    """``job-sheet.pdf`` for ``ticket`` (the data of ``job.json``) of a build of ``kit``;
    the pictures are the sample record's mockups unless ``images`` are given; ``created``
    is its CreationDate (the build's)."""
    if isinstance(ticket, str):
        ticket = json.loads(ticket)
        assert isinstance(ticket, dict)
    if images is None:
        images = sample_mockups(kit, dpi=dpi)
    sizes = {p.key: _closed(kit, p.key) for p in kit.pieces}
    return paint(sheet_plan(ticket), images, sizes=sizes, dpi=dpi, created=created)


def _closed(kit: ResolvedKit, key: str) -> tuple[float, float]:
    for e in kit.envelopes():
        if e.spec.name == key:
            return e.width, e.height
        for c in e.contents:
            if c.spec.name == key and isinstance(c, ResolvedCard):
                return c.folded
    return 60 * mm, 40 * mm
