"""Verify built kits: render every page, decode every QR code, compare with the manifest.

A wrong, missing or unreadable survey code is otherwise found only after the
mailing, when recipients scan it. So ``verify`` checks the finished PDFs the way
a phone would see them: each page is rendered to pixels (pypdfium2) and every QR
symbol on it decoded (zxing-cpp). With a manifest (``manifest.csv`` as
:func:`envelopekit.batch.build` writes it), the decoded links are checked
against it record by record:

- the ``file`` and ``pages`` columns (1-based pages in that file) say which
  record owns which page; every link of a built record (its ``url_<block>``
  columns, or ``url`` alone) must decode on that record's pages, once per block;
- a decoded link the manifest does not list, or one found on another record's
  pages (or on a page no record owns), is an error naming the records involved;
- a symbol zxing-cpp detects but cannot decode is an error, and so is one whose
  modules are smaller than ``min_module_mm`` (measured from the symbol's corners
  and its version), since that is what fails on press and on phones;
- a record in several files (output grouped by stock, a file per paper stock) has its
  codes looked for on its pages in all of them; verifying one such file alone checks the
  codes found there but cannot miss one, and says so in a warning;
- every record's address block is found in the text of its own envelope page and
  on no other record's page (the manifest's ``address`` column, see
  :mod:`envelopekit.verify_addresses`): swapped, missing or blanked envelopes are
  errors. A manifest without that column (an older build) is a warning.

Pages are rendered one at a time and dropped, so memory stays flat on big
batches, and a page over :data:`~envelopekit.limits.PAGE_PIXELS` at the chosen
resolution is reported instead of rendered (a 1 KB PDF can declare a page 5 m
wide). A manifest's page ranges are bounded by the pages its PDFs really have.
Everything printed from a PDF or a manifest (decoded codes, record ids) has its
control characters escaped (:func:`envelopekit.terminal.printable`).

The default 200 dpi gives about four pixels per 0.5 mm module, twice what
zxing-cpp needs, so codes below the minimum still decode and are reported as
undersized rather than missing; 300 dpi costs about twice the time.
"""

from __future__ import annotations

import csv
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import EnvelopekitError
from .limits import MANIFEST_BYTES, PAGE_PIXELS, regular_file
from .manifest import FORMULA_TRIGGERS
from .terminal import printable
from .units import inch, mm, to_mm
from .verify_addresses import ADDRESS_COLUMN, AddressChecker, AddressMark, page_lines, parse_address_column

__all__ = [
    "DEFAULT_DPI",
    "Code",
    "Finding",
    "ManifestRecord",
    "PageCodes",
    "VerifyError",
    "VerifyReport",
    "decode_pdf",
    "format_report",
    "read_manifest",
    "verify",
]

DEFAULT_DPI = 200
"""Render resolution: ~3.9 px per 0.5 mm module; zxing-cpp decodes down to about 2 px."""
MIN_DPI, MAX_DPI = 36, 1200
MAX_MANIFEST_LINE = 1024 * 1024
"""The longest manifest line read, in characters: a row is a few hundred."""

_SIZE_TOLERANCE = 0.02  # corner positions are whole pixels: allow 2 % before calling a module undersized
# zxing-cpp also reports failed "symbols" in artwork (concentric squares, noise), skewed or
# degenerate; a printed QR code renders as a square, so a failed one must be square within this.
_SQUARE_TOLERANCE = 0.1
_DECODE_FLOOR_PX = 2.0  # below this many pixels per module zxing-cpp starts to miss codes
_PAGES = re.compile(r"\s*(\d{1,9})\s*(?:-\s*(\d{1,9})\s*)?")  # 9 digits: no int() of 5,000
_REQUIRED = ("record_id", "status", "file", "pages")

Level = Literal["error", "warning", "info"]


class VerifyError(EnvelopekitError):
    """Input that cannot be verified at all: no such file, no manifest, no decoder installed."""


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


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or, without a manifest, one decoded code) with where it is."""

    level: Level
    file: str | None
    page: int | None
    record_id: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.file,
                None if self.page is None else f"page {self.page}",
                None if self.record_id is None else f"record {self.record_id}",
            )
            if part
        )
        return printable(f"{self.level:<7} {where + ': ' if where else ''}{self.message}")


@dataclass(frozen=True, slots=True)
class ManifestRecord:
    """A built record as the manifest has it: its pages in ``file`` and the links it must carry."""

    record_id: str
    file: str
    first: int
    last: int
    urls: tuple[str, ...]  # one per QR block
    line: int  # line in the manifest file, for messages
    sheets: tuple[int, ...] = ()  # imposed output: the pages (sheet sides) the record is on, shared
    addresses: tuple[AddressMark, ...] = ()  # the record's address blocks as printed
    placed: tuple[tuple[str, int], ...] = ()  # imposed output: (piece, page) from ``placements``
    group: int = 0  # a record in several files (one per stock): its parts share this (their line)

    @property
    def pages(self) -> str:
        if self.sheets:
            return " ".join(map(str, self.sheets))
        return f"{self.first}" if self.first == self.last else f"{self.first}-{self.last}"

    @property
    def page_numbers(self) -> tuple[int, ...]:
        return self.pages_within(self.last)

    def pages_within(self, count: int) -> tuple[int, ...]:
        """The record's pages that exist in a file of ``count`` pages: a manifest row
        claiming pages 1-99999999 costs what the file really has, not 100 million."""
        if self.sheets:
            return tuple(p for p in self.sheets if p <= count)
        return tuple(range(self.first, min(self.last, count) + 1))


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What :func:`verify` found; ``ok`` is what the exit code follows."""

    findings: tuple[Finding, ...]
    files: int
    pages: int
    codes: int  # decoded
    unreadable: int
    expected: int  # codes the manifest asks for (0 without a manifest)
    matched: int  # of those, found on their record's pages
    seconds: float
    dpi: int
    manifest: Path | None
    addresses_expected: int | None = None  # address blocks the manifest lists; None: not checked
    addresses_found: int = 0  # of those, found on their record's page

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(f.level == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.level == "warning" for f in self.findings)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0


def format_report(report: VerifyReport) -> str:
    """One line per finding, then a summary line that starts with OK or FAILED."""
    lines = [str(f) for f in report.findings]
    checked = (
        f"{report.matched} of {report.expected} expected codes found"
        if report.manifest is not None
        else "no manifest"
    )
    if report.manifest is not None:
        checked += (
            ", addresses not checked"
            if report.addresses_expected is None
            else f", {report.addresses_found} of {_count(report.addresses_expected, 'address')} found"
        )
    lines.append(
        f"{'OK' if report.ok else 'FAILED'}: {_count(report.errors, 'error')}, "
        f"{_count(report.warnings, 'warning')}; {_count(report.files, 'file')}, "
        f"{_count(report.pages, 'page')}, {_count(report.codes, 'code')} decoded, "
        f"{report.unreadable} unreadable, {checked}; "
        f"{report.pages_per_second:.1f} pages/s at {report.dpi} dpi"
    )
    return "\n".join(lines)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}{'es' if word.endswith('s') else 's'}"


# --- decoding -----------------------------------------------------------------------------


def _libraries() -> tuple[Any, Any]:
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
    pdfium, zxingcpp = _libraries()
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


# --- the manifest -------------------------------------------------------------------------


def _unescape(value: str | None) -> str:
    """Undo :func:`envelopekit.manifest.escape_cell`'s leading quote."""
    value = value or ""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def read_manifest(path: Path) -> tuple[tuple[ManifestRecord, ...], tuple[Finding, ...]]:
    """The built records of a batch manifest, and findings for rows that cannot be checked.

    Rejected records are skipped: they have no pages. Raises :class:`VerifyError`
    when the file is missing or lacks the columns that map pages to records.
    """
    records, findings, _ = _read_manifest(path)
    return records, findings


_Manifest = tuple[tuple[ManifestRecord, ...], tuple[Finding, ...], bool]  # bool: it has addresses


def _read_manifest(path: Path) -> _Manifest:
    if why := regular_file(path, "manifest"):
        raise VerifyError(why, where=str(path), hint="give the batch's manifest.csv with --manifest")
    limit = MANIFEST_BYTES.get()
    try:
        if (size := path.stat().st_size) > limit:
            raise MANIFEST_BYTES.error(f"the manifest has {size:,} bytes", where=str(path), limit=limit)
        with open(path, encoding="utf-8-sig", newline="", errors="replace") as f:
            return _parse_manifest(csv.DictReader(_bounded_lines(f, path, limit)), path)
    except OSError as exc:
        raise VerifyError(
            f"cannot read the manifest: {exc.strerror}",
            where=str(path),
            hint="give the batch's manifest.csv with --manifest",
        ) from None


def _bounded_lines(f: Any, path: Path, limit: int) -> Iterator[str]:
    """The lines of an open manifest, none longer than :data:`MAX_MANIFEST_LINE` and at
    most ``limit`` characters in all (a pipe has no size to check beforehand)."""
    total = 0
    while line := f.readline(MAX_MANIFEST_LINE + 1):
        total += len(line)
        if len(line) > MAX_MANIFEST_LINE:
            raise VerifyError(
                f"a line runs past {MAX_MANIFEST_LINE:,} characters: not a manifest",
                where=str(path),
                hint="give the manifest.csv that `envelopekit build` writes",
            )
        if total > limit:
            raise MANIFEST_BYTES.error("the manifest is longer", where=str(path), limit=limit)
        yield line


def _parse_manifest(reader: csv.DictReader[str], path: Path) -> _Manifest:
    records: list[ManifestRecord] = []
    findings: list[Finding] = []
    columns = list(reader.fieldnames or [])
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise VerifyError(
            f"the manifest has no {', '.join(missing)} column",
            where=str(path),
            hint="verify reads the manifest.csv that `envelopekit build` writes",
        )
    blocks = [c for c in columns if c.startswith("url_")]
    imposed = "sheets" in columns  # pages list the sheet sides a record is on, shared with others
    if ADDRESS_COLUMN not in columns:
        msg = f"the manifest has no {ADDRESS_COLUMN} column (an older build): addresses were not checked"
        findings.append(Finding("warning", None, None, None, msg))
    for row in reader:
        if _unescape(row.get("status")) != "built":
            continue
        record_id, file = _unescape(row["record_id"]), _unescape(row["file"])
        urls = [u for u in (_unescape(row.get(c)) for c in blocks) if u]
        url = _unescape(row.get("url"))
        if url and url not in urls:  # no block columns, or a url column that disagrees with them
            urls.append(url)
        files = file.split()
        pages_items = _unescape(row["pages"]).split() if len(files) > 1 else [_unescape(row["pages"])]
        sheets_items = (
            _unescape(row.get("sheets")).split() if len(files) > 1 else [_unescape(row.get("sheets"))]
        )
        placed_items = _unescape(row.get("placements")).split(" | ")
        if len(files) > 1 and not (len(pages_items) == len(files) and len(placed_items) in (1, len(files))):
            msg = f"manifest line {reader.line_num}: {len(files)} files but pages {row['pages']!r} "
            msg += "does not give one page list per file; its codes are not checked"
            findings.append(Finding("error", file, None, record_id or None, msg))
            continue
        addresses = parse_address_column(_unescape(row.get(ADDRESS_COLUMN)))
        if addresses is None:
            msg = f"manifest line {reader.line_num}: {ADDRESS_COLUMN} {row.get(ADDRESS_COLUMN)!r} is not "
            msg += "piece:lines:characters:digest; the record's address is not checked"
            findings.append(Finding("error", file, None, record_id or None, msg))
        parts: list[tuple[str, int, int, tuple[int, ...], tuple[tuple[str, int], ...]]] = []
        for n, name in enumerate(files or [""]):
            pages_text = pages_items[n] if n < len(pages_items) else ""
            m = None if imposed else _PAGES.fullmatch(pages_text)
            sheets: tuple[int, ...] = ()
            if not m and re.fullmatch(r"\d{1,9}([ ,]\d{1,9})*", pages_text.strip()):
                # Imposed output lists the sheet sides a record's pieces are on; records share them.
                sheets = tuple(sorted({int(x) for x in re.findall(r"\d{1,9}", pages_text)}))
            first = int(m.group(1)) if m else (sheets[0] if sheets else 0)
            last = int(m.group(2) or first) if m else (sheets[-1] if sheets else 0)
            if not name or not (m or sheets) or not 1 <= first <= last:
                msg = f"manifest line {reader.line_num}: a built record needs a file and a page range, "
                msg += f"not {row['pages']!r}; its codes are not checked"
                findings.append(Finding("error", name or None, None, record_id or None, msg))
                parts = []
                break
            placements = placed_items[n] if n < len(placed_items) else ""
            sheets_text = sheets_items[n].replace(",", " ") if n < len(sheets_items) else ""
            placed = _placed(placements, sheets_text, sheets)
            parts.append((name, first, last, sheets, placed))
        group = reader.line_num if len(parts) > 1 else 0
        for name, first, last, sheets, placed in parts:
            records.append(
                ManifestRecord(
                    record_id,
                    name,
                    first,
                    last,
                    tuple(urls),
                    reader.line_num,
                    sheets,
                    addresses or (),
                    placed,
                    group,
                )
            )
    return tuple(records), tuple(findings), ADDRESS_COLUMN in columns


_PLACEMENT = re.compile(r"\s*([^@;]+)@(\d{1,9}):")


def _placed(placements: str, sheets_text: str, pages: tuple[int, ...]) -> tuple[tuple[str, int], ...]:
    """(piece, page) of an imposed record's pieces, when its sheets are its pages (no backs
    interleaved, so sheet n is page n); () otherwise: the address may be on any of its pages."""
    if not placements or not pages:
        return ()
    sheets = {int(x) for x in re.findall(r"\d{1,9}", sheets_text)}
    if sheets != set(pages):
        return ()
    found = (_PLACEMENT.match(part) for part in placements.split(";"))
    return tuple((m.group(1).strip(), int(m.group(2))) for m in found if m)


# --- checking -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Checker:
    """Compares decoded pages with the manifest; findings accumulate in order of discovery."""

    records: Sequence[ManifestRecord] | None
    min_module: float  # points
    findings: list[Finding] = field(default_factory=list)
    owners: dict[tuple[str, int], list[int]] = field(default_factory=dict)  # (file, page) -> records
    by_url: dict[str, list[int]] = field(default_factory=dict)
    by_file: dict[str, list[int]] = field(default_factory=dict)
    found: list[Counter[str]] = field(default_factory=list)
    codes: int = 0
    unreadable: int = 0
    sizes_unknown: bool = False
    page_counts: Mapping[str, int] | None = None  # pages each readable PDF has; None: trust the manifest
    parts: dict[int, list[tuple[int, bool]]] = field(default_factory=dict)  # group -> (part, file read)
    group_size: Counter[int] = field(default_factory=Counter)  # group -> its parts in the manifest

    def __post_init__(self) -> None:
        records = self.records or ()
        for i, rec in enumerate(records):
            self.group_size[rec.group] += 1
            self.found.append(Counter())
            self.by_file.setdefault(rec.file, []).append(i)
            for url in dict.fromkeys(rec.urls):
                self.by_url.setdefault(url, []).append(i)
            count = rec.last if self.page_counts is None else self.page_counts.get(rec.file, 0)
            for page in rec.pages_within(count):
                owners = self.owners.setdefault((rec.file, page), [])
                other = records[owners[0]] if owners else None
                owners.append(i)
                if other is not None and not (rec.sheets and other.sheets):
                    msg = f"manifest line {rec.line}: page also belongs to record {other.record_id}"
                    self.add("error", rec.file, page, rec.record_id, f"{msg} (line {other.line})")

    def add(self, level: Level, file: str | None, page: int | None, record: str | None, msg: str) -> None:
        self.findings.append(Finding(level, file, page, record, msg))

    def page(self, pc: PageCodes) -> None:
        owners = self.owners.get((pc.file, pc.page), [])
        owner_id = (
            None
            if not owners or self.records is None
            else " ".join(self.records[i].record_id for i in owners)
        )
        if pc.skipped:
            self.add("error", pc.file, pc.page, owner_id, pc.skipped)
        for code in pc.codes:
            module = code.module
            if module is None:
                self.sizes_unknown |= code.text is not None
            elif module < self.min_module * (1 - _SIZE_TOLERANCE):
                msg = f"QR code {code.text or '(unreadable)'} has {to_mm(module):.2f} mm modules, under the "
                msg += f"{to_mm(self.min_module):.2f} mm minimum, {code.describe(module=False)}"
                self.add("error", pc.file, pc.page, owner_id, msg)
            if code.text is None:
                self.unreadable += 1
                msg = f"unreadable QR code {code.describe()}: {code.problem}"
                self.add("error", pc.file, pc.page, owner_id, msg)
            elif self.records is None:
                self.codes += 1
                self.add("info", pc.file, pc.page, None, f"QR code {code.text} {code.describe()}")
            else:
                self.codes += 1
                self._match(pc, owners, owner_id, code.text, code)

    def _match(self, pc: PageCodes, owners: list[int], owner_id: str | None, text: str, code: Code) -> None:
        records = self.records or ()
        for owner in owners:
            if text in records[owner].urls:
                self.found[owner][text] += 1
                return
        where = f"on record {owner_id}'s page" if owners else "on a page no record owns"
        belongs = [records[i] for i in self.by_url.get(text, ())]
        if belongs:
            names = ", ".join(f"record {r.record_id} ({r.file} pages {r.pages})" for r in belongs)
            msg = f"code for {names} found {where}: {text} {code.describe()}"
        else:
            msg = f"unexpected code {where}, not in the manifest: {text} {code.describe()}"
        self.add("error", pc.file, pc.page, owner_id, msg)

    def finish_file(self, file: str, page_count: int | None) -> tuple[int, int]:
        """Per-record checks for ``file`` once all its pages are seen; returns (expected, matched).

        ``page_count`` None means the file could not be read: one finding says so
        instead of one per missing code.
        """
        records = self.records or ()
        indices = self.by_file.get(file, [])
        expected = matched = 0
        for i in indices:
            rec, need, got = records[i], Counter(records[i].urls), self.found[i]
            if rec.group:  # a record in several files: its codes are checked once all are read
                parts = self.parts.setdefault(rec.group, [])
                parts.append((i, page_count is not None))
                if len(parts) < self.group_size[rec.group]:
                    continue
                if not all(ok for _, ok in parts):
                    continue
                got = sum((self.found[j] for j, _ in parts), Counter())
            expected += len(rec.urls)
            matched += sum(min(n, got[u]) for u, n in need.items())
            if page_count is None:
                continue
            if rec.last > page_count:
                msg = f"manifest pages {rec.pages} but {file} has {_count(page_count, 'page')}"
                self.add("error", file, None, rec.record_id, msg)
            if rec.group:
                where = ", ".join(
                    f"{records[j].file} pages {records[j].pages}" for j, _ in self.parts[rec.group]
                )
            else:
                where = f"pages {rec.pages}"
            for url, n in need.items():
                if got[url] == 0:
                    msg = f"code not found on the record's {where}: {url}"
                    self.add("error", file, None, rec.record_id, msg)
                elif got[url] < n:
                    msg = f"{got[url]} of {n} codes for {url} found on the record's {where}"
                    self.add("error", file, None, rec.record_id, msg)
        if page_count is None and indices:
            msg = f"the codes of its {_count(len(indices), 'record')} in the manifest could not be checked"
            self.add("error", file, None, None, msg)
        return expected, matched


def _targets(target: Path, manifest: Path | None) -> tuple[list[Path], Path | None, Path]:
    """(PDFs to read, manifest or None, folder the manifest's file names are relative to)."""
    if target.is_dir():
        pdfs = sorted(target.glob("kits-*.pdf"))
        return pdfs, manifest if manifest is not None else target / "manifest.csv", target
    if target.is_file():
        return [target], manifest, target.parent
    raise VerifyError(
        "no such file or folder", where=str(target), hint="give a build output folder or one of its PDFs"
    )


def _page_count(pdf: Path) -> int | None:
    """The pages ``pdf`` has, None when it cannot be opened (decoding reports that)."""
    if not pdf.is_file():
        return None
    pdfium, _ = _libraries()
    try:
        doc = pdfium.PdfDocument(str(pdf))
    except (pdfium.PdfiumError, OSError):
        return None
    try:
        return len(doc)
    finally:
        doc.close()


def _is_proof(pdf: Path) -> bool:
    """Proof builds say so in the document's subject (see render.pdf)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        metadata = PdfReader(pdf).metadata
        subject = metadata.get("/Subject", "") if metadata is not None else ""
    except (PdfReadError, OSError, ValueError):
        return False
    return str(subject).startswith("PROOF")


def _check_options(dpi: object, min_module_mm: object, max_pixels: int | None) -> None:
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not MIN_DPI <= dpi <= MAX_DPI:
        raise VerifyError(
            f"dpi {dpi!r} is out of range {MIN_DPI}-{MAX_DPI}", hint="use 150-300; the default is 200"
        )
    if not isinstance(min_module_mm, int | float) or not 0 < min_module_mm < 1000:
        raise VerifyError(f"minimum module size {min_module_mm!r} mm is not a positive length")
    PAGE_PIXELS.get(max_pixels)


def verify(
    target: Path | str,
    *,
    manifest: Path | str | None = None,
    dpi: int = DEFAULT_DPI,
    min_module_mm: float = 0.5,
    progress: Callable[[str, int, int], None] | None = None,
    max_pixels: int | None = None,
) -> VerifyReport:
    """Decode every QR code in a build's output and check it against the manifest.

    ``progress(file, page, pages_done)`` is called after every page decoded.

    ``target`` is an output folder (its ``kits-*.pdf`` and the files its manifest
    names; ``manifest.csv`` inside unless ``manifest`` is given) or one PDF (checked
    against ``manifest`` when given; without one every code found is listed as an
    info finding). See the module docstring for the checks. A page over ``max_pixels``
    at ``dpi`` (default :data:`~envelopekit.limits.PAGE_PIXELS`) is an error, not rendered.
    """
    _check_options(dpi, min_module_mm, max_pixels)
    target = Path(target)
    pdfs, manifest_path, folder = _targets(target, None if manifest is None else Path(manifest))
    _libraries()
    records: tuple[ManifestRecord, ...] | None = None
    findings: list[Finding] = []
    addressed = False
    if manifest_path is not None:
        records, problems, addressed = _read_manifest(manifest_path)
        findings.extend(problems)
        listed = dict.fromkeys(r.file for r in records)
        if target.is_dir():
            pdfs += [folder / name for name in listed if folder / name not in pdfs]
            stray = "not in the manifest (left over from an earlier build?)"
            findings += [Finding("warning", p.name, None, None, stray) for p in pdfs if p.name not in listed]
        elif target.name not in listed:
            msg = f"{manifest_path.name} lists no built record in this file"
            findings.append(Finding("error", target.name, None, None, msg))
        else:
            split = {r.record_id for r in records if r.file == target.name and r.group}
            if split:  # output grouped by stock: a record's codes may be in any of its files
                have = "has" if len(split) == 1 else "have"
                msg = f"{_count(len(split), 'record')} here also {have} pages in other files (a file per "
                msg += "stock): codes found are checked against their records, missing ones only when "
                msg += "the output folder is verified"
                findings.append(Finding("warning", target.name, None, None, msg))
        # With one PDF, records in other files stay known, so a misplaced code is named.
    if not pdfs:
        raise VerifyError("no kits-*.pdf files to verify", where=str(target))
    if min_module_mm * mm * dpi / inch < _DECODE_FLOOR_PX:
        msg = f"at {dpi} dpi a {min_module_mm} mm module is under {_DECODE_FLOOR_PX:.0f} pixels: "
        findings.append(
            Finding("warning", None, None, None, msg + "small codes may not decode; raise the dpi")
        )

    counts = {pdf.name: n for pdf in pdfs if (n := _page_count(pdf)) is not None}
    checker = _Checker(records, min_module_mm * mm, findings, page_counts=counts)
    addresses = None
    if records is not None and addressed and manifest_path is not None:
        addresses = _address_checker(records, checker, counts, _piece_files(manifest_path.parent))
    read: set[str] = set()  # files whose every page was seen
    expected = matched = pages = 0
    start = time.perf_counter()
    for pdf in pdfs:
        count: int | None = None
        if not pdf.is_file():
            checker.add("error", pdf.name, None, None, "listed in the manifest but missing")
        else:
            seen = 0
            proof = _is_proof(pdf)
            if proof:
                msg = "a PROOF file: its mockup pages show the codes scaled down, so module sizes are not "
                checker.add("warning", pdf.name, None, None, msg + "checked; verify the print build for that")
            checker.min_module = 0.0 if proof else min_module_mm * mm
            try:
                for pc in decode_pdf(pdf, dpi=dpi, max_pixels=max_pixels, text=addresses is not None):
                    checker.page(pc)
                    if addresses is not None:
                        addresses.page(pc.file, pc.page, pc.lines)
                    seen += 1
                    if progress is not None:
                        progress(pdf.name, seen, pages + seen)
                count = seen
                read.add(pdf.name)
            except VerifyError as exc:
                checker.add("error", pdf.name, None, None, exc.message)
            pages += seen
        e, m = checker.finish_file(pdf.name, count)
        expected, matched = expected + e, matched + m
    if addresses is not None:
        addresses.finish(read.__contains__)
    seconds = time.perf_counter() - start
    if checker.sizes_unknown:
        msg = "this zxing-cpp does not report QR versions: module sizes were not checked"
        checker.add("warning", None, None, None, msg)
    return VerifyReport(
        findings=tuple(checker.findings),
        files=len(pdfs),
        pages=pages,
        codes=checker.codes,
        unreadable=checker.unreadable,
        expected=expected,
        matched=matched,
        seconds=seconds,
        dpi=dpi,
        manifest=manifest_path,
        addresses_expected=None if addresses is None else addresses.count,
        addresses_found=0 if addresses is None else addresses.matched,
    )


def _piece_files(folder: Path) -> dict[str, frozenset[str]]:
    """Which files hold each piece, from the job ticket beside the manifest (its stocks'
    pieces and files); empty when there is none or it cannot be read."""
    try:
        ticket = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        out: dict[str, set[str]] = {}
        for stock in ticket.get("stocks") or ():
            files = {str(f["file"]) for f in stock.get("files") or ()}
            for piece in stock.get("pieces") or ():
                out.setdefault(str(piece["piece"]), set()).update(files)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}
    return {k: frozenset(v) for k, v in out.items()}


def _address_checker(
    records: Sequence[ManifestRecord],
    checker: _Checker,
    counts: Mapping[str, int],
    pieces: Mapping[str, frozenset[str]],
) -> AddressChecker:
    """The address marks of every record, each to be found on its carrier pages: the pages
    its piece was placed on (imposed output), else any of the record's pages in the files
    that hold its piece (``pieces``: piece -> files, from job.json; a piece not named
    there may be in any of the record's files)."""

    def error(file: str, page: int | None, record_id: str | None, message: str) -> None:
        checker.add("error", file, page, record_id, message)

    found = AddressChecker([r.record_id for r in records], checker.owners, error)
    groups: dict[int, list[int]] = {}  # a record in several files: its parts
    for i, rec in enumerate(records):
        if rec.group:
            groups.setdefault(rec.group, []).append(i)
    for i, rec in enumerate(records):
        parts = groups[rec.group] if rec.group else [i]
        if parts[0] != i:
            continue
        for mark in rec.addresses:
            where: list[tuple[str, Sequence[int], Sequence[int]]] = []
            for j in parts:
                pages = records[j].pages_within(counts.get(records[j].file, 0))
                placed = [p for piece, p in records[j].placed if piece == mark.piece and p in pages]
                where.append((records[j].file, placed, pages))
            if any(placed for _, placed, _ in where):  # only the files its piece was placed in
                where = [(f, placed, placed) for f, placed, _ in where if placed]
            else:
                holds = pieces.get(mark.piece)  # the files with its stock (job.json), if known
                if holds is not None:
                    where = [w for w in where if w[0] in holds]
                if not where or any(f not in counts for f, _, _ in where):
                    continue  # its piece is in a file not verified now (see the warning)
            file, _, carriers = where[0]
            found.expect(i, file, carriers, mark, [(f, p) for f, _, ps in where[1:] for p in ps])
    return found
