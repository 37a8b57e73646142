"""Folded mockups: every envelope closed (front and back) and every card folded.

The pictures are made from the pixels of the printed page, folded by the net's own
panel transforms: each panel's pixels are carried from the page to the face it
lands on (``to_net`` read backwards), masked to its outline there and stacked in
closing order, the seal flap last, with a soft shadow under each flap so the layers
read. Nothing is drawn again from the layout, so a face mapped wrongly onto a flap
shows up as upside-down, mirrored or misplaced artwork in the picture.

A flat card shows side A in front and side B behind. A folded card closes like a
letter, side A (its ``front`` blocks, the side that is read) inside, so the closed
card shows side B: the second panel in front, the other panels folded behind it
(for a tri-fold, the third tucked in first and the first folded over it). Folded
cards also get ``inside``: side A opened flat.

The folding is pure (Pillow images in, images out); only :func:`render_pages`
(pypdfium2) and :func:`artwork_pdf` (the kit renderer) touch a PDF.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

from PIL import Image, ImageDraw, ImageFilter

from ..geometry import Point, Polygon, Rect, Transform, isclose
from ..kit import Piece, ResolvedKit
from ..nets.base import Net, flap_to_net
from ..units import mm

if TYPE_CHECKING:
    from ..compose import PersonalKit
    from ..pages import PageGeometry

__all__ = [
    "DEFAULT_DPI",
    "FaceLayers",
    "Layer",
    "Mockup",
    "ProofItem",
    "ProofLayout",
    "Raster",
    "artwork_pdf",
    "card_faces",
    "envelope_faces",
    "fold_card",
    "fold_envelope",
    "fold_kit",
    "fold_layers",
    "kit_mockups",
    "open_card",
    "png_bytes",
    "proof_layout",
    "proof_mockups",
    "record_mockups",
    "render_pages",
]

DEFAULT_DPI = 100.0
PAPER = (255, 255, 255)
"""Unprinted paper, for a card side nothing is printed on."""
INSIDE = (206, 203, 196)
"""What shows through where no flap covers the back (the inside of the envelope, in shade)."""
SHADOW_BLUR = 1.2 * mm
SHADOW_OFFSET = (0.4 * mm, -0.6 * mm)  # face coordinates: light from the top left
SHADOW_STRENGTH = 0.55
EDGE = (0, 0, 0, 60)  # the cut edge of each panel, faintly, as paper edges catch the light
_SUPERSAMPLE = 3  # masks are drawn this much finer and reduced, for smooth diagonal edges


@dataclass(frozen=True, slots=True)
class Layer:
    """One panel on a closed face: its outline there (face coordinates) and the map from
    face to piece coordinates that says where on the printed side its pixels come from."""

    name: str
    polygon: Polygon
    to_piece: Transform
    side: int = 0  # 0 = printed side A, 1 = side B


@dataclass(frozen=True, slots=True)
class FaceLayers:
    """What a closed piece shows: faces of ``width`` x ``height`` points, each a stack of
    layers bottom first; ``inside`` is a folded card's side A opened flat."""

    width: float
    height: float
    front: tuple[Layer, ...]
    back: tuple[Layer, ...]
    inside: tuple[Layer, ...] = ()
    inside_size: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True, slots=True)
class Raster:
    """A rendered page: its pixels and its size in points (the image spans the MediaBox)."""

    image: Image.Image
    width: float
    height: float

    @classmethod
    def of(cls, image: Image.Image, dpi: float) -> Raster:
        """An image rendered at exactly ``dpi`` (its page size follows from its pixels)."""
        s = dpi / 72.0
        return cls(image, image.width / s, image.height / s)

    @property
    def to_pixels(self) -> Transform:
        """Page points (y up) -> pixel coordinates (y down), as the renderer stretched them."""
        sx, sy = self.image.width / self.width, self.image.height / self.height
        return Transform(sx, 0.0, 0.0, -sy, 0.0, float(self.image.height))


@dataclass(frozen=True, slots=True)
class Mockup:
    """The folded views of one piece (RGB images at the pages' resolution)."""

    key: str
    label: str
    kind: Literal["net", "card"]
    front: Image.Image
    back: Image.Image
    inside: Image.Image | None = None

    def views(self) -> tuple[tuple[str, Image.Image], ...]:
        """(name, image) for every view, in the order a reader turns the piece."""
        named = [("front", self.front), ("back", self.back)]
        if self.inside is not None:
            named.append(("inside", self.inside))
        return tuple(named)


# --- geometry: which panel lands where -----------------------------------------------------


def envelope_faces(net: Net) -> FaceLayers:
    """The closed envelope: the front panel in front; behind, every flap in closing order."""
    front = net.front
    w, h = net.front_rect.width, net.front_rect.height
    flaps = tuple(Layer(p.name, p.face_polygon(), p.to_net) for p in net.flaps())
    return FaceLayers(w, h, (Layer(front.name, front.face_polygon(), front.to_net),), flaps)


def _card_panels(piece: Piece) -> tuple[tuple[Rect, ...], bool]:
    """The card's panels from its folds, left to right or top to bottom; and whether the
    folds are vertical."""
    xs = sorted({a.x for a, b in piece.folds if isclose(a.x, b.x)})
    ys = sorted({a.y for a, b in piece.folds if isclose(a.y, b.y)}, reverse=True)
    if xs:
        edges = [0.0, *xs, piece.width]
        return tuple(Rect(x0, 0.0, x1, piece.height) for x0, x1 in pairwise(edges)), True
    if ys:
        edges = [piece.height, *ys, 0.0]
        return tuple(Rect(0.0, y0, piece.width, y1) for y1, y0 in pairwise(edges)), False
    return (Rect(0.0, 0.0, piece.width, piece.height),), True


def card_faces(piece: Piece) -> FaceLayers:
    """A card's closed faces (see the module docstring for how it folds).

    Side B is drawn as seen from side B with the same panel rectangles as side A
    (kit.card_panels), so a folded card is an envelope made of side B: the second
    panel stays put like a front panel and the others fold behind it like flaps."""
    panels, vertical = _card_panels(piece)
    whole = Rect(0.0, 0.0, piece.width, piece.height)
    if len(panels) == 1:
        face = whole.polygon()
        return FaceLayers(
            piece.width,
            piece.height,
            (Layer("front", face, Transform()),),
            (Layer("back", face, Transform(), side=1),),
        )
    cover_index = 1
    cover = panels[cover_index]
    local = Rect(0.0, 0.0, cover.width, cover.height)
    front = (Layer(f"panel{cover_index + 1}", local.polygon(), Transform.translate(cover.x0, cover.y0), 1),)
    # The panels after the cover tuck in first; those before it fold over them, outermost last.
    behind = [*range(cover_index + 1, len(panels)), *range(cover_index - 1, -1, -1)]
    back = []
    for i in behind:
        panel = panels[i]
        shared = panel.x1 if i < cover_index else panel.x0
        if vertical:
            hinge = (Point(shared, 0.0), Point(shared, piece.height))
        else:
            y = panel.y0 if i < cover_index else panel.y1
            hinge = (Point(0.0, y), Point(piece.width, y))
        to_piece = flap_to_net(cover, *hinge)
        back.append(Layer(f"panel{i + 1}", panel.polygon().transform(to_piece.inverse()), to_piece, 1))
    inside = (Layer("inside", whole.polygon(), Transform(), 0),)
    return FaceLayers(cover.width, cover.height, front, tuple(back), inside, (piece.width, piece.height))


# --- pixels --------------------------------------------------------------------------------


Box = tuple[int, int, int, int]


def _pixels(polygon: Polygon, to_pixels: Transform, size: tuple[int, int]) -> list[tuple[float, float]]:
    """``polygon`` in output pixels; points on the image's edge (a fold, seen closed) are
    pushed past it, so a panel fills the last row and column instead of fading there."""
    w, h = size

    def out(v: float, limit: int) -> float:
        return -1.0 if v < 1.0 else (limit + 1.0 if v > limit - 1.0 else v)

    return [(out(q.x, w), out(q.y, h)) for q in polygon.transform(to_pixels).points]


def _box(points: Sequence[tuple[float, float]], grow: float, size: tuple[int, int]) -> Box:
    """The pixel box around ``points`` grown by ``grow``, within the image."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (
        max(0, math.floor(min(xs) - grow)),
        max(0, math.floor(min(ys) - grow)),
        min(size[0], math.ceil(max(xs) + grow)),
        min(size[1], math.ceil(max(ys) + grow)),
    )


def _mask(
    points: Sequence[tuple[float, float]], box: Box, shift: tuple[int, int] = (0, 0), *, k: int = _SUPERSAMPLE
) -> Image.Image:
    """A mask of the polygon ``points`` (moved by ``shift``) over ``box``, anti-aliased by
    drawing ``k`` times finer."""
    x0, y0, x1, y1 = box
    big = Image.new("L", ((x1 - x0) * k, (y1 - y0) * k), 0)
    pts = [((x + shift[0] - x0) * k, (y + shift[1] - y0) * k) for x, y in points]
    ImageDraw.Draw(big).polygon(pts, fill=255)
    return big.reduce(k) if k > 1 else big


def _axis_aligned(t: Transform) -> bool:
    """Is the linear part a rotation by a multiple of 90 degrees (or a flip) at unit scale?"""
    straight = isclose(t.b, 0.0, 1e-9) and isclose(t.c, 0.0, 1e-9)
    turned = isclose(t.a, 0.0, 1e-9) and isclose(t.d, 0.0, 1e-9)
    return (straight and isclose(abs(t.a), 1.0, 1e-6) and isclose(abs(t.d), 1.0, 1e-6)) or (
        turned and isclose(abs(t.b), 1.0, 1e-6) and isclose(abs(t.c), 1.0, 1e-6)
    )


def _warp(source: Raster, out_to_source: Transform, box: Box) -> Image.Image:
    """Pull the source's pixels onto ``box`` of the output grid; exact copies when the map
    only turns by quarter turns, so the front stays pixel-identical to its panel on the page."""
    t = out_to_source @ Transform.translate(box[0], box[1])
    resample = Image.Resampling.NEAREST if _axis_aligned(t) else Image.Resampling.BICUBIC
    image = source.image if source.image.mode == "RGB" else source.image.convert("RGB")
    return image.transform(
        (box[2] - box[0], box[3] - box[1]),
        Image.Transform.AFFINE,
        (t.a, t.c, t.e, t.b, t.d, t.f),
        resample=resample,
        fillcolor=PAPER,
    )


def fold_layers(
    sides: Sequence[Raster | None],
    layers: Sequence[Layer],
    size: tuple[float, float],
    place: Transform,
    *,
    scale: tuple[float, float],
    background: tuple[int, int, int] = INSIDE,
    shadow: bool = True,
) -> Image.Image:
    """Composite ``layers`` (bottom first) into one face of ``size`` points.

    ``sides`` are the rendered pages of side A and B (None: nothing printed there, the
    layer shows bare paper); ``place`` maps piece coordinates to page coordinates and
    ``scale`` is the output's pixels per point in x and y.
    """
    sx, sy = scale
    out = (max(1, round(size[0] * sx)), max(1, round(size[1] * sy)))
    face_to_out = Transform(sx, 0.0, 0.0, -sy, 0.0, size[1] * sy)
    out_to_face = face_to_out.inverse()
    canvas = Image.new("RGB", out, background)
    blur = max(0.5, SHADOW_BLUR * (sx + sy) / 2)
    dx, dy = round(SHADOW_OFFSET[0] * sx), round(-SHADOW_OFFSET[1] * sy)
    for i, layer in enumerate(layers):
        points = _pixels(layer.polygon, face_to_out, out)
        box = _box(points, 1.0, out)
        if box[0] >= box[2] or box[1] >= box[3]:
            continue
        mask = _mask(points, box)
        if shadow and i > 0:
            # Darken what is already there under a blurred, offset copy of this panel; the
            # panel itself then covers all but the soft fringe beyond its edges.
            around = _box(points, 3 * blur + abs(dx) + abs(dy) + 1, out)
            fringe = _mask(points, around, (dx, dy), k=1).filter(ImageFilter.GaussianBlur(blur))
            canvas.paste((0, 0, 0), around, fringe.point(lambda v: int(v * SHADOW_STRENGTH)))
        source = sides[layer.side] if layer.side < len(sides) else None
        if source is None:
            canvas.paste(PAPER, box, mask)
            continue
        t = source.to_pixels @ place @ layer.to_piece @ out_to_face
        canvas.paste(_warp(source, t, box), box, mask)
        if shadow:
            ImageDraw.Draw(canvas, "RGBA").line([*points, points[0]], fill=EDGE, width=1)
    return canvas


def _scale(raster: Raster | None, dpi: float) -> tuple[float, float]:
    if raster is None:
        return (dpi / 72.0, dpi / 72.0)
    return (raster.image.width / raster.width, raster.image.height / raster.height)


def _raster(image: Image.Image | Raster | None, dpi: float) -> Raster | None:
    if image is None or isinstance(image, Raster):
        return image
    return Raster.of(image, dpi)


def fold_envelope(
    page_image: Image.Image | Raster,
    piece: Piece,
    place: Transform,
    dpi: float = DEFAULT_DPI,
    *,
    shadow: bool = True,
) -> tuple[Image.Image, Image.Image]:
    """(front, back) of the closed envelope, from its rendered side-A page.

    ``place`` maps net coordinates to page coordinates (the renderer's placement);
    a bare image is taken to be rendered at exactly ``dpi``; pass a :class:`Raster` for
    a page whose size in points is known (pdfium rounds the pixel size up).
    """
    if piece.net is None:
        raise ValueError(f"piece {piece.key!r} is a card; use fold_card")
    src = _raster(page_image, dpi)
    faces = envelope_faces(piece.net)
    size, scale = (faces.width, faces.height), _scale(src, dpi)
    front = fold_layers([src], faces.front, size, place, scale=scale, shadow=False)
    back = fold_layers([src], faces.back, size, place, scale=scale, shadow=shadow)
    return front, back


def fold_card(
    side_a: Image.Image | Raster,
    side_b: Image.Image | Raster | None,
    piece: Piece,
    place: Transform,
    dpi: float = DEFAULT_DPI,
) -> tuple[Image.Image, Image.Image]:
    """(front, back) of the closed card, from its rendered side-A page and side-B page
    (None when nothing is printed on side B: bare paper)."""
    a, b = _raster(side_a, dpi), _raster(side_b, dpi)
    faces = card_faces(piece)
    size, scale = (faces.width, faces.height), _scale(a, dpi)
    front = fold_layers([a, b], faces.front, size, place, scale=scale, background=PAPER, shadow=False)
    back = fold_layers([a, b], faces.back, size, place, scale=scale, background=PAPER)
    return front, back


def open_card(
    side_a: Image.Image | Raster, piece: Piece, place: Transform, dpi: float = DEFAULT_DPI
) -> Image.Image | None:
    """A folded card's inside (side A opened flat); None for a flat card."""
    a = _raster(side_a, dpi)
    faces = card_faces(piece)
    if not faces.inside:
        return None
    return fold_layers(
        [a], faces.inside, faces.inside_size, place, scale=_scale(a, dpi), background=PAPER, shadow=False
    )


# --- whole kits ----------------------------------------------------------------------------


def render_pages(
    pdf: bytes | str, *, first: int = 0, count: int | None = None, dpi: float = DEFAULT_DPI
) -> list[Raster]:
    """Render pages ``first`` .. ``first + count - 1`` of a PDF (bytes or a path) to RGB."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        stop = len(doc) if count is None else min(len(doc), first + count)
        out = []
        for index in range(first, stop):
            page = doc[index]
            try:
                width, height = page.get_size()
                image = page.render(scale=dpi / 72.0).to_pil().convert("RGB")
            finally:
                page.close()
            out.append(Raster(image, width, height))
        return out
    finally:
        doc.close()


def fold_kit(pages: Sequence[Raster], kit: ResolvedKit, *, dpi: float = DEFAULT_DPI) -> tuple[Mockup, ...]:
    """Fold one kit's rendered single-up pages (in the renderer's page order)."""
    from ..pages import page_sides, piece_page

    sides = page_sides(kit)
    if len(pages) < len(sides):
        raise ValueError(f"a {kit.spec.name} kit has {len(sides)} pages; got {len(pages)}")
    by_piece: dict[str, list[Raster | None]] = {}
    for (piece, side), raster in zip(sides, pages, strict=False):
        by_piece.setdefault(piece.key, [None, None])[side] = raster
    out = []
    for piece in kit.pieces:
        a, b = by_piece[piece.key]
        assert a is not None
        _, place = piece_page(piece, kit.spec.bleed)
        if piece.net is not None:
            front, back = fold_envelope(a, piece, place, dpi)
            out.append(Mockup(piece.key, piece.label, "net", front, back))
        else:
            front, back = fold_card(a, b, piece, place, dpi)
            out.append(Mockup(piece.key, piece.label, "card", front, back, open_card(a, piece, place, dpi)))
    from .window_view import with_windows  # a window envelope's front shows its letter beneath

    return with_windows(out, kit)


def kit_mockups(
    pdf: bytes | str, kit: ResolvedKit, *, first_page: int = 0, dpi: float = DEFAULT_DPI
) -> tuple[Mockup, ...]:
    """Render one kit's pages from a single-up PDF (starting at 0-based ``first_page``) and fold them."""
    from ..pages import page_sides

    return fold_kit(render_pages(pdf, first=first_page, count=len(page_sides(kit)), dpi=dpi), kit, dpi=dpi)


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


# --- a proof page of mockups ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProofItem:
    caption: str
    caption_at: Point
    views: tuple[tuple[Image.Image, Rect], ...]


@dataclass(frozen=True, slots=True)
class ProofLayout:
    page: PageGeometry
    items: tuple[ProofItem, ...]
    caption: float  # caption font size
    scale: float  # drawn size / real size


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


def png_bytes(image: Image.Image) -> bytes:
    """PNG of ``image`` (deterministic: no time stamps, fixed compression)."""
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()
