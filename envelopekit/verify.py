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

This module runs the checks, and its names are the public face of all of them.
The stages are modules of their own: :mod:`~envelopekit.verify_manifest` (reading
the manifest), :mod:`~envelopekit.verify_decode` (rendering pages, reading their
codes), :mod:`~envelopekit.verify_checks` (codes and addresses held against the
records), :mod:`~envelopekit.verify_report` (findings, the report and its text).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .limits import PAGE_PIXELS
from .units import inch, mm
from .verify_addresses import AddressChecker
from .verify_checks import CodeChecker, address_checker
from .verify_decode import DEFAULT_DPI, Code, PageCodes, decode_pdf, is_proof, libraries, page_count
from .verify_manifest import ManifestRecord, load_manifest, piece_files
from .verify_report import Finding, VerifyError, VerifyReport, format_report, plural

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

MIN_DPI, MAX_DPI = 36, 1200
MAX_MANIFEST_LINE = 1024 * 1024
"""The longest manifest line read, in characters: a row is a few hundred."""

_DECODE_FLOOR_PX = 2.0  # below this many pixels per module zxing-cpp starts to miss codes


def read_manifest(path: Path) -> tuple[tuple[ManifestRecord, ...], tuple[Finding, ...]]:
    """The built records of a batch manifest, and findings for rows that cannot be checked.

    Rejected records are skipped: they have no pages. Raises :class:`VerifyError`
    when the file is missing or lacks the columns that map pages to records.
    """
    records, findings, _ = load_manifest(path, max_line=MAX_MANIFEST_LINE)
    return records, findings


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
    libraries()
    records: tuple[ManifestRecord, ...] | None = None
    findings: list[Finding] = []
    addressed = False
    if manifest_path is not None:
        records, problems, addressed = load_manifest(manifest_path, max_line=MAX_MANIFEST_LINE)
        findings.extend(problems)
        pdfs, unlisted = _with_manifest_files(target, folder, manifest_path, records, pdfs)
        findings += unlisted
        # With one PDF, records in other files stay known, so a misplaced code is named.
    if not pdfs:
        raise VerifyError("no kits-*.pdf files to verify", where=str(target))
    if min_module_mm * mm * dpi / inch < _DECODE_FLOOR_PX:
        msg = f"at {dpi} dpi a {min_module_mm} mm module is under {_DECODE_FLOOR_PX:.0f} pixels: "
        findings.append(
            Finding("warning", None, None, None, msg + "small codes may not decode; raise the dpi")
        )

    counts = {pdf.name: n for pdf in pdfs if (n := page_count(pdf)) is not None}
    checker = CodeChecker(records, min_module_mm * mm, findings, page_counts=counts)
    addresses = None
    if records is not None and addressed and manifest_path is not None:
        addresses = address_checker(records, checker, counts, piece_files(manifest_path.parent))
    read: set[str] = set()  # files whose every page was seen
    expected = matched = pages = 0
    start = time.perf_counter()
    for pdf in pdfs:
        seen, whole = _check_file(
            pdf, checker, addresses, min_module_mm * mm, dpi, max_pixels, progress, pages
        )
        pages += seen
        if whole:
            read.add(pdf.name)
        e, m = checker.finish_file(pdf.name, seen if whole else None)
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


def _check_options(dpi: object, min_module_mm: object, max_pixels: int | None) -> None:
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not MIN_DPI <= dpi <= MAX_DPI:
        raise VerifyError(
            f"dpi {dpi!r} is out of range {MIN_DPI}-{MAX_DPI}", hint="use 150-300; the default is 200"
        )
    if not isinstance(min_module_mm, int | float) or not 0 < min_module_mm < 1000:
        raise VerifyError(f"minimum module size {min_module_mm!r} mm is not a positive length")
    PAGE_PIXELS.get(max_pixels)


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


def _with_manifest_files(
    target: Path, folder: Path, manifest: Path, records: Sequence[ManifestRecord], pdfs: list[Path]
) -> tuple[list[Path], list[Finding]]:
    """The PDFs to read, with the files the manifest lists when ``target`` is an output
    folder; and findings on files it does not list, or on records of one PDF that are in
    other files too."""
    findings: list[Finding] = []
    listed = dict.fromkeys(r.file for r in records)
    if target.is_dir():
        pdfs = pdfs + [folder / name for name in listed if folder / name not in pdfs]
        stray = "not in the manifest (left over from an earlier build?)"
        findings += [Finding("warning", p.name, None, None, stray) for p in pdfs if p.name not in listed]
    elif target.name not in listed:
        msg = f"{manifest.name} lists no built record in this file"
        findings.append(Finding("error", target.name, None, None, msg))
    else:
        split = {r.record_id for r in records if r.file == target.name and r.group}
        if split:  # output grouped by stock: a record's codes may be in any of its files
            have = "has" if len(split) == 1 else "have"
            msg = f"{plural(len(split), 'record')} here also {have} pages in other files (a file per "
            msg += "stock): codes found are checked against their records, missing ones only when "
            msg += "the output folder is verified"
            findings.append(Finding("warning", target.name, None, None, msg))
    return pdfs, findings


def _check_file(
    pdf: Path,
    checker: CodeChecker,
    addresses: AddressChecker | None,
    min_module: float,
    dpi: int,
    max_pixels: int | None,
    progress: Callable[[str, int, int], None] | None,
    done: int,
) -> tuple[int, bool]:
    """Decode one PDF's pages into the checks: (pages seen, whether every page was).

    ``min_module`` is in points; ``done`` is the pages seen before this file, for ``progress``.
    """
    if not pdf.is_file():
        checker.add("error", pdf.name, None, None, "listed in the manifest but missing")
        return 0, False
    seen = 0
    proof = is_proof(pdf)
    if proof:
        msg = "a PROOF file: its mockup pages show the codes scaled down, so module sizes are not "
        checker.add("warning", pdf.name, None, None, msg + "checked; verify the print build for that")
    checker.min_module = 0.0 if proof else min_module
    try:
        for pc in decode_pdf(pdf, dpi=dpi, max_pixels=max_pixels, text=addresses is not None):
            checker.page(pc)
            if addresses is not None:
                addresses.page(pc.file, pc.page, pc.lines)
            seen += 1
            if progress is not None:
                progress(pdf.name, seen, done + seen)
    except VerifyError as exc:
        checker.add("error", pdf.name, None, None, exc.message)
        return seen, False
    return seen, True
