"""Images made ready for CMYK print: image in, CMYK image out (pure, no PDF here).

- **Colour** goes through ICC profiles with littleCMS (Pillow's ``ImageCms``): from
  the image's embedded profile, or sRGB when it has none, to a CMYK output profile,
  relative colorimetric with black-point compensation. The profile's separation
  does the black generation (a naive formula would leave K = 0 and print greys in
  rich, unstable CMY).
- **Greys** (grey-mode images, and RGB images whose every pixel is neutral) go to
  K only: K = 100 % - lightness, C = M = Y = 0, as a DeviceGray image would print.
- **Transparency** is flattened before conversion (PDF/X-1a allows none): onto
  ``background``, white paper by default. The renderer does not know what lies
  under an image, so it flattens onto the paper; a block drawn over a tint would
  need that tint passed in.
- **Bleed**: an image that meets a cut edge runs on into the bleed, its edge pixels
  repeated outwards (:func:`bleed_pad` says how far, :func:`extend_edges` does it),
  so a trim a little off never shows a white sliver.
- **Total ink** over ``ink_limit`` (300 % by default, coated stock) is brought down:
  first by moving the grey part of C, M and Y into K (under-colour removal), then,
  where K is full, by scaling C, M and Y. Each such conversion is reported in
  :attr:`PrintImage.warnings`.

Only one CMYK profile ships (see ``envelopekit/icc/``): a FOGRA39 (ISO coated)
profile made with ArgyllCMS from the Zlib-licensed FOGRA39L characterization data
(``FOGRA39L.LICENSE.txt`` says how). It matches the default output condition and
stands in for the others; pass ``profile=`` (a path) to separate for the print
shop's exact condition, e.g. the ECI's ISO Coated v2 / PSO Coated v3 files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms

__all__ = [
    "DEFAULT_INK_LIMIT",
    "InkWarning",
    "PrintImage",
    "bleed_pad",
    "cmyk_profile",
    "extend_edges",
    "limit_ink",
    "to_print_cmyk",
]

DEFAULT_INK_LIMIT = 300.0
"""Total area coverage, per cent, for coated stock (less for uncoated)."""

SHIPPED_PROFILE = "FOGRA39L.icc"
"""The CMYK profile in envelopekit/icc/, used for every output condition unless told."""

WHITE = (255, 255, 255)


class InkWarning(UserWarning):
    """An image was over the total-ink limit and has been converted down."""


@dataclass(frozen=True, slots=True)
class PrintImage:
    image: Image.Image  # mode "CMYK", no alpha
    warnings: tuple[str, ...] = ()
    route: str = ""  # how it was converted: "cmyk", "grey", "icc" (for tests and reports)


@lru_cache(maxsize=8)
def _profile_bytes(path: str | None) -> bytes:
    if path is None:
        return (resources.files("envelopekit") / "icc" / SHIPPED_PROFILE).read_bytes()
    return Path(path).read_bytes()


def cmyk_profile(path: str | Path | None = None) -> ImageCms.ImageCmsProfile:
    """The CMYK output profile: ``path``, or the shipped one."""
    data = _profile_bytes(None if path is None else str(path))
    profile = ImageCms.ImageCmsProfile(BytesIO(data))
    if profile.profile.xcolor_space.strip() != "CMYK":
        raise ValueError(f"{path}: not a CMYK profile ({profile.profile.xcolor_space.strip()})")
    return profile


@lru_cache(maxsize=16)
def _transform(source: bytes | None, mode: str, target: str | None) -> ImageCms.ImageCmsTransform:
    src = ImageCms.ImageCmsProfile(BytesIO(source)) if source else ImageCms.createProfile("sRGB")
    flags = ImageCms.Flags.BLACKPOINTCOMPENSATION
    return ImageCms.buildTransform(
        src,
        cmyk_profile(target),
        mode,
        "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=flags,
    )


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _flatten(im: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """``im`` composited onto ``background``: mode "L" if both are grey, else "RGB"."""
    grey = im.mode in ("L", "LA", "La", "1") and background[0] == background[1] == background[2]
    if grey:
        la = im.convert("LA")
        base = Image.new("L", im.size, background[0])
        base.paste(la.getchannel("L"), (0, 0), la.getchannel("A"))
        return base
    rgba = im.convert("RGBA")
    base = Image.new("RGB", im.size, background)
    base.paste(rgba.convert("RGB"), (0, 0), rgba.getchannel("A"))
    return base


def _is_neutral(rgb: Image.Image) -> bool:
    r, g, b = rgb.split()
    from PIL import ImageChops

    return ImageChops.difference(r, g).getbbox() is None and ImageChops.difference(g, b).getbbox() is None


def _grey_to_k(grey: Image.Image) -> Image.Image:
    from PIL import ImageOps

    zero = Image.new("L", grey.size, 0)
    return Image.merge("CMYK", (zero, zero, zero, ImageOps.invert(grey.convert("L"))))


def limit_ink(im: Image.Image, ink_limit: float = DEFAULT_INK_LIMIT) -> tuple[Image.Image, float, float]:
    """``im`` (CMYK) with no pixel over ``ink_limit`` per cent total ink.

    Returns the image, the highest total ink it had (per cent) and the share of its
    pixels that were over (0-1). The grey part of C, M and Y goes into K first (each
    step of it lowers the total by two), then C, M and Y are scaled where K is full.
    """
    import numpy as np

    a = np.asarray(im, dtype=np.int32)
    tac = a.sum(axis=-1)
    limit = int(ink_limit * 255 / 100)
    peak = float(tac.max()) * 100 / 255 if tac.size else 0.0
    over = tac > limit
    if not over.any():
        return im, peak, 0.0
    share = float(over.mean())
    c, m, y, k = (a[..., i].copy() for i in range(4))
    excess = tac - limit
    u = np.minimum.reduce([np.minimum(np.minimum(c, m), y), (excess + 1) // 2, 255 - k])
    u = np.where(over, np.maximum(u, 0), 0)
    c, m, y, k = c - u, m - u, y - u, k + u
    cmy = c + m + y
    room = np.maximum(limit - k, 0)
    still = (cmy + k) > limit
    scale = np.where(still & (cmy > 0), room / np.maximum(cmy, 1), 1.0)
    c, m, y = (np.floor(ch * scale).astype(np.int32) for ch in (c, m, y))
    out = np.stack([c, m, y, k], axis=-1).clip(0, 255).astype(np.uint8)
    return Image.fromarray(out, "CMYK"), peak, share


def to_print_cmyk(
    im: Image.Image,
    *,
    profile: str | Path | None = None,
    ink_limit: float = DEFAULT_INK_LIMIT,
    background: tuple[int, int, int] = WHITE,
    name: str = "image",
) -> PrintImage:
    """``im`` as a CMYK image for PDF/X-1a print: flattened, separated, ink-limited.

    ``profile`` is the CMYK output profile's path (default: the shipped one); a CMYK
    image is taken as already separated for the output condition and only
    ink-limited. ``name`` is used in warnings.
    """
    im.load()
    source: Any = im.info.get("icc_profile") or None
    warnings: list[str] = []
    if im.mode == "CMYK":
        cmyk, route = im, "cmyk"
    else:
        if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
            im = im.convert("L") if im.mode == "F" else im.point(lambda v: v / 256).convert("L")
        elif im.mode in ("P", "PA"):
            im = im.convert("RGBA" if _has_alpha(im) else "RGB")
        elif im.mode not in ("1", "L", "LA", "La", "RGB", "RGBA", "RGBa"):
            im = im.convert("RGB")  # LAB, YCbCr, HSV: through Pillow to RGB first
            source = None
        if _has_alpha(im):
            im = _flatten(im, background)
        if im.mode == "1":
            im = im.convert("L")
        if im.mode == "RGB" and _is_neutral(im):
            im = im.getchannel("R")
        if im.mode == "L":
            cmyk, route = _grey_to_k(im), "grey"
        else:
            icc = source if isinstance(source, bytes) else None
            if icc is not None:
                try:
                    space = ImageCms.ImageCmsProfile(BytesIO(icc)).profile.xcolor_space.strip()
                except (OSError, ImageCms.PyCMSError):
                    space = ""
                if space != "RGB":
                    icc = None  # unreadable or not an RGB profile: take the pixels as sRGB
            transform = _transform(icc, "RGB", None if profile is None else str(profile))
            converted = ImageCms.applyTransform(im, transform)
            assert converted is not None  # None only when converting in place
            cmyk, route = converted, "icc"
    cmyk, peak, share = limit_ink(cmyk, ink_limit)
    if share:
        warnings.append(
            f"{name}: {share:.1%} of its pixels over the {ink_limit:g} % total-ink limit "
            f"(up to {peak:.0f} %); converted down"
        )
    cmyk.info.pop("icc_profile", None)
    return PrintImage(cmyk, tuple(warnings), route)


# --- bleed ------------------------------------------------------------------------------


def bleed_pad(
    box: Any, rect: Any, cut: tuple[bool, bool, bool, bool], bleed: float
) -> tuple[Any, tuple[float, float, float, float]]:
    """The clip and the edge extension (left, bottom, right, top) of an image drawn at
    ``rect`` in its block's ``box`` (geometry.Rect), where ``cut`` says which sides of
    the box lie on a cut edge: the clip runs ``bleed`` beyond those, and the image is
    extended to fill it where it reaches the box's edge (fit "contain" may leave a
    margin there: then nothing is extended)."""
    from .geometry import Rect

    left, bottom, right, top = cut
    clip = Rect(
        box.x0 - bleed * left,
        box.y0 - bleed * bottom,
        box.x1 + bleed * right,
        box.y1 + bleed * top,
    )
    eps = 1e-6
    pad = (
        max(0.0, rect.x0 - clip.x0) if left and rect.x0 <= box.x0 + eps else 0.0,
        max(0.0, rect.y0 - clip.y0) if bottom and rect.y0 <= box.y0 + eps else 0.0,
        max(0.0, clip.x1 - rect.x1) if right and rect.x1 >= box.x1 - eps else 0.0,
        max(0.0, clip.y1 - rect.y1) if top and rect.y1 >= box.y1 - eps else 0.0,
    )
    return clip, pad


def extend_edges(im: Image.Image, px: tuple[int, int, int, int]) -> Image.Image:
    """``im`` with its edge pixels repeated outwards by ``px`` (left, bottom, right, top)."""
    left, bottom, right, top = (max(0, int(v)) for v in px)
    if not (left or bottom or right or top):
        return im
    w, h = im.size
    out = Image.new(im.mode, (w + left + right, h + top + bottom))
    out.paste(im, (left, top))
    # Rows first (top and bottom, the full original width), then whole columns, so the
    # corners take the corner pixels.
    if top:
        out.paste(im.crop((0, 0, w, 1)).resize((w, top)), (left, 0))
    if bottom:
        out.paste(im.crop((0, h - 1, w, h)).resize((w, bottom)), (left, top + h))
    full = out.size[1]
    if left:
        out.paste(out.crop((left, 0, left + 1, full)).resize((left, full)), (0, 0))
    if right:
        out.paste(out.crop((left + w - 1, 0, left + w, full)).resize((right, full)), (left + w, 0))
    return out
