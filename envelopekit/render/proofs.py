"""A record's folded mockups, and a proof's page of them.

:func:`record_mockups` paints one record's artwork-only pages (:mod:`.painter`, from
page plans without die lines, marks or slugs), renders them and folds them
(:mod:`.mockup`); :func:`proof_layout` lays the views out on the proof's mockup page
(:func:`envelopekit.pages.mockup_page`), which the painter is handed before it paints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..geometry import Point, Rect
from ..kit import ResolvedKit
from ..units import mm
from .mockup import DEFAULT_DPI, Mockup, ProofItem, ProofLayout, kit_mockups

if TYPE_CHECKING:
    from ..compose import PersonalKit

__all__ = ["PROOF_DPI", "artwork_pdf", "proof_layout", "proof_mockups", "record_mockups"]


def artwork_pdf(kit: ResolvedKit, personal: PersonalKit) -> bytes:
    """One record's kit as its single-up print pages, artwork only: no die lines, creases,
    glue outlines, marks or slug, none of which shows on the finished envelope."""
    from ..compose import static_drawing
    from .painter import single_up_pdf

    return single_up_pdf(kit, static_drawing(kit), [personal], artwork=True)


def record_mockups(
    kit: ResolvedKit, personal: PersonalKit, *, dpi: float = DEFAULT_DPI
) -> tuple[Mockup, ...]:
    """One record's mockups: its artwork pages drawn in memory, rendered and folded."""
    return kit_mockups(artwork_pdf(kit, personal), kit, dpi=dpi)


PROOF_DPI = 100.0  # resolution of the folded mockups on a proof's last page per record


def proof_mockups(kit: ResolvedKit, *, dpi: float = PROOF_DPI) -> Callable[[PersonalKit], ProofLayout]:
    """What a proof renderer is handed: per record, its mockups laid out on one page
    (made before that page is painted; the renderer never makes them itself)."""

    def made(personal: PersonalKit) -> ProofLayout:
        return proof_layout(record_mockups(kit, personal, dpi=dpi), dpi=dpi)

    return made


def proof_layout(
    mockups: Sequence[Mockup],
    *,
    dpi: float = DEFAULT_DPI,
    size: tuple[float, float] | None = None,
    margin: float | None = None,
    gap: float = 5 * mm,
    caption: float = 8.0,
) -> ProofLayout:
    """Where each piece's views go on one proof page (A3 landscape by default), in
    opening order, left to right in rows: real size when they fit, else all scaled alike."""
    from ..pages import MOCKUP_MARGIN, MOCKUP_SIZE, mockup_page

    page = mockup_page(size or MOCKUP_SIZE, MOCKUP_MARGIN if margin is None else margin)
    trim = page.trim
    px = 72.0 / dpi
    blocks = [[(img, img.width * px, img.height * px) for _, img in m.views()] for m in mockups]
    line = caption * 1.6

    def pack(k: float) -> list[list[int]] | None:
        rows: list[list[int]] = [[]]
        x, used, row_h = 0.0, 0.0, 0.0
        for i, views in enumerate(blocks):
            w = sum(v[1] * k for v in views) + gap / 2 * (len(views) - 1)
            h = max(v[2] * k for v in views) + line
            if rows[-1] and x + w > trim.width:
                used += row_h + gap
                rows.append([])
                x, row_h = 0.0, 0.0
            if w > trim.width:
                return None
            rows[-1].append(i)
            x += w + gap
            row_h = max(row_h, h)
        return rows if used + row_h <= trim.height else None

    k = 1.0
    rows = pack(k)
    while rows is None and k > 0.05:
        k *= 0.95
        rows = pack(k)
    if rows is None:
        raise ValueError("too many pieces for one proof page")
    items = []
    y = trim.y1
    for row in rows:
        row_h = max(max(v[2] * k for v in blocks[i]) for i in row) + line
        x = trim.x0
        for i in row:
            views = []
            vx = x
            for img, w, h in blocks[i]:
                views.append((img, Rect(vx, y - line - h * k, vx + w * k, y - line)))
                vx += w * k + gap / 2
            names = " / ".join(name for name, _ in mockups[i].views())
            items.append(ProofItem(f"{mockups[i].label}: {names}", Point(x, y - caption), tuple(views)))
            x = vx - gap / 2 + gap
        y -= row_h + gap
    return ProofLayout(page, tuple(items), caption, k)
