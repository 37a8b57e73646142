"""Images for print: ICC separation with black generation, greys on K only, transparency
flattened onto the paper, total ink limited. Measured on the images themselves and,
through a build, on Ghostscript's separations (tiffsep) of the printed page."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageOps

from envelopekit.colour import InkWarning, cmyk_profile, limit_ink, to_print_cmyk


def _ink(pixel: tuple[int, ...]) -> float:
    return sum(pixel) * 100 / 255


def test_the_shipped_profile_is_a_cmyk_output_profile() -> None:
    profile = cmyk_profile()
    assert profile.profile.xcolor_space.strip() == "CMYK"
    assert profile.profile.device_class == "prtr"
    assert "FOGRA39" in ImageCms.getProfileDescription(profile)


def test_rgb_goes_through_icc_with_black_generation() -> None:
    im = Image.new("RGB", (2, 2), (20, 30, 25))  # a dark, slightly green colour
    out = to_print_cmyk(im)
    assert out.route == "icc" and out.image.mode == "CMYK"
    c, m, y, k = out.image.getpixel((0, 0))
    assert k > 128, "a dark colour gets most of its depth from K, not from CMY alone"
    assert _ink((c, m, y, k)) <= 300
    red = to_print_cmyk(Image.new("RGB", (1, 1), (255, 0, 0))).image.getpixel((0, 0))
    # sRGB red lies outside FOGRA39: relative colorimetric clips it to about M 90 % Y 90 %.
    assert red[0] < 26 and red[1] > 216 and red[2] > 216 and red[3] < 26


def test_greys_land_on_k_only() -> None:
    for im in (Image.new("L", (3, 3), 128), Image.new("RGB", (3, 3), (128, 128, 128))):
        out = to_print_cmyk(im)
        assert out.route == "grey"
        assert out.image.getpixel((1, 1)) == (0, 0, 0, 127)
    ramp = Image.linear_gradient("L").convert("RGB")
    c, m, y, k = to_print_cmyk(ramp).image.split()
    assert c.getbbox() is m.getbbox() is y.getbbox() is None and k.getbbox() is not None


def test_transparency_is_flattened_onto_white_paper_not_into_a_black_box() -> None:
    im = Image.new("RGBA", (10, 10), (0, 0, 0, 0))  # fully transparent, "black" underneath
    im.putpixel((5, 5), (255, 0, 0, 255))
    half = Image.new("RGBA", (1, 1), (0, 0, 0, 128))
    out = to_print_cmyk(im)
    assert out.image.getpixel((0, 0)) == (0, 0, 0, 0)
    assert out.image.getpixel((5, 5))[1] > 216
    grey = to_print_cmyk(Image.new("LA", (2, 2), (0, 0))).image
    assert grey.getpixel((0, 0)) == (0, 0, 0, 0)
    # Half-transparent black over white paper is a 50 % grey: on K only.
    assert to_print_cmyk(half).image.getpixel((0, 0)) in ((0, 0, 0, 127), (0, 0, 0, 128))
    # A palette image with a transparent index too.
    pal = Image.new("P", (2, 2), 0)
    pal.putpalette([0, 0, 0, 255, 255, 255])
    pal.info["transparency"] = 0
    assert to_print_cmyk(pal).image.getpixel((0, 0)) == (0, 0, 0, 0)


def test_cmyk_over_the_ink_limit_is_converted_down_with_a_warning() -> None:
    im = Image.new("CMYK", (4, 4), (255, 255, 255, 255))  # 400 %
    im.putpixel((0, 0), (255, 255, 255, 0))  # 300 %: left alone
    out = to_print_cmyk(im, name="logo.tif")
    assert out.route == "cmyk"
    assert max(_ink(p) for p in out.image.get_flattened_data()) <= 300
    assert out.image.getpixel((0, 0)) == (255, 255, 255, 0)
    assert out.image.getpixel((1, 1))[3] == 255  # K kept full, CMY taken down
    (warning,) = out.warnings
    assert "logo.tif" in warning and "400 %" in warning and "300 % total-ink limit" in warning
    # Under-colour removal first: grey CMY goes into K where K has room.
    moved, peak, share = limit_ink(Image.new("CMYK", (1, 1), (255, 255, 255, 0)), 250)
    c, m, y, k = moved.getpixel((0, 0))
    assert k > 0 and _ink((c, m, y, k)) <= 250 and round(peak) == 300 and share == 1.0
    assert to_print_cmyk(Image.new("CMYK", (2, 2), (100, 50, 0, 0))).warnings == ()


def test_an_embedded_profile_is_read_and_a_wrong_one_ignored() -> None:
    im = Image.new("RGB", (1, 1), (0, 128, 255))
    plain = to_print_cmyk(im).image.getpixel((0, 0))
    tagged = im.copy()
    tagged.info["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert to_print_cmyk(tagged).image.getpixel((0, 0)) == plain  # sRGB tagged = untagged
    lab = im.copy()
    lab.info["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    assert to_print_cmyk(lab).image.getpixel((0, 0)) == plain  # not an RGB profile: as sRGB
    junk = im.copy()
    junk.info["icc_profile"] = b"not a profile"
    assert to_print_cmyk(junk).image.getpixel((0, 0)) == plain


# --- through a build, measured on Ghostscript's separations ------------------------------

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
[[envelope.front]]
type = "image"
name = "logo"
path = "logo.png"
box = ["20mm", "20mm", "40mm", "40mm"]
[[envelope.front]]
type = "image"
name = "grey"
path = "grey.png"
box = ["80mm", "20mm", "40mm", "40mm"]
"""


def _separations(pdf: Path, outdir: Path, dpi: int = 50) -> dict[str, Image.Image]:
    gs = shutil.which("gs")
    if gs is None:
        pytest.skip("Ghostscript (gs) is not installed")
    base = outdir / "sep.tif"
    subprocess.run(
        [gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", f"-r{dpi}",
         "-dFirstPage=1", "-dLastPage=1", f"-sOutputFile={base}", str(pdf)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    plates = {}
    for name in ("Cyan", "Magenta", "Yellow", "Black"):
        with Image.open(outdir / f"sep({name}).tif") as im:
            # tiffsep writes each plate as a negative (255 = no ink): turn it into coverage.
            plates[name] = ImageOps.invert(im.convert("L"))
    return plates


def test_a_transparent_png_and_a_grey_image_print_without_a_black_box(tmp_path: Path) -> None:
    from pypdf import PdfReader

    from envelopekit.batch import build
    from envelopekit.layouts import parse_layout
    from envelopekit.units import mm

    # Transparent all round, a solid red disc-ish square in the middle.
    logo = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    logo.paste((220, 20, 30, 255), (150, 150, 250, 250))
    logo.save(tmp_path / "logo.png")
    Image.linear_gradient("L").resize((400, 400)).save(tmp_path / "grey.png")
    spec = parse_layout(HEAD, file="t.toml", base=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InkWarning)
        build(spec, None, tmp_path / "out", group="record")  # kit by kit: one file
    pdf = tmp_path / "out" / "kits-00001.pdf"
    plates = _separations(pdf, tmp_path, dpi=50)
    # Only what lies inside the TrimBox (marks and slug are outside it, in every ink).
    trim = PdfReader(pdf).pages[0].trimbox
    height = plates["Black"].height
    s = 50 / 72
    inside = (
        round(float(trim.left) * s) + 2,
        round(height - float(trim.top) * s) + 2,
        round(float(trim.right) * s) - 2,
        round(height - float(trim.bottom) * s) - 2,
    )
    cyan, magenta, yellow, black = (plates[n].crop(inside) for n in ("Cyan", "Magenta", "Yellow", "Black"))
    # The red square prints in M and Y; the transparent rest of the PNG prints nothing.
    red = magenta.point(lambda v: 255 if v > 128 else 0).getbbox()
    assert red is not None
    side = red[2] - red[0]
    assert abs(side - 10 * mm * s) <= 2  # a 10 mm square: 100 of the PNG's 400 pixels in 40 mm
    for plate in (cyan, magenta, yellow):
        ink = plate.point(lambda v: 255 if v > 8 else 0).getbbox()
        assert ink is None or _within(ink, red), "colour ink outside the logo's opaque part"
    logo = (red[0] - 3 * side // 2, red[1] - 3 * side // 2, red[2] + 3 * side // 2, red[3] + 3 * side // 2)
    assert black.crop(logo).getextrema()[1] <= 26, "no black box where the PNG is transparent"
    # The grey ramp is on K only: K has it, and C, M and Y have nothing outside the red square.
    grey_only = black.copy()
    grey_only.paste(0, red)  # the red square may carry a little K (FOGRA39 builds red with some)
    ramp = grey_only.point(lambda v: 255 if v > 8 else 0).getbbox()
    assert ramp is not None and abs((ramp[3] - ramp[1]) - 40 * mm * s) <= 4
    assert black.crop(ramp).getextrema()[1] > 230  # its dark end is solid K
    for plate in (cyan, magenta, yellow):
        assert plate.crop(ramp).getextrema()[1] == 0


def _within(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int], slack: int = 1) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def test_the_profile_and_its_licence_ship_in_the_wheel() -> None:
    import tomllib

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["envelopekit"]
    folder = root / "envelopekit" / "icc"
    files = {p.name for p in folder.iterdir() if p.is_file()}
    covered = {p.name for pattern in patterns for p in (root / "envelopekit").glob(pattern)}
    assert files <= covered and {"FOGRA39L.icc", "FOGRA39L.LICENSE.txt"} <= files
    assert "zlib License" in (folder / "FOGRA39L.LICENSE.txt").read_text(encoding="utf-8")


def test_the_shipped_profile_is_a_cmyk_output_profile_for_fogra39() -> None:
    from PIL import ImageCms

    from envelopekit.colour import cmyk_profile

    profile = cmyk_profile()
    assert profile.profile.xcolor_space.strip() == "CMYK" and profile.profile.device_class == "prtr"
    assert "FOGRA39" in ImageCms.getProfileDescription(profile)


# --- an image meeting a cut edge runs into the bleed ---------------------------------------


def test_bleed_pad_and_extend_edges() -> None:
    from envelopekit.colour import bleed_pad, extend_edges
    from envelopekit.geometry import Rect

    box = Rect(0, 0, 100, 50)
    clip, pad = bleed_pad(box, box, (True, True, False, False), 8.5)
    assert (clip.x0, clip.y0, clip.x1, clip.y1) == (-8.5, -8.5, 100, 50) and pad == (8.5, 8.5, 0.0, 0.0)
    # "contain" left a margin on the left: nothing there to extend.
    _, pad = bleed_pad(box, Rect(20, 0, 80, 50), (True, True, False, False), 8.5)
    assert pad == (0.0, 8.5, 0.0, 0.0)
    # "cover" already reaches 10 beyond the box: far enough.
    _, pad = bleed_pad(box, Rect(-10, 0, 110, 50), (True, False, False, False), 8.5)
    assert pad == (0.0, 0.0, 0.0, 0.0)
    im = Image.new("CMYK", (4, 2), (0, 0, 0, 0))
    im.putpixel((0, 1), (255, 0, 0, 0))  # bottom-left pixel: cyan
    out = extend_edges(im, (3, 2, 0, 0))
    assert out.size == (7, 4)
    assert out.getpixel((0, 3)) == (255, 0, 0, 0)  # the corner repeats the corner pixel
    assert out.getpixel((6, 0)) == (0, 0, 0, 0)


def test_an_image_at_a_card_edge_runs_into_the_bleed(tmp_path: Path) -> None:
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    from envelopekit.batch import build
    from envelopekit.layouts import parse_layout

    layout = """
[kit]
name = "t"
[links.survey]
url = "https://example.org/s"
token = "random"
[[envelope]]
name = "env"
style = "banker"
size = "C5"
[[envelope.cards]]
name = "card"
size = "A6"
orientation = "landscape"
[[envelope.cards.front]]
type = "image"
name = "corner"
path = "photo.png"
box = ["0mm", "0mm", "50mm", "40mm"]
fit = "stretch"
"""
    Image.new("RGB", (600, 480), (30, 120, 200)).save(tmp_path / "photo.png")
    build(parse_layout(layout, file="t.toml", base=tmp_path), None, tmp_path / "out", group="record")
    pdf = tmp_path / "out" / "kits-00001.pdf"
    page = PdfReader(pdf).pages[1]  # the card
    trim, bleed = page.trimbox, page.bleedbox
    scale = 4.0
    picture = pdfium.PdfDocument(pdf)[1].render(scale=scale).to_pil().convert("RGB")
    height = picture.height

    def at(x: float, y: float) -> tuple[int, ...]:
        return tuple(picture.getpixel((round(x * scale), round(height - y * scale))))

    x_in_bleed = (float(bleed.left) + float(trim.left)) / 2
    y_in_bleed = (float(bleed.bottom) + float(trim.bottom)) / 2
    blue = at(float(trim.left) + 20, float(trim.bottom) + 20)
    assert blue[2] > 150 and blue[0] < 100
    for x, y in (
        (x_in_bleed, float(trim.bottom) + 20),
        (float(trim.left) + 20, y_in_bleed),
        (x_in_bleed, y_in_bleed),
    ):
        assert at(x, y) == pytest.approx(blue, abs=12), "the image stops at the trim"
    # Away from the cut edges it stops where its box ends.
    right_of_box = at(float(trim.left) + 50 * 72 / 25.4 + 6, float(trim.bottom) + 20)
    assert min(right_of_box) > 240
