"""Font subset tags are made from the subset's glyph set (issue 10, section 7).

A RIP that merges two files of one job treats fonts with the same name as the same
font: two different subsets must never share a tag, and the same subset may.
"""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from envelopekit.batch import render_kit


def _subsets(data: bytes) -> dict[str, bytes]:
    """Every embedded font subset of a PDF: BaseFont name -> its ToUnicode map (what
    glyphs it holds, code by code)."""
    out: dict[str, bytes] = {}
    reader = PdfReader(io.BytesIO(data))

    def visit(resources: Any) -> None:
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            out[str(font["/BaseFont"])] = font["/ToUnicode"].get_object().get_data()
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if "/Resources" in xobject:
                visit(xobject["/Resources"].get_object())

    for page in reader.pages:
        visit(page["/Resources"].get_object())
    return out


def _kit(demo_key: bytes, name: str) -> bytes:
    record = {
        "id": "R1",
        "first_name": name,
        "last_name": "Hopper",
        "organisation": "",
        "guest": f"{name} & Guest",
        "street": "1600 Elm Avenue",
        "city": "Portland",
        "region": "OR",
        "postal_code": "97205",
        "country": "US",
    }
    return render_kit("wedding", record, key=demo_key)


def test_a_subset_tag_names_one_glyph_set_across_files(demo_key: bytes) -> None:
    files = [_kit(demo_key, name) for name in ("Ada", "Zoë Quist-Wyvern", "Ada")]
    seen: dict[str, bytes] = {}
    for data in files:
        for name, glyphs in _subsets(data).items():
            tag = name.lstrip("/").partition("+")[0]
            assert len(tag) == 6 and tag.isalpha() and tag.isupper(), name
            assert seen.setdefault(name, glyphs) == glyphs, f"{name}: two glyph sets under one tag"
    names = [set(_subsets(data)) for data in files]
    assert names[0] == names[2], "the same glyphs in two files: the same tags"
    assert names[0] != names[1], "other glyphs: other tags"


def test_a_build_is_byte_identical_with_tags_from_glyphs(demo_key: bytes) -> None:
    assert _kit(demo_key, "Ada") == _kit(demo_key, "Ada")


def test_shaped_fonts_are_tagged_by_their_glyph_sets_too(demo_key: bytes) -> None:
    """Arabic and Devanagari names go through the shaping font (its own ToUnicode maps)."""
    a, b = _kit(demo_key, "فاطمة الزهراء"), _kit(demo_key, "किरण")
    names = [set(_subsets(data)) for data in (a, b)]
    assert any("Arabic" in n for n in names[0]) and any("Devanagari" in n for n in names[1])
    shared = names[0] & names[1]
    assert all(_subsets(a)[n] == _subsets(b)[n] for n in shared), "one tag, one glyph set"
