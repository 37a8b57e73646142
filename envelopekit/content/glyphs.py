"""Characters before layout: normalised text, glyph coverage and emoji.

Text is normalised before anything else (:func:`normalise_text`): line breaks
become ``"\\n"``, tabs become spaces, and the text is NFC-composed: a precomposed
"ễ" prints well where "e" plus two combining marks may not.

:func:`check_glyphs` refuses every character no face of a family draws: nothing is
dropped or drawn as a blank box. :func:`drop_emoji` is the one exception, asked for
by a layout's ``emoji = "drop"`` and reported (:func:`emoji_warning`).
"""

from __future__ import annotations

import re
import unicodedata

from .fonts import FontFamily, _describe, _family, _glyph_error

__all__ = ["check_glyphs", "drop_emoji", "emoji_warning", "missing_glyphs", "normalise_text"]

_LINE_BREAKS = str.maketrans(
    {"\r": "\n", "\v": "\n", "\f": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n", "\t": " "}
)


_ODD_SPACE = re.compile("[\r\v\f\x85\u2028\u2029\t]")


def normalise_text(text: str) -> str:
    """Line breaks to ``"\\n"``, tabs to spaces, NFC: the form every other function works on."""
    if _ODD_SPACE.search(text):
        text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


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
