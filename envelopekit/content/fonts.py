"""Fonts: the bundled TrueType faces, the families that chain them, and their registration.

A family is a fallback chain of faces used as one: each character takes the first
face that has it. Its fonts are parsed and registered with reportlab on first use,
once per process. Metrics come from ``reportlab.pdfbase`` (never ``reportlab.pdfgen``)
and only from the files bundled in ``fonts/`` (or the folder ``$ENVELOPEKIT_FONTS``
names), so a layout is the same on every machine.
"""

from __future__ import annotations

import hashlib
import os
import struct
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError

from ..errors import CatalogError, EnvelopekitError, GlyphError
from .shaping import ShapingTTFont

__all__ = [
    "CJK_FALLBACK",
    "FAMILIES",
    "FONTS_DIR",
    "FONTS_ENV",
    "SCRIPTS",
    "Font",
    "FontFamily",
    "ascent",
    "descent",
    "get_family",
    "register_fonts",
    "resolve_fonts_dir",
]

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

# Control, private-use and surrogate code points are refused even if a cmap maps them:
# their glyphs are placeholders or mean something only inside one font.
_NEVER_DRAWN = frozenset({"Cc", "Co", "Cs"})


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
