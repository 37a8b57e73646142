"""Line breaking: where a line may break, and greedy filling of lines to a width.

Pure text and numbers: the caller measures the units (:mod:`.text`), so nothing
here knows a font. Breaks come after spaces, after a hyphen inside a word, between
CJK characters (with a small kinsoku set), and where ICU's dictionaries put a word
boundary in Thai, Lao, Khmer or Myanmar (:mod:`.breaking`).
"""

from __future__ import annotations

import re

from .breaking import needs_dictionary, word_pieces

_EPS = 1e-6

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
