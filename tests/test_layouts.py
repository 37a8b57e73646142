"""Layout files: every shipped layout loads; every mistake names the file, the line and the key.

Line numbers are never hard-coded: each test edits one line of a real layout and
expects the error to point at exactly that line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import LAYOUTS, MINIMAL

from envelopekit.errors import LayoutError
from envelopekit.kit import KitSpec, resolve
from envelopekit.layouts import LAYOUTS_DIR, find_layout, load_layout, parse_layout
from envelopekit.units import mm

SHIPPED = sorted(p.stem for p in LAYOUTS.glob("*.toml"))
HELP_ME = (LAYOUTS / "help-me.toml").read_text(encoding="utf-8")


def edit_line(text: str, old: str, new: str, *, after: str | None = None) -> tuple[str, int]:
    """Replace the first line equal to ``old`` (after the first line equal to ``after``, if
    given) with ``new``; return the text and the 1-based number of the edited line."""
    lines = text.splitlines()
    start = lines.index(after) + 1 if after is not None else 0
    index = lines.index(old, start)
    lines[index : index + 1] = new.splitlines()
    return "\n".join(lines) + "\n", index + 1


def insert_after(text: str, after: str, new: str, *, occurrence: int = 0) -> tuple[str, int]:
    """Insert ``new`` (one or more lines) after the ``occurrence``-th line equal to ``after``;
    return the text and the 1-based number of the first inserted line."""
    lines = text.splitlines()
    hits = [i for i, line in enumerate(lines) if line == after]
    index = hits[occurrence] + 1
    lines[index:index] = new.splitlines()
    return "\n".join(lines) + "\n", index + 1


def layout_error(text: str, *, file: str = "edited.toml", base: Path = LAYOUTS) -> LayoutError:
    with pytest.raises(LayoutError) as info:
        parse_layout(text, file=file, base=base)
    return info.value


# --- shipped layouts --------------------------------------------------------------------------


def test_the_three_documented_layouts_are_shipped() -> None:
    assert {"help-me", "wedding", "onboarding"} <= set(SHIPPED)
    assert LAYOUTS_DIR.resolve() == LAYOUTS.resolve()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_layout_loads_resolves_and_lays_out(name: str) -> None:
    from envelopekit.compose import static_drawing

    spec = load_layout(name)
    assert isinstance(spec, KitSpec)
    assert spec.name == name
    assert spec.source.endswith(f"{name}.toml")
    kit = resolve(spec)
    static = static_drawing(kit)  # static text that overflows would raise here
    assert set(static) == {p.key for p in kit.pieces}
    assert kit.pieces[0].kind == "net" and kit.pieces[0].key == spec.outer.name
    assert kit.thickness > 0 and kit.weight > 0
    assert spec.sample, "every shipped layout has a [sample] record for a build without --data"
    assert spec.id_field in spec.sample


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_layout_is_found_by_name_and_by_path(name: str) -> None:
    assert find_layout(name) == LAYOUTS_DIR / f"{name}.toml"
    assert find_layout(f"{name}.toml") == LAYOUTS_DIR / f"{name}.toml"
    assert load_layout(LAYOUTS / f"{name}.toml").name == name


def test_help_me_layout_reads_as_documented() -> None:
    spec = load_layout("help-me")
    assert spec.title.startswith("Help me")
    assert spec.job == "HELPME-2027"
    assert spec.bleed == pytest.approx(3 * mm)
    assert spec.safe == pytest.approx(4 * mm)
    assert spec.clearance == pytest.approx((6 * mm, 6 * mm))
    assert spec.outer.style == "banker" and spec.outer.size is None and spec.outer.auto == ("iso-c",)
    assert [c.name for c in spec.outer.contents] == ["letter", "step1"]
    letter = spec.outer.contents[0]
    assert (letter.width, letter.height) == pytest.approx((210 * mm, 148 * mm))  # A5 landscape
    assert [b.name for b in letter.front] == ["band", "masthead", "body", "letter-qr", "qr-caption"]
    qr = letter.front[3]
    assert qr.box.width == pytest.approx(44 * mm) and qr.link == "survey"
    assert "survey" in spec.links


def test_unknown_layout_name_lists_the_bundled_ones() -> None:
    with pytest.raises(LayoutError) as info:
        load_layout("help-you")
    assert "help-you" in str(info.value)
    assert "help-me" in (info.value.hint or "")


# --- mistyped keys -----------------------------------------------------------------------------


def test_typo_in_an_envelope_key_names_file_line_and_suggests() -> None:
    text, line = edit_line(HELP_ME, 'size = "auto"', 'sise = "C6"', after='name = "step1"')
    err = layout_error(text, file="kit.toml")
    assert err.file == "kit.toml"
    assert err.line == line
    assert err.key == "envelope[0].envelopes[0].sise"
    assert "did you mean 'size'" in str(err)
    assert str(err).startswith(f"kit.toml:{line}: ")


def test_typo_in_a_block_key_points_at_its_line() -> None:
    text, line = edit_line(HELP_ME, 'font = "serif-italic"', 'fnot = "serif-italic"')
    err = layout_error(text)
    assert err.line == line
    assert err.key == "envelope[0].back[0].fnot"
    assert "did you mean 'font'" in str(err)


def test_typo_deep_in_the_nesting_points_at_its_line() -> None:
    # The QR block of the card in the innermost (step 3) envelope.
    text, line = edit_line(HELP_ME, 'link = "survey"', 'lnk = "survey"', after='name = "card-qr"')
    err = layout_error(text)
    assert err.line == line
    assert err.key == "envelope[0].envelopes[0].envelopes[0].envelopes[0].cards[0].front[1].lnk"
    assert "did you mean 'link'" in str(err)


def test_typo_in_a_card_key_and_a_top_level_table() -> None:
    text, line = edit_line(
        HELP_ME, 'orientation = "landscape"', 'orientaton = "landscape"', after='name = "card2"'
    )
    err = layout_error(text)
    assert (err.line, "did you mean 'orientation'" in str(err)) == (line, True)
    text, line = edit_line(HELP_ME, 'bleed = "3mm"', 'bled = "3mm"')
    err = layout_error(text)
    assert (err.line, err.key) == (line, "defaults.bled")
    assert "did you mean 'bleed'" in str(err)
    text, line = edit_line(HELP_ME, "[stocks]", "[stock]")
    err = layout_error(text)
    assert err.line == line and "did you mean 'stocks'" in str(err)


def test_typo_in_a_style_parameter_names_the_line() -> None:
    text, line = insert_after(HELP_ME, 'auto = ["iso-c"]', 'params = { seal_flapp = "45mm" }')
    err = layout_error(text)
    assert err.line == line
    assert "seal_flapp" in str(err) and "did you mean 'seal_flap'" in str(err)
    for bare in ('"45"', "45"):
        text, line = insert_after(HELP_ME, 'auto = ["iso-c"]', f"params = {{ seal_flap = {bare} }}")
        err = layout_error(text)
        assert err.line == line and "unit" in str(err)
    text, _ = insert_after(HELP_ME, 'auto = ["iso-c"]', 'params = { seal_flap = "45mm" }')
    assert dict(parse_layout(text, base=LAYOUTS).outer.params) == {"seal_flap": "45mm"}


# --- bad values ---------------------------------------------------------------------------------


def test_a_length_without_a_unit_is_refused_on_its_line() -> None:
    text, line = edit_line(HELP_ME, 'size = "16pt"', 'size = "12"')
    err = layout_error(text)
    assert err.line == line
    assert err.key == "envelope[0].back[0].size"
    assert "no unit" in str(err) and "12" in str(err)


def test_a_bare_number_in_a_box_is_refused() -> None:
    text, line = edit_line(HELP_ME, 'box = ["154mm", "34mm", "44mm", "44mm"]', "box = [154, 34, 44, 44]")
    err = layout_error(text)
    assert err.line == line and err.key.endswith("front[3].box")


@pytest.mark.parametrize(
    ("colour", "says"),
    [
        ("[0, 0, 0]", "CMYK"),
        ('"black"', "CMYK"),
        ("[0, 0, 0, 200]", "between 0 and 1"),
        ("[0, -0.5, 0, 1]", "between 0 and 1"),
        ("[0, true, 0, 1]", "CMYK"),
    ],
)
def test_a_bad_colour_is_refused_on_its_line(colour: str, says: str) -> None:
    text, line = edit_line(HELP_ME, "colour = [0, 0, 0, 0]", f"colour = {colour}")
    err = layout_error(text)
    assert err.line == line
    assert err.key == "envelope[0].cards[0].front[1].colour"
    assert says in str(err)


def test_colours_read_as_fractions_or_percentages() -> None:
    text, _ = edit_line(HELP_ME, "colour = [0, 0, 0, 0]", "colour = [0, 50, 0, 100]")
    spec = parse_layout(text, base=LAYOUTS)
    assert spec.outer.contents[0].front[1].colour == pytest.approx((0, 0.5, 0, 1))


def test_a_qr_box_must_be_square() -> None:
    text, line = edit_line(
        HELP_ME, 'box = ["154mm", "34mm", "44mm", "44mm"]', 'box = ["154mm", "34mm", "44mm", "40mm"]'
    )
    err = layout_error(text)
    assert err.line == line
    assert "square" in str(err) and err.key.endswith("front[3].box")


def test_an_image_outside_the_layout_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kit").mkdir()
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    block = (
        '[[envelope.cards.front]]\ntype = "image"\nname = "logo"\npath = "../secret.png"\n'
        'box = ["10mm", "10mm", "20mm", "20mm"]'
    )
    text, first = insert_after(HELP_ME, 'stock = "text-120"', "\n" + block)
    err = layout_error(text, base=tmp_path / "kit")
    assert err.line == first + 4  # the path = ... line
    assert "outside the layout's folder" in str(err)
    # An absolute path is outside too.
    err = layout_error(text.replace('"../secret.png"', f'"{tmp_path / "secret.png"}"'), base=tmp_path / "kit")
    assert "outside" in str(err)


def test_a_missing_image_inside_the_folder_is_named(tmp_path: Path) -> None:
    block = (
        '[[envelope.cards.front]]\ntype = "image"\nname = "logo"\npath = "logo.png"\n'
        'box = ["10mm", "10mm", "20mm", "20mm"]'
    )
    text, first = insert_after(HELP_ME, 'stock = "text-120"', "\n" + block)
    err = layout_error(text, base=tmp_path)
    assert err.line == first + 4 and "not found" in str(err)


def test_an_unknown_style_suggests_the_nearest() -> None:
    text, line = edit_line(HELP_ME, 'style = "wallet"', 'style = "walet"')
    err = layout_error(text)
    assert err.line == line
    assert err.key == "envelope[0].envelopes[0].style"
    assert "did you mean 'wallet'" in str(err)


def test_unknown_block_type_font_and_size_name() -> None:
    text, line = edit_line(HELP_ME, 'type = "rule"', 'type = "rules"')
    err = layout_error(text)
    assert err.line == line and "did you mean 'rule'" in str(err)
    text, line = edit_line(HELP_ME, 'font = "serif-italic"', 'font = "comic"')
    err = layout_error(text)
    assert err.line == line and "font = 'comic' is not one of sans" in str(err)
    text, line = edit_line(HELP_ME, 'size = "A6"', 'size = "A66"')
    err = layout_error(text)
    assert err.line == line and "A66" in str(err)


def test_an_address_below_8pt_is_refused() -> None:
    text, line = edit_line(HELP_ME, 'min_size = "8pt"', 'min_size = "6pt"', after='name = "recipient"')
    err = layout_error(text)
    assert err.line == line and "8 pt" in str(err)


def test_two_blocks_with_one_name_are_refused() -> None:
    text, line = edit_line(HELP_ME, 'name = "instructions"', 'name = "greeting"')
    err = layout_error(text)
    assert err.line == line and "two blocks are named 'greeting'" in str(err)


def test_invalid_toml_reports_its_line() -> None:
    text, line = edit_line(HELP_ME, 'name = "step1"', 'name = "step1')
    err = layout_error(text, file="broken.toml")
    assert err.line == line
    assert "not valid TOML" in str(err)
    assert str(err).startswith(f"broken.toml:{line}:")


def test_two_outer_envelopes_are_refused_at_the_second() -> None:
    text = HELP_ME + '\n[[envelope]]\nname = "another"\nstyle = "pocket"\n'
    line = len(HELP_ME.splitlines()) + 2
    err = layout_error(text)
    assert "exactly one outer [[envelope]]" in str(err)
    assert "[[envelope.envelopes]]" in str(err)
    assert err.line == line


def test_no_envelope_at_all_is_refused() -> None:
    err = layout_error('[kit]\nname = "empty"\n')
    assert "exactly one outer [[envelope]]" in str(err)


def test_a_missing_required_key_points_at_its_table() -> None:
    text, line = edit_line(HELP_ME, 'size = "A6"', "# no size")
    err = layout_error(text)
    assert "missing 'size'" in str(err)
    assert err.line == line - 3  # the [[envelope.envelopes.cards]] header of card1


def test_clearance_forms() -> None:
    old = next(x for x in HELP_ME.splitlines() if x.startswith("clearance = "))
    text, line = edit_line(HELP_ME, old, 'clearance = ["10mm", "7mm"]')
    assert parse_layout(text, base=LAYOUTS).clearance == pytest.approx((10 * mm, 7 * mm))
    text2 = text.replace('clearance = ["10mm", "7mm"]', 'clearance = "machine"')
    assert parse_layout(text2, base=LAYOUTS).clearance == pytest.approx((15 * mm, 8 * mm))
    err = layout_error(text.replace('clearance = ["10mm", "7mm"]', 'clearance = "loose"'))
    assert err.line == line and "clearance" in str(err)


def test_load_layout_reads_files_and_reports_undecodable_ones(tmp_path: Path) -> None:
    assert load_layout(MINIMAL).name == "minimal"
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('[kit]\nname = "Zoë"\n'.encode("latin-1"))
    with pytest.raises(LayoutError) as info:
        load_layout(bad)
    assert "UTF-8" in str(info.value) and str(bad) in str(info.value)


def test_errors_from_a_layout_file_name_that_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    text, line = edit_line(HELP_ME, 'size = "16pt"', 'size = "16"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    assert info.value.file == str(path) and info.value.line == line
