"""Address checks for ``verify``: every recipient's address on its own envelope, and nowhere else.

A QR code says whose survey link is on a page; it does not say whose envelope
it is. Two records' outer envelopes swapped (a press operator's re-run, a
hand-edited PDF) leave every code on its record's pages and every letter in the
wrong hands. So the build records, per built record, a fingerprint of each
address block *as printed* (:func:`address_column`, the manifest's ``address``
column), and ``verify`` looks for it in the text of the pages:

- a fingerprint is ``<piece>:<lines>:<chars>:<digest>``: the piece the address
  block is on, the number of printed lines, the number of characters once
  normalised, and the first 16 hex digits of SHA-256 over the normalised text;
  several blocks are joined with ``"; "``. The address itself never reaches the
  manifest (but a guess at someone's address can be checked against it, like
  any unsalted digest: keep the manifest as private as the records);
- normalising keeps what survives a PDF's text layer: NFKC, then every space,
  line break, control and format character is dropped, and the lines are joined
  with nothing between them. So a line break that extraction moves, a space it
  adds between runs of two fonts, or a word the fitter wrapped onto the next line
  gives the same digest;
- a line holding right-to-left letters (Hebrew, Arabic) is compared by its
  characters, not their order (:func:`comparable`): its characters sorted, bidi-mirrored
  ones (brackets) counted as one. PDF text keeps glyphs in visual order, and every
  extractor guesses the logical order back with its own bidi heuristics (pdfium
  takes a line's direction from a count of its runs; poppler and pypdf differ again),
  so "Fatima الزهراء" or "רחוב הרצל 12, Tel Aviv" may come back with its words in
  another order, or its brackets turned. Lines of every other script keep their order;
- ``verify`` extracts each page's text (pdfium), hashes every run of consecutive
  lines of the lengths the manifest names, and looks each digest up. An address
  on a page of its own record is found; on a page of another record (or of no
  record) it is an error naming both records and pages; a record whose address
  is on none of its pages is an error. Where extraction splits or joins lines
  its own way, each page's unfound addresses are searched for by their length in
  characters too.

The page that must carry an address is the record's page range (single-up), or,
for imposed output, the sheet its ``piece@sheet`` placement names (when sheets
and pages are numbered alike; with backs interleaved, any of the record's pages).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .kit import ResolvedKit

__all__ = [
    "ADDRESS_COLUMN",
    "AddressChecker",
    "AddressMark",
    "address_column",
    "address_digest",
    "comparable",
    "letters_digest",
    "normalise",
    "page_lines",
    "parse_address_column",
]

ADDRESS_COLUMN = "address"
_DOMAIN = b"envelopekit address v1\n"
_LETTERS = b"envelopekit address letters v1\n"
_DIGITS = 16
_MARK = re.compile(r"([^:;\s][^:;]*):(\d{1,3}):(\d{1,6}):([0-9a-f]{16})(?::([0-9a-f]{16}))?")
_DROP = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"})
# pdfium reports a hyphen it takes for a line-end hyphenation as U+0002; fonts name hyphens variously.
_HYPHENS = str.maketrans({"\x02": "-", "\u2010": "-", "\u2011": "-", "\u00ad": "-"})


def normalise(line: str) -> str:
    """``line`` as compared: NFKC, hyphens unified, no spaces, controls or format characters."""
    text = unicodedata.normalize("NFKC", line.translate(_HYPHENS))
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in _DROP)


# Thai, Lao, Tibetan, Myanmar, Khmer: extractors put stacked vowel and tone marks out of
# their logical place (pdfium reads "ชั้น" as "ชน ั้").
_STACKED = re.compile("[\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff]")


def _unordered(line: str) -> bool:
    """Does an extractor read ``line``'s characters in an order of its own?"""
    if line.isascii():
        return False
    return bool(_STACKED.search(line)) or any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in line)


def comparable(line: str) -> str:
    """A line (:func:`normalise`) as its digest takes it: a line with right-to-left letters
    or stacked marks (Thai and its neighbours) as its characters sorted, each bidi-mirrored
    one (a bracket an extractor may turn round) as ``(``; any other line as it is. Its
    length is the line's."""
    if not _unordered(line):
        return line
    return "".join(sorted("(" if unicodedata.mirrored(ch) else ch for ch in line))


def address_digest(normalised: str) -> str:
    """The digest of an address's normalised lines, joined with nothing between them."""
    return hashlib.sha256(_DOMAIN + normalised.encode("utf-8")).hexdigest()[:_DIGITS]


def letters_digest(normalised: str) -> str:
    """The digest of an address's characters in any order: for text whose lines an
    extractor reads in another order or runs together (an address turned on a sheet)."""
    return hashlib.sha256(_LETTERS + "".join(sorted(normalised)).encode("utf-8")).hexdigest()[:_DIGITS]


@dataclass(frozen=True, slots=True)
class AddressMark:
    """One address block of a record as the manifest has it."""

    piece: str
    lines: int
    chars: int
    digest: str
    letters: str = ""  # letters_digest: marks of older builds have none

    def __str__(self) -> str:
        mark = f"{self.piece}:{self.lines}:{self.chars}:{self.digest}"
        return f"{mark}:{self.letters}" if self.letters else mark


def _mark(piece: str, printed: Sequence[str]) -> AddressMark | None:
    lines = [comparable(n) for n in (normalise(line) for line in printed) if n]
    if not lines:
        return None
    text = "".join(lines)
    return AddressMark(piece, len(lines), len(text), address_digest(text), letters_digest(text))


def address_column(kit: ResolvedKit, fields: Mapping[str, str]) -> str:
    """The manifest's ``address`` cell for one record: a mark per address block, as printed.

    The lines are laid out as :func:`envelopekit.compose.personalise` lays them out
    (same text, same fitting and wrapping), so call it only for a record that
    personalised without error. "" when the layout has no address block.
    """
    from .compose import TextOp, _address_text, _text_ops
    from .content.blocks import AddressBlock

    marks: list[str] = []
    for piece in kit.pieces:
        for placed in piece.side_a + piece.side_b:
            block = placed.block
            if not isinstance(block, AddressBlock):
                continue
            where = f"{piece.key}.{block.name}"
            ops = _text_ops(_address_text(block, fields), block, wrap=True, field=where)
            mark = _mark(piece.key, [op.text for op in ops if isinstance(op, TextOp)])
            if mark is not None:
                marks.append(str(mark))
    return "; ".join(marks)


def parse_address_column(cell: str) -> tuple[AddressMark, ...] | None:
    """The marks of an ``address`` cell; None when it is not one."""
    cell = cell.strip()
    if not cell:
        return ()
    marks = []
    for part in cell.split(";"):
        m = _MARK.fullmatch(part.strip())
        if m is None or int(m.group(2)) < 1 or int(m.group(3)) < 1:
            return None
        piece, lines, chars = m.group(1).strip(), int(m.group(2)), int(m.group(3))
        marks.append(AddressMark(piece, lines, chars, m.group(4), m.group(5) or ""))
    return tuple(marks)


def page_lines(textpage: Any) -> tuple[str, ...]:
    """The normalised, non-empty lines of a pypdfium2 text page."""
    # pdfium joins a line ending in a hyphen to the next, and marks the hyphen U+0002
    text = textpage.get_text_bounded().replace("\x02", "-\n")
    return tuple(n for n in (normalise(line) for line in re.split(r"[\r\n]+", text)) if n)


# --- checking -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Expected:
    """One address mark of one record: where its record's pages are and which must carry it."""

    record: int  # index into the checker's records
    mark: AddressMark
    file: str
    carriers: frozenset[int]  # pages that must carry it
    also: frozenset[tuple[str, int]] = frozenset()  # (file, page): carriers in the record's other files

    def carries(self, file: str, page: int) -> bool:
        return (file == self.file and page in self.carriers) or (file, page) in self.also


Report = Callable[[str, int | None, str | None, str], None]  # (file, page, record id, message): an error


@dataclass(slots=True)
class AddressChecker:
    """Looks for every record's address marks in the text of the pages, in any order.

    ``record_ids[i]`` and ``owners`` (``(file, page) -> record indices``) come from
    the manifest; :meth:`expect` adds a record's marks, :meth:`page` takes each
    page's lines, :meth:`finish` reports the marks never found.
    """

    record_ids: Sequence[str]
    owners: Mapping[tuple[str, int], Sequence[int]]
    error: Report
    expected: list[_Expected] = field(default_factory=list)
    by_digest: dict[str, list[int]] = field(default_factory=dict)  # digest -> indices into expected
    found: dict[int, tuple[str, int]] = field(default_factory=dict)  # expected index -> where
    misplaced: dict[int, list[tuple[str, int]]] = field(default_factory=dict)
    elsewhere: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # own pages, not the carrier
    by_page: dict[tuple[str, int], list[int]] = field(default_factory=dict)  # carrier page -> expected
    spans: set[int] = field(default_factory=set)  # line counts to try

    def expect(
        self,
        record: int,
        file: str,
        pages: Iterable[int],
        mark: AddressMark,
        also: Iterable[tuple[str, int]] = (),
    ) -> None:
        """Record ``record``'s ``mark`` must be on one of ``pages`` of ``file`` or of the
        (file, page) pairs in ``also`` (a record whose pieces are in several files)."""
        index = len(self.expected)
        carriers = frozenset(pages)
        more = frozenset(also)
        self.expected.append(_Expected(record, mark, file, carriers, more))
        self.by_digest.setdefault(mark.digest, []).append(index)
        for page in carriers:
            self.by_page.setdefault((file, page), []).append(index)
        for where in more:
            self.by_page.setdefault(where, []).append(index)
        self.spans.add(mark.lines)

    @property
    def count(self) -> int:
        return len(self.expected)

    @property
    def matched(self) -> int:
        return len(self.found)

    def page(self, file: str, page: int, lines: Sequence[str]) -> None:
        """Look for every known address in the lines of one page."""
        if not self.expected:
            return
        hits: list[str] = []
        # Lines with right-to-left letters in any order (see comparable); as extracted too,
        # for the marks of builds from before comparable.
        sorted_lines = tuple(map(comparable, lines))
        versions = [tuple(lines), sorted_lines] if sorted_lines != tuple(lines) else [tuple(lines)]
        # Text turned on the page (a sheet's side B, a piece rotated by the imposer) may be
        # read bottom line first.
        versions += [v[::-1] for v in versions]
        for span in sorted(self.spans):
            for start in range(len(lines) - span + 1):
                for version in versions:
                    digest = address_digest("".join(version[start : start + span]))
                    if digest in self.by_digest:
                        hits.append(digest)
        missing = [i for i in self.by_page.get((file, page), ()) if i not in self.found]
        if missing and not all(self.expected[i].mark.digest in hits for i in missing):
            for version in versions:
                hits += self._by_length(version, [self.expected[i].mark for i in missing])
        for digest in dict.fromkeys(hits):
            self._hit(file, page, digest)

    @staticmethod
    def _by_length(lines: Sequence[str], marks: Sequence[AddressMark]) -> list[str]:
        """Digests of ``marks`` found as a run of characters anywhere on the page, whatever
        its lines: for text layers that break lines elsewhere than the layout did."""
        text = "".join(lines)
        wanted = {m.digest for m in marks}
        letters = {m.letters: m.digest for m in marks if m.letters}
        found = []
        for length in {m.chars for m in marks}:
            for start in range(len(text) - length + 1):
                run = text[start : start + length]
                digest = address_digest(run)
                if digest in wanted:
                    found.append(digest)
                    break
                if letters and (anyhow := letters.get(letters_digest(run))) is not None:
                    found.append(anyhow)
                    break
        return found

    def _hit(self, file: str, page: int, digest: str) -> None:
        candidates = self.by_digest[digest]
        own = [i for i in candidates if self.expected[i].carries(file, page)]
        if own:  # identical addresses of several records: each may be found on its own page
            for i in own:
                self.found.setdefault(i, (file, page))
            return
        owners = self.owners.get((file, page), ())
        if any(self.expected[i].record in owners for i in candidates):
            for i in candidates:
                if self.expected[i].record in owners:
                    self.elsewhere.setdefault(i, []).append((file, page))
            return
        for i in candidates:
            self.misplaced.setdefault(i, []).append((file, page))
        names = " and ".join(sorted({self._describe(i) for i in candidates}))
        holder = (
            "record " + ", ".join(self.record_ids[o] for o in owners) + "'s page"
            if owners
            else "a page no record owns"
        )
        owner = " ".join(self.record_ids[o] for o in owners) or None
        self.error(file, page, owner, f"the address of {names} is on {holder}")

    def _describe(self, index: int) -> str:
        e = self.expected[index]
        return f"record {self.record_ids[e.record]} ({e.mark.piece}, {e.file} {_pages(e.carriers)})"

    def finish(self, checked: Callable[[str], bool]) -> None:
        """Report every mark not found on its carrier page, in files that were read (``checked``)."""
        for i, e in enumerate(self.expected):
            if i in self.found or not checked(e.file):
                continue
            record_id = self.record_ids[e.record]
            if i in self.misplaced:  # the error on the page it is on names both records already
                continue
            where = f"{e.mark.piece} address not found on the record's {_pages(e.carriers)}"
            if i in self.elsewhere:
                seen = ", ".join(f"page {p}" for _, p in self.elsewhere[i])
                self.error(e.file, None, record_id, f"{where}: it is on its {seen} instead")
            else:
                self.error(e.file, None, record_id, f"{where} (missing, blank or changed)")


def _pages(pages: Iterable[int]) -> str:
    ordered = sorted(pages)
    if not ordered:
        return "pages (none in the file)"
    if len(ordered) == 1:
        return f"page {ordered[0]}"
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"pages {ordered[0]}-{ordered[-1]}"
    return "pages " + " ".join(map(str, ordered))
