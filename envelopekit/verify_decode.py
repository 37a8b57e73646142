"""Reading finished PDFs the way a phone sees them, for ``verify``.

Each page is rendered to pixels (pypdfium2) and every QR symbol on it read
(zxing-cpp): :func:`decode_pdf` yields a :class:`PageCodes` per page, with a
:class:`Code` per symbol (where it is, how big, its text or why it has none) and,
when asked, the page's text lines for the address checks. Only one page's pixels
are held at a time, and a page over the pixel limit is reported, not rendered.
:func:`page_count` and :func:`is_proof` read what the checks need to know of a file
before its pages are decoded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .limits import PAGE_PIXELS
from .units import inch, to_mm
from .verify_addresses import page_lines
from .verify_report import VerifyError

__all__ = ["DEFAULT_DPI", "Code", "PageCodes", "decode_pdf", "is_proof", "libraries", "page_count"]

DEFAULT_DPI = 200
"""Render resolution: ~3.9 px per 0.5 mm module; zxing-cpp decodes down to about 2 px."""

# zxing-cpp also reports failed "symbols" in artwork (concentric squares, noise), skewed or
# degenerate; a printed QR code renders as a square, so a failed one must be square within this.
_SQUARE_TOLERANCE = 0.1


@dataclass(frozen=True, slots=True)
class Code:
    """One QR symbol found on a rendered page; lengths in points, from the page's top-left corner."""

    text: str | None  # None: detected but not decodable
    x: float  # centre
    y: float
    side: float  # symbol side without quiet zone, mean of its four edges
    version: int | None  # None when the decoder does not say
    problem: str = ""  # the decoder's reason when ``text`` is None

    @property
    def module(self) -> float | None:
        """Module size in points, when the version is known."""
        return None if self.version is None else self.side / (17 + 4 * self.version)

    def describe(self, *, module: bool = True) -> str:
        """Where the code is and how big, for messages."""
        size = f"{to_mm(self.side):.1f} mm wide"
        if self.module is not None:
            modules = f"{to_mm(self.module):.2f} mm modules, " if module else ""
            size = f"version {self.version}, {modules}{size}"
        return f"at {to_mm(self.x):.1f}, {to_mm(self.y):.1f} mm ({size})"


@dataclass(frozen=True, slots=True)
class PageCodes:
    """The codes on one page of one PDF (``page`` is 1-based)."""

    file: str
    page: int
    codes: tuple[Code, ...]
    skipped: str = ""  # why the page was not rendered (over the pixel limit), or ""
    lines: tuple[str, ...] = ()  # the page's text lines, normalised (``decode_pdf(text=True)``)


def libraries() -> tuple[Any, Any]:
    """(pypdfium2, zxingcpp), or a :class:`VerifyError` saying they are not installed."""
    try:
        import pypdfium2
        import zxingcpp
    except ImportError as exc:
        raise VerifyError(
            f"verify needs pypdfium2 and zxing-cpp: {exc}",
            hint="reinstall envelopekit: pip install envelopekit (they are among its dependencies)",
        ) from None
    return pypdfium2, zxingcpp


def _read_symbols(zxingcpp: Any, image: Any) -> list[Any]:
    """Every QR symbol zxing-cpp sees, failed ones included where the installed version can say."""
    fmt = getattr(zxingcpp.BarcodeFormat, "QRCodeModel2", zxingcpp.BarcodeFormat.QRCode)
    try:  # try_rotate only helps linear codes; QR detection is rotation-free
        found = zxingcpp.read_barcodes(image, formats=fmt, try_rotate=False, return_errors=True)
    except TypeError:  # zxing-cpp without return_errors
        found = zxingcpp.read_barcodes(image, formats=fmt, try_rotate=False)
    return list(found)


def _to_code(symbol: Any, scale: float) -> Code | None:
    """A :class:`Code`, or None for a failed detection that is not even square (artwork, not a code)."""
    p = symbol.position
    corners = [(q.x / scale, q.y / scale) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    edges = [math.dist(corners[i], corners[(i + 1) % 4]) for i in range(4)]
    readable = getattr(symbol, "valid", True)
    diagonals = (math.dist(corners[0], corners[2]), math.dist(corners[1], corners[3]))
    if not readable and not (min(edges) > 0 and _near(min(edges), max(edges)) and _near(*diagonals)):
        return None
    extra = getattr(symbol, "extra", None) or {}
    version = str(extra.get("Version", ""))
    text: str | None = None
    if readable:
        try:  # envelopekit writes UTF-8 without an ECI; do not let the decoder guess a code page
            text = bytes(symbol.bytes).decode("utf-8")
        except UnicodeDecodeError:
            text = symbol.text
    return Code(
        text=text,
        x=sum(c[0] for c in corners) / 4,
        y=sum(c[1] for c in corners) / 4,
        side=sum(edges) / 4,
        version=int(version) if version.isdigit() else None,
        problem="" if readable else _problem(getattr(symbol, "error", None)),
    )


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= _SQUARE_TOLERANCE * max(a, b)


def _problem(error: Any) -> str:
    """zxing-cpp's reason in words ("checksum error": too damaged for its error correction)."""
    kind = getattr(getattr(error, "type", None), "name", "")
    message = getattr(error, "message", "")
    if not kind:
        return str(error or "") or "decoding failed"
    return f"{kind.lower()} error" + (f" ({message})" if message else "")


def _dedupe(codes: Iterable[Code | None]) -> tuple[Code, ...]:
    """Drop repeats of one symbol (zxing-cpp can report a failed one twice), keeping a decoded one."""
    kept: list[Code] = []
    for code in sorted((c for c in codes if c is not None), key=lambda c: c.text is None):
        if not any(math.dist((code.x, code.y), (k.x, k.y)) < k.side / 2 for k in kept):
            kept.append(code)
    return tuple(sorted(kept, key=lambda c: (round(c.y), c.x)))


def decode_pdf(
    pdf: Path, *, dpi: int = DEFAULT_DPI, max_pixels: int | None = None, text: bool = False
) -> Iterator[PageCodes]:
    """Render ``pdf`` one page at a time at ``dpi`` and yield the QR codes on each
    (and with ``text``, the page's text lines, normalised for the address checks).

    Only one page's pixels are held at a time; the document is closed when the
    iteration ends (or the generator is dropped). A page that would take more than
    ``max_pixels`` (default :data:`~envelopekit.limits.PAGE_PIXELS`) is not rendered:
    its :class:`PageCodes` has no codes and says why in ``skipped``. Raises
    :class:`VerifyError` if the file cannot be opened.
    """
    pdfium, zxingcpp = libraries()
    scale = dpi / inch  # pixels per point
    limit = PAGE_PIXELS.get(max_pixels)
    try:
        doc = pdfium.PdfDocument(str(pdf))
    except (pdfium.PdfiumError, OSError) as exc:
        raise VerifyError(f"cannot open: {exc}", where=str(pdf)) from None
    try:
        for index in range(len(doc)):
            try:
                skipped = _too_big(doc.get_page_size(index), scale, dpi, limit)
                symbols = [] if skipped else _page_symbols(doc, index, scale, zxingcpp)
                lines = _page_text(doc, index, pdfium) if text else ()
            except pdfium.PdfiumError as exc:
                raise VerifyError(f"cannot render page {index + 1}: {exc}", where=str(pdf)) from None
            codes = _dedupe(_to_code(s, scale) for s in symbols)
            yield PageCodes(pdf.name, index + 1, codes, skipped, lines)
    finally:
        doc.close()


def _too_big(size: tuple[float, float], scale: float, dpi: int, limit: int) -> str:
    """Why a page of ``size`` points is not rendered at ``scale``, or ""."""
    width, height = size
    pixels = max(width, 0.0) * max(height, 0.0) * scale * scale
    if pixels <= limit:
        return ""
    return (
        f"page not rendered: {to_mm(width):,.0f} x {to_mm(height):,.0f} mm at {dpi} dpi is "
        f"{pixels:,.0f} pixels, over the limit of {limit:,} ({PAGE_PIXELS.raise_hint()})"
    )


def _page_symbols(doc: Any, index: int, scale: float, zxingcpp: Any) -> list[Any]:
    page = doc[index]
    try:
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            return _read_symbols(zxingcpp, bitmap.to_pil())
        finally:
            bitmap.close()
    finally:
        page.close()


def _page_text(doc: Any, index: int, pdfium: Any) -> tuple[str, ...]:
    """The normalised text lines of one page; none when pdfium cannot read its text."""
    page = doc[index]
    try:
        textpage = page.get_textpage()
        try:
            return page_lines(textpage)
        finally:
            textpage.close()
    except pdfium.PdfiumError:
        return ()
    finally:
        page.close()


def page_count(pdf: Path) -> int | None:
    """The pages ``pdf`` has, None when it cannot be opened (decoding reports that)."""
    if not pdf.is_file():
        return None
    pdfium, _ = libraries()
    try:
        doc = pdfium.PdfDocument(str(pdf))
    except (pdfium.PdfiumError, OSError):
        return None
    try:
        return len(doc)
    finally:
        doc.close()


def is_proof(pdf: Path) -> bool:
    """Proof builds say so in the document's subject (see render.pdf)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        metadata = PdfReader(pdf).metadata
        subject = metadata.get("/Subject", "") if metadata is not None else ""
    except (PdfReadError, OSError, ValueError):
        return False
    return str(subject).startswith("PROOF")
