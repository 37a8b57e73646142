"""One typed vocabulary for layouts: every value is checked once, with file, line and key.

Each hostile value here crashed a build ("internal error") or was built when it
should have been refused; each is now a LayoutError on its own line. The closed sets
are the registries' own, and layouts/README.md is checked against the schema.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
from conftest import LAYOUTS
from test_layouts import HELP_ME, edit_line, insert_after, layout_error

from envelopekit.errors import EnvelopekitError, LayoutError
from envelopekit.layout_blocks import BLOCKS
from envelopekit.layout_tables import (
    CARD,
    ENVELOPE,
    OUTPUT_CONDITIONS,
    TOKEN_KINDS,
    TOP,
    WINDOW,
    link_table,
    reference,
    style_table,
)
from envelopekit.layouts import parse_layout
from envelopekit.schema import Ctx, read_table
from envelopekit.units import mm

README = LAYOUTS / "README.md"


# --- values that crashed -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        ('bleed = "3mm"', 'bleed = "1/0mm"', "defaults.bleed", "divides by zero"),
        ('size = "16pt"', 'size = "0pt"', "envelope[0].back[0].size", "out of range"),
        ('size = "16pt"', 'size = "-4pt"', "envelope[0].back[0].size", "out of range"),
        ('size = "16pt"', 'size = "16pt"\nmin_size = "20pt"', "envelope[0].back[0].min_size", "above size"),
        ('size = "16pt"', 'size = "16pt"\nmin_size = "0pt"', "envelope[0].back[0].min_size", "out of range"),
        (
            'size = "16pt"',
            'size = "16pt"\nleading = "abc"',
            "envelope[0].back[0].leading",
            "must be a number",
        ),
        ('size = "16pt"', 'size = "16pt"\nleading = 0', "envelope[0].back[0].leading", "out of range"),
        ('size = "16pt"', 'size = "16pt"\nleading = nan', "envelope[0].back[0].leading", "finite"),
        (
            'token = "hmac"',
            'token = "hmac"\ntoken_length = "abc"',
            "links.survey.token_length",
            "whole number",
        ),
        ('token = "hmac"', 'token = "hmac"\ntoken_length = nan', "links.survey.token_length", "whole number"),
        ('token = "hmac"', 'token = "hmac"\ntoken_length = inf', "links.survey.token_length", "whole number"),
        (
            'token = "hmac"',
            'token = "hmac"\ntoken_length = [17]',
            "links.survey.token_length",
            "whole number",
        ),
        ('token = "hmac"', 'token = "hmac"\ntoken_length = 99', "links.survey.token_length", "out of range"),
        ('dash = ["2pt", "2pt"]', 'dash = ["0pt", "2pt"]', "envelope[0].front[1].dash", "out of range"),
        ('dash = ["2pt", "2pt"]', 'dash = ["-2pt", "2pt"]', "envelope[0].front[1].dash", "out of range"),
        ('size = "86x56mm"', 'size = "1x1mm"', ".cards[0].size", "20 to 1000 mm"),
        ('size = "86x56mm"', 'size = "1/0x1mm"', ".cards[0].size", "divides by zero"),
        ('size = "86x56mm"', 'size = "99999x99999mm"', ".cards[0].size", "20 to 1000 mm"),
        ('width = "1pt"', 'width = "9999999999999999999999mm"', ".cards[0].front[1].width", "out of range"),
        ('stock = "text-120"', 'stock = "1000000000000000000000000000gsm"', "cards[0].stock", "gsm"),
    ],
)
def test_values_that_crashed_are_refused_on_their_line(old: str, new: str, key: str, says: str) -> None:
    text, line = edit_line(HELP_ME, old, new)
    err = layout_error(text)
    assert err.key is not None and err.key.endswith(key), err
    assert err.line == line + len(new.splitlines()) - 1, err
    assert says in err.message, err


def test_nesting_a_thousand_deep_and_a_5000_digit_number_are_refused() -> None:
    deep = "x = " + "[" * 1000 + "]" * 1000 + "\n"
    err = layout_error(deep + HELP_ME)
    assert "nested" in str(err)
    # Deep but parseable: refused by the schema's depth limit, not by a RecursionError.
    err = layout_error(HELP_ME.replace("[sample]", "[sample]\nx = " + "[" * 100 + "]" * 100, 1))
    assert "nested more than" in str(err) and err.key is not None
    text, line = edit_line(HELP_ME, 'job = "HELPME-2027"', "job = " + "9" * 5000)
    err = layout_error(text)
    assert err.line == line and "digits" in str(err)


# --- values that were built but should be refused -----------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        ('bleed = "3mm"', 'bleed = "-3mm"', "defaults.bleed", "out of range"),
        ('link = "survey"', 'link = "survey"\nmin_module = "0mm"', "front[3].min_module", "0.40mm"),
        ('link = "survey"', 'link = "survey"\nmin_module = "0.3mm"', "front[3].min_module", "0.40mm"),
        (
            'token = "hmac"',
            'token = "hmac"\nallow_http = "false"',
            "links.survey.allow_http",
            "true or false",
        ),
        ("colour = [0.85, 0.10, 0.0, 0.0]", "colour = [0.5, 50, 0, 0]", "front[0].colour", "mixes fractions"),
        ("colour = [0.85, 0.10, 0.0, 0.0]", "colour = [1, 50, 0, 0]", "front[0].colour", "mixes fractions"),
        (
            'dash = ["2pt", "2pt"]',
            'dash = ["2pt", "2pt"]\nradius = "-3mm"',
            "front[1].radius",
            "out of range",
        ),
        (
            'dash = ["2pt", "2pt"]',
            'dash = ["2pt", "2pt"]\nradius = "20mm"',
            "front[1].radius",
            "half the box",
        ),
        (
            'box = ["30mm", "137mm", "169mm", "14mm"]',
            'box = ["30mm", "137mm", "0.001pt", "14mm"]',
            "back[0].box",
            "out of range",
        ),
        ('name = "step1"', 'name = ""', "envelopes[0].name", "empty"),
        ('name = "step1"', 'name = "../../x"', "envelopes[0].name", "not allowed"),
        ('name = "step1"', 'name = "a/b"', "envelopes[0].name", "not allowed"),
        ('name = "step1"', 'name = "/etc/x"', "envelopes[0].name", "not allowed"),
        ('name = "step1"', 'name = ".."', "envelopes[0].name", "not allowed"),
        ('name = "step1"', 'name = "a\\\\b"', "envelopes[0].name", "not allowed"),
        ('name = "card3"', 'name = "STEP1"', "cards[0].name", "used twice"),
        ('link = "survey"', 'link = "nowhere"', "front[3].link", "not a [links.NAME]"),
        (
            'home_country = "GB"         # sent from the UK: no country line for UK addresses',
            'home_country = "GBR"',
            "home_country",
            "two-letter",
        ),
    ],
)
def test_bad_layouts_that_were_built_are_refused(old: str, new: str, key: str, says: str) -> None:
    text, line = edit_line(HELP_ME, old, new)
    err = layout_error(text)
    assert err.key is not None and err.key.endswith(key), err
    assert err.line == line + len(new.splitlines()) - 1, err
    assert says in str(err), err


def test_a_real_boolean_and_percentages_still_read() -> None:
    text, _ = edit_line(
        HELP_ME, 'url = "https://survey.example.org/helpme"', 'url = "http://survey.example.org/h"'
    )
    text, _ = edit_line(text, 'token = "hmac"', 'token = "hmac"\nallow_http = true')
    assert parse_layout(text, base=LAYOUTS).links["survey"]["allow_http"] is True
    text, _ = edit_line(HELP_ME, "colour = [0.85, 0.10, 0.0, 0.0]", "colour = [85, 10, 0, 0]")
    band = parse_layout(text, base=LAYOUTS).outer.contents[0].front[0]
    assert band.colour == pytest.approx((0.85, 0.10, 0.0, 0.0))


def test_fonts_that_cannot_load_name_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from envelopekit.content.text import FONTS_DIR

    for ttf in FONTS_DIR.glob("*.ttf"):
        (tmp_path / ttf.name).write_bytes(ttf.read_bytes()[:5000])  # truncated
    monkeypatch.setenv("ENVELOPEKIT_FONTS", str(tmp_path))
    err = layout_error(HELP_ME)
    assert "font" in err.message and "damaged" in err.message
    assert err.key is not None and err.key.endswith(".font") and err.line


def test_source_date_epoch_that_is_not_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    from envelopekit.cli import _today

    for bad in ("abc", "9" * 5000, "1e9"):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", bad)
        with pytest.raises(EnvelopekitError, match="SOURCE_DATE_EPOCH"):
            _today()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert _today() == "2026-01-01"


def test_a_net_that_cannot_be_built_names_its_envelope() -> None:
    text, _ = insert_after(HELP_ME, 'auto = ["iso-c"]', 'params = { seal_flap = "300mm" }')
    with pytest.raises(EnvelopekitError) as info:
        from envelopekit.kit import resolve

        resolve(parse_layout(text, file="kit.toml", base=LAYOUTS))
    assert str(info.value).startswith("kit.toml:") and "envelope[0]" in str(info.value)


# --- closed sets are the registries' own --------------------------------------------------------------


def test_closed_sets_match_their_registries() -> None:
    from envelopekit.content.text import FAMILIES
    from envelopekit.layout_blocks import FONT
    from envelopekit.links import PRESETS
    from envelopekit.nets import load_styles
    from envelopekit.render.pdfx import CONDITIONS

    assert set(OUTPUT_CONDITIONS) == set(CONDITIONS)
    assert set(FONT.values) == set(FAMILIES)
    assert set(ENVELOPE.fields["style"].type.values) == set(load_styles())  # type: ignore[attr-defined]
    assert set(TOKEN_KINDS) == {"hmac", "random"}
    for preset in PRESETS:
        assert link_table(preset).fields["preset"].type.values == tuple(PRESETS)  # type: ignore[attr-defined]


def test_style_tables_follow_the_parameter_dataclasses() -> None:
    import dataclasses

    from envelopekit.nets import load_styles

    for name, style in load_styles().items():
        table = style_table(name)
        assert list(table.fields) == [f.name for f in dataclasses.fields(style.params_type)]


def test_styles_params_lists_every_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    from envelopekit.cli import main
    from envelopekit.nets import load_styles

    assert main(["styles", "--params"]) == 0
    out = capsys.readouterr().out
    for name in load_styles():
        assert re.search(rf"^{name}: ", out, re.M)
        for key in style_table(name).fields:
            assert re.search(rf"^  {key} +(length|angle), .* default ", out, re.M), key
    assert "seal_flap" in out and "mm to" in out


# --- the README is checked against the schema ---------------------------------------------------------


def test_readme_reference_is_written_from_the_schema() -> None:
    """The Reference part of layouts/README.md is the schema's: every key the schema
    knows is documented, every documented key exists. ENVELOPEKIT_REGEN_DOCS=1 rewrites it."""
    text = README.read_text(encoding="utf-8")
    begin, end = "<!-- reference: begin -->", "<!-- reference: end -->"
    assert begin in text and end in text
    rest = text.split(begin, 1)[1]
    current = begin + rest.split(end, 1)[0] + end
    if os.environ.get("ENVELOPEKIT_REGEN_DOCS"):
        README.write_text(text.replace(current, reference()), encoding="utf-8")
    assert current == reference(), "layouts/README.md is stale: run with ENVELOPEKIT_REGEN_DOCS=1"


def _toml_blocks(text: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", text, re.S)


def test_every_toml_example_in_the_readme_is_valid() -> None:
    """Each ```toml example reads through the schema: its keys exist, its values are valid."""
    text = README.read_text(encoding="utf-8")
    blocks = _toml_blocks(text)
    assert len(blocks) >= 3
    ctx = Ctx("layouts/README.md", "", LAYOUTS)
    for block in blocks:
        doc = tomllib.loads(block)
        for key, value in doc.items():
            if key == "envelope":
                for env in value:
                    values = read_table(ctx, ENVELOPE, env, "envelope")
                    read_table(ctx, style_table(values["style"]), values["params"] or {}, "params")
            else:
                TOP.fields[key].type.read(ctx, value, key)


def test_every_key_in_the_readme_prose_exists() -> None:
    """Keys the prose names in backticks as `key = ...` belong to some table."""
    known = set(TOP.fields) | set(ENVELOPE.fields) | set(CARD.fields) | set(WINDOW.fields)
    for block in BLOCKS.values():
        known |= set(block.table.fields)
    known |= {"type", "name", "panel"}
    prose = README.read_text(encoding="utf-8").split("<!-- reference: begin -->")[0]
    for key in re.findall(r"`([a-z_]+) = ", prose):
        assert key in known, key


# --- the tables themselves ---------------------------------------------------------------------------


def test_every_block_type_has_a_docstring_and_a_box_or_points() -> None:
    for kind, block in BLOCKS.items():
        assert block.doc, kind
        assert {"box"} & set(block.table.fields) or {"from", "to"} <= set(block.table.fields), kind


def test_lengths_read_through_the_schema_keep_their_units() -> None:
    text, _ = edit_line(HELP_ME, 'bleed = "3mm"', 'bleed = "1/8in"')
    assert parse_layout(text, base=LAYOUTS).bleed == pytest.approx(3.175 * mm)


def test_errors_are_layout_errors_with_file_and_key() -> None:
    text, _ = edit_line(HELP_ME, 'bleed = "3mm"', "bleed = [1, 2]")
    err = layout_error(text, file="k.toml")
    assert isinstance(err, LayoutError) and err.file == "k.toml" and err.key == "defaults.bleed"


def test_fixed_text_a_font_cannot_draw_is_refused_on_its_line() -> None:
    text, line = edit_line(
        HELP_ME, 'text = "Happy New Year, and thank you."', 'text = "Happy \\u0000 New Year {first_name}"'
    )
    err = layout_error(text)
    assert (err.line, err.key) == (line, "envelope[0].back[0].text")
    assert "U+0000" in str(err)


def test_a_template_longer_than_a_letter_is_refused() -> None:
    text, line = edit_line(HELP_ME, 'text = "Happy New Year, and thank you."', f'text = "{"word " * 2000}"')
    err = layout_error(text)
    assert err.line == line and "longer than 5000" in str(err)
