"""Page plans: every output page as frozen data, before anything is drawn.

Single-up geometry is pure arithmetic, so the renderer only has to draw: MediaBox =
the page, TrimBox = the piece's cut extents, BleedBox = TrimBox + bleed, and room
outside the bleed for crop and fold marks and a slug line. :class:`PagePlan` says,
for single-up pages and imposed sheet sides alike, the boxes, side, stock, the placed
pieces with their transforms, marks, slug and record ids; :func:`dump` writes plans
as text for golden tests.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .geometry import Point, Rect, Transform
from .marks import MarkLine, Slug, Target, crop_marks, fold_marks, mark_extent
from .units import mm

if TYPE_CHECKING:
    from .impose.model import SheetPlan
    from .kit import Piece, ResolvedKit

__all__ = [
    "PageGeometry",
    "PagePlan",
    "Placed",
    "SingleUpPlanner",
    "dump",
    "mockup_page",
    "page_sides",
    "piece_marks",
    "piece_page",
    "sheet_pages",
    "single_up",
    "trim_origin",
]


@dataclass(frozen=True, slots=True)
class PageGeometry:
    media: Rect
    trim: Rect
    bleed: Rect
    place: Transform  # piece coordinates (trim bbox at the origin) -> page coordinates
    slug_at: Point  # baseline start of the slug line, below the bottom marks


def single_up(
    width: float,
    height: float,
    *,
    bleed: float = 3 * mm,
    mark_gap: float = 0.0,
    mark_length: float = 5 * mm,
    slug: float = 6 * mm,
) -> PageGeometry:
    """A page for a ``width`` x ``height`` piece: marks all round, a slug strip below."""
    room = mark_extent(bleed=bleed, gap=mark_gap, length=mark_length) + 2 * mm
    x0, y0 = room, room + slug
    trim = Rect(x0, y0, x0 + width, y0 + height)
    media = Rect(0.0, 0.0, round(trim.x1 + room, 4), round(trim.y1 + room, 4))
    return PageGeometry(
        media=media,
        trim=trim,
        bleed=trim.expand(bleed),
        place=Transform.translate(x0, y0),
        slug_at=Point(x0, 2.5 * mm),
    )


# --- page plans: every output page as data, single-up and imposed alike --------------------


@dataclass(frozen=True, slots=True)
class Placed:
    """One piece side on a page: ``transform`` maps the piece's trim coordinates (its trim
    box's corner at the origin; side-B coordinates on a side-B page) to page coordinates."""

    piece: str  # the kit piece's key
    record: str  # the record id whose kit it belongs to
    transform: Transform
    position: int | None = None  # imposed: the position on the sheet (cut-and-stack: the stack's)
    stack: int | None = None


@dataclass(frozen=True, slots=True)
class PagePlan:
    """One output page, ready to paint: the renderer decides nothing.

    ``kind`` is ``piece`` (single-up), ``sheet`` (one side of a press sheet) or
    ``mockups`` (a proof's folded views, handed to the renderer separately). ``side`` is
    the sheet side printed (A, B); ``stock`` the paper it prints on; ``marks`` crop and
    fold strokes, ``targets`` registration targets and ``colour_bar`` solid patches (ink
    name per patch), all in the registration colour or their own ink; ``records`` the
    record ids whose pieces it holds; ``bookmark`` the record whose pages start here (an
    outline entry and page labels); ``proof`` draws die lines as a screen proof and
    ``proof_at`` is where the PROOF mark's baseline starts; ``technical`` is False for
    artwork-only pages (no die lines, creases or glue outlines: what a mockup folds).
    """

    number: int  # 1-based page number in its file
    kind: str
    media: Rect
    trim: Rect
    bleed: Rect
    side: str
    stock: str
    placed: tuple[Placed, ...]
    marks: tuple[MarkLine, ...]
    slug: Slug | None
    records: tuple[str, ...]
    proof: bool = False
    sheet: int | None = None  # imposed: the physical sheet number
    targets: tuple[Target, ...] = ()
    colour_bar: tuple[tuple[Rect, str], ...] = ()
    proof_at: Point | None = None
    bookmark: str | None = None
    technical: bool = True

    @property
    def geometry(self) -> PageGeometry:
        at = self.slug.at if self.slug is not None else self.media.origin
        return PageGeometry(self.media, self.trim, self.bleed, Transform(), at)


SLUG_SIZE = 6.0


def page_sides(kit: ResolvedKit, only: Collection[str] | None = None) -> tuple[tuple[Piece, int], ...]:
    """(piece, side) of every print page of one kit (the pieces named in ``only``, or all),
    in the order they are planned."""
    return tuple(
        (piece, side)
        for piece in kit.pieces
        if only is None or piece.key in only
        for side in ((0, 1) if piece.duplex else (0,))
    )


_ORIGINS: dict[int, tuple[Piece, Transform]] = {}


def trim_origin(piece: Piece) -> Transform:
    """The piece's drawing coordinates (a net's own) -> its trim coordinates (trim box's
    corner at the origin). A net's bounding box flattens its curves, so this is worked
    out once per piece (kept by identity, like the piece itself)."""
    hit = _ORIGINS.get(id(piece))
    if hit is None or hit[0] is not piece:
        if len(_ORIGINS) >= 512:
            _ORIGINS.clear()
        box = piece.net.bbox if piece.net is not None else Rect(0.0, 0.0, piece.width, piece.height)
        hit = _ORIGINS[id(piece)] = (piece, Transform.translate(-box.x0, -box.y0))
    return hit[1]


def piece_page(piece: Piece, bleed: float) -> tuple[PageGeometry, Transform]:
    """A piece's single-up page and its placement: piece coordinates (for a net, net
    coordinates with its bounding box moved to the trim's corner) -> page coordinates."""
    page = single_up(piece.width, piece.height, bleed=bleed)
    if piece.net is None:
        return page, page.place
    return page, page.place @ trim_origin(piece)


def piece_marks(piece: Piece, page: PageGeometry, place: Transform, side: int) -> tuple[MarkLine, ...]:
    """Crop marks and fold marks of one side of a single-up piece page (side B's folds
    mirrored: the page is the piece turned over)."""
    folds = [(place.apply(a), place.apply(b)) for a, b in piece.folds]
    if side == 1:
        mirror = Transform.mirror_x(page.trim.center.x)
        folds = [(mirror.apply(a), mirror.apply(b)) for a, b in folds]
    bleed = page.bleed.x1 - page.trim.x1
    return tuple(crop_marks(page.trim, bleed=bleed) + fold_marks(page.trim, folds, bleed=bleed))


# --- the PROOF mark and a proof's page of folded views ---------------------------------------

PROOF_TEXT = "PROOF"
PROOF_SIZE = 9.0


def _text_width(text: str, family: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from .content.text import get_family

    return float(stringWidth(text, get_family(family).fonts[0].name, size))


def proof_spot(media: Rect, trim: Rect, bleed: Rect, slug: Slug | None, *, beside_slug: bool = True) -> Point:
    """Baseline start of the PROOF mark: at the right end of a single-up page's slug line
    (above it when the slug is long), else in the page's top-right corner; never inside
    the bleed box or on the crop and fold marks beyond it."""
    width, cap = _text_width(PROOF_TEXT, "sans-bold", PROOF_SIZE), 0.75 * PROOF_SIZE
    marks_end = mark_extent(bleed=0.0)  # marks run this far beyond the bleed box
    below_marks = bleed.y0 - marks_end - 0.5 * mm
    candidates = []
    if beside_slug and slug is not None:
        x, y = trim.x1 - width, slug.at.y
        if x < slug.at.x + _text_width(slug.text, "sans", slug.size) + 2 * mm:
            y += 1.6 * cap
        candidates.append(Rect(x, y, x + width, y + cap))
    corner = Rect(media.x1 - 2 * mm - width, media.y1 - 2 * mm - cap, media.x1 - 2 * mm, media.y1 - 2 * mm)
    candidates.append(corner)
    for box in candidates:
        clear_of_marks = box.y1 <= below_marks or not box.intersects(bleed.expand(marks_end))
        if media.contains(box) and not box.intersects(bleed) and clear_of_marks:
            return box.origin
    return corner.origin


MOCKUP_SIZE = (420 * mm, 297 * mm)  # A3 landscape
MOCKUP_MARGIN = 12 * mm


def mockup_page(size: tuple[float, float] = MOCKUP_SIZE, margin: float = MOCKUP_MARGIN) -> PageGeometry:
    """The page of a proof's folded views (render.mockup lays the views out inside its trim)."""
    trim = Rect(margin, margin, size[0] - margin, size[1] - margin)
    return PageGeometry(Rect(0.0, 0.0, size[0], size[1]), trim, trim, Transform(), Point(margin, 4 * mm))


class SingleUpPlanner:
    """Plans single-up pages kit by kit: each piece's page geometry and marks are worked
    out once (a net's bounding box flattens its curves) and shared by every record.

    ``proof`` plans screen proofs (PROOF marks, and with ``mockups`` a page of folded
    views after each record's pieces); ``artwork`` plans artwork-only pages: no die
    lines, creases, glue outlines, marks or slug, none of which shows on a finished
    envelope (what render.mockup folds)."""

    def __init__(
        self,
        kit: ResolvedKit,
        *,
        proof: bool = False,
        only: Collection[str] | None = None,
        mockups: bool = False,
        artwork: bool = False,
    ):
        self.kit = kit
        self.proof = proof
        self.mockups = proof and mockups
        self.artwork = artwork
        self.sides = page_sides(kit, only)
        self.job = kit.spec.job or kit.spec.name
        self._pages: dict[tuple[str, int], tuple[PageGeometry, Transform, tuple[MarkLine, ...]]] = {}

    def placing(self, piece: Piece, side: int) -> tuple[PageGeometry, Transform, tuple[MarkLine, ...]]:
        """The page, the piece's placement (net coordinates -> page) and the side's marks."""
        hit = self._pages.get((piece.key, side))
        if hit is None:
            page, place = piece_page(piece, self.kit.spec.bleed)
            marks = () if self.artwork else piece_marks(piece, page, place, side)
            hit = self._pages[(piece.key, side)] = (page, place, marks)
        return hit

    def record(self, record_id: str, first_page: int = 1) -> tuple[PagePlan, ...]:
        """The pages of one record's kit, numbered from ``first_page``."""
        out = []
        for n, (piece, side) in enumerate(self.sides):
            page, _, marks = self.placing(piece, side)
            number = first_page + n
            text = f"{self.job}  {record_id}  {piece.label}  side {'AB'[side]}  p{number}"
            slug = None if self.artwork else Slug(text, page.slug_at, SLUG_SIZE)
            out.append(
                PagePlan(
                    number=number,
                    kind="piece",
                    media=page.media,
                    trim=page.trim,
                    bleed=page.bleed,
                    side="AB"[side],
                    stock=piece.stock.name if piece.stock is not None else "",
                    placed=(Placed(piece.key, record_id, page.place),),
                    marks=marks,
                    slug=slug,
                    records=(record_id,),
                    proof=self.proof,
                    proof_at=proof_spot(page.media, page.trim, page.bleed, slug) if self.proof else None,
                    bookmark=record_id if n == 0 else None,
                    technical=not self.artwork,
                )
            )
        if self.mockups:
            out.append(self._mockups(record_id, first_page + len(out)))
        return tuple(out)

    def _mockups(self, record_id: str, number: int) -> PagePlan:
        page = mockup_page()
        slug = Slug(f"{self.job}  {record_id}  folded mockups  p{number}", page.slug_at, SLUG_SIZE)
        return PagePlan(
            number=number,
            kind="mockups",
            media=page.media,
            trim=page.trim,
            bleed=page.bleed,
            side="A",
            stock="",
            placed=(),
            marks=(),
            slug=slug,
            records=(record_id,),
            proof=True,
            proof_at=proof_spot(page.media, page.trim, page.bleed, slug),
        )


def sheet_pages(
    plans: Sequence[SheetPlan], stock: str, *, proof: bool = False, first_page: int = 1
) -> tuple[PagePlan, ...]:
    """Imposed sheet sides as page plans (placement keys are (record id, piece) pairs)."""
    out = []
    for number, p in enumerate(plans, first_page):
        placed = tuple(
            Placed(
                getattr(pl.key, "piece", pl.key),
                getattr(pl.key, "record", ""),
                pl.transform,
                pl.position,
                pl.stack,
            )
            for pl in p.placements
        )
        media = p.media_box
        out.append(
            PagePlan(
                number=number,
                kind="sheet",
                media=media,
                trim=p.trim_box,
                bleed=p.bleed_box,
                side=p.side,
                stock=stock,
                placed=placed,
                marks=p.marks,
                slug=p.slug,
                records=tuple(dict.fromkeys(pl.record for pl in placed)),
                proof=proof,
                sheet=p.number,
                targets=p.registration,
                colour_bar=p.colour_bar,
                proof_at=proof_spot(media, p.trim_box, p.bleed_box, p.slug, beside_slug=False)
                if proof
                else None,
            )
        )
    return tuple(out)


def dump(plans: Iterable[PagePlan]) -> str:
    """Page plans as readable text (lengths in mm, 2 decimals), for golden tests and eyes."""

    def r(rect: Rect) -> str:
        return " ".join(f"{v / mm + 0.0:.2f}" for v in rect.as_tuple())

    lines = []
    for p in plans:
        head = f"page {p.number}: {p.kind} side {p.side} stock {p.stock or '-'}"
        if p.sheet is not None:
            head += f" sheet {p.sheet}"
        if p.proof:
            head += " proof"
        if not p.technical:
            head += " artwork"
        if p.bookmark is not None:
            head += f" bookmark {p.bookmark}"
        lines.append(head)
        lines.append(f"  media {r(p.media)} | trim {r(p.trim)} | bleed {r(p.bleed)}")
        for pl in p.placed:
            a, b, c, d, e, f = pl.transform.as_tuple()
            t = " ".join(
                [*(f"{v + 0.0:.3f}" for v in (a, b, c, d)), *(f"{v / mm + 0.0:.2f}" for v in (e, f))]
            )
            where = f" @{pl.position}" if pl.position is not None else ""
            where += f" stack {pl.stack}" if pl.stack is not None else ""
            lines.append(f"  {pl.record} {pl.piece}{where}: [{t}]")
        kinds: dict[str, int] = {}
        for m in p.marks:
            kinds[m.kind] = kinds.get(m.kind, 0) + 1
        lines.append("  marks " + (", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"))
        if p.targets or p.colour_bar:
            inks = " ".join(ink for _, ink in p.colour_bar) or "none"
            lines.append(f"  targets {len(p.targets)} | colour bar {inks}")
        if p.proof_at is not None:
            lines.append(f"  PROOF at {p.proof_at.x / mm:.2f} {p.proof_at.y / mm:.2f}")
        if p.slug is not None:
            lines.append(f"  slug {p.slug.text!r} at {p.slug.at.x / mm:.2f} {p.slug.at.y / mm:.2f}")
        lines.append(f"  records {' '.join(p.records) or '-'}")
    return "\n".join(lines) + "\n"
