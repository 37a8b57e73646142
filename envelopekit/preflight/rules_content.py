"""Page rules on what is painted and how: readable content, fonts, colour, ink, lines, images.

pdf-syntax (content the walker could not follow), fonts embedded, colour spaces the
profile allows, transparency, hairlines, rich black text, total ink and image
resolution (PRINT.md items 0, 3, 4 and 8).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..units import mm
from .context import Limits, PageContext, Profile, finding
from .drawn import Colour, Event, Image, Paint, Problem, Shade, Space, Text, Transparency
from .measure import colours_of, decoded_image, die_of, extent_of, is_registration, where_of
from .report import Finding, Severity


def check_content(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if isinstance(e, Problem):
            yield finding(
                "pdf-syntax",
                "error",
                page.number,
                e.what,
                e.where,
                "rewrite the file with a conforming writer",
            )


def check_fonts(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if isinstance(e, Text) and e.visible and not e.font.embedded:
            yield finding(
                "fonts-embedded",
                "error",
                page.number,
                f"font {e.font.name} is not embedded",
                e.where,
                "embed every font (a TrueType or OpenType subset)",
            )


def _space_fault(space: Space, profile: Profile, default_rgb: bool) -> str | None:
    """Why ``space`` is not allowed in ``profile`` (None when it is)."""
    fam = space.family
    if fam == "undefined":
        return f"colour space {space.label} is used but not defined"
    if fam.startswith("JPX"):
        return (
            "a JPEG 2000 image with its colour space inside the image data"
            if not profile.device_independent
            else None
        )
    if fam in ("Separation", "DeviceN"):
        alt = space.alternate
        if alt is None:
            return f"{space.describe()} has no alternate colour space"
        if profile.name == "x1a" and alt.family not in ("DeviceCMYK", "DeviceGray"):
            return f"{space.describe()} has a {alt.describe()} alternate"
        return _space_fault(alt, profile, default_rgb)
    if fam in ("Indexed", "Pattern"):
        return _space_fault(space.alternate, profile, default_rgb) if space.alternate is not None else None
    if profile.rgb == "never" and space.rgb:
        return f"{space.describe()} colour"
    if profile.rgb == "icc" and fam == "DeviceRGB" and not default_rgb:
        return "DeviceRGB colour without an ICC profile"
    if not profile.device_independent and fam in ("Lab", "CalRGB", "CalGray", "ICCBased"):
        return f"{space.describe()} colour"
    return None


def _painted_spaces(e: Event) -> list[tuple[Space, str]]:
    if isinstance(e, Paint):
        return [(e.colour.space, e.op)]
    if isinstance(e, Text) and e.visible:
        out = []
        if e.filled:
            out.append((e.fill.space, "text"))
        if e.stroked:
            out.append((e.stroke.space, "outlined text"))
        return out
    if isinstance(e, Image):
        return [(e.space, "image")] if e.space is not None else [(e.fill.space, "stencil mask")]
    if isinstance(e, Shade):
        return [(e.space, "shading")]
    return []


def check_colour_spaces(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    allowed = "CMYK and spot colours only" if profile.rgb == "never" else "RGB only through an ICC profile"
    for e in page.events:
        for space, what in _painted_spaces(e):
            fault = _space_fault(space, profile, page.default_rgb)
            if fault:
                yield finding(
                    "colour-space",
                    "error",
                    page.number,
                    f"{what} in {fault}",
                    e.where,
                    f"{profile.label} allows {allowed}: convert it to CMYK through the output profile",
                )


def check_transparency(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    severity: Severity = "info" if profile.transparency else "error"
    fix = (
        ("allowed in " + profile.label + "; the RIP flattens it")
        if profile.transparency
        else (f"{profile.label} allows no transparency: flatten it onto what lies beneath")
    )
    for e in page.events:
        if isinstance(e, Transparency):
            yield finding("transparency", severity, page.number, e.what, e.where, fix)
        elif isinstance(e, Image) and e.soft_mask:
            yield finding(
                "transparency", severity, page.number, f"image {e.name} has a soft mask (alpha)", e.where, fix
            )


def check_hairlines(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if isinstance(e, Paint) and e.op == "stroke":
            width, colour = e.width, e.colour
        elif isinstance(e, Text) and e.stroked:
            width, colour = e.width, e.stroke
        else:
            continue
        if die_of(colour, limits):
            continue  # technical lines: not printed
        if width < limits.min_line - 1e-3:
            shown = "a 0-width line (the device's thinnest)" if width <= 0 else f"a {width:.3f} pt line"
            yield finding(
                "hairlines",
                "error",
                page.number,
                f"{shown}, under {limits.min_line:g} pt",
                where_of(e, page, extent_of(e)),
                f"draw lines at least {limits.min_line:g} pt wide",
            )


def _black(inks: Mapping[str, float]) -> float:
    return inks.get("Black", 0.0)


def check_rich_black_text(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if not (isinstance(e, Text) and e.visible and e.filled):
            continue
        inks = e.fill.inks()
        if inks is None or is_registration(e.fill, limits):
            continue
        cmy = sum(inks.get(k, 0.0) for k in ("Cyan", "Magenta", "Yellow"))
        if _black(inks) >= 0.8 and cmy > 0.005:
            small = e.size < limits.rich_black_size
            yield finding(
                "rich-black-text",
                "error" if small else "warning",
                page.number,
                f"{e.size:.1f} pt text in rich black {e.fill.describe()} (misregisters into colour fringes)",
                where_of(e, page, e.bbox),
                "set text in 100 % K only",
            )


def _total(colour: Colour, limits: Limits) -> float | None:
    inks = colour.inks()
    if inks is None:
        return None
    return sum(v for k, v in inks.items() if k not in limits.die_inks and k != limits.registration)


def check_total_ink(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        for colour, what in colours_of(e):
            if isinstance(e, Image) and e.space is not None:
                total = _image_ink(e, page)
                desc = "image pixels"
            else:
                total = _total(colour, limits)
                desc = colour.describe()
            if total is not None and total > limits.max_ink + 1e-6:
                yield finding(
                    "total-ink",
                    "error",
                    page.number,
                    f"{what} at {100 * total:.0f} % total ink ({desc}), over {100 * limits.max_ink:.0f} %",
                    where_of(e, page, extent_of(e)),
                    f"keep total area coverage under {100 * limits.max_ink:.0f} %",
                )


def _image_ink(e: Image, page: PageContext) -> float | None:
    if e.space is None or not (
        e.space.family == "DeviceCMYK" or (e.space.family == "ICCBased" and e.space.n == 4)
    ):
        return None
    key = ("ink", getattr(e.stream, "indirect_reference", None) or id(e.stream))
    if key in page.cache:
        return page.cache[key]  # type: ignore[no-any-return,unused-ignore]
    im = decoded_image(e, page)
    total = None
    if im is not None and im.mode == "CMYK":
        from PIL import ImageMath

        c, m, y, k = im.split()
        summed = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"], c=c, m=m, y=y, k=k)
        total = summed.getextrema()[1] / 255.0
    page.cache[key] = total
    return total


def check_image_resolution(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if not isinstance(e, Image) or min(e.placed) <= 0 or min(e.pixels) <= 0:
            continue
        ppi = min(e.pixels[0] / (e.placed[0] / 72.0), e.pixels[1] / (e.placed[1] / 72.0))
        if ppi < limits.min_ppi - 0.5:
            severity: Severity = "error" if ppi < limits.error_ppi else "warning"
            yield finding(
                "image-resolution",
                severity,
                page.number,
                f"image {e.name} ({e.pixels[0]} x {e.pixels[1]} px) is {ppi:.0f} ppi at its placed size "
                f"({e.placed[0] / mm:.1f} x {e.placed[1] / mm:.1f} mm)",
                where_of(e, page, e.bbox),
                f"supply at least {limits.min_ppi:.0f} ppi at the placed size, or place it smaller",
            )
