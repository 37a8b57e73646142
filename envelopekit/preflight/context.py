"""What a rule is judged against and handed: profiles, limits, contexts, the Rule itself.

A :class:`Profile` says what one PDF/X flavour allows; :class:`Limits` holds the numbers
the rules judge by (defaults, not laws) and the names of the technical inks. A rule
reads a :class:`DocContext` (the document) or a :class:`PageContext` (one page's boxes
and events) and yields findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..units import mm
from .drawn import Box, Event
from .report import Finding, Severity

__all__ = ["PROFILES", "TOL", "DocContext", "Limits", "PageContext", "Profile", "Rule"]


TOL = 0.01  # pt: boxes and extents compared within this


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


def finding(rule: str, severity: Severity, page: int | None, what: str, where: str, fix: str) -> Finding:
    return Finding(rule, severity, page, what, where, fix)
