"""Thai (and Lao, Khmer, Myanmar) lines wrap at dictionary word boundaries.

The boundaries are ICU's (icu4py's LineBreaker): each test compares the wrapper's
breaks with the library's own for the same text. A rendered crop of the wrapped Thai
address was looked at (five lines, marks stacked, no word cut); the check
here keeps it from going blank.
"""

from __future__ import annotations

from itertools import accumulate
from pathlib import Path

import pytest
from icu4py.breakers import LineBreaker

from envelopekit.content import text as T
from envelopekit.content.breaking import needs_dictionary, word_pieces
from envelopekit.content.shaping import ShapedText

# A name and a Bangkok address: no spaces inside the words, some between the parts.
ADDRESS = "นายสมชายใจดีมีสุข บ้านเลขที่123/45 ถนนสุขุมวิทแขวงคลองเตยเหนือ เขตวัฒนา กรุงเทพมหานคร"


def icu_boundaries(text: str) -> set[int]:
    """Every offset where ICU's line break iterator allows a break in ``text``, before
    the spaces that a piece ends with (a wrapped line drops them)."""
    pieces = list(LineBreaker(text, ""))
    ends = list(accumulate(len(piece) for piece in pieces))
    return {end - (len(piece) - len(piece.rstrip(" "))) for piece, end in zip(pieces, ends, strict=True)}


def line_ends(text: str, lines: list[str]) -> list[int]:
    """Where each wrapped line ends in ``text`` (the spaces a break swallowed skipped)."""
    ends, pos = [], 0
    for line in lines:
        while text[pos] == " ":
            pos += 1
        assert text.startswith(line, pos), (text[pos:], line)
        pos += len(line)
        ends.append(pos)
    return ends


def test_word_pieces_are_icus_and_join_back() -> None:
    word = "ถนนสุขุมวิทแขวงคลองเตยเหนือ"
    pieces = word_pieces(word)
    assert pieces == tuple(LineBreaker(word, ""))
    assert "".join(pieces) == word and len(pieces) > 1
    assert word_pieces("Lovelace") == ("Lovelace",)  # not sent to ICU
    assert needs_dictionary("ວຽງຈັນ") and needs_dictionary("ភ្នំពេញ") and not needs_dictionary("שרה")


def test_a_long_thai_address_wraps_at_dictionary_word_boundaries() -> None:
    layout = T.fit_text(ADDRESS, "sans", 120, 200, size=12, min_size=12)
    lines = [line.text for line in layout.lines]
    assert len(lines) >= 3, lines
    allowed = icu_boundaries(ADDRESS)
    ends = line_ends(ADDRESS, lines)
    assert ends[-1] == len(ADDRESS)
    assert set(ends) <= allowed, [
        (line, end) for line, end in zip(lines, ends, strict=True) if end not in allowed
    ]
    # At least one break falls inside a word: the address has too few spaces to wrap without.
    assert any(ADDRESS[end] != " " for end in ends[:-1])
    for line in layout.lines:
        assert all(isinstance(run[1], ShapedText) for run in line.runs)  # each line shaped
        assert line.width <= 120.0 + 1e-6


def test_without_a_break_opportunity_thai_overflows_instead_of_being_cut() -> None:
    word = "กรุงเทพมหานคร"  # one dictionary word
    assert word_pieces(word) == (word,)
    with pytest.raises(T.TextOverflowError):
        T.fit_text(word, "sans", 30, 200, size=12, min_size=12)


def test_other_scripts_wrap_as_before() -> None:
    assert T._segments("Müller-Lüdenscheidt 12 Rue") == [
        ("Müller-", ""),
        ("Lüdenscheidt", " "),
        ("12", " "),
        ("Rue", ""),
    ]
    assert T._segments("山田太郎") == [("山", ""), ("田", ""), ("太", ""), ("郎", "")]
    assert T._segments("شارع الملك") == [("شارع", " "), ("الملك", "")]


def test_a_wrapped_thai_address_renders(tmp_path: Path) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    from reportlab.pdfgen import canvas

    from envelopekit.render.lean import text_code

    layout = T.fit_text(ADDRESS, "sans", 120, 200, size=12, min_size=12)
    pdf = tmp_path / "thai.pdf"
    c = canvas.Canvas(str(pdf), pagesize=(160, 240))
    for line in layout.lines:
        c._code.append(text_code(c._doc, 20 + line.x, 20 + line.baseline, layout.size, line.runs))
    c.showPage()
    c.save()
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[0]
        text = page.get_textpage().get_text_range()
        assert [t.strip() for t in text.split("\r\n")] == [line.text for line in layout.lines]
        image = page.render(scale=3).to_pil().convert("L")
        image.save(tmp_path / "thai.png")
        assert image.point(lambda v: 255 if v < 128 else 0).getbbox() is not None
    finally:
        document.close()
