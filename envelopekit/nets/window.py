"""A window in an envelope's front: its size and place, standard presets, its cut.

A :class:`WindowSpec` is a rectangle on the envelope's front face (points, from the left
and bottom edges as the address is read, the flap up: how window sizes are specified),
by preset or by size and position. :func:`envelopekit.nets.base.add_window` cuts it in a
net (``Net.holes``); :mod:`envelopekit.window` checks the letter that shows through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import NetError
from ..geometry import Path, Rect, Transform
from ..units import inch, mm, parse_length

__all__ = [
    "MARGIN",
    "MIN_BORDER",
    "PRESETS",
    "WindowSpec",
    "check_fits",
    "length_text",
    "parse_window",
    "rect_text",
    "unit_of",
    "window_path",
]

MARGIN = 0.125 * inch
"""Clearance between the address and every window edge, in every position the carrier can
slide to. USPS (PRINT.md, "Envelope windows and postal zones"; Publication 25): at least
1/8 in (3.2 mm) between the address and the window's edges wherever the insert moves."""
MIN_BORDER = 5 * mm
"""A window keeps at least this much paper to the front's edges and folds (d): the die
needs a bridge, and a window running into a fold tears when the envelope is closed."""


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """A rectangular window on an envelope's front; lengths in points."""

    width: float
    height: float
    left: float  # from the front's left edge, the address read the right way up
    bottom: float  # from its bottom edge
    preset: str = ""
    carrier: str = ""  # the card that shows through; "" = the one card inside with an address block
    margin: float = MARGIN

    @property
    def rect(self) -> Rect:
        return Rect.from_size(self.left, self.bottom, self.width, self.height)

    @property
    def label(self) -> str:
        return f"window {self.preset!r}" if self.preset else "window"


PRESETS: dict[str, WindowSpec] = {
    # PRINT.md: the typical #10 window, 1 1/8 x 4 1/2 in at 7/8 in from the left, 1/2 in up.
    "us10": WindowSpec(4.5 * inch, 1.125 * inch, 0.875 * inch, 0.5 * inch, "us10"),
    # DIN 680 (the DL window): 90 x 45 mm, 20 mm from the left and 15 mm from the bottom edge;
    # C6/5 (114 x 229 mm) takes the same window.
    "dl": WindowSpec(90 * mm, 45 * mm, 20 * mm, 15 * mm, "dl"),
    "c6-5": WindowSpec(90 * mm, 45 * mm, 20 * mm, 15 * mm, "c6-5"),
    # C5 (d): the DIN 680 window, 90 x 45 mm at 20 mm from the left, raised to show DIN 5008's
    # address field (45-90 mm below the top of an A4 sheet) of an A4 letter folded once that
    # rests on the bottom of the envelope: 148.5 - 90 = 58.5 mm up; 58 mm.
    "c5": WindowSpec(90 * mm, 45 * mm, 20 * mm, 58 * mm, "c5"),
}
"""Standard windows by name (``window = "us10"`` in a layout)."""


def parse_window(text: str) -> WindowSpec:
    """A preset name (``"us10"``) or ``"WIDTH,HEIGHT,LEFT,BOTTOM"`` with units, as given to
    ``build_net(..., {"window": ...})`` and ``envelopekit net --param window=...``."""
    key = text.strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    parts = [p for p in re.split(r"[,\s]+", key) if p]
    if len(parts) != 4:
        raise NetError(
            f"window {text!r} is neither a preset nor WIDTH,HEIGHT,LEFT,BOTTOM",
            hint="presets: " + ", ".join(PRESETS) + '; or e.g. "4.5in,1.125in,0.875in,0.5in"',
        )
    w, h, left, bottom = (parse_length(p, what="window") for p in parts)
    return WindowSpec(w, h, left, bottom)


# --- the cut -----------------------------------------------------------------------------------


def check_fits(spec: WindowSpec, width: float, height: float) -> str | None:
    """Why ``spec`` does not fit a front of ``width`` x ``height`` points (None: it fits)."""
    room = Rect(0, 0, width, height).inset(MIN_BORDER)
    r = spec.rect
    if spec.width <= 0 or spec.height <= 0:
        return f"{spec.label} has no area"
    if room.width > 0 and room.height > 0 and room.contains(r):
        return None
    return (
        f"{spec.label} ({rect_text(r, unit_of(spec))}) does not fit a {length_text(width, unit_of(spec))} x "
        f"{length_text(height, unit_of(spec))} front with {MIN_BORDER / mm:.0f} mm of paper round it"
    )


def window_path(spec: WindowSpec, to_net: Transform) -> Path:
    """The window's cut in net coordinates (``to_net``: the front face to the net)."""
    corners = spec.rect.corners()
    return Path.from_points([to_net.apply(p) for p in corners])


def unit_of(spec: WindowSpec) -> float:
    values = (spec.width, spec.height, spec.left, spec.bottom)
    return (
        inch
        if spec.preset.startswith("us")
        or all(abs(v * 16 / inch - round(v * 16 / inch)) < 1e-6 for v in values)
        else mm
    )


def length_text(v: float, unit: float) -> str:
    return f"{v / inch:.3f} in" if unit == inch else f"{v / mm:.1f} mm"


def rect_text(r: Rect, unit: float) -> str:
    u = "in" if unit == inch else "mm"
    n = (lambda v: f"{v / inch:.3f}") if unit == inch else (lambda v: f"{v / mm:.1f}")
    return f"{n(r.width)} x {n(r.height)} {u} at {n(r.x0)}, {n(r.y0)} {u} from the left and bottom"
