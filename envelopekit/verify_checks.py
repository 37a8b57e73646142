"""The checks of ``verify``: decoded pages held against the manifest's records.

:class:`CodeChecker` is fed the pages of each file as they are decoded and compares
their codes with the records that own those pages: a code too small, unreadable,
unknown or on another record's pages is a finding at once; a record's missing codes
are known once its file (or, for a record in several files, all of them) is read.
:func:`address_checker` sets up the same for the records' address blocks
(:class:`~envelopekit.verify_addresses.AddressChecker`), on the pages that carry them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .units import to_mm
from .verify_addresses import AddressChecker
from .verify_decode import Code, PageCodes
from .verify_manifest import ManifestRecord
from .verify_report import Finding, Level, plural

__all__ = ["CodeChecker", "address_checker"]

_SIZE_TOLERANCE = 0.02  # corner positions are whole pixels: allow 2 % before calling a module undersized


@dataclass(slots=True)
class CodeChecker:
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
                msg = f"manifest pages {rec.pages} but {file} has {plural(page_count, 'page')}"
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
            msg = f"the codes of its {plural(len(indices), 'record')} in the manifest could not be checked"
            self.add("error", file, None, None, msg)
        return expected, matched


def address_checker(
    records: Sequence[ManifestRecord],
    checker: CodeChecker,
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
