"""The rules: what a prepress operator rejects (PRINT.md), one check each.

A rule is a function over the document (``scope="document"``) or over one page's
events (``scope="page"``, see :mod:`.events`) that yields findings. A profile says
what the PDF/X flavour allows (PDF version, colour spaces, transparency, where the
version is identified, whether the output intent must embed a profile); each rule
names the profiles it applies to, so a profile's own rules (X-4's processing-step
layers, say) slot in beside the others.

Numbers are defaults, not laws (see :class:`Limits`): bleed 3 mm, lines from
0.25 pt, marks up to 0.5 pt, 300 % total ink, 300 ppi images (150 ppi an error),
QR modules of 0.5 mm (0.4 mm an error), a 3 mm safe margin inside every cut.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from ..units import mm
from .events import (
    Box,
    Colour,
    Event,
    Image,
    Paint,
    Placed,
    Problem,
    Shade,
    Space,
    Text,
    Transparency,
    apply,
    scale,
)
from .report import Finding, Severity

__all__ = ["PROFILES", "RULES", "DocContext", "Limits", "PageContext", "Profile", "Rule"]

TOL = 0.01  # pt: boxes and extents compared within this


# --- profiles and limits -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """What one PDF/X flavour allows."""

    name: str  # "x1a", "x4"
    label: str  # "PDF/X-1a:2003"
    versions: tuple[str, ...]  # accepted GTS_PDFXVersion values (prefixes)
    max_pdf: tuple[int, int]  # the highest PDF version in the header
    transparency: bool  # soft masks, alpha, blend modes, transparency groups allowed
    rgb: Literal["never", "icc"]  # "icc": RGB only when colour-managed (ICC-based or DefaultRGB)
    device_independent: bool  # Lab, CalRGB/CalGray, ICC-based spaces allowed
    output_profile: bool  # the output intent must embed its ICC profile
    xmp_version: bool  # identified in XMP (pdfxid:GTS_PDFXVersion) rather than the Info dictionary


PROFILES: dict[str, Profile] = {
    "x1a": Profile(
        "x1a",
        "PDF/X-1a:2003",
        ("PDF/X-1a:2003",),
        (1, 4),
        transparency=False,
        rgb="never",
        device_independent=False,
        output_profile=False,
        xmp_version=False,
    ),
    "x4": Profile(
        "x4",
        "PDF/X-4",
        ("PDF/X-4",),
        (1, 6),
        transparency=True,
        rgb="icc",
        device_independent=True,
        output_profile=True,
        xmp_version=True,
    ),
}


@dataclass(frozen=True, slots=True)
class Limits:
    """The numbers the rules judge by, and the names of the technical inks."""

    die_inks: tuple[str, ...] = ("CutContour", "Crease", "Glue")
    cut_ink: str = "CutContour"
    registration: str = "All"
    min_bleed: float = 3 * mm
    safe: float = 3 * mm  # text and codes at least this far inside every cut
    min_line: float = 0.25  # pt: thinner is a hairline
    max_mark: float = 0.5  # pt: heavier marks are warned about
    max_ink: float = 3.0  # 300 % total area coverage
    min_ppi: float = 300.0  # below: a warning
    error_ppi: float = 150.0  # below: an error
    min_module: float = 0.5 * mm  # QR module: below, a warning
    error_module: float = 0.4 * mm  # QR module: below, an error
    rich_black_size: float = 12.0  # pt: rich black text smaller than this is an error, larger a warning


# --- contexts ------------------------------------------------------------------------------------


@dataclass
class DocContext:
    """What the document rules read: header, trailer, Info, catalog, XMP."""

    header: str  # "%PDF-1.4"
    trailer: Mapping[str, Any]
    info: Mapping[str, Any]
    catalog: Mapping[str, Any]
    encrypted: bool
    xmp: bytes | None
    pages: int


@dataclass
class PageContext:
    """One page: its number (1-based), boxes, the events painted, and caches shared by
    every page of the file (keyed by value, so pages drawn from one form share work)."""

    number: int
    media: Box
    trim: Box | None
    bleed: Box | None
    events: list[Event]
    default_rgb: bool  # the page's resources map DeviceRGB through an ICC profile (DefaultRGB)
    cache: dict[Any, Any] = field(default_factory=dict)  # shared by the file's pages
    local: dict[Any, Any] = field(default_factory=dict)  # this page's

    def memo(self, key: Any, obj: Any, make: Callable[[], Any]) -> Any:
        """``make()``, remembered for the file by ``key`` and the identity of ``obj``
        (an event, which the walker shares between pages drawn from one form)."""
        k = (key, id(obj))
        hit = self.cache.get(k)
        if hit is None or hit[0] is not obj:
            hit = self.cache[k] = (obj, make())
        return hit[1]


DocCheck = Callable[[DocContext, Profile, Limits], Iterator[Finding]]
PageCheck = Callable[[PageContext, Profile, Limits], Iterator[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One checkable rule. ``item`` is its number in PRINT.md's list of what a prepress
    operator rejects (0: the PDF/X standard itself)."""

    id: str
    item: int
    title: str
    scope: Literal["document", "page"]
    check: DocCheck | PageCheck
    profiles: tuple[str, ...] = ("x1a", "x4")


def _f(rule: str, severity: Severity, page: int | None, what: str, where: str, fix: str) -> Finding:
    return Finding(rule, severity, page, what, where, fix)


def _resolved(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    value = value.get_object() if hasattr(value, "get_object") else value
    return str(value)


# --- document rules ------------------------------------------------------------------------------

_XMP_VERSION = re.compile(rb"GTS_PDFXVersion\s*(?:=\s*[\"']([^\"']*)[\"']|>\s*([^<]*)<)")


def check_pdfx_version(doc: DocContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    rule = "pdfx-version"
    m = re.match(r"%PDF-(\d+)\.(\d+)", doc.header or "")
    if m is None:
        yield _f(
            rule,
            "error",
            None,
            f"no PDF version header ({doc.header!r})",
            "file header",
            "write a %PDF-1.x header",
        )
    elif (int(m[1]), int(m[2])) > profile.max_pdf:
        yield _f(
            rule,
            "error",
            None,
            f"the header says PDF {m[1]}.{m[2]}; {profile.label} is PDF "
            f"{profile.max_pdf[0]}.{profile.max_pdf[1]} at most",
            "file header",
            f"write PDF {profile.max_pdf[0]}.{profile.max_pdf[1]} or lower",
        )
    if doc.encrypted:
        yield _f(
            rule,
            "error",
            None,
            "the file is encrypted",
            "trailer /Encrypt",
            "PDF/X files are never encrypted: save without a password or permissions",
        )
    if profile.xmp_version:
        found = None
        if doc.xmp:
            hit = _XMP_VERSION.search(doc.xmp)
            if hit:
                found = (hit[1] or hit[2] or b"").decode("utf-8", "replace").strip()
        where = "XMP metadata pdfxid:GTS_PDFXVersion"
    else:
        found = _text(doc.info.get("/GTS_PDFXVersion"))
        where = "Info /GTS_PDFXVersion"
    if not found:
        yield _f(
            rule,
            "error",
            None,
            f"not identified as {profile.label}",
            where,
            f"set {where.split()[-1]} to ({profile.versions[0]})",
        )
    elif not any(found.startswith(v) for v in profile.versions):
        yield _f(
            rule,
            "error",
            None,
            f"identified as {found!r}, not {profile.label}",
            where,
            f"check it against the {profile.name} profile it claims, or preflight with its own profile",
        )
    for key in ("/Title", "/CreationDate", "/ModDate"):
        if not _text(doc.info.get(key)) and not (profile.xmp_version and doc.xmp):
            yield _f(
                rule,
                "error",
                None,
                f"the document information has no {key[1:]}",
                f"Info {key}",
                f"PDF/X requires {key[1:]}: set it",
            )


_REGISTERED = re.compile(
    r"^(FOGRA\d+|CGATS[ _]?TR[ _]?\d+|CGATS21[_-]CRPC\d|GRACoL.*|SWOP.*|JC200103|JCW2003|"
    r"JapanColor.*|IFRA\d+|IDEAlliance.*|SNAP.*)$",
    re.IGNORECASE,
)


def check_output_intent(doc: DocContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    rule = "output-intent"
    intents = doc.catalog.get("/OutputIntents")
    intents = _resolved(intents)
    pdfx = []
    for item in intents or []:
        item = item.get_object()
        if hasattr(item, "get") and item.get("/S") == "/GTS_PDFX":
            pdfx.append(item)
    where = "Catalog /OutputIntents"
    if not pdfx:
        yield _f(
            rule,
            "error",
            None,
            "no PDF/X output intent (/S /GTS_PDFX)",
            where,
            "add an output intent naming the printing condition (e.g. FOGRA39)",
        )
        return
    if len(pdfx) > 1:
        yield _f(
            rule,
            "error",
            None,
            f"{len(pdfx)} PDF/X output intents; PDF/X allows one",
            where,
            "keep one /GTS_PDFX output intent",
        )
    intent = pdfx[0]
    ident = _text(intent.get("/OutputConditionIdentifier")) or ""
    dest = intent.get("/DestOutputProfile")
    dest = dest.get_object() if dest is not None else None
    if not ident.strip():
        yield _f(
            rule,
            "error",
            None,
            "the output intent has no OutputConditionIdentifier",
            where,
            "name the printing condition (FOGRA39, CGATS TR 006, ...)",
        )
    if dest is None:
        if profile.output_profile:
            yield _f(
                rule,
                "error",
                None,
                f"{profile.label} needs the output profile embedded",
                where,
                "embed the printer's CMYK ICC profile as DestOutputProfile",
            )
        elif not _text(intent.get("/RegistryName")):
            yield _f(
                rule,
                "error",
                None,
                f"condition {ident!r} has neither an embedded profile nor a registry",
                where,
                "add RegistryName (http://www.color.org) for a registered condition, or embed its profile",
            )
        elif ident and not _REGISTERED.match(ident.strip()):
            yield _f(
                rule,
                "warning",
                None,
                f"{ident!r} is not a characterised condition this preflight knows",
                where,
                "check it is in the ICC registry, or embed the output profile",
            )
    else:
        n = dest.get("/N") if hasattr(dest, "get") else None
        if n is not None and int(n) != 4:
            yield _f(
                rule,
                "error",
                None,
                f"the output profile has {int(n)} components, not CMYK",
                where,
                "embed the printing condition's CMYK profile",
            )


def check_document_id(doc: DocContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    ident = doc.trailer.get("/ID")
    ident = _resolved(ident)
    if not ident or len(ident) != 2:
        yield _f(
            "document-id",
            "error",
            None,
            "the trailer has no /ID (two file identifiers)",
            "trailer /ID",
            "write an /ID array of two strings",
        )


def check_trapped(doc: DocContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    trapped = _text(doc.info.get("/Trapped"))
    if trapped not in ("/True", "/False"):
        shown = "missing" if trapped is None else trapped
        yield _f(
            "trapped",
            "error",
            None,
            f"Trapped is {shown}; PDF/X needs True or False",
            "Info /Trapped",
            "set /Trapped /False (or /True when the file has been trapped)",
        )


# --- page rules: boxes, fonts, colour --------------------------------------------------------------


def _inside(inner: Box, outer: Box) -> bool:
    return (
        inner[0] >= outer[0] - TOL
        and inner[1] >= outer[1] - TOL
        and inner[2] <= outer[2] + TOL
        and inner[3] <= outer[3] + TOL
    )


def _intersects(a: Box, b: Box, tol: float = TOL) -> bool:
    """Do ``a`` and ``b`` overlap by more than ``tol`` (touching edges do not count)?"""
    return a[0] < b[2] - tol and b[0] < a[2] - tol and a[1] < b[3] - tol and b[1] < a[3] - tol


def _mm(box: Box, page: PageContext) -> str:
    ox, oy = page.media[0], page.media[1]
    return (
        f"x {(box[0] - ox) / mm:.1f}-{(box[2] - ox) / mm:.1f} mm, "
        f"y {(box[1] - oy) / mm:.1f}-{(box[3] - oy) / mm:.1f} mm"
    )


def _where(event: Event, page: PageContext, box: Box | None = None) -> str:
    place = event.where
    if box is not None:
        place += f" at {_mm(box, page)}"
    return place


def check_boxes(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    rule, n = "boxes", page.number
    if page.trim is None:
        yield _f(
            rule,
            "error",
            n,
            "no TrimBox",
            "page dictionary",
            "set TrimBox to the finished piece (the imposed area on a press sheet)",
        )
    if page.bleed is None:
        yield _f(
            rule,
            "error",
            n,
            "no BleedBox",
            "page dictionary",
            f"set BleedBox to the TrimBox plus the bleed ({limits.min_bleed / mm:g} mm)",
        )
    if page.trim is None or page.bleed is None:
        return
    if not _inside(page.bleed, page.media):
        yield _f(
            rule,
            "error",
            n,
            "BleedBox runs outside MediaBox",
            f"BleedBox {_mm(page.bleed, page)}",
            "make MediaBox large enough to hold the bleed",
        )
    if not _inside(page.trim, page.bleed):
        yield _f(
            rule,
            "error",
            n,
            "TrimBox runs outside BleedBox",
            f"TrimBox {_mm(page.trim, page)}",
            "BleedBox is the TrimBox plus the bleed on every side",
        )
        return
    t, b = page.trim, page.bleed
    bleed = min(t[0] - b[0], t[1] - b[1], b[2] - t[2], b[3] - t[3])
    if bleed < TOL:
        yield _f(
            rule,
            "error",
            n,
            "no bleed: BleedBox is the TrimBox on at least one side",
            f"BleedBox {_mm(b, page)}",
            f"extend artwork and BleedBox {limits.min_bleed / mm:g} mm past the trim",
        )
    elif bleed < limits.min_bleed - TOL:
        yield _f(
            rule,
            "warning",
            n,
            f"only {bleed / mm:.1f} mm of bleed",
            f"BleedBox {_mm(b, page)}",
            f"give {limits.min_bleed / mm:g} mm of bleed",
        )


def check_fonts(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if isinstance(e, Text) and e.visible and not e.font.embedded:
            yield _f(
                "fonts-embedded",
                "error",
                page.number,
                f"font {e.font.name} is not embedded",
                e.where,
                "embed every font (a TrueType or OpenType subset)",
            )


def _space_fault(space: Space, profile: Profile, default_rgb: bool) -> str | None:
    """Why ``space`` is not allowed in ``profile`` (None when it is)."""
    fam = space.family
    if fam == "undefined":
        return f"colour space {space.label} is used but not defined"
    if fam.startswith("JPX"):
        return (
            "a JPEG 2000 image with its colour space inside the image data"
            if not profile.device_independent
            else None
        )
    if fam in ("Separation", "DeviceN"):
        alt = space.alternate
        if alt is None:
            return f"{space.describe()} has no alternate colour space"
        if profile.name == "x1a" and alt.family not in ("DeviceCMYK", "DeviceGray"):
            return f"{space.describe()} has a {alt.describe()} alternate"
        return _space_fault(alt, profile, default_rgb)
    if fam in ("Indexed", "Pattern"):
        return _space_fault(space.alternate, profile, default_rgb) if space.alternate is not None else None
    if profile.rgb == "never" and space.rgb:
        return f"{space.describe()} colour"
    if profile.rgb == "icc" and fam == "DeviceRGB" and not default_rgb:
        return "DeviceRGB colour without an ICC profile"
    if not profile.device_independent and fam in ("Lab", "CalRGB", "CalGray", "ICCBased"):
        return f"{space.describe()} colour"
    return None


def _painted_spaces(e: Event) -> list[tuple[Space, str]]:
    if isinstance(e, Paint):
        return [(e.colour.space, e.op)]
    if isinstance(e, Text) and e.visible:
        out = []
        if e.filled:
            out.append((e.fill.space, "text"))
        if e.stroked:
            out.append((e.stroke.space, "outlined text"))
        return out
    if isinstance(e, Image):
        return [(e.space, "image")] if e.space is not None else [(e.fill.space, "stencil mask")]
    if isinstance(e, Shade):
        return [(e.space, "shading")]
    return []


def check_colour_spaces(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    allowed = "CMYK and spot colours only" if profile.rgb == "never" else "RGB only through an ICC profile"
    for e in page.events:
        for space, what in _painted_spaces(e):
            fault = _space_fault(space, profile, page.default_rgb)
            if fault:
                yield _f(
                    "colour-space",
                    "error",
                    page.number,
                    f"{what} in {fault}",
                    e.where,
                    f"{profile.label} allows {allowed}: convert it to CMYK through the output profile",
                )


def check_transparency(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    severity: Severity = "info" if profile.transparency else "error"
    fix = (
        ("allowed in " + profile.label + "; the RIP flattens it")
        if profile.transparency
        else (f"{profile.label} allows no transparency: flatten it onto what lies beneath")
    )
    for e in page.events:
        if isinstance(e, Transparency):
            yield _f("transparency", severity, page.number, e.what, e.where, fix)
        elif isinstance(e, Image) and e.soft_mask:
            yield _f(
                "transparency", severity, page.number, f"image {e.name} has a soft mask (alpha)", e.where, fix
            )


# --- die lines -------------------------------------------------------------------------------------------


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_DIE_LIKE = {
    "cut",
    "cutline",
    "cutlines",
    "diecut",
    "die",
    "dieline",
    "dielines",
    "thrucut",
    "kisscut",
    "cutter",
    "contourcut",
    "perf",
    "perforation",
    "score",
    "scoring",
    "fold",
    "creaseline",
}


def _colours(e: Event) -> list[tuple[Colour, str]]:
    if isinstance(e, Paint):
        return [(e.colour, e.op)]
    if isinstance(e, Text) and e.visible:
        out = []
        if e.filled:
            out.append((e.fill, "text"))
        if e.stroked:
            out.append((e.stroke, "outlined text"))
        return out
    if isinstance(e, Image):
        if e.space is None:
            return [(e.fill, "stencil mask")]
        return [(Colour(e.space, ()), "image")]
    if isinstance(e, Shade):
        return [(Colour(e.space, ()), "shading")]
    return []


def check_die_names(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    exact = {_norm(n): n for n in limits.die_inks}
    for e in page.events:
        for colour, _what in _colours(e):
            for name in colour.space.colorants:
                if name in limits.die_inks:
                    continue
                key = _norm(name)
                if key in exact:
                    yield _f(
                        "die-spot-name",
                        "error",
                        page.number,
                        f"spot {name!r} is not {exact[key]!r}: cutting RIPs match the exact name",
                        e.where,
                        f"rename the swatch to {exact[key]} (case and spaces matter)",
                    )
                elif key in _DIE_LIKE:
                    yield _f(
                        "die-spot-name",
                        "warning",
                        page.number,
                        f"spot {name!r} looks like a die line but is none of {', '.join(limits.die_inks)}",
                        e.where,
                        "use the die-line inks the shop's RIP expects (CutContour, Crease, Glue)",
                    )


def _die(colour: Colour, limits: Limits) -> list[str]:
    return [n for n in colour.space.colorants if n in limits.die_inks]


def check_die_overprint(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if isinstance(e, Paint) and e.op == "stroke" and _die(e.colour, limits) and not e.overprint:
            yield _f(
                "die-overprint",
                "error",
                page.number,
                f"{'+'.join(_die(e.colour, limits))} die line does not overprint (knocks out artwork)",
                _where(e, page, e.bbox),
                "set stroke overprint (/OP true) for die lines",
            )


def check_die_separation(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        for colour, what in _colours(e):
            inks = _die(colour, limits)
            if not inks:
                continue
            if isinstance(e, Paint) and e.op == "stroke":
                others = [n for n in colour.space.colorants if n not in limits.die_inks]
                if others:
                    yield _f(
                        "die-separation",
                        "error",
                        page.number,
                        f"die line shares a DeviceN colour with {', '.join(others)}",
                        _where(e, page, e.bbox),
                        "stroke die lines in their spot colour alone",
                    )
                continue
            box = getattr(e, "bbox", None)
            yield _f(
                "die-separation",
                "error",
                page.number,
                f"{what} on the {'+'.join(inks)} separation (only die-line strokes belong there)",
                _where(e, page, box),
                "draw artwork in process colours; die separations hold die lines only",
            )


def _segments(e: Paint) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    segs = [(sp[i], sp[i + 1]) for sp in e.subpaths for i in range(len(sp) - 1)]
    for x, y, w, h in e.rects:
        pts = [apply(e.ctm, px, py) for px, py in ((x, y), (x + w, y), (x + w, y + h), (x, y + h))]
        segs += [(pts[i], pts[(i + 1) % 4]) for i in range(4)]
    return segs


def _path_key(e: Paint) -> frozenset[tuple[tuple[float, float], tuple[float, float]]]:
    out = set()
    for a, b in _segments(e):
        p = (round(a[0], 2), round(a[1], 2))
        q = (round(b[0], 2), round(b[1], 2))
        if p != q:
            out.add((p, q) if p <= q else (q, p))
    return frozenset(out)


def check_die_duplicate(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    seen: dict[tuple[str, frozenset[Any]], Paint] = {}
    for e in page.events:
        if not (isinstance(e, Paint) and e.op == "stroke"):
            continue
        for ink in _die(e.colour, limits):
            key = (ink, page.memo("path", e, partial(_path_key, e)))
            if not key[1]:
                continue
            if key in seen:
                yield _f(
                    "die-duplicate",
                    "error",
                    page.number,
                    f"{ink} path drawn twice (the cutter would run it twice)",
                    _where(e, page, e.bbox),
                    "draw each die line once",
                )
            else:
                seen[key] = e


# --- marks, lines, ink ---------------------------------------------------------------------------------


def _registration(colour: Colour, limits: Limits) -> bool:
    return limits.registration in colour.space.colorants


def _extent(e: Event) -> Box | None:
    if isinstance(e, Paint):
        if e.op == "stroke":
            h = e.width / 2
            x0, y0, x1, y1 = e.bbox
            return (x0 - h, y0 - h, x1 + h, y1 + h)
        return e.bbox
    if isinstance(e, Text | Image):
        return e.bbox
    return None


def _parts(e: Event) -> list[Box]:
    """Where ``e`` marks the page, piece by piece (each subpath of a path)."""
    if isinstance(e, Paint):
        return e.parts()
    if isinstance(e, Text | Image):
        return [e.bbox]
    return []


def pieces(page: PageContext) -> list[tuple[Box, Box | None]]:
    """(trim, bleed) of every piece on the page. A page is one piece (its TrimBox and
    BleedBox) unless forms are placed whole inside its BleedBox, as on an imposed sheet:
    then each such form is a piece, its bounding box the piece's bleed (trim unknown)."""
    if page.trim is None:
        return []
    outer = page.bleed or page.trim
    placed = [
        e.bbox
        for e in page.events
        if isinstance(e, Placed) and _inside(e.bbox, outer) and not _inside(page.trim, e.bbox)
    ]
    if placed:
        return [(b, None) for b in placed]
    return [(page.trim, page.bleed)]


def check_marks(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    rule, n = "marks", page.number
    if page.trim is None:
        return
    bleed = page.bleed
    regions = pieces(page)
    for e in page.events:
        colours = _colours(e)
        if not colours:
            continue
        if any(_registration(c, limits) for c, _ in colours):
            parts = _parts(e)
            inside = [b for b in parts for trim, _ in regions if _intersects(b, trim)]
            bled = [b for b in parts for _, bl in regions if bl is not None and _intersects(b, bl)]
            if inside:
                yield _f(
                    rule,
                    "error",
                    n,
                    f"registration colour {limits.registration} inside a trim "
                    "(it prints on every plate, die plates included)",
                    _where(e, page, inside[0]),
                    "keep marks and slugs outside the trim and bleed",
                )
            elif bled:
                yield _f(
                    rule,
                    "warning",
                    n,
                    "a mark inside the bleed",
                    _where(e, page, bled[0]),
                    "start marks outside the bleed (about 3 mm past the trim)",
                )
            if isinstance(e, Paint) and e.op == "stroke" and e.width > limits.max_mark + 1e-3:
                yield _f(
                    rule,
                    "warning",
                    n,
                    f"a {e.width:.2f} pt mark, heavier than {limits.max_mark:g} pt",
                    _where(e, page, e.bbox),
                    f"draw marks {limits.min_line:g}-{limits.max_mark:g} pt",
                )
        elif (
            isinstance(e, Paint)
            and e.op == "stroke"
            and bleed is not None
            and not _die(e.colour, limits)
            and not any(_intersects(b, bleed, -TOL) for b in e.parts())
        ):
            yield _f(
                rule,
                "warning",
                n,
                f"a line outside the bleed in {e.colour.describe()}, not in "
                f"registration colour {limits.registration}",
                _where(e, page, e.bbox),
                f"draw crop and fold marks in {limits.registration} so they print on every plate",
            )


def check_hairlines(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if isinstance(e, Paint) and e.op == "stroke":
            width, colour = e.width, e.colour
        elif isinstance(e, Text) and e.stroked:
            width, colour = e.width, e.stroke
        else:
            continue
        if _die(colour, limits):
            continue  # technical lines: not printed
        if width < limits.min_line - 1e-3:
            shown = "a 0-width line (the device's thinnest)" if width <= 0 else f"a {width:.3f} pt line"
            yield _f(
                "hairlines",
                "error",
                page.number,
                f"{shown}, under {limits.min_line:g} pt",
                _where(e, page, _extent(e)),
                f"draw lines at least {limits.min_line:g} pt wide",
            )


def _black(inks: Mapping[str, float]) -> float:
    return inks.get("Black", 0.0)


def check_rich_black_text(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if not (isinstance(e, Text) and e.visible and e.filled):
            continue
        inks = e.fill.inks()
        if inks is None or _registration(e.fill, limits):
            continue
        cmy = sum(inks.get(k, 0.0) for k in ("Cyan", "Magenta", "Yellow"))
        if _black(inks) >= 0.8 and cmy > 0.005:
            small = e.size < limits.rich_black_size
            yield _f(
                "rich-black-text",
                "error" if small else "warning",
                page.number,
                f"{e.size:.1f} pt text in rich black {e.fill.describe()} (misregisters into colour fringes)",
                _where(e, page, e.bbox),
                "set text in 100 % K only",
            )


def _total(colour: Colour, limits: Limits) -> float | None:
    inks = colour.inks()
    if inks is None:
        return None
    return sum(v for k, v in inks.items() if k not in limits.die_inks and k != limits.registration)


def check_total_ink(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        for colour, what in _colours(e):
            if isinstance(e, Image) and e.space is not None:
                total = _image_ink(e, page)
                desc = "image pixels"
            else:
                total = _total(colour, limits)
                desc = colour.describe()
            if total is not None and total > limits.max_ink + 1e-6:
                yield _f(
                    "total-ink",
                    "error",
                    page.number,
                    f"{what} at {100 * total:.0f} % total ink ({desc}), over {100 * limits.max_ink:.0f} %",
                    _where(e, page, _extent(e)),
                    f"keep total area coverage under {100 * limits.max_ink:.0f} %",
                )


MAX_DECODE = 25_000_000  # pixels: larger images are not decoded for ink or barcodes


def _decoded(e: Image, page: PageContext) -> Any:
    """The image as PIL, decoded once per file (None when it cannot or should not be)."""
    stream = e.stream
    if stream is None or e.pixels[0] * e.pixels[1] > MAX_DECODE:
        return None
    key = ("image", getattr(stream, "indirect_reference", None) or id(stream))
    if key not in page.cache:
        try:
            page.cache[key] = stream.decode_as_image()
        except Exception:
            page.cache[key] = None
    return page.cache[key]


def _image_ink(e: Image, page: PageContext) -> float | None:
    if e.space is None or not (
        e.space.family == "DeviceCMYK" or (e.space.family == "ICCBased" and e.space.n == 4)
    ):
        return None
    key = ("ink", getattr(e.stream, "indirect_reference", None) or id(e.stream))
    if key in page.cache:
        return page.cache[key]  # type: ignore[no-any-return,unused-ignore]
    im = _decoded(e, page)
    total = None
    if im is not None and im.mode == "CMYK":
        from PIL import ImageMath

        c, m, y, k = im.split()
        summed = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"], c=c, m=m, y=y, k=k)
        total = summed.getextrema()[1] / 255.0
    page.cache[key] = total
    return total


def check_image_resolution(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if not isinstance(e, Image) or min(e.placed) <= 0 or min(e.pixels) <= 0:
            continue
        ppi = min(e.pixels[0] / (e.placed[0] / 72.0), e.pixels[1] / (e.placed[1] / 72.0))
        if ppi < limits.min_ppi - 0.5:
            severity: Severity = "error" if ppi < limits.error_ppi else "warning"
            yield _f(
                "image-resolution",
                severity,
                page.number,
                f"image {e.name} ({e.pixels[0]} x {e.pixels[1]} px) is {ppi:.0f} ppi at its placed size "
                f"({e.placed[0] / mm:.1f} x {e.placed[1] / mm:.1f} mm)",
                _where(e, page, e.bbox),
                f"supply at least {limits.min_ppi:.0f} ppi at the placed size, or place it smaller",
            )


# --- QR codes -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QR:
    """A QR symbol found as one filled path of module rectangles."""

    paint: Paint
    modules: int  # per side
    module: float  # pt, in page space
    square: bool  # module cells are square (not stretched)
    box: Box  # the symbol, page space


def find_qr(e: Paint) -> QR | None:
    """Is ``e`` a QR symbol: 20+ rectangles on one grid, filling an n x n square whose
    side is a QR version's (21, 25, ..., 177 modules)?"""
    if e.op != "fill" or len(e.rects) < 20:
        return None
    boxes = [(min(x, x + w), min(y, y + h), max(x, x + w), max(y, y + h)) for x, y, w, h in e.rects]
    sizes = [b[2] - b[0] for b in boxes] + [b[3] - b[1] for b in boxes]
    pitch = min(s for s in sizes if s > 0) if any(s > 0 for s in sizes) else 0.0
    if pitch <= 0:
        return None
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    nx, ny = (x1 - x0) / pitch, (y1 - y0) / pitch
    n = round(nx)
    if abs(nx - n) > 0.02 or abs(ny - n) > 0.02 or not 21 <= n <= 177 or (n - 17) % 4:
        return None
    for b in boxes:
        for v, o in ((b[0], x0), (b[2], x0), (b[1], y0), (b[3], y0)):
            k = (v - o) / pitch
            if abs(k - round(k)) > 0.02:
                return None
    m = e.ctm
    sx, sy = math.hypot(m[0], m[1]), math.hypot(m[2], m[3])
    return QR(e, n, pitch * scale(m), abs(sx - sy) <= 0.01 * max(sx, sy), e.bbox)


def _qrs(page: PageContext) -> list[QR]:
    hit = page.local.get("qrs")
    if hit is None:
        hit = page.local["qrs"] = []
        for e in page.events:
            if isinstance(e, Paint) and e.op == "fill" and len(e.rects) >= 20:
                q = page.memo("qr", e, partial(find_qr, e))
                if q is not None:
                    hit.append(q)
    return hit  # type: ignore[no-any-return,unused-ignore]


def check_qr_module(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for q in _qrs(page):
        where = _where(q.paint, page, q.box)
        size = q.module / mm
        if q.module < limits.error_module - 1e-6 or q.module < limits.min_module - 1e-6:
            severity: Severity = "error" if q.module < limits.error_module - 1e-6 else "warning"
            floor = limits.error_module if severity == "error" else limits.min_module
            yield _f(
                "qr-module-size",
                severity,
                page.number,
                f"QR code ({q.modules} modules) with {size:.2f} mm modules, under {floor / mm:.2f} mm",
                where,
                "make the code larger or its URL shorter (a smaller version)",
            )
        if not q.square:
            yield _f(
                "qr-module-size",
                "error",
                page.number,
                "QR code stretched: its modules are not square",
                where,
                "scale QR codes uniformly",
            )


def _dark(colour: Colour, limits: Limits) -> bool:
    inks = colour.inks()
    if inks is None:
        return True  # RGB and the like: reported by colour-space; assume it shows
    if _registration(colour, limits):
        return True
    k = inks.get("Black", 0.0)
    cmy = sum(inks.get(n, 0.0) for n in ("Cyan", "Magenta", "Yellow"))
    spots = max(
        (v for n, v in inks.items() if n not in (*limits.die_inks, "Cyan", "Magenta", "Yellow", "Black")),
        default=0.0,
    )
    return k >= 0.2 or cmy >= 0.4 or spots >= 0.3


def check_qr_quiet_zone(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for q in _qrs(page):
        quiet = 4 * q.module
        b = q.box
        zone = (b[0] - quiet, b[1] - quiet, b[2] + quiet, b[3] + quiet)
        for e in page.events:
            if e is q.paint:
                continue
            ext = _extent(e)
            if ext is None or not _intersects(ext, zone):
                continue
            hits = [p for p in _parts(e) if _intersects(p, zone)]
            colours = _colours(e)
            if not hits or all(_die(c, limits) for c, _ in colours):
                continue  # die lines are not printed
            if isinstance(e, Image) or any(_dark(c, limits) for c, _ in colours):
                kind = colours[0][1] if colours else "content"
                ext = hits[0]
                inside = "behind or over the code" if _intersects(ext, b) else "in its 4-module quiet zone"
                yield _f(
                    "qr-quiet-zone",
                    "error",
                    page.number,
                    f"{kind} {inside} ({_mm(ext, page)})",
                    _where(q.paint, page, q.box),
                    "keep 4 modules of light, empty space around every QR code",
                )


def check_qr_colour(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for q in _qrs(page):
        inks = q.paint.colour.inks()
        k_only = (
            inks is not None
            and abs(inks.get("Black", 0.0) - 1.0) < 1e-3
            and all(v < 1e-3 for n, v in inks.items() if n != "Black")
        )
        if not k_only:
            yield _f(
                "qr-colour",
                "error",
                page.number,
                f"QR code in {q.paint.colour.describe()}, not 100 % K",
                _where(q.paint, page, q.box),
                "draw QR codes in 100 % K (0 0 0 1 k) only",
            )


def check_qr_raster(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if not isinstance(e, Image) or min(e.pixels) < 21:
            continue
        key = ("qr", getattr(e.stream, "indirect_reference", None) or id(e.stream))
        if key not in page.cache:
            page.cache[key] = _barcode_in(_decoded(e, page))
        if page.cache[key]:
            yield _f(
                "qr-vector",
                "error",
                page.number,
                f"image {e.name} holds a QR code (rasterised)",
                _where(e, page, e.bbox),
                "draw QR codes as vector paths in 100 % K",
            )


def _barcode_in(im: Any) -> bool:
    if im is None:
        return False
    try:
        import zxingcpp

        rgb = im.convert("L")
        return any(r.format == zxingcpp.BarcodeFormat.QRCode for r in zxingcpp.read_barcodes(rgb))
    except Exception:
        return False


# --- safe margin and slug ---------------------------------------------------------------------------------


def _seg_box_distance(a: tuple[float, float], b: tuple[float, float], box: Box) -> float:
    """The distance between segment ab and rectangle ``box`` (0 when they meet)."""
    x0, y0, x1, y1 = box
    if _seg_hits_box(a, b, box):
        return 0.0
    best = min(_point_box(a, box), _point_box(b, box))
    for c in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
        best = min(best, _point_seg(c, a, b))
    return best


def _point_box(p: tuple[float, float], box: Box) -> float:
    dx = max(box[0] - p[0], 0.0, p[0] - box[2])
    dy = max(box[1] - p[1], 0.0, p[1] - box[3])
    return math.hypot(dx, dy)


def _point_seg(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    d2 = dx * dx + dy * dy
    t = 0.0 if d2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / d2))
    return math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy)


def _seg_hits_box(a: tuple[float, float], b: tuple[float, float], box: Box) -> bool:
    """Liang-Barsky: does segment ab cross the rectangle?"""
    x0, y0, x1, y1 = box
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 > t1:
            return False
    return True


def _cuts(page: PageContext, limits: Limits) -> tuple[tuple[tuple[float, float], tuple[float, float]], ...]:
    segs: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for e in page.events:
        if isinstance(e, Paint) and e.op == "stroke" and limits.cut_ink in e.colour.space.colorants:
            segs += page.memo("segments", e, partial(_segments, e))
    return tuple(segs)


def check_safe_margin(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    if page.trim is None:
        return
    trim = page.trim
    inner = (trim[0] + limits.safe, trim[1] + limits.safe, trim[2] - limits.safe, trim[3] - limits.safe)
    cuts: tuple[Any, ...] | None = None
    cuts_id = 0
    items: list[tuple[Event, Box, str]] = [(q.paint, q.box, "QR code") for q in _qrs(page)]
    items += [
        (e, e.bbox, "text")
        for e in page.events
        if isinstance(e, Text)
        and e.visible
        and not any(_registration(c, limits) or _die(c, limits) for c, _ in _colours(e))
    ]
    for e, box, what in items:
        if not _intersects(box, trim):
            continue  # a slug or label outside the trim
        if not _inside(box, trim):
            yield _f(
                "safe-margin",
                "error",
                page.number,
                f"{what} runs across the trim",
                _where(e, page, box),
                f"keep {what} {limits.safe / mm:g} mm inside the trim",
            )
            continue
        if cuts is None:
            cuts = _cuts(page, limits)
            cuts_id = page.cache.setdefault(("cuts", cuts), len(page.cache))
        key = ("safe", cuts_id, box)
        hit = page.cache.get(key)
        if hit is None:
            hit = page.cache[key] = _nearest_cut(box, cuts, limits.safe)
        if hit == 0.0:
            yield _f(
                "safe-margin",
                "error",
                page.number,
                f"{what} crosses a cut line",
                _where(e, page, box),
                f"keep {what} {limits.safe / mm:g} mm inside every cut",
            )
        elif hit < limits.safe - TOL or not _inside(box, inner):
            d = min(hit, box[0] - trim[0], box[1] - trim[1], trim[2] - box[2], trim[3] - box[3])
            yield _f(
                "safe-margin",
                "warning",
                page.number,
                f"{what} {d / mm:.1f} mm from the cut, inside the {limits.safe / mm:g} mm safe margin",
                _where(e, page, box),
                f"move it at least {limits.safe / mm:g} mm inside the cut",
            )


def _nearest_cut(box: Box, cuts: tuple[Any, ...], safe: float) -> float:
    """The distance from ``box`` to the nearest cut segment, when under ``safe`` (else ``safe``)."""
    x0, y0, x1, y1 = box[0] - safe, box[1] - safe, box[2] + safe, box[3] + safe
    best = safe
    for a, b in cuts:
        if max(a[0], b[0]) < x0 or min(a[0], b[0]) > x1 or max(a[1], b[1]) < y0 or min(a[1], b[1]) > y1:
            continue
        best = min(best, _seg_box_distance(a, b, box))
        if best == 0.0:
            break
    return best


def check_slug(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    if page.trim is None:
        return
    for e in page.events:
        if isinstance(e, Text) and e.visible and not _intersects(e.bbox, page.trim, -TOL):
            return
    yield _f(
        "slug",
        "warning",
        page.number,
        "no slug line outside the trim",
        "page",
        "print job, sheet, side and records outside the trim, so the operator can check every sheet",
    )


def check_content(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if isinstance(e, Problem):
            yield _f(
                "pdf-syntax",
                "error",
                page.number,
                e.what,
                e.where,
                "rewrite the file with a conforming writer",
            )


# --- the rule table -------------------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule("pdf-syntax", 0, "the file and its content streams can be read", "page", check_content),
    Rule("pdfx-version", 5, "PDF/X identification and version header", "document", check_pdfx_version),
    Rule(
        "output-intent",
        5,
        "a PDF/X output intent naming the printing condition",
        "document",
        check_output_intent,
    ),
    Rule("document-id", 5, "the trailer /ID", "document", check_document_id),
    Rule("trapped", 5, "Trapped set True or False", "document", check_trapped),
    Rule("boxes", 2, "TrimBox and BleedBox present, nested in MediaBox, with bleed", "page", check_boxes),
    Rule("fonts-embedded", 3, "every font embedded", "page", check_fonts),
    Rule(
        "colour-space",
        4,
        "colour spaces the profile allows (no RGB in a CMYK job)",
        "page",
        check_colour_spaces,
    ),
    Rule("transparency", 0, "no transparency in X-1a", "page", check_transparency),
    Rule("die-spot-name", 6, "die lines on the exact spot names", "page", check_die_names),
    Rule("die-overprint", 6, "die lines overprint", "page", check_die_overprint),
    Rule("die-separation", 6, "die separations hold die-line strokes only", "page", check_die_separation),
    Rule("die-duplicate", 6, "each die line drawn once", "page", check_die_duplicate),
    Rule("marks", 7, "marks in registration colour, outside every trim, not too heavy", "page", check_marks),
    Rule("hairlines", 8, "no line under 0.25 pt", "page", check_hairlines),
    Rule("rich-black-text", 8, "text in K only, not rich black", "page", check_rich_black_text),
    Rule("total-ink", 8, "total ink at most 300 %", "page", check_total_ink),
    Rule("image-resolution", 4, "images of 300 ppi at their placed size", "page", check_image_resolution),
    Rule("safe-margin", 1, "text and codes inside the safe margin of every cut", "page", check_safe_margin),
    Rule("slug", 9, "a slug line outside the trim", "page", check_slug),
    Rule("qr-quiet-zone", 10, "QR codes keep a light 4-module quiet zone", "page", check_qr_quiet_zone),
    Rule("qr-module-size", 10, "QR modules of 0.5 mm (0.4 mm at least), square", "page", check_qr_module),
    Rule("qr-colour", 10, "QR codes in 100 % K", "page", check_qr_colour),
    Rule("qr-vector", 10, "QR codes as vectors, never rasterised", "page", check_qr_raster),
)
