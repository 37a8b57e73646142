"""The folded mockup of a window envelope: the carrier showing through the window.

The closed envelope's front (from :func:`envelopekit.render.mockup.fold_envelope`) has
the window punched out of it; beneath lies the carrier's folded face (its own mockup),
turned as :class:`~envelopekit.window.ResolvedWindow` inserts it and placed where it
sits, by default the middle of its play, over the shaded inside of the envelope. The
picture is made from the rendered pages only, so an address placed wrongly on the
letter shows up cut off or missing in the window.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from ..geometry import Point, Rect

if TYPE_CHECKING:
    from ..kit import ResolvedKit
    from ..window import ResolvedWindow
    from .mockup import Mockup

__all__ = ["show_through", "with_windows"]

INSIDE = (206, 203, 196)
"""The inside of the envelope where the carrier does not reach (as render.mockup)."""
RIM = (0, 0, 0, 70)
"""The window's cut edge, and the front's shadow on what lies beneath along its top and left."""
_TURNS = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}


def _pixels(r: Rect, height: float, scale: tuple[float, float]) -> tuple[int, int, int, int]:
    """``r`` (face points, y up) as a pixel box (y down) of a face ``height`` points high."""
    sx, sy = scale
    return (round(r.x0 * sx), round((height - r.y1) * sy), round(r.x1 * sx), round((height - r.y0) * sy))


def show_through(
    front: Image.Image,
    carrier: Image.Image,
    window: ResolvedWindow,
    size: tuple[float, float],
    *,
    at: Point | None = None,
) -> Image.Image:
    """``front`` (a closed envelope's front of ``size`` points) with ``window`` cut out and
    the carrier's face ``carrier`` beneath it, its bottom-left corner at ``at`` on the front
    (default: the middle of its play, ``window.nominal``)."""
    w, h = size
    scale = (front.width / w, front.height / h)
    turn = round(window.turn.rotation) % 360
    face = carrier.transpose(_TURNS[turn]) if turn in _TURNS else carrier
    at = at if at is not None else window.nominal
    placed = Rect.from_size(at.x, at.y, *window.size)
    box = _pixels(placed, h, scale)
    want = (max(1, box[2] - box[0]), max(1, box[3] - box[1]))
    if abs(want[0] - face.width) > 2 or abs(want[1] - face.height) > 2:  # else pixels as they are
        face = face.resize(want, Image.Resampling.BILINEAR)
    beneath = Image.new("RGB", front.size, INSIDE)
    beneath.paste(face.convert("RGB"), box[:2])
    hole = _pixels(window.rect, h, scale)
    out = front.convert("RGB")
    mask = Image.new("L", front.size, 0)
    ImageDraw.Draw(mask).rectangle((hole[0], hole[1], hole[2] - 1, hole[3] - 1), fill=255)
    out.paste(beneath, (0, 0), mask)
    draw = ImageDraw.Draw(out, "RGBA")
    x0, y0, x1, y1 = hole[0], hole[1], hole[2] - 1, hole[3] - 1
    shade = max(1, round(0.4 * scale[0]))  # about 0.4 pt of shadow under the top and left edges
    # One L-shaped shadow along the top and left, one line along the right and bottom: no
    # pixel is darkened twice, so the rim stays lighter than any text.
    ell = [(x0, y0), (x1, y0), (x1, y0 + shade), (x0 + shade, y0 + shade), (x0 + shade, y1), (x0, y1)]
    draw.polygon(ell, fill=RIM)
    draw.line([(x1, y0 + shade + 1), (x1, y1), (x0 + shade + 1, y1)], fill=RIM, width=1)
    return out


def with_windows(mockups: Sequence[Mockup], kit: ResolvedKit) -> tuple[Mockup, ...]:
    """``mockups`` (one kit's, from render.mockup.fold_kit) with every window envelope's
    front showing its carrier through the window."""
    by_key = {m.key: m for m in mockups}
    out = list(mockups)
    for env in kit.envelopes():
        window = env.window
        if window is None or env.spec.name not in by_key or window.carrier not in by_key:
            continue
        carrier = by_key[window.carrier]
        face = carrier.front if window.view == "front" else carrier.back
        i = out.index(by_key[env.spec.name])
        front = show_through(out[i].front, face, window, (env.width, env.height))
        out[i] = dataclasses.replace(out[i], front=front)
    return tuple(out)
