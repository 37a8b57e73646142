"""What a prepress operator would reject is refused (or warned about) before printing."""

from __future__ import annotations

from pathlib import Path

import pytest

from envelopekit.batch import Imposition, build
from envelopekit.catalog import lookup_sheet
from envelopekit.errors import LayoutError
from envelopekit.kit import resolve
from envelopekit.layouts import load_layout, parse_layout
from envelopekit.records import FieldMap, Record

HEAD = """
[kit]
name = "t"
[links.survey]
url = "https://example.org/s"
token = "random"
[[envelope]]
name = "env"
style = "banker"
size = "C6"
"""


def layout(block: str) -> str:
    return HEAD + "[[envelope.front]]\n" + block


def test_total_ink_over_300_percent_is_refused() -> None:
    with pytest.raises(LayoutError, match="400% total ink"):
        parse_layout(layout('type = "rect"\nbox = ["20mm", "20mm", "20mm", "20mm"]\nfill = [1, 1, 1, 1]\n'))


def test_a_qr_code_in_anything_but_100_percent_k_is_refused() -> None:
    with pytest.raises(LayoutError, match="100 % K"):
        parse_layout(
            layout('type = "qr"\nbox = ["20mm", "20mm", "30mm", "30mm"]\ncolour = [0.5, 0.5, 0.5, 1]\n')
        )


def test_hairlines_are_refused() -> None:
    with pytest.raises(LayoutError, match="hairline"):
        parse_layout(
            layout('type = "rule"\nfrom = ["20mm", "20mm"]\nto = ["60mm", "20mm"]\nwidth = "0.1pt"\n')
        )


def test_static_text_off_the_front_panel_is_refused_with_its_line() -> None:
    spec = parse_layout(
        layout('type = "text"\nname = "ret"\nbox = ["1mm", "80mm", "60mm", "20mm"]\ntext = "x"\n'),
        file="t.toml",
    )
    with pytest.raises(LayoutError) as info:
        resolve(spec)
    assert "t.toml:11" in str(info.value) and "safe margin" in str(info.value)


def test_rgb_and_low_resolution_images_are_warned_about_and_printed_in_cmyk(tmp_path: Path) -> None:
    from PIL import Image
    from pypdf import PdfReader

    Image.new("RGB", (100, 100), (200, 0, 0)).save(tmp_path / "logo.png")
    text = layout(
        'type = "image"\nname = "logo"\npath = "logo.png"\nbox = ["20mm", "20mm", "30mm", "30mm"]\n'
    )
    spec = parse_layout(text, file="t.toml", base=tmp_path)
    assert any("ppi" in w for w in spec.warnings) and any("CMYK" in w for w in spec.warnings)
    build(spec, None, tmp_path / "out", group="record")  # kit by kit: one file
    page = PdfReader(tmp_path / "out" / "kits-00001.pdf").pages[0]
    spaces = []

    def walk(res: object) -> None:
        for xobj in res.get("/XObject", {}).values():  # type: ignore[attr-defined]
            xobj = xobj.get_object()
            if xobj.get("/Subtype") == "/Image":
                spaces.append(xobj.get("/ColorSpace"))
            elif xobj.get("/Subtype") == "/Form":
                walk(xobj.get("/Resources", {}))

    walk(page["/Resources"])
    assert spaces == ["/DeviceCMYK"]


def test_imposed_sheets_put_no_fill_on_a_die_line_separation(tmp_path: Path, demo_key: bytes) -> None:
    from pypdf import PdfReader

    build(load_layout("help-me"), None, tmp_path, key=demo_key, impose=Imposition(lookup_sheet("SRA3")))
    plan = PdfReader(tmp_path / "sheets-00001-envelope-100.pdf").pages[0]
    content = plan.get_contents().get_data().decode("latin-1")
    # Spot colours are stroked (CS/SCN), never filled (cs/scn) on the sheet itself.
    names = {k: str(v.get_object()[1]) for k, v in plan["/Resources"].get("/ColorSpace", {}).items()}
    for key, name in names.items():
        if name in ("/CutContour", "/Crease", "/Glue"):
            assert f"{key} cs" not in content


def test_two_records_with_one_id_are_not_both_built(tmp_path: Path, demo_key: bytes) -> None:
    spec = load_layout("help-me")
    a = Record(2, "A", FieldMap(spec.sample))
    result = build(spec, [a, Record(3, "A", FieldMap(spec.sample))], tmp_path, key=demo_key)
    assert (result.built, result.rejected) == (1, 1) and "twice" in result.errors[0]["reason"]


def test_a_back_face_background_runs_into_the_bleed_past_cuts_but_not_across_folds(tmp_path: Path) -> None:
    from envelopekit.units import mm

    spec = parse_layout(
        HEAD.replace('[links.survey]\nurl = "https://example.org/s"\ntoken = "random"\n', "")
        + '[[envelope.back]]\ntype = "fill"\ncolour = [0.6, 0.1, 0, 0]\n'
    )
    kit = resolve(spec)
    net = kit.pieces[0].net
    assert net is not None
    for placed in kit.pieces[0].side_a:
        flap = next(f for f in net.flaps() if f.polygon == placed.clip)
        assert placed.bleed, f"{flap.name} has no bleed bands"
        hinge_mid = flap.hinge.p0.lerp(flap.hinge.p1, 0.5)
        inward = net.front_rect.center - hinge_mid
        just_across_fold = hinge_mid + inward * (1 * mm / inward.length())
        assert not any(band.contains(just_across_fold) for band in placed.bleed)
        # Somewhere 2 mm beyond the cut lies in a band.
        bands_reach = (
            max(b.bbox.expand(0).x1 - placed.clip.bbox.x1 for b in placed.bleed) if placed.bleed else 0
        )
        assert bands_reach <= 3 * mm + 1e-6
