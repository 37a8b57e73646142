"""Imposed output: press sheets drawn from :class:`~envelopekit.impose.SheetPlan` s.

Each piece's static content (artwork that is the same in every kit, die lines,
creases) is one Form XObject in piece coordinates, placed on a sheet by its
placement's transform; the record's variable content follows under the same
transform. Marks, registration targets, the colour bar and the slug come from
the plan. Nothing here decides where anything goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.colors import CMYKColor

from ..compose import PersonalKit
from ..geometry import Rect, Transform
from ..impose import SheetPlan
from ..kit import Piece
from ..marks import registration_target
from ..pages import PageGeometry
from .pdf import KitRenderer, _complete_form_resources

__all__ = ["SheetRenderer"]

_PROCESS = {
    "Cyan": CMYKColor(1, 0, 0, 0),
    "Magenta": CMYKColor(0, 1, 0, 0),
    "Yellow": CMYKColor(0, 0, 1, 0),
    "Black": CMYKColor(0, 0, 0, 1),
}


class SheetRenderer(KitRenderer):
    """Draws sheet plans; pieces are looked up by the placement key "record/piece"."""

    def piece_form(self, piece: Piece, side: int) -> str:
        """The static part of one side of a piece, in piece coordinates (trim box at 0,0)."""
        name = f"piece-{piece.key}-{'AB'[side]}"
        if name in self._forms:
            return name
        c = self.c
        bleed = self.kit.spec.bleed
        box = piece.net.bbox if piece.net is not None else Rect(0, 0, piece.width, piece.height)
        place = Transform.translate(-box.x0, -box.y0)
        c.beginForm(name, -bleed, -bleed, piece.width + bleed, piece.height + bleed)
        self.groups(self.static[piece.key][side], place)
        if side == 0 and piece.net is not None:
            self.die_lines(piece.net, place, proof=self.proof)
        elif side == 0 and piece.folds:
            self.card_creases(piece, place)
        c.endForm()
        _complete_form_resources(c, name)
        self._forms.add(name)
        return name

    def sheet(self, plan: SheetPlan, kits: Mapping[str, tuple[PersonalKit, Piece]]) -> None:
        """One side of one sheet: placed pieces, then marks, targets, colour bar and slug."""
        c = self.c
        if not self.identity and plan.placements:
            self.identity = f"{plan.placements[0].key}@{self.pages + 1}"
        media = Rect(0, 0, plan.sheet.width, plan.sheet.height)
        self.begin_page(PageGeometry(media, plan.trim_box, plan.bleed_box, Transform(), media.origin))
        side = 0 if plan.side == "A" else 1
        for placement in plan.placements:
            personal, piece = kits[placement.key]
            box = piece.net.bbox if piece.net is not None else Rect(0, 0, piece.width, piece.height)
            c.saveState()
            c.transform(*placement.transform.as_tuple())
            c.doForm(self.piece_form(piece, side))
            variable = personal.variable.get(piece.key, ((), ()))
            self.groups(variable[side], Transform.translate(-box.x0, -box.y0))
            c.restoreState()
        marks = list(plan.marks)
        for target in plan.registration:
            marks.extend(registration_target(target.center, target.radius))
        self.marks(marks)
        self.colour_bar(plan.colour_bar)
        if plan.slug is not None:
            c.saveState()
            c.setFillColor(self.inks.colour("registration"))
            c.setFont(_slug_font(), plan.slug.size)
            c.drawString(plan.slug.at.x, plan.slug.at.y, plan.slug.text)
            c.restoreState()
        self.end_page()
        self.pages += 1

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


def _slug_font() -> str:
    from .pdf import slug_font

    return slug_font()
