"""What a build wrote beside its PDFs, read for ``verify``: the manifest, and the job ticket's stocks.

:func:`load_manifest` reads ``manifest.csv`` (as :func:`envelopekit.batch.build`
writes it) into a :class:`ManifestRecord` per built record, each with the file and
pages it owns, the links its QR blocks must carry and its address marks; a record
in several files (a file per stock) becomes one part per file, sharing ``group``.
Rows that cannot be checked are findings, not failures; a file that is no manifest
at all is a :class:`~envelopekit.verify_report.VerifyError`. The file is read with
bounds (its size, its lines), since a pipe has no size to check beforehand.
:func:`piece_files` reads which files hold each piece from ``job.json``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .limits import MANIFEST_BYTES, regular_file
from .manifest import FORMULA_TRIGGERS
from .verify_addresses import ADDRESS_COLUMN, AddressMark, parse_address_column
from .verify_report import Finding, VerifyError

__all__ = ["Manifest", "ManifestRecord", "load_manifest", "piece_files"]

_PAGES = re.compile(r"\s*(\d{1,9})\s*(?:-\s*(\d{1,9})\s*)?")  # 9 digits: no int() of 5,000
_REQUIRED = ("record_id", "status", "file", "pages")
_PLACEMENT = re.compile(r"\s*([^@;]+)@(\d{1,9}):")


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


Manifest = tuple[tuple[ManifestRecord, ...], tuple[Finding, ...], bool]
"""The built records, findings for rows that cannot be checked, and whether it has addresses."""


def load_manifest(path: Path, *, max_line: int) -> Manifest:
    """The built records of a batch manifest, findings for rows that cannot be checked,
    and whether it has the address column.

    Rejected records are skipped: they have no pages. Raises :class:`VerifyError`
    when the file is missing, has a line over ``max_line`` characters, or lacks the
    columns that map pages to records.
    """
    if why := regular_file(path, "manifest"):
        raise VerifyError(why, where=str(path), hint="give the batch's manifest.csv with --manifest")
    limit = MANIFEST_BYTES.get()
    try:
        if (size := path.stat().st_size) > limit:
            raise MANIFEST_BYTES.error(f"the manifest has {size:,} bytes", where=str(path), limit=limit)
        with open(path, encoding="utf-8-sig", newline="", errors="replace") as f:
            return _parse_manifest(csv.DictReader(_bounded_lines(f, path, limit, max_line)), path)
    except OSError as exc:
        raise VerifyError(
            f"cannot read the manifest: {exc.strerror}",
            where=str(path),
            hint="give the batch's manifest.csv with --manifest",
        ) from None


def _bounded_lines(f: Any, path: Path, limit: int, max_line: int) -> Iterator[str]:
    """The lines of an open manifest, none longer than ``max_line`` and at most
    ``limit`` characters in all (a pipe has no size to check beforehand)."""
    total = 0
    while line := f.readline(max_line + 1):
        total += len(line)
        if len(line) > max_line:
            raise VerifyError(
                f"a line runs past {max_line:,} characters: not a manifest",
                where=str(path),
                hint="give the manifest.csv that `envelopekit build` writes",
            )
        if total > limit:
            raise MANIFEST_BYTES.error("the manifest is longer", where=str(path), limit=limit)
        yield line


def _unescape(value: str | None) -> str:
    """Undo :func:`envelopekit.manifest.escape_cell`'s leading quote."""
    value = value or ""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def _parse_manifest(reader: csv.DictReader[str], path: Path) -> Manifest:
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
    records: list[ManifestRecord] = []
    findings: list[Finding] = []
    if ADDRESS_COLUMN not in columns:
        msg = f"the manifest has no {ADDRESS_COLUMN} column (an older build): addresses were not checked"
        findings.append(Finding("warning", None, None, None, msg))
    for row in reader:
        if _unescape(row.get("status")) != "built":
            continue
        records += _row_records(row, reader.line_num, blocks, imposed, findings)
    return tuple(records), tuple(findings), ADDRESS_COLUMN in columns


def _row_records(
    row: Mapping[str, Any], line: int, blocks: list[str], imposed: bool, findings: list[Finding]
) -> list[ManifestRecord]:
    """The records of one built row (manifest line ``line``): one, or a part per file for a
    record in several files; none, with a finding, when its pages cannot be read."""
    record_id, file = _unescape(row["record_id"]), _unescape(row["file"])
    urls = [u for u in (_unescape(row.get(c)) for c in blocks) if u]
    url = _unescape(row.get("url"))
    if url and url not in urls:  # no block columns, or a url column that disagrees with them
        urls.append(url)
    files = file.split()
    pages_items = _unescape(row["pages"]).split() if len(files) > 1 else [_unescape(row["pages"])]
    sheets_items = _unescape(row.get("sheets")).split() if len(files) > 1 else [_unescape(row.get("sheets"))]
    placed_items = _unescape(row.get("placements")).split(" | ")
    if len(files) > 1 and not (len(pages_items) == len(files) and len(placed_items) in (1, len(files))):
        msg = f"manifest line {line}: {len(files)} files but pages {row['pages']!r} "
        msg += "does not give one page list per file; its codes are not checked"
        findings.append(Finding("error", file, None, record_id or None, msg))
        return []
    addresses = parse_address_column(_unescape(row.get(ADDRESS_COLUMN)))
    if addresses is None:
        msg = f"manifest line {line}: {ADDRESS_COLUMN} {row.get(ADDRESS_COLUMN)!r} is not "
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
            msg = f"manifest line {line}: a built record needs a file and a page range, "
            msg += f"not {row['pages']!r}; its codes are not checked"
            findings.append(Finding("error", name or None, None, record_id or None, msg))
            return []
        placements = placed_items[n] if n < len(placed_items) else ""
        sheets_text = sheets_items[n].replace(",", " ") if n < len(sheets_items) else ""
        placed = _placed(placements, sheets_text, sheets)
        parts.append((name, first, last, sheets, placed))
    group = line if len(parts) > 1 else 0
    return [
        ManifestRecord(
            record_id, name, first, last, tuple(urls), line, sheets, addresses or (), placed, group
        )
        for name, first, last, sheets, placed in parts
    ]


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


def piece_files(folder: Path) -> dict[str, frozenset[str]]:
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
