"""Postal rules for the outer envelope: each rule reported with its block and numbers."""

from __future__ import annotations

import re

import pytest

from envelopekit.errors import LayoutError
from envelopekit.kit import resolve
from envelopekit.layouts import parse_layout
from envelopekit.postal import AUTHORITIES, check

# A #10 envelope (9.5 x 4.125 in) laid out by USPS Publication 25: nothing here breaks a rule.
US10 = """
[kit]
name = "postal"

[defaults]
home_country = "US"

[[envelope]]
name = "outer"
size = "{size}"

[[envelope.front]]
type = "text"
name = "return-address"
box = ["{ret_x}", "{ret_y}", "60mm", "18mm"]
text = "On Your Feet\\n1 Elm St\\nPortland OR 97205"
size = "8pt"

[[envelope.front]]
type = "rect"
name = "stamp"
box = ["{stamp_x}", "{stamp_y}", "22mm", "25mm"]
width = "0.5pt"

[[envelope.front]]
type = "address"
name = "recipient"
box = ["{addr_x}", "{addr_y}", "{addr_w}", "{addr_h}"]
size = "10pt"
min_size = "{min_size}"

[[envelope.front]]
type = "text"
name = "promo"
box = ["{promo_x}", "{promo_y}", "40mm", "8mm"]
text = "Open me first"
size = "8pt"

[[envelope.cards]]
name = "letter"
size = "A7"

[postal]
authority = "{authority}"
{extra}
"""

GOOD_US10 = {
    "size": "#10",
    "ret_x": "8mm",
    "ret_y": "80mm",
    "stamp_x": "212mm",
    "stamp_y": "76mm",
    "addr_x": "90mm",
    "addr_y": "25mm",
    "addr_w": "100mm",
    "addr_h": "38mm",
    "min_size": "8pt",
    "promo_x": "20mm",
    "promo_y": "40mm",
    "authority": "usps",
    "extra": "",
}


def layout(**kw: str) -> str:
    return US10.format(**{**GOOD_US10, **kw})


def violations(**kw: str) -> list[str]:
    values = {**GOOD_US10, **kw}
    spec = parse_layout(layout(**kw, extra='check = "warn"'), file="postal.toml")
    return [v.message for v in check(resolve(spec), values["authority"])]


def test_a_good_number_10_passes_usps() -> None:
    spec = parse_layout(layout(), file="postal.toml")
    assert spec.warnings == ()
    assert check(resolve(spec), "usps") == []


def test_too_long_for_a_usps_letter_names_the_numbers() -> None:
    found = violations(size="12x5in", addr_x="150mm", stamp_x="270mm", stamp_y="100mm")
    assert "outer envelope is 12.00 x 5.00 in: USPS letters are at most 11.5 in long" in found


def test_aspect_ratio_thickness_and_weight() -> None:
    found = violations(size="6x5.5in", addr_x="20mm", addr_w="100mm", stamp_x="125mm", stamp_y="110mm")
    assert any(
        re.search(r"aspect ratio 1\.09: USPS letters are 1\.3 to 2\.5 times as long as high", m)
        for m in found
    )
    spec = parse_layout(layout(), file="postal.toml")
    kit = resolve(spec)
    from dataclasses import replace

    heavy = replace(kit, outer=replace(kit.outer, weight=120.0, thickness=0.3 * 72))
    messages = [v.message for v in check(heavy, "usps")]
    assert "outer envelope weighs 4.23 oz filled: USPS letters weigh at most 3.5 oz" in messages
    assert "outer envelope is 0.300 in thick: USPS letters are at most 0.25 in" in messages


def test_the_address_outside_the_ocr_read_area() -> None:
    message, clear_zone = violations(addr_y="10mm", addr_h="30mm")
    assert "USPS barcode clear zone" in clear_zone
    assert message.startswith("address block 'recipient' is outside the USPS read area")
    assert "0.394 in above the bottom edge (at least 0.625)" in message


def test_the_barcode_clear_zone_stays_empty() -> None:
    found = violations(promo_x="195mm", promo_y="6mm")
    assert any(
        "block 'promo' reaches 0.236 in above the bottom edge into the USPS barcode clear zone "
        "(the bottom 0.625 in of the rightmost 4.75 in)" in m
        for m in found
    )


def test_postage_top_right_and_return_address_top_left() -> None:
    found = violations(stamp_x="10mm", stamp_y="76mm", ret_x="150mm", ret_y="80mm")
    assert any(m.startswith("postage block 'stamp' is not within the top right") for m in found)
    assert any(m.startswith("return address 'return-address' belongs top left") for m in found)


def test_minimum_type_size() -> None:
    found = violations(authority="deutsche-post", size="DL", min_size="8pt", addr_x="100mm", addr_w="95mm",
                            addr_y="20mm", addr_h="40mm", stamp_x="190mm", stamp_y="83mm", promo_x="20mm",
                            promo_y="60mm")  # fmt: skip
    assert (
        "address block 'recipient' may shrink to 8 pt: Deutsche Post asks for 10 to 12 pt "
        "(min_size at least 10 pt)" in found
    ), found


def test_an_error_names_file_line_key_and_every_rule() -> None:
    with pytest.raises(LayoutError) as info:
        parse_layout(layout(size="12x5in", addr_y="10mm", addr_h="30mm"), file="postal.toml")
    error = info.value
    assert error.file == "postal.toml" and error.line is not None and error.key == "envelope[0]"
    assert "breaks 3 USPS rules" in error.message  # the size, the read area, and the postage corner
    assert "[postal.toml:" in error.message and "envelope[0].front[2]" in error.message


KIT = '[kit]\nname = "k"\n[[envelope]]\nname = "outer"\n'


@pytest.mark.parametrize(
    "authority,size,fits",
    [
        ("royal-mail", "C5", True),  # 229 x 162 mm: a letter
        ("royal-mail", "C4", True),  # 324 x 229 mm: a large letter
        ("royal-mail", "C3", False),  # 458 x 324 mm: neither
        ("deutsche-post", "DL", True),  # a Standardbrief
        ("deutsche-post", "C5", True),  # 229 x 162: a Großbrief
        ("canada-post", "C5", True),  # 229 x 162: oversize
        ("canada-post", "C3", False),
        ("usps", "C5", False),  # 6.38 in high
    ],
)
def test_sizes_against_each_authority(authority: str, size: str, fits: bool) -> None:
    text = f'{KIT}size = "{size}"\n[postal]\nauthority = "{authority}"\ncheck = "warn"\n'
    spec = parse_layout(text, file="k.toml")
    messages = [v.message for v in check(resolve(spec), authority)]
    size_problems = [
        m for m in messages if m.startswith("outer envelope is") and (" long" in m or " high" in m)
    ]
    assert (not size_problems) == fits, messages


def test_a_format_can_be_named_and_must_be_the_authoritys() -> None:
    text = KIT + 'size = "C5"\n[postal]\nauthority = "deutsche-post"\n'
    with pytest.raises(LayoutError, match="Deutsche Post Standardbriefe are at most 125 mm high"):
        parse_layout(text + 'format = "standardbrief"\n', file="k.toml")
    with pytest.raises(LayoutError, match="not one of Deutsche Post's") as info:
        parse_layout(text + 'format = "large-letter"\n', file="k.toml")
    assert info.value.key == "postal.format"


def test_warn_keeps_the_violations_as_layout_warnings() -> None:
    spec = parse_layout(layout(size="12x5in", extra='check = "warn"'), file="postal.toml")
    assert any("USPS letters are at most 11.5 in long" in w for w in spec.warnings)


def test_every_authority_has_rules_for_every_check() -> None:
    for auth in AUTHORITIES.values():
        assert auth.formats and auth.min_type >= 8 and auth.read_margins
        for fmt in auth.formats:
            assert fmt.length[0] < fmt.length[1] and fmt.height[0] < fmt.height[1] and fmt.weight > 0


# --- window envelopes: the address the post reads is the letter's, through the window -----------

WINDOWED = """
[kit]
name = "windowed"

[[envelope]]
name = "outer"
size = "#10"
window = {window}

[[envelope.cards]]
name = "letter"
size = "Letter"
fold = "tri"

[[envelope.cards.back]]
type = "address"
name = "recipient"
panel = 2
box = ["{addr_x}", "{addr_y}", "3in", "0.4in"]
size = "9pt"

[postal]
authority = "usps"
"""


def windowed(window: str = '"us10"', addr_x: str = "1.05in", addr_y: str = "0.64in") -> str:
    return WINDOWED.format(window=window, addr_x=addr_x, addr_y=addr_y)


def test_a_window_envelope_has_its_address_on_the_letter() -> None:
    kit = resolve(parse_layout(windowed(), file="w.toml"))
    assert check(kit, "usps") == []


def test_the_address_through_a_low_window_is_outside_the_read_area() -> None:
    """A window lower than the #10's standard lets the address slide into the barcode clear
    zone, below the OCR read area: reported for the letter's block, with the numbers."""
    text = windowed('{ preset = "us10", bottom = "0.3in" }', addr_y="0.45in")
    kit = resolve(
        parse_layout(text.replace('authority = "usps"', 'authority = "usps"\ncheck = "warn"'), file="w.toml")
    )
    messages = [v.message for v in check(kit, "usps")]
    assert any(
        "address block 'recipient' of 'letter' (through the window" in m
        and "read area" in m
        and "0.455 in above" in m
        for m in messages
    ), messages
    assert any("barcode clear zone" in m and "'recipient' of 'letter'" in m for m in messages), messages
    with pytest.raises(LayoutError) as info:
        parse_layout(text, file="w.toml")
    assert info.value.key is not None and info.value.key.startswith("envelope[0].cards[0].back[0]")
