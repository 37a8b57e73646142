"""Text layout: measuring lines and fitting text into boxes.

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

Text is normalised before anything else (:func:`~.glyphs.normalise_text`), and a
character no face draws is refused, never dropped (:func:`~.glyphs.check_glyphs`).

Lines with Hebrew, Arabic, Indic or Thai characters are ordered (bidi) and shaped
(HarfBuzz) by :mod:`.shaping`: their runs are in visual order and each run's text is
a :class:`~.shaping.ShapedText` carrying its glyphs. Other lines are never shaped.

What layout builds on lives beside this module, and is re-exported here so that
``envelopekit.content.text`` stays the one import for text: :mod:`.fonts` (families,
registration, extents), :mod:`.glyphs` (normalising, glyph coverage, emoji),
:mod:`.wrapping` (line breaks and greedy filling) and :mod:`.templates` (field
templates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from typing import Final, Literal

from reportlab.pdfbase.ttfonts import TTFError as TTFError  # what a damaged font raises

from ..errors import FitError
from ..units import format_length, to_mm
from .fonts import (
    CJK_FALLBACK,
    FAMILIES,
    FONTS_DIR,
    FONTS_ENV,
    Font,
    FontFamily,
    _family,
    ascent,
    descent,
    get_family,
    register_fonts,
    resolve_fonts_dir,
)
from .fonts import SCRIPTS as SCRIPTS
from .glyphs import check_glyphs, drop_emoji, emoji_warning, missing_glyphs, normalise_text
from .shaping import base_rtl, needs_shaping, shape_run, visual_runs
from .templates import TemplateFieldError, render_template, template_fields
from .wrapping import _segments, _Unit, _wrap

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

#: Fitting tries sizes this far apart (points).
SIZE_STEP: Final = 0.25

_EPS = 1e-6


# ---------------------------------------------------------------------------
# Runs and widths


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


def _units(fam: FontFamily, para: str) -> list[_Unit]:
    return [(w, g, _line_em(fam, w), _line_em(fam, g)) for w, g in _segments(para)]


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
