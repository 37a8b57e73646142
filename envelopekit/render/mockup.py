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
(pypdfium2) reads a PDF. A window envelope's front shows its carrier through the
window (:func:`with_windows`). A record's artwork is painted, and its mockups laid out
on a proof page, by :mod:`.proofs`.
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

from PIL import Image, ImageDraw, ImageFilter

from ..geometry import Point, Polygon, Rect, Transform, isclose
from ..kit import Piece, ResolvedKit
from ..nets.base import Net, flap_to_net
from ..units import mm

if TYPE_CHECKING:
    from ..pages import PageGeometry
    from ..window import ResolvedWindow

__all__ = [
    "DEFAULT_DPI",
    "FaceLayers",
    "Layer",
    "Mockup",
    "ProofItem",
    "ProofLayout",
    "Raster",
    "card_faces",
    "envelope_faces",
    "fold_card",
    "fold_envelope",
    "fold_kit",
    "fold_layers",
    "kit_mockups",
    "open_card",
    "png_bytes",
    "render_pages",
    "show_through",
    "with_windows",
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
    return with_windows(out, kit)  # a window envelope's front shows its letter beneath


def kit_mockups(
    pdf: bytes | str, kit: ResolvedKit, *, first_page: int = 0, dpi: float = DEFAULT_DPI
) -> tuple[Mockup, ...]:
    """Render one kit's pages from a single-up PDF (starting at 0-based ``first_page``) and fold them."""
    from ..pages import page_sides

    return fold_kit(render_pages(pdf, first=first_page, count=len(page_sides(kit)), dpi=dpi), kit, dpi=dpi)


# --- a proof page of mockups: what render.proofs lays out and render.painter paints ---------


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


def png_bytes(image: Image.Image) -> bytes:
    """PNG of ``image`` (deterministic: no time stamps, fixed compression)."""
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


# --- window envelopes: the carrier showing through the window ------------------------------
#
# The closed envelope's front has the window punched out of it; beneath lies the
# carrier's folded face (its own mockup), turned as ResolvedWindow inserts it and placed
# where it sits, by default the middle of its play, over the shaded inside of the
# envelope. The picture is made from the rendered pages only, so an address placed
# wrongly on the letter shows up cut off or missing in the window.

RIM = (0, 0, 0, 70)
"""The window's cut edge, and the front's shadow on what lies beneath along its top and left."""
_TURNS = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}


def _pixel_box(r: Rect, height: float, scale: tuple[float, float]) -> tuple[int, int, int, int]:
    """``r`` (face points, y up) as a pixel box (y down) of a face ``height`` points high."""
    sx, sy = scale
    return (round(r.x0 * sx), round((height - r.y1) * sy), round(r.x1 * sx), round((height - r.y0) * sy))


def show_through(
    front: Image.Image,
    carrier: Image.Image,
    window: ResolvedWindow,
    size: tuple[float, float],
    *,
    at: Point | None = None,
) -> Image.Image:
    """``front`` (a closed envelope's front of ``size`` points) with ``window`` cut out and
    the carrier's face ``carrier`` beneath it, its bottom-left corner at ``at`` on the front
    (default: the middle of its play, ``window.nominal``)."""
    w, h = size
    scale = (front.width / w, front.height / h)
    turn = round(window.turn.rotation) % 360
    face = carrier.transpose(_TURNS[turn]) if turn in _TURNS else carrier
    at = at if at is not None else window.nominal
    placed = Rect.from_size(at.x, at.y, *window.size)
    box = _pixel_box(placed, h, scale)
    want = (max(1, box[2] - box[0]), max(1, box[3] - box[1]))
    if abs(want[0] - face.width) > 2 or abs(want[1] - face.height) > 2:  # else pixels as they are
        face = face.resize(want, Image.Resampling.BILINEAR)
    beneath = Image.new("RGB", front.size, INSIDE)
    beneath.paste(face.convert("RGB"), box[:2])
    hole = _pixel_box(window.rect, h, scale)
    out = front.convert("RGB")
    mask = Image.new("L", front.size, 0)
    ImageDraw.Draw(mask).rectangle((hole[0], hole[1], hole[2] - 1, hole[3] - 1), fill=255)
    out.paste(beneath, (0, 0), mask)
    draw = ImageDraw.Draw(out, "RGBA")
    x0, y0, x1, y1 = hole[0], hole[1], hole[2] - 1, hole[3] - 1
    shade = max(1, round(0.4 * scale[0]))  # about 0.4 pt of shadow under the top and left edges
    # One L-shaped shadow along the top and left, one line along the right and bottom: no
    # pixel is darkened twice, so the rim stays lighter than any text.
    ell = [(x0, y0), (x1, y0), (x1, y0 + shade), (x0 + shade, y0 + shade), (x0 + shade, y1), (x0, y1)]
    draw.polygon(ell, fill=RIM)
    draw.line([(x1, y0 + shade + 1), (x1, y1), (x0 + shade + 1, y1)], fill=RIM, width=1)
    return out


def with_windows(mockups: Sequence[Mockup], kit: ResolvedKit) -> tuple[Mockup, ...]:
    """``mockups`` (one kit's, from render.mockup.fold_kit) with every window envelope's
    front showing its carrier through the window."""
    by_key = {m.key: m for m in mockups}
    out = list(mockups)
    for env in kit.envelopes():
        window = env.window
        if window is None or env.spec.name not in by_key or window.carrier not in by_key:
            continue
        carrier = by_key[window.carrier]
        face = carrier.front if window.view == "front" else carrier.back
        i = out.index(by_key[env.spec.name])
        front = show_through(out[i].front, face, window, (env.width, env.height))
        out[i] = dataclasses.replace(out[i], front=front)
    return tuple(out)
