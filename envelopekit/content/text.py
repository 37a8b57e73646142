"""Text layout: bundled fonts, glyph coverage, measuring, fitting and templates.

Pure layout: this module decides where every run of text goes; the renderer only
calls ``setFont`` and ``drawString``. Metrics come from ``reportlab.pdfbase`` (never
``reportlab.pdfgen``) and only from the TrueType files bundled in ``fonts/``, so a
layout is the same on every machine.

Coordinates (points, y up, relative to the text's box):

- ``TextLine.x`` is the offset of the line's start from the box's left edge,
  after alignment;
- ``TextLine.baseline`` is the height of the line's baseline above the box's
  bottom edge;
- a run ``(font_name, text, x)`` starts ``x`` after the line's start.

So the renderer draws a run at ``(box_left + line.x + x, box_bottom + line.baseline)``.

Text is normalised before anything else (:func:`normalise_text`): line breaks
become ``"\\n"``, tabs become spaces, and the text is NFC-composed: a precomposed
"ễ" prints well where "e" plus two combining marks may not.

Lines with Hebrew, Arabic, Indic or Thai characters are ordered (bidi) and shaped
(HarfBuzz) by :mod:`.shaping`: their runs are in visual order and each run's text is
a :class:`~.shaping.ShapedText` carrying its glyphs. Other lines are never shaped.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import groupby
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError

from ..errors import CatalogError, EnvelopekitError, FitError, GlyphError, LayoutError, RecordError
from ..units import format_length, to_mm
from .breaking import needs_dictionary, word_pieces
from .shaping import ShapingTTFont, base_rtl, needs_shaping, shape_run, visual_runs

__all__ = [
    "CJK_FALLBACK",
    "FAMILIES",
    "FONTS_DIR",
    "FONTS_ENV",
    "SIZE_STEP",
    "Font",
    "FontFamily",
    "TemplateFieldError",
    "TextLayout",
    "TextLine",
    "TextOverflowError",
    "ascent",
    "check_glyphs",
    "descent",
    "drop_emoji",
    "emoji_warning",
    "fit_text",
    "get_family",
    "missing_glyphs",
    "normalise_text",
    "register_fonts",
    "render_template",
    "resolve_fonts_dir",
    "split_runs",
    "template_fields",
    "text_width",
]

Align = Literal["left", "center", "right", "start", "end"]
VAlign = Literal["top", "middle", "bottom"]
Run = tuple[str, str, float]

#: Environment variable naming another folder of fonts (same file names).
FONTS_ENV: Final = "ENVELOPEKIT_FONTS"
#: Last face of every chain: CJK ideographs, kana and hangul.
CJK_FALLBACK: Final = "DroidSansFallbackFull.ttf"


def _bundled_fonts() -> Path:
    """The repository's ``fonts/`` (a source checkout or an editable install), else the
    copy a wheel installs as the ``envelopekit.fonts`` package (see pyproject.toml)."""
    repo = Path(__file__).resolve().parents[2] / "fonts"
    if (repo / CJK_FALLBACK).is_file():
        return repo
    return Path(__file__).resolve().parents[1] / "fonts"


#: The bundled fonts folder.
FONTS_DIR: Final = _bundled_fonts()
#: Fitting tries sizes this far apart (points).
SIZE_STEP: Final = 0.25

#: Faces for the scripts the Latin faces lack (shaped by HarfBuzz), regular and bold.
SCRIPTS: Final = ("Arabic", "Hebrew", "Devanagari", "Thai")
_REGULAR: Final = tuple(f"NotoSans{s}-Regular.ttf" for s in SCRIPTS)
_BOLD: Final = tuple(f"NotoSans{s}-Bold.ttf" for s in SCRIPTS)
_SCRIPT_FACES: Final = tuple(f"NotoSans{s}-" for s in SCRIPTS)

#: Family name -> fallback chain of font files, first match wins per character.
FAMILIES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "sans": ("NotoSans-Regular.ttf", *_REGULAR, CJK_FALLBACK),
        "sans-bold": ("NotoSans-Bold.ttf", *_BOLD, CJK_FALLBACK),
        "sans-italic": ("NotoSans-Italic.ttf", *_REGULAR, CJK_FALLBACK),
        "sans-bolditalic": ("NotoSans-BoldItalic.ttf", *_BOLD, CJK_FALLBACK),
        "serif": ("NotoSerif-Regular.ttf", *_REGULAR, CJK_FALLBACK),
        "serif-bold": ("NotoSerif-Bold.ttf", *_BOLD, CJK_FALLBACK),
        "serif-italic": ("NotoSerif-Italic.ttf", *_REGULAR, CJK_FALLBACK),
    }
)

_EPS = 1e-6
# Control, private-use and surrogate code points are refused even if a cmap maps them:
# their glyphs are placeholders or mean something only inside one font.
_NEVER_DRAWN = frozenset({"Cc", "Co", "Cs"})


# ---------------------------------------------------------------------------
# Fonts


@dataclass(frozen=True, slots=True, eq=False)
class Font:
    """One registered TrueType face: its reportlab name and what layout needs of it.

    Widths, ascent and descent are in 1/1000 em, as reportlab reports them.
    """

    name: str
    path: Path
    coverage: frozenset[int] = field(repr=False)
    widths: Mapping[int, float] = field(repr=False)
    ascent: float
    descent: float  # below the baseline, positive


@dataclass(frozen=True, slots=True, eq=False)
class FontFamily:
    """A fallback chain of fonts used as one: each character takes the first face that has it.

    ``ascent``/``descent`` are the chain's largest (1/1000 em) so that every line of a
    family sits on the same baseline whatever script it is written in. The two dicts
    memoise per-character choices; they only ever grow, so sharing them is safe.
    """

    name: str
    fonts: tuple[Font, ...]
    ascent: float
    descent: float
    _pick: dict[str, int] = field(default_factory=dict, repr=False)
    _width: dict[str, float] = field(default_factory=dict, repr=False)

    def font_index(self, ch: str) -> int:
        """Index in ``fonts`` of the face that draws ``ch``, or -1 if none does."""
        index = self._pick.get(ch)
        if index is None:
            index = -1
            if unicodedata.category(ch) not in _NEVER_DRAWN:
                cp = ord(ch)
                for i, font in enumerate(self.fonts):
                    if cp in font.coverage:
                        index = i
                        self._width[ch] = font.widths[cp]
                        break
            self._pick[ch] = index
        return index

    def em_width(self, line: str) -> float:
        """Advance of one line of normalised text in 1/1000 em (no kerning: reportlab has none)."""
        try:
            return sum(map(self._width.__getitem__, line))
        except KeyError:
            for ch in line:
                if self.font_index(ch) < 0:
                    raise _glyph_error(
                        [c for c in dict.fromkeys(line) if self.font_index(c) < 0], self.name, None
                    ) from None
            return sum(map(self._width.__getitem__, line))


def resolve_fonts_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder fonts are read from: ``explicit``, else ``$ENVELOPEKIT_FONTS``, else FONTS_DIR."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(FONTS_ENV)
    return Path(env) if env else FONTS_DIR


def _font_name(path: Path) -> str:
    """Deterministic reportlab name; fonts from another folder get a suffix so they never clash."""
    if path.parent == FONTS_DIR:
        return f"EK-{path.stem}"
    digest = hashlib.sha1(str(path.parent).encode("utf-8")).hexdigest()[:8]
    return f"EK-{path.stem}-{digest}"


@cache
def _load_font(path: Path) -> Font:
    """Parse and register one TTF, once per process."""
    if not path.is_file():
        raise EnvelopekitError(
            f"font file {path.name} is missing",
            where=str(path.parent),
            hint=f"point {FONTS_ENV} at envelopekit's fonts/ folder",
        )
    name = _font_name(path)
    if name in pdfmetrics.getRegisteredFontNames():
        ttf = pdfmetrics.getFont(name)
    else:
        try:
            # reportlab's own shaping is off: complex lines are shaped by .shaping, and
            # the widths computed here must be the advances drawn.
            ttf = ShapingTTFont(name, str(path), shapable=False)
        except (TTFError, struct.error, ValueError, IndexError, KeyError) as exc:
            raise EnvelopekitError(
                f"{path.name} is damaged or not a usable TrueType font ({type(exc).__name__}: {exc})",
                where=str(path),
                hint="bundle fonts with TrueType (glyf) outlines; CFF cannot be embedded",
            ) from exc
        pdfmetrics.registerFont(ttf)
    face = ttf.face
    coverage = frozenset(cp for cp, gid in face.charToGlyph.items() if gid)
    return Font(name, path, coverage, face.charWidths, float(face.ascent), -float(face.descent))


_FAMILY_CACHE: dict[tuple[str, str | None, str | None], FontFamily] = {}


def get_family(name: str, *, fonts_dir: str | os.PathLike[str] | None = None) -> FontFamily:
    """The named family, its fonts parsed and registered with reportlab on first use."""
    explicit = None if fonts_dir is None else os.fspath(fonts_dir)
    key = (name, explicit, os.environ.get(FONTS_ENV))
    family = _FAMILY_CACHE.get(key)
    if family is None:
        files = FAMILIES.get(name)
        if files is None:
            raise CatalogError(f"unknown font family {name!r}", hint="use one of " + ", ".join(FAMILIES))
        folder = resolve_fonts_dir(explicit).resolve()
        fonts = tuple(_load_font(folder / f) for f in files)
        # The script faces' extents are left out: Noto Sans Arabic's (1374/738) make room
        # for stacked marks that names seldom have, and counting them would shrink every
        # Latin line of every layout.
        own = [f for f in fonts if not f.path.name.startswith(_SCRIPT_FACES)] or list(fonts)
        family = FontFamily(name, fonts, max(f.ascent for f in own), max(f.descent for f in own))
        _FAMILY_CACHE[key] = family
    return family


def register_fonts(*, fonts_dir: str | os.PathLike[str] | None = None) -> tuple[str, ...]:
    """Register every family's fonts (e.g. in a worker that only renders); return their names."""
    names: dict[str, None] = {}
    for family in FAMILIES:
        for font in get_family(family, fonts_dir=fonts_dir).fonts:
            names[font.name] = None
    return tuple(names)


def _family(family: str | FontFamily) -> FontFamily:
    return family if isinstance(family, FontFamily) else get_family(family)


def ascent(family: str | FontFamily, size: float) -> float:
    """Height above the baseline (pt) that the family's tallest glyphs reach at ``size``."""
    return _family(family).ascent * size / 1000.0


def descent(family: str | FontFamily, size: float) -> float:
    """Depth below the baseline (pt, positive) of the family's deepest glyphs at ``size``."""
    return _family(family).descent * size / 1000.0


# ---------------------------------------------------------------------------
# Coverage, runs and widths

_LINE_BREAKS = str.maketrans(
    {"\r": "\n", "\v": "\n", "\f": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n", "\t": " "}
)


_ODD_SPACE = re.compile("[\r\v\f\x85\u2028\u2029\t]")


def normalise_text(text: str) -> str:
    """Line breaks to ``"\\n"``, tabs to spaces, NFC: the form every other function works on."""
    if _ODD_SPACE.search(text):
        text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {ch!r}" + (f" ({name})" if name else "")


def _glyph_error(chars: list[str], family: str, field: str | None) -> GlyphError:
    listed = ", ".join(_describe(c) for c in chars)
    noun = "character" if len(chars) == 1 else "characters"
    return GlyphError(
        f"no bundled font in family {family!r} can draw the {noun} {listed}",
        field=field,
        hint="remove or replace it; emoji, control and private-use characters cannot be printed",
    )


def missing_glyphs(text: str, family: str | FontFamily) -> list[str]:
    """Characters of ``text`` (normalised, each once, in order) that no font in the chain draws.

    Line breaks are not characters to draw and are never reported.
    """
    fam = _family(family)
    return [c for c in dict.fromkeys(normalise_text(text)) if c != "\n" and fam.font_index(c) < 0]


def check_glyphs(text: str, family: str | FontFamily, *, field: str | None = None) -> None:
    """Raise GlyphError naming every character of ``text`` the family cannot draw.

    Nothing is ever dropped or drawn as a blank box: a recipient's name printed wrong
    is worse than a record reported.
    """
    fam = _family(family)
    missing = missing_glyphs(text, fam)
    if missing:
        raise _glyph_error(missing, fam.name, field)


# Parts of emoji sequences: joiner, variation selectors, keycap, skin tones, flag letters, tags.
_EMOJI_PARTS = frozenset({0x200D, 0xFE0E, 0xFE0F, 0x20E3})


def _emoji_part(cp: int) -> bool:
    return (
        cp in _EMOJI_PARTS or 0x1F3FB <= cp <= 0x1F3FF or 0x1F1E6 <= cp <= 0x1F1FF or 0xE0020 <= cp <= 0xE007F
    )


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (cp >= 0x2000 and unicodedata.category(ch) == "So") or _emoji_part(cp)


def drop_emoji(text: str, family: str | FontFamily = "sans") -> tuple[str, tuple[str, ...]]:
    """``text`` without the emoji the family cannot draw, and the characters dropped (each once).

    An emoji is a symbol (``So``) no bundled face has, with the parts of its sequence
    (zero width joiner, variation selectors, skin tones, flag letters, tags) when they
    touch a dropped one. A space left doubled by the drop is single again. Anything else
    undrawable (control and private-use characters) stays, for :func:`check_glyphs` to
    reject: only a layout's ``emoji = "drop"`` drops, and the caller lists what was dropped
    as a warning (:func:`emoji_warning`) so that it is never silent.
    """
    if text.isascii():
        return text, ()
    fam = _family(family)
    gone = [_is_emoji(ch) and fam.font_index(ch) < 0 for ch in text]
    if not any(gone):
        return text, ()
    for i, ch in enumerate(text):  # a sequence's parts go with it
        if not gone[i] and _emoji_part(ord(ch)):
            gone[i] = (i > 0 and gone[i - 1]) or (i + 1 < len(text) and gone[i + 1])
    for i in range(len(text) - 1, -1, -1):  # and the other way (a joiner before an emoji)
        if not gone[i] and _emoji_part(ord(text[i])) and i + 1 < len(text) and gone[i + 1]:
            gone[i] = True
    out: list[str] = []
    for i, ch in enumerate(text):
        if gone[i]:
            continue
        if ch == " " and out and out[-1] == " " and i > 0 and gone[i - 1]:
            continue
        out.append(ch)
    shown = [ch for ch, g in zip(text, gone, strict=True) if g and not _emoji_part(ord(ch))]
    dropped = tuple(dict.fromkeys(shown or [ch for ch, g in zip(text, gone, strict=True) if g]))
    return "".join(out).strip(), dropped


def emoji_warning(field: str, dropped: tuple[str, ...]) -> str:
    """The manifest warning for emoji dropped from ``field``."""
    listed = ", ".join(_describe(c) for c in dropped)
    return f"{field}: emoji dropped (no bundled font draws them): {listed}"


def _runs(fam: FontFamily, line: str) -> list[tuple[str, str]]:
    fonts = fam.fonts
    out = []
    for index, chars in groupby(line, key=fam.font_index):
        if index < 0:
            check_glyphs(line, fam)
        out.append((fonts[index].name, "".join(chars)))
    return out


def split_runs(text: str, family: str | FontFamily) -> list[tuple[str, str]]:
    """``(font name, substring)`` pairs covering one line of normalised ``text``.

    Each character takes the first font of the chain that has it; neighbours with the
    same font merge. Raises GlyphError for an undrawable character and ValueError for
    a line break (lines are :func:`fit_text`'s business).
    """
    fam = _family(family)
    line = normalise_text(text)
    if "\n" in line:
        raise ValueError("split_runs takes one line of text; use fit_text for several")
    return _runs(fam, line)


@lru_cache(maxsize=8192)
def _shaped(fam: FontFamily, line: str) -> tuple[tuple[Run, ...], float]:
    """A line needing shaping as runs in visual order, offsets and advance in 1/1000 em."""
    fam.em_width(line)  # GlyphError for an undrawable character
    fonts = fam.fonts
    runs: list[Run] = []
    x = 0.0
    for start, stop, index, rtl in visual_runs(
        line, fam.font_index, lambda i, ch: ord(ch) in fonts[i].coverage
    ):
        font = fonts[index]
        shaped = shape_run(str(font.path), line[start:stop], rtl).at(start)
        runs.append((font.name, shaped, x))
        x += shaped.advance
    return tuple(runs), x


def _line_em(fam: FontFamily, line: str) -> float:
    """Advance of one line in 1/1000 em: shaped if it needs shaping, else the plain sum."""
    return _shaped(fam, line)[1] if needs_shaping(line) else fam.em_width(line)


def text_width(text: str, family: str | FontFamily, size: float) -> float:
    """Advance width in points of ``text`` at ``size``; of its widest line if it has several."""
    fam = _family(family)
    norm = normalise_text(text)
    return max(_line_em(fam, line) for line in norm.split("\n")) * size / 1000.0


# ---------------------------------------------------------------------------
# Fitting


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line placed in its box; see the module docstring for the coordinates."""

    x: float
    baseline: float
    width: float
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run[1] for run in self.runs)


@dataclass(frozen=True, slots=True)
class TextLayout:
    """Text fitted into a box: the size chosen and every line placed.

    ``leading`` is the baseline-to-baseline distance and ``ascent``/``descent`` the
    family's extents at ``size``, all in points.
    """

    size: float
    leading: float
    ascent: float
    descent: float
    lines: tuple[TextLine, ...]

    @property
    def width(self) -> float:
        """Widest line (pt)."""
        return max((line.width for line in self.lines), default=0.0)

    @property
    def height(self) -> float:
        """From the first line's ascent to the last line's descent (pt)."""
        if not self.lines:
            return 0.0
        return self.ascent + self.descent + (len(self.lines) - 1) * self.leading


class TextOverflowError(FitError):
    """Text that does not fit its box; ``overflow_width``/``_height`` say by how much (pt)."""

    def __init__(
        self,
        message: str,
        *,
        overflow_width: float,
        overflow_height: float,
        where: str | None = None,
        hint: str | None = None,
    ):
        self.overflow_width = overflow_width
        self.overflow_height = overflow_height
        super().__init__(message, where=where, hint=hint)


_NO_BREAK_SPACES = frozenset("\u00a0\u2007\u202f\u2060\ufeff")
# No line may start with a closing mark nor end with an opening one (a small kinsoku set).
_NO_LINE_START = frozenset(
    "、。，．・：；？！）〕］｝〉》」』】〙〗ー々ゝゞヽヾ"
    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ…‥),.:;!?]}"
)
_NO_LINE_END = frozenset("（〔［｛〈《「『【〘〖([{")
# Ideographs, kana, bopomofo, CJK punctuation and full-width forms: written without spaces.
_CJK = re.compile(
    "[\u2e80-\u2fdf\u3000-\u312f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)


def _segments(line: str) -> list[tuple[str, str]]:
    """Split a line into ``(word, following spaces)`` units; a line may break after any unit.

    Breaks: after spaces, after a hyphen inside a word, between CJK characters, and
    inside a Thai, Lao, Khmer or Myanmar word where ICU's dictionaries put a word
    boundary (:mod:`.breaking`). A word is never cut elsewhere: a name broken mid-word
    reads as two names.
    """
    units: list[tuple[str, str]] = []
    word: list[str] = []
    glue: list[str] = []
    for ch in line:
        if ch == " " or (ch.isspace() and ch not in _NO_BREAK_SPACES):
            glue.append(ch)
            continue
        if glue or (word and _break_before(word, ch)):
            _add_unit(units, "".join(word), "".join(glue))
            word, glue = [], []
        word.append(ch)
    if word or glue:
        _add_unit(units, "".join(word), "".join(glue))
    return units


def _add_unit(units: list[tuple[str, str]], word: str, glue: str) -> None:
    """A word and its spaces; a word of a script written without spaces in dictionary pieces."""
    if needs_dictionary(word):
        *pieces, last = word_pieces(word)
        units.extend((piece, "") for piece in pieces)
        word = last
    units.append((word, glue))


def _break_before(word: list[str], ch: str) -> bool:
    prev = word[-1]
    if prev in "-\u2010" and len(word) > 1 and word[-2].isalnum() and ch.isalnum():
        return True
    if _CJK.match(prev) or _CJK.match(ch):
        return ch not in _NO_LINE_START and prev not in _NO_LINE_END
    return False


_Unit = tuple[str, str, float, float]  # word, following spaces, their widths in 1/1000 em


def _units(fam: FontFamily, para: str) -> list[_Unit]:
    return [(w, g, _line_em(fam, w), _line_em(fam, g)) for w, g in _segments(para)]


def _wrap(paragraphs: list[list[_Unit]], limit_em: float) -> list[tuple[str, float]]:
    """Greedy line filling (fewest lines for a given width); returns ``(line, em width)``."""
    lines: list[tuple[str, float]] = []
    limit = limit_em + _EPS
    for units in paragraphs:
        if not units:
            lines.append(("", 0.0))
            continue
        start, width = 0, units[0][2]
        for j in range(1, len(units)):
            candidate = width + units[j - 1][3] + units[j][2]
            if candidate <= limit:
                width = candidate
                continue
            lines.append((_join(units, start, j), width))
            start, width = j, units[j][2]
        lines.append((_join(units, start, len(units)), width))
    return lines


def _join(units: list[_Unit], start: int, stop: int) -> str:
    """Units ``start..stop-1`` as text, without the spaces that end the line."""
    return "".join(w + g for w, g, _, _ in units[start : stop - 1]) + units[stop - 1][0]


def _sizes(size: float, min_size: float) -> list[float]:
    """``size``, ``size - 0.25``, ... down to ``min_size`` (always included)."""
    out: list[float] = []
    k = 0
    while (s := size - k * SIZE_STEP) >= min_size - _EPS:
        out.append(s)
        k += 1
    if out[-1] > min_size + _EPS:
        out.append(min_size)
    return out


def _largest(sizes: list[float], fits: Callable[[float], bool]) -> int | None:
    """Index of the first (largest) of the falling ``sizes`` that ``fits``, given that every
    smaller size fits too (greedy wrapping never needs more lines in a wider box)."""
    if fits(sizes[0]):
        return 0
    if not fits(sizes[-1]):
        return None
    lo, hi = 0, len(sizes) - 1  # sizes[lo] fails, sizes[hi] fits
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(sizes[mid]):
            hi = mid
        else:
            lo = mid
    return hi


def fit_text(
    text: str,
    family: str | FontFamily,
    box_width: float,
    box_height: float,
    *,
    size: float,
    min_size: float | None = None,
    leading: float = 1.2,
    align: Align = "left",
    valign: VAlign = "top",
    wrap: bool = True,
    field: str | None = None,
) -> TextLayout:
    """Fit ``text`` into a ``box_width`` x ``box_height`` box (points) and place its lines.

    Shrinking comes first, because it keeps the lines the writer chose: sizes from
    ``size`` down to ``min_size`` in 0.25 pt steps with explicit newlines as the only
    breaks. Only then, if ``wrap``, words are wrapped at the largest of those sizes
    that fits (found by bisection: fitting only gets easier as the size falls).
    Otherwise TextOverflowError (a FitError) says how much is too wide or too tall at
    ``min_size``. ``align`` ``"start"``/``"end"`` is left/right for a left-to-right
    line and right/left for a right-to-left one (its first strong character decides).
    ``leading`` is a factor of the size. The box holds the
    first line's ascent, the leadings and the last line's descent (the family's real
    extents). Trailing spaces of lines and trailing empty lines are dropped: they are
    invisible but would shift aligned text. ``field`` names the text in errors.
    """
    if size <= 0 or leading <= 0 or box_width <= 0 or box_height <= 0:
        raise ValueError("size, leading and the box's width and height must be positive")
    low = size if min_size is None else min_size
    if not 0 < low <= size:
        raise ValueError(f"min_size {min_size} must be positive and at most size {size}")
    if align not in ("left", "center", "right", "start", "end"):
        raise ValueError(f"align must be left, center, right, start or end, not {align!r}")
    if valign not in ("top", "middle", "bottom"):
        raise ValueError(f"valign must be top, middle or bottom, not {valign!r}")
    fam = _family(family)
    norm = normalise_text(text)
    check_glyphs(norm, fam, field=field)
    box = _Box(float(box_width), float(box_height), float(leading), align, valign)
    return _fit(norm, fam, box, float(size), float(low), wrap, field)


@dataclass(frozen=True, slots=True)
class _Box:
    width: float
    height: float
    leading: float  # factor of the size
    align: Align
    valign: VAlign


@lru_cache(maxsize=4096)
def _fit(
    text: str, fam: FontFamily, box: _Box, size: float, low: float, wrap: bool, field: str | None
) -> TextLayout:
    """fit_text on validated, normalised input; memoised because static text repeats per record."""
    box_w, box_h, leading = box.width, box.height, box.leading
    paragraphs = [line.rstrip() for line in text.split("\n")]
    while paragraphs and not paragraphs[-1]:
        paragraphs.pop()
    extent = (fam.ascent + fam.descent) / 1000.0

    def height(n: int, s: float) -> float:
        return (extent + (n - 1) * leading) * s if n else 0.0

    sizes = _sizes(size, low)
    ems = [_line_em(fam, p) for p in paragraphs]
    widest = max(ems, default=0.0)
    unwrapped = list(zip(paragraphs, ems, strict=True))
    # Both tests get easier as the size falls, so the largest size passing is bisected.
    hit = _largest(
        sizes, lambda s: widest * s / 1000.0 <= box_w + _EPS and height(len(ems), s) <= box_h + _EPS
    )
    if hit is not None:
        return _place(fam, unwrapped, sizes[hit], box)
    best = unwrapped
    if wrap:
        units = [_units(fam, p) for p in paragraphs]

        def wrapped_fits(s: float) -> bool:
            lines = _wrap(units, box_w * 1000.0 / s)
            wide = max(em for _, em in lines)
            return wide * s / 1000.0 <= box_w + _EPS and height(len(lines), s) <= box_h + _EPS

        hit = _largest(sizes, wrapped_fits)
        if hit is not None:
            return _place(fam, _wrap(units, box_w * 1000.0 / sizes[hit]), sizes[hit], box)
        best = _wrap(units, box_w * 1000.0 / sizes[-1])
    s = sizes[-1]
    too_wide = max(em for _, em in best) * s / 1000.0 - box_w
    too_tall = height(len(best), s) - box_h
    parts = [f"{_mm(v)} too {what}" for v, what in ((too_wide, "wide"), (too_tall, "tall")) if v > _EPS]
    how = "wrapped" if wrap else "unwrapped"
    raise TextOverflowError(
        f"text does not fit its {_mm(box_w)} x {_mm(box_h)} box even at {s:g} pt ({how}): "
        + " and ".join(parts),
        overflow_width=max(too_wide, 0.0),
        overflow_height=max(too_tall, 0.0),
        where=f"field {field!r}" if field else None,
        hint="shorten the text, enlarge the box or lower min_size",
    )


def _mm(points: float) -> str:
    return format_length(points, "mm", 1 if to_mm(points) >= 0.1 else 2)


def _place(fam: FontFamily, lines: list[tuple[str, float]], s: float, box: _Box) -> TextLayout:
    scale, box_w, box_h = s / 1000.0, box.width, box.height
    asc, desc, lead = fam.ascent * scale, fam.descent * scale, box.leading * s
    block = asc + desc + (len(lines) - 1) * lead if lines else 0.0
    top = {"top": box_h, "middle": (box_h + block) / 2.0, "bottom": block}[box.valign]
    placed = []
    for k, (line, _) in enumerate(lines):
        runs: list[Run] = []
        x_em = 0.0
        rtl = False
        if needs_shaping(line):
            shaped, x_em = _shaped(fam, line)
            runs = [(name, chunk, dx * scale) for name, chunk, dx in shaped]
            rtl = base_rtl(line)
        else:
            for name, chunk in _runs(fam, line):
                runs.append((name, chunk, x_em * scale))
                x_em += fam.em_width(chunk)
        width = x_em * scale
        align = box.align
        if align in ("start", "end"):  # the line's own direction decides
            align = "right" if rtl == (align == "start") else "left"
        x = {"left": 0.0, "center": (box_w - width) / 2.0, "right": box_w - width}[align]
        placed.append(TextLine(x, top - asc - k * lead, width, tuple(runs)))
    return TextLayout(s, lead, asc, desc, tuple(placed))


# ---------------------------------------------------------------------------
# Templates


class TemplateFieldError(RecordError, KeyError):
    """A placeholder naming a field the record lacks; a KeyError too, as with ``format_map``."""


_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@lru_cache(maxsize=1024)
def _parse_template(template: str) -> tuple[tuple[str, bool], ...]:
    """``(text, is_field)`` parts; parsed once per distinct template, not once per record."""
    parts: list[tuple[str, bool]] = []
    literal: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(template):
        literal.append(template[pos : match.start()])
        pos = match.end()
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif name is None:
            raise LayoutError(
                f"lone {token!r} at column {match.start() + 1} of template {template!r}",
                hint="write {{ or }} for a literal brace",
            )
        elif not name.isidentifier():
            raise LayoutError(
                f"placeholder {token!r} at column {match.start() + 1} of template "
                f"{template!r} is not a simple field name",
                hint="write {field} with letters, digits and _ only; no formats or indexes",
            )
        else:
            if literal:
                parts.append(("".join(literal), False))
                literal = []
            parts.append((name, True))
    literal.append(template[pos:])
    tail = "".join(literal)
    if tail:
        parts.append((tail, False))
    return tuple(parts)


def template_fields(template: str) -> tuple[str, ...]:
    """Field names a template uses, each once, in order; LayoutError if it is malformed.

    Lets a layout be checked against the records' columns before any record is built.
    """
    return tuple(dict.fromkeys(text for text, is_field in _parse_template(template) if is_field))


def render_template(template: str, fields: Mapping[str, str]) -> str:
    """Fill ``{field}`` placeholders from ``fields``; ``{{``/``}}`` are literal braces.

    LayoutError for a malformed template, TemplateFieldError (a RecordError and a
    KeyError) naming a field the record lacks.
    """
    out = []
    for text, is_field in _parse_template(template):
        if not is_field:
            out.append(text)
            continue
        value = fields.get(text)
        if value is None:
            known = sorted(fields)
            listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            raise TemplateFieldError(
                f"the template uses {{{text}}} but the record has no such field",
                field=text,
                hint=f"fields available: {listed}" if known else "the record has no fields",
            )
        out.append(str(value))
    return "".join(out)
