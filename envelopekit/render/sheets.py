"""Imposed output: press sheets drawn from :class:`~envelopekit.impose.SheetPlan` s.

Each piece's static content (artwork that is the same in every kit, die lines,
creases) is one Form XObject in piece coordinates, placed on a sheet by its
placement's transform; the record's variable content follows under the same
transform. Marks, registration targets, the colour bar and the slug come from
the plan. Nothing here decides where anything goes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from reportlab.lib.colors import CMYKColor
from reportlab.lib.rl_accel import fp_str

from ..compose import PersonalKit
from ..geometry import Rect, Transform
from ..impose import SheetPlan
from ..kit import Piece, ResolvedKit
from ..marks import MarkLine, Target, registration_target
from ..pages import PageGeometry
from .lean import form_use
from .pdf import KitRenderer, _complete_form_resources

__all__ = ["SheetRenderer"]

_PROCESS = {
    "Cyan": CMYKColor(1, 0, 0, 0),
    "Magenta": CMYKColor(0, 1, 0, 0),
    "Yellow": CMYKColor(0, 0, 1, 0),
    "Black": CMYKColor(0, 0, 0, 1),
}


class SheetRenderer(KitRenderer):
    """Draws sheet plans; pieces are looked up by placement key (any hashable: the
    renderer never reads it, beyond ``str(key)`` for the file's identity)."""

    def __init__(self, out: Any, kit: ResolvedKit, **options: Any):
        if options.get("proof") and options.get("mockups") is None:
            from .mockup import proof_mockups  # made before painting, handed in

            options["mockups"] = proof_mockups(kit)
        super().__init__(out, kit, **options)
        self._origins: dict[str, Transform] = {}
        # id(marks) -> (the marks, kept alive so the id stays theirs; their operators)
        self._mark_code: dict[int, tuple[tuple[MarkLine, ...], str]] = {}
        self._target_code: dict[tuple[Target, ...], str] = {}

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
        self.own_form(name)
        return name

    def sheet(self, plan: SheetPlan, kits: Mapping[Hashable, tuple[PersonalKit, Piece]]) -> None:
        """One side of one sheet: placed pieces, then marks, targets, colour bar and slug."""
        c = self.c
        if not self.identity and plan.placements:
            self.identity = f"{plan.placements[0].key}@{self.pages + 1}"
        media = Rect(0, 0, plan.sheet.width, plan.sheet.height)
        self.begin_page(PageGeometry(media, plan.trim_box, plan.bleed_box, Transform(), media.origin))
        side = 0 if plan.side == "A" else 1
        for placement in plan.placements:
            personal, piece = kits[placement.key]
            form = self.piece_form(piece, side)  # first: making a form swaps the canvas's lists
            c._formsinuse.append(form)
            c._code.append(f"q\n{fp_str(*placement.transform.as_tuple())} cm\n{form_use(form)}")
            variable = personal.variable.get(piece.key, ((), ()))
            self.groups(variable[side], self._trim_origin(piece))
            c._code.append("Q")
        self.sheet_marks(plan.marks, plan.registration)
        self.colour_bar(plan.colour_bar)
        if plan.slug is not None:
            page = PageGeometry(media, media, media, Transform(), plan.slug.at)
            self.slug(page, plan.slug.text, plan.slug.size)
        self.end_page()
        self.pages += 1

    def _trim_origin(self, piece: Piece) -> Transform:
        """Piece coordinates with the trim box's corner at the origin: a net's bounding box
        flattens its curves, so once per piece and file, not per placement."""
        place = self._origins.get(piece.key)
        if place is None:
            box = piece.net.bbox if piece.net is not None else Rect(0, 0, piece.width, piece.height)
            place = self._origins[piece.key] = Transform.translate(-box.x0, -box.y0)
        return place

    def sheet_marks(self, marks: tuple[MarkLine, ...], targets: tuple[Target, ...]) -> None:
        """Crop and fold marks, then registration targets: formatted once per set of marks
        (the sheets of a pile share one, by identity) and per set of targets (by value)."""
        c = self.c
        hit = self._mark_code.get(id(marks))
        if hit is None or hit[0] is not marks:
            if len(self._mark_code) >= 256:  # gang sheets each have their own marks
                self._mark_code.clear()
            hit = self._mark_code[id(marks)] = (marks, self._captured(marks))
        drawn = self._target_code.get(targets)
        if drawn is None:
            drawn = self._target_code[targets] = self._captured(_target_lines(targets))
        c._checkSeparation(self._registration)  # this page's resources name the colour
        c._code += (hit[1], drawn)

    def _captured(self, marks: Iterable[MarkLine]) -> str:
        """The operators :meth:`marks` writes for ``marks`` (it saves and restores the state)."""
        c = self.c
        saved, c._code = c._code, []
        try:
            self.marks(marks)
            return "\n".join(c._code)
        finally:
            c._code = saved

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


def _target_lines(targets: tuple[Target, ...]) -> list[MarkLine]:
    return [line for t in targets for line in registration_target(t.center, t.radius)]
