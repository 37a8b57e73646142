"""Painting page plans: single-up pages, imposed sheet sides and proof pages alike.

The painter is handed everything: the kit's static drawing (compose, made once per
job), each record's personalised drawing, the page plans (:mod:`envelopekit.pages`,
:mod:`envelopekit.impose`) and, for proofs, the folded mockups laid out per record
(:mod:`.mockup`). It decides nothing about where anything goes.

Each piece side's static content (artwork that is the same in every kit, die lines,
creases, glue outlines) is one Form XObject in the piece's trim coordinates, placed
by its placement's transform; the record's variable content follows under the same
transform. A page's marks and registration targets are one form too, shared by every
page planned with the same marks (every page of one piece side single-up; every
sheet of a cut-and-stack pile).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reportlab.lib.colors import CMYKColor
from reportlab.lib.rl_accel import fp_str

from ..geometry import Rect, Transform
from ..kit import Piece, ResolvedKit
from ..marks import MarkLine, Target, registration_target
from ..pages import PROOF_SIZE, PROOF_TEXT, PageGeometry, PagePlan, SingleUpPlanner, trim_origin
from .lean import form_use
from .ops import OpDrawer, QRStreams
from .pdf import BLACK, PROOF_BACKDROP, PROOF_RED, Inks, PdfCanvas, _complete_form_resources, slug_font
from .pdfx import mark_record

if TYPE_CHECKING:
    from ..compose import PersonalKit, SideGroups
    from .mockup import ProofLayout

__all__ = ["PagePainter", "single_up_pdf"]

_PROCESS = {
    "Cyan": CMYKColor(1, 0, 0, 0),
    "Magenta": CMYKColor(0, 1, 0, 0),
    "Yellow": CMYKColor(0, 0, 1, 0),
    "Black": CMYKColor(0, 0, 0, 1),
}


class PagePainter(PdfCanvas, OpDrawer):
    """Paints :class:`~envelopekit.pages.PagePlan` s of one kit into one PDF file.

    ``static`` is :func:`envelopekit.compose.static_drawing` of ``kit``; ``proof`` says
    what the file is (a screen proof, never PDF/X) for its metadata; every page says
    for itself whether it is a proof page."""

    def __init__(
        self,
        out: Any,
        kit: ResolvedKit,
        static: Mapping[str, SideGroups],
        *,
        title: str | None = None,
        inks: Inks | None = None,
        proof: bool = False,
        created: float | None = None,
        qr_streams: QRStreams | None = None,
    ):
        super().__init__(out, title=title or kit.spec.title or kit.spec.name, inks=inks, created=created)
        self.kit = kit
        self.static = static
        self.c.setAuthor(kit.spec.job or kit.spec.name)
        if proof:
            self.c.setSubject("PROOF: for checking on screen, not for print")  # tells tools what this is
        else:
            from .pdfx import mark_pdfx

            self.c.setSubject(f"print-ready kits: {kit.spec.name}")
            mark_pdfx(self.c, kit.spec.output_condition)
        self.init_ops(qr_streams)  # shared by the painters of one chunk's files
        self.pieces = {piece.key: piece for piece in kit.pieces}
        self._forms: set[str] = set()
        # id(marks) -> (the marks, kept alive so the id stays theirs; targets; form name)
        self._mark_forms: dict[int, tuple[tuple[MarkLine, ...], tuple[Target, ...], str]] = {}
        self.pages = 0

    # --- pages -------------------------------------------------------------------------
    def paint(
        self,
        plans: Iterable[PagePlan],
        kits: Mapping[str, PersonalKit],
        mockups: Mapping[str, ProofLayout] | None = None,
    ) -> int:
        """Paint ``plans`` in order: their pieces from ``kits`` (by record id), a proof's
        mockup pages from ``mockups`` (by record id). Returns the number of pages."""
        n = 0
        for plan in plans:
            if plan.bookmark is not None:
                mark_record(self.c, plan.bookmark, self.pages)  # an outline entry and page labels
            if plan.kind == "mockups":
                if mockups is None:
                    raise ValueError("a plan of folded mockups needs the mockups laid out")
                self._mockup_page(plan, mockups[plan.records[0]])
            else:
                self._page(plan, kits)
            n += 1
        return n

    def _page(self, plan: PagePlan, kits: Mapping[str, PersonalKit]) -> None:
        """One single-up page or sheet side: placed pieces, then marks, targets, colour
        bar, slug and PROOF mark."""
        c = self.c
        self.begin_page(PageGeometry(plan.media, plan.trim, plan.bleed, Transform(), plan.media.origin))
        side = "AB".index(plan.side)
        for placed in plan.placed:
            piece = self.pieces[placed.piece]
            form = self.piece_form(piece, side, proof=plan.proof, technical=plan.technical)
            c._formsinuse.append(form)  # the form first: making one swaps the canvas's lists
            c._code.append(f"q\n{fp_str(*placed.transform.as_tuple())} cm\n{form_use(form)}")
            variable = kits[placed.record].variable.get(piece.key, ((), ()))
            self.groups(variable[side], trim_origin(piece))
            c._code.append("Q")
        if plan.marks or plan.targets:
            marks = self.marks_form(plan.marks, plan.targets, plan.media)
            c._formsinuse.append(marks)
            c._code.append(form_use(marks))
        if plan.colour_bar:
            self.colour_bar(plan.colour_bar)
        if plan.slug is not None:
            self.slug(plan.slug.at.x, plan.slug.at.y, plan.slug.text, plan.slug.size)
        self._finish(plan)

    def _finish(self, plan: PagePlan) -> None:
        if plan.proof_at is not None:
            self.proof_mark(plan.proof_at.x, plan.proof_at.y)
        self.end_page()
        self.pages += 1

    def piece_form(self, piece: Piece, side: int, *, proof: bool = False, technical: bool = True) -> str:
        """The static part of one side of a piece, in trim coordinates (trim box at 0,0),
        clipped to its bleed; die lines (side A) unless the page is artwork only."""
        name = f"piece-{piece.key}-{'AB'[side]}{'-proof' if proof else ''}{'' if technical else '-art'}"
        if name in self._forms:
            return name
        c = self.c
        bleed = self.kit.spec.bleed
        place = trim_origin(piece)
        c.beginForm(name, -bleed, -bleed, piece.width + bleed, piece.height + bleed)
        self.groups(self.static[piece.key][side], place)
        if technical and side == 0 and piece.net is not None:
            self.die_lines(piece.net, place, proof=proof)
        elif technical and side == 0 and piece.folds:
            self.card_creases([(place.apply(a), place.apply(b)) for a, b in piece.folds])
        c.endForm()
        self._own(name)
        return name

    def marks_form(self, marks: tuple[MarkLine, ...], targets: tuple[Target, ...], media: Rect) -> str:
        """Crop and fold marks and registration targets as one form, made once per set of
        marks (planned pages share theirs, by identity) and targets (by value)."""
        hit = self._mark_forms.get(id(marks))
        if hit is None or hit[0] is not marks or hit[1] != targets:
            name = f"marks-{len(self._forms)}"
            self.c.beginForm(name, *media.as_tuple())
            self.marks(marks)
            if targets:
                self.marks(_target_lines(targets))
            self.c.endForm()
            self._own(name)
            if len(self._mark_forms) >= 4096:  # gang sheets each have their own marks
                self._mark_forms.clear()
            hit = self._mark_forms[id(marks)] = (marks, targets, name)
        return hit[2]

    def _own(self, name: str) -> None:
        _complete_form_resources(self.c, name)
        self._forms.add(name)
        self.own_form(name)

    def colour_bar(self, patches: tuple[tuple[Rect, str], ...]) -> None:
        c = self.c
        c.saveState()
        for rect, ink in patches:
            colour: Any = _PROCESS.get(ink)
            if colour is None:
                role = {self.inks.cut: "cut", self.inks.crease: "crease", self.inks.glue: "glue"}.get(ink)
                colour = self.inks.colour(role) if role else CMYKColor(0, 0, 0, 1)
                c.setFillOverprint(True)
            c.setFillColor(colour)
            c.rect(rect.x0, rect.y0, rect.width, rect.height, stroke=0, fill=1)
        c.restoreState()

    def proof_mark(self, x: float, y: float) -> None:
        """A red "PROOF" outside the trim and bleed, so no proof can pass for print."""
        from ..content.text import get_family

        c = self.c
        c.saveState()
        c.setFillColor(PROOF_RED)
        c.setFont(get_family("sans-bold").fonts[0].name, PROOF_SIZE)
        c.drawString(x, y, PROOF_TEXT)
        c.restoreState()

    def _mockup_page(self, plan: PagePlan, layout: ProofLayout) -> None:
        """A proof page after the record's pieces: every envelope closed and every card
        folded, as laid out by render.mockup before painting."""
        from reportlab.lib.utils import ImageReader

        c = self.c
        self.begin_page(PageGeometry(plan.media, plan.trim, plan.bleed, Transform(), plan.media.origin))
        c.saveState()
        c.setFillColorRGB(*PROOF_BACKDROP)  # white paper reads against a tint, as on a desk
        c.rect(plan.trim.x0, plan.trim.y0, plan.trim.width, plan.trim.height, stroke=0, fill=1)
        c.restoreState()
        for item in layout.items:
            c.saveState()
            c.setFillColor(BLACK)
            c.setFont(slug_font(), layout.caption)
            c.drawString(item.caption_at.x, item.caption_at.y, item.caption)
            c.restoreState()
            for image, rect in item.views:
                c.drawImage(ImageReader(image), rect.x0, rect.y0, rect.width, rect.height)
        if plan.slug is not None:
            self.slug(plan.slug.at.x, plan.slug.at.y, plan.slug.text, plan.slug.size)
        self._finish(plan)


def _target_lines(targets: tuple[Target, ...]) -> list[MarkLine]:
    return [line for t in targets for line in registration_target(t.center, t.radius)]


def single_up_pdf(
    kit: ResolvedKit,
    static: Mapping[str, SideGroups],
    kits: Sequence[PersonalKit],
    *,
    proof: bool = False,
    artwork: bool = False,
    created: float | None = None,
    mockups: Any = None,  # PersonalKit -> ProofLayout, for a proof's page of folded views
) -> bytes:
    """Records' kits single-up, kit by kit, as PDF bytes: plans made, then painted."""
    buf = io.BytesIO()
    painter = PagePainter(buf, kit, static, proof=proof or artwork, created=created)
    planner = SingleUpPlanner(kit, proof=proof, mockups=mockups is not None, artwork=artwork)
    for personal in kits:
        plans = planner.record(personal.record_id, painter.pages + 1)
        laid = {personal.record_id: mockups(personal)} if mockups is not None and proof else None
        painter.paint(plans, {personal.record_id: personal}, laid)
    painter.save()
    return buf.getvalue()
