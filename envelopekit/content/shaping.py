"""Complex scripts: bidi ordering (python-bidi) and glyph shaping (HarfBuzz, via uharfbuzz).

Latin, Greek, Cyrillic and CJK lines never come here: :func:`needs_shaping` is one
regular-expression search, and lines without Hebrew, Arabic, Indic or Thai
characters keep the plain ``(font, text, x)`` runs that the renderer draws with
``Tj``. A line that needs shaping is

1. split into bidi levels by python-bidi's Unicode Bidirectional Algorithm (the
   paragraph direction is that of the line's first strong character);
2. cut into runs of one level and one font of the family's fallback chain, put in
   visual order (left to right on the page);
3. shaped run by run by HarfBuzz in the run's direction (joining, ligatures,
   conjuncts, reordered matras, mark positions, mirrored brackets).

Each shaped run is a :class:`ShapedText`: a ``str`` holding the run's *logical* text
that also carries its glyphs, left to right. The renderer
(:func:`envelopekit.render.lean.text_code`) writes them in that order, as PDF text
extraction expects (pdfium and pypdf turn right-to-left text back into reading order;
see "Extraction order" below for lines of both directions). Every glyph gets a ToUnicode
entry for the text it stands for: its own character where the font's cmap gives that
glyph, else a private-use code (:func:`glyph_code`) whose entry :class:`ShapingTTFont`
writes. So the extracted text of a single-direction line is its logical text.

Extraction order. A PDF keeps glyphs in visual order, and each extraction tool guesses
the logical order back with bidi heuristics of its own. Measured on this module's
output (pdfium 8149 through pypdfium2 5.15, poppler 22.12's pdftotext, pypdf 7.1; see
``test_what_each_extractor_reads_back`` in tests/test_shaping.py): pdfium reads
single-direction lines, and left-to-right lines holding Arabic or Hebrew words, in
logical order, but a right-to-left line with as many left-to-right runs as
right-to-left ones ("الزهراء Fatima", "רחוב הרצל 12, Tel Aviv") in left-to-right order
(it counts runs to guess a line's direction); poppler and pypdf get fewer lines right.
Every one of them reads each line's characters. Marked content with an ``/ActualText``
of the logical line (PDF 32000 §14.9.4; ``/Span << /ActualText <FEFF...> >> BDC ...
EMC``) was tried inside BT/ET and around it, with and without bidi controls: pdfium and
poppler reorder the ActualText again as if it were in visual order (pdfium then read 4
of the 7 test lines in order instead of 5; poppler reversed the Arabic letters of even
a left-to-right line), and pypdf ignores it. So no line gets one: only a cluster whose
extra glyphs stand for nothing (Thai SARA AM) has an ``/ActualText`` span, inside
BT/ET, properly nested. ``envelopekit verify`` compares a line holding right-to-left
letters by its characters, in any order (:func:`envelopekit.verify_addresses.comparable`).

Not done: python-bidi's pure-Python level resolution ignores explicit embeddings and
isolates (U+202A-202E, U+2066-2069); a right-to-left line holding left-to-right words
extracts in logical order only where the extraction tool guesses its direction right
(above).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import uharfbuzz as hb
from bidi import algorithm as _uba
from reportlab.pdfbase import pdfdoc, ttfonts
from reportlab.pdfbase.ttfonts import TTFont, makeToUnicodeCMap

__all__ = [
    "Glyph",
    "ShapedText",
    "ShapingTTFont",
    "base_rtl",
    "glyph_code",
    "needs_shaping",
    "shape_run",
    "visual_runs",
]

# Hebrew, Arabic (+ supplements, presentation forms), Syriac, Thaana, N'Ko, the Indic
# blocks, Thai, Lao, Tibetan, Myanmar, Khmer, ZWJ/ZWNJ and the bidi controls.
_COMPLEX = re.compile(
    "[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff"
    "\u200c-\u200f\u202a-\u202e\u2066-\u2069\ua8e0-\ua8ff\ufb1d-\ufdff\ufe70-\ufefe]"
)


def needs_shaping(line: str) -> bool:
    """Whether ``line`` has a character that must be shaped or reordered."""
    return _COMPLEX.search(line) is not None


@lru_cache(maxsize=4096)
def _levels(line: str) -> tuple[int, tuple[tuple[int, int], ...]]:
    """Paragraph level and ``(logical index, level)`` in visual order (UBA rules P-L2)."""
    storage = _uba.get_empty_storage()
    base = _uba.get_base_level(line)
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    _uba.get_embedding_levels(line, storage)
    for i, ch in enumerate(storage["chars"]):
        ch["index"] = i
    for step in (
        _uba.explicit_embed_and_overrides,
        _uba.resolve_weak_types,
        _uba.resolve_neutral_types,
        _uba.resolve_implicit_levels,
        _uba.reorder_resolved_levels,
    ):
        step(storage, False)
    return base, tuple((ch["index"], ch["level"]) for ch in storage["chars"])


def base_rtl(line: str) -> bool:
    """Whether the line's paragraph direction is right to left (its first strong character)."""
    return bool(needs_shaping(line) and _uba.get_base_level(line) == 1)


def _fonts(line: str, font_of: Any, covers: Any) -> list[int]:
    """Each character's font: its own first choice, except that spaces, punctuation and
    digits (characters of no script) stay in the font of the run they are in, if it has
    them, so that a name's words are one run and shaped and extracted together."""
    out: list[int] = []
    for ch in line:
        font = font_of(ch)
        if out and out[-1] != font and unicodedata.category(ch)[0] in "ZPN" and covers(out[-1], ch):
            font = out[-1]
        out.append(font)
    return out


def visual_runs(line: str, font_of: Any, covers: Any) -> list[tuple[int, int, int, bool]]:
    """``(start, stop, font, rtl)`` logical slices of ``line`` in visual order, each of one
    bidi level and one font (``font_of(ch)`` gives the index of the first font having
    ``ch``, ``covers(index, ch)`` whether that font has it)."""
    _, order = _levels(line)
    fonts = _fonts(line, font_of, covers)
    runs: list[tuple[int, int, int, bool]] = []
    cur: list[int] = []  # start, stop, level, font
    for index, level in order:
        font = fonts[index]
        rtl = level % 2 == 1
        if cur and cur[2] == level and cur[3] == font:
            if not rtl and index == cur[1]:
                cur[1] = index + 1
                continue
            if rtl and index + 1 == cur[0]:
                cur[0] = index
                continue
        if cur:
            runs.append((cur[0], cur[1], cur[3], cur[2] % 2 == 1))
        cur = [index, index + 1, level, font]
    if cur:
        runs.append((cur[0], cur[1], cur[3], cur[2] % 2 == 1))
    return runs


# ---------------------------------------------------------------------------
# Shaping


@dataclass(frozen=True, slots=True)
class Glyph:
    """One shaped glyph: its id in the font, its position from the run's start (1/1000 em,
    y up), its advance and the text it stands for in extraction (see :func:`shape_run`)."""

    gid: int
    x: float
    y: float
    text: str
    advance: float
    span: int = 0  # > 0: this and the next span - 1 glyphs need an ActualText span


class ShapedText(str):
    """A run's logical text carrying its shaped glyphs (left to right) and advance.

    Equal only to a ShapedText with the same glyphs: the same characters may be drawn
    with other glyphs in another direction (mirrored brackets)."""

    __slots__ = ("advance", "glyphs", "rtl", "start")
    glyphs: tuple[Glyph, ...]
    advance: float
    rtl: bool
    start: int  # where the run starts in its line's logical text

    def __new__(
        cls, text: str, glyphs: tuple[Glyph, ...], advance: float, rtl: bool, start: int = 0
    ) -> ShapedText:
        self = super().__new__(cls, text)
        self.glyphs, self.advance, self.rtl, self.start = glyphs, advance, rtl, start
        return self

    def at(self, start: int) -> ShapedText:
        """The same run starting at ``start`` of its line."""
        return ShapedText(str(self), self.glyphs, self.advance, self.rtl, start)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ShapedText):
            return str.__eq__(self, other) and (self.glyphs, self.start) == (other.glyphs, other.start)
        return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((str(self), self.glyphs, self.start))

    def __reduce__(self) -> tuple[Any, ...]:
        return (ShapedText, (str(self), self.glyphs, self.advance, self.rtl, self.start))


@cache
def _hb_font(path: str) -> tuple[Any, float]:
    face = hb.Face(hb.Blob.from_file_path(path))
    return hb.Font(face), 1000.0 / face.upem


@lru_cache(maxsize=16384)
def shape_run(path: str, text: str, rtl: bool) -> ShapedText:
    """Shape one run (one font, one direction) with HarfBuzz; positions in 1/1000 em.

    The glyphs are in HarfBuzz's output order, left to right on the page, which is how
    a PDF stores text (extraction tools reverse right-to-left text to reading order).
    A cluster's text (reversed in a right-to-left run) is shared out over its glyphs in
    that order, one character each, the rest to the last: so the text extracted from
    the glyphs is the run's text, whatever reordering (a matra drawn before its
    consonant, a reph) happened inside the cluster. A cluster with more glyphs than
    characters (Thai SARA AM) leaves the extra glyphs without text and is marked for an
    ``/ActualText`` span (``Glyph.span``)."""
    font, scale = _hb_font(path)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    buf.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    hb.shape(font, buf)
    placed: list[tuple[int, int, float, float, float]] = []  # cluster, gid, x, y, advance
    pen = 0.0
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        x, y = (pen + pos.x_offset) * scale, pos.y_offset * scale
        placed.append((info.cluster, info.codepoint, x, y, pos.x_advance * scale))
        pen += pos.x_advance
    starts = sorted({g[0] for g in placed})
    ends = dict(zip(starts, [*starts[1:], len(text)], strict=True))
    glyphs: list[Glyph] = []
    k = 0
    while k < len(placed):
        cluster = placed[k][0]
        n = 1
        while k + n < len(placed) and placed[k + n][0] == cluster:
            n += 1
        chunk = text[cluster : ends[cluster]]
        if rtl:  # extraction reverses right-to-left text back
            chunk = chunk[::-1]
        # One character to each glyph in stream order, the rest to the last glyph.
        texts = [chunk[i] if i < len(chunk) else "" for i in range(n)]
        texts[-1] = chunk[n - 1 :] if n <= len(chunk) else ""
        span = n if n > len(chunk) else 0
        for i, (_, gid, x, y, advance) in enumerate(placed[k : k + n]):
            glyphs.append(Glyph(gid, x, y, texts[i], advance, span if i == 0 else 0))
        k += n
    return ShapedText(text, tuple(glyphs), pen * scale, rtl)


# ---------------------------------------------------------------------------
# Drawing shaped glyphs with reportlab's subset fonts

_PUA_FIRST = 0xF0000  # plane 15 (supplementary private use): no font we bundle maps it


def glyph_code(font: TTFont, glyph: Glyph) -> str:
    """The character that draws ``glyph`` through reportlab's subsetting of ``font``.

    A glyph that is the cmap's glyph for its one character uses that character; any
    other (a positional form, a ligature, a conjunct, a mark of a merged cluster) gets a
    private-use code point mapped to its glyph id, whose ToUnicode entry
    (:class:`ShapingTTFont`) is the text it stands for."""
    face = font.face
    text = glyph.text
    if len(text) == 1 and face.charToGlyph.get(ord(text)) == glyph.gid:
        return text
    codes: dict[tuple[int, str], int] = face.__dict__.setdefault("_ek_codes", {})
    code = codes.get((glyph.gid, text))
    if code is None:
        code = _PUA_FIRST + len(codes)
        codes[(glyph.gid, text)] = code
        face.charToGlyph[code] = glyph.gid
        face.charWidths[code] = round(glyph.advance)
        face.__dict__.setdefault("_ek_text", {})[code] = text
    return chr(code)


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _to_unicode(name: str, subset: list[int], texts: dict[int, str]) -> str:
    if not any(code in texts for code in subset):
        return str(makeToUnicodeCMap(name, subset))
    entries = []
    for i, code in enumerate(subset):
        text = texts.get(code, chr(code))
        # A glyph standing for nothing (see shape_run) maps to the empty string.
        entries.append(f"<{i:02X}> <{_utf16_hex(text)}>")
    cmap = str(makeToUnicodeCMap(name, subset)).split("\n")
    head = cmap.index(f"{len(subset)} beginbfchar")
    tail = cmap.index("endbfchar")
    return "\n".join([*cmap[: head + 1], *entries, *cmap[tail:]])


class ShapingTTFont(TTFont):
    """reportlab's TrueType font whose ToUnicode CMaps say what text each shaped glyph
    stands for (see :func:`glyph_code`)."""

    def addObjects(self, doc: Any) -> None:
        texts: dict[int, str] = self.face.__dict__.get("_ek_text", {})
        state = self.state.get(doc)
        subsets = [list(s) for s in state.subsets] if (state is not None and texts) else []
        super().addObjects(doc)
        for n, subset in enumerate(subsets):
            if not any(code in texts for code in subset):
                continue
            # ttfonts.SUBSETN looked up now: render.pdf replaces it with tags made from the glyph set.
            tag = ttfonts.SUBSETN(n)
            base = b"".join((tag, b"+", self.face.name, self.face.subfontNameX)).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + base)
            if isinstance(stream, pdfdoc.PDFStream):
                stream.content = _to_unicode(base, subset, texts)
