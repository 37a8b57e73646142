"""Baronial: opening on a long edge, deep pointed seal flap.

A banker with a V-shaped seal flap about a third deeper than a square one. Its
shoulders drop steeply past the throat, so the back stays closed beside the side
flaps, then run straight to a rounded tip; the gum follows the two edges of the
V where they lie over the back flap. Panels: front, left, right (order 1),
back (2), seal (3).
"""

from __future__ import annotations

from dataclasses import dataclass

from .banker import FlapParams, Frame
from .base import Net, angle, length, register

__all__ = ["BaronialParams", "build"]


@dataclass(frozen=True, slots=True)
class BaronialParams(FlapParams):
    throat: float = length(12, "gap between the back flap and the opening edge", lo=3, hi=150)
    seal_flap: float = length(55, "depth of the pointed seal flap at its tip", lo=10, hi=300)
    seal_shoulder: float = angle(75, "angle between the seal flap's shoulders and its fold", lo=60, hi=90)
    tip_radius: float = length(8, "radius of the seal flap's rounded tip (0 = sharp point)", lo=0, hi=60)


@register("baronial", BaronialParams, doc=__doc__)
def build(width: float, height: float, p: BaronialParams) -> Net:
    f = Frame.of("baronial", width, height, p, opening="long")
    back = f.hc - p.throat * f.k
    seal = f.pointed_seal(p.seal_flap * f.k, p.seal_shoulder, p.tip_radius * f.k, back)
    return f.net(back, seal, seal_param="seal_flap", back_param="-throat")
