"""Banker: opening on a long edge, square seal flap with rounded corners.

The commercial envelope. The side flaps fold in first; the back flap (the
envelope's height less a throat) folds up over them and is glued to them along
its leaning sides; the seal flap closes the opening and its gum strip lands on
the back flap. Panels: front, left, right (side flaps, order 1), back (2),
seal (3).
"""

# This module also holds the side-flap construction (Frame) that pocket, baronial
# and wallet share: they differ only in the seal flap, the back flap's depth and
# the edge the opening is on.

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from ..geometry import Point, Transform
from ..units import mm
from ._shapes import (
    GLUE_MARGIN,
    Corners,
    Flap,
    GlueSpec,
    Strip,
    assemble,
    caliper_run,
    cot,
    fmt,
    mirrored,
    net_edge_of,
    require,
    size_scale,
    snap_caliper,
    turn,
    upright,
)
from .base import Net, angle, length, register

__all__ = ["BankerParams", "FlapParams", "Frame", "Seal", "build", "square_flap_net"]


@dataclass(frozen=True, slots=True)
class FlapParams:
    """Parameters of every side-flap style (lengths in points, angles in degrees)."""

    side_flap: float = length(20, "depth of each side flap", lo=5, hi=80)
    shoulder: float = angle(
        70, "side-flap shoulder: angle between fold and flap end (90 = square)", lo=50, hi=90
    )
    glue: float = length(6, "width of the glue strips and of the seal flap's gum", lo=2, hi=25)
    corner_radius: float = length(3, "radius of the rounded flap corners (0 = sharp)", lo=0, hi=30)
    caliper: float = length(0.12, "paper thickness: side flaps stop this short of the end folds", lo=0, hi=1)


@dataclass(frozen=True, slots=True)
class BankerParams(FlapParams):
    throat: float = length(16, "gap between the back flap and the opening edge", lo=3, hi=150)
    seal_flap: float = length(40, "depth of the seal flap", lo=10, hi=300)
    seal_shoulder: float = angle(
        80, "angle between the seal flap's sides and its fold (90 = square)", lo=60, hi=90
    )


@dataclass(frozen=True, slots=True)
class Seal:
    """A seal flap drawn with the opening on top: its free edge from (0, hc) to (wc, hc),
    the strips whose gum bonds onto the back flap, the angle of its sides to the fold,
    and the parameter that rounds its corners (for hints)."""

    corners: Corners
    gum: tuple[Strip, ...]
    shoulder: float
    rounding: str

    @property
    def depth(self) -> float:
        return self.corners[0][0].y - min(p.y for p, _ in self.corners)


@dataclass(frozen=True, slots=True)
class Frame:
    """The envelope drawn with its opening on top: the back face is ``wc`` x ``hc``,
    and ``to_face`` turns it onto the real back face (a quarter turn when the opening
    belongs on the other pair of edges). Lengths are already scaled by ``k``."""

    style: str
    width: float
    height: float
    wc: float
    hc: float
    to_face: Transform
    k: float
    side: float
    shoulder: float
    glue: float
    radius: float
    caliper: float
    margin: float
    params: Any

    @classmethod
    def of(cls, style: str, w: float, h: float, p: FlapParams, *, opening: Literal["long", "short"]) -> Frame:
        """Check the side-flap parameters at this size and set up the frame."""
        wc, hc, to_face = upright(w, h, opening)
        k = size_scale(w, h)
        s, g, m, r = p.side_flap * k, p.glue * k, GLUE_MARGIN * k, p.corner_radius * k
        f = cls(style, w, h, wc, hc, to_face, k, s, p.shoulder, g, r, snap_caliper(p.caliper), m, p)
        f.require(
            s >= g + 3 * m,
            f"side_flap {fmt(s)} is too narrow for the back flap's glue ({fmt(g)} + {fmt(3 * m)} margins)",
            f"increase side_flap to at least {fmt((g + 3 * m) / k)} or reduce glue",
        )
        f.require(
            s <= 0.4 * wc,
            f"side_flap {fmt(s)} is more than 40% of the {fmt(wc)} the side flaps fold across",
            f"reduce side_flap to at most {fmt(0.4 * wc / k)}",
        )
        f.require(
            hc - 2 * f.caliper - 2 * s * cot(p.shoulder) >= 2 * mm * k,
            f"side flaps {fmt(s)} deep with a {p.shoulder:g} deg shoulder taper to a point along {fmt(hc)}",
            "reduce side_flap or raise shoulder",
        )
        return f

    def require(self, ok: bool, message: str, hint: str) -> None:
        require(ok, self.style, self.k, message, hint)

    def back_corner(self, back: float) -> tuple[float, float]:
        """How far in from the sides the back flap's top corners sit, and their radius.

        The sides lean in just enough for a glue strip beside them to lie on the side
        flaps, never so far that the side flaps' shoulders show below them; the
        rounding stays over the side flaps."""
        s, g, m, c = self.side, self.glue, self.margin, self.caliper
        self.require(
            back - c >= 2 * mm * self.k,
            f"the back flap would be only {fmt(back)} deep",
            "reduce throat (or back_flap) so the back flap reaches over the side flaps",
        )
        x = max(0.0, s - 2 * m - g)
        for _ in range(3):  # the strip is measured square to the leaning edge
            x = max(0.0, s - m - (m + g) * math.hypot(1.0, x / (back - c)))
        x = min(x, 0.5 * (back - c) / cot(self.shoulder))
        return x, min(self.radius, max(0.0, s - x - m))

    def square_seal(self, depth: float, shoulder: float) -> Seal:
        """A seal flap with straight sides leaning in at ``shoulder`` and rounded corners."""
        wc, hc = self.wc, self.hc
        inset = (depth - self.caliper) * cot(shoulder)
        self.require(
            wc - 2 * inset >= 4 * self.glue,
            f"the seal flap's sides ({fmt(depth)} deep at {shoulder:g} deg) lean in too far for its edge",
            "raise seal_shoulder or make the seal flap shallower",
        )
        a, b = Point(inset, hc - depth), Point(wc - inset, hc - depth)
        half = ((Point(0, hc), 0.0), *caliper_run(Point(0, hc), -self.caliper), (a, self.radius))
        return Seal((*half, *mirrored(half, wc)), (Strip((a, b)),), shoulder, "corner_radius")

    def pointed_seal(self, depth: float, shoulder: float, tip_radius: float, back: float) -> Seal:
        """A V-shaped seal flap. Its shoulders drop at ``shoulder`` until they are past
        both the throat and the side flaps' shoulders beside the back flap's corners,
        so the back is closed there, then run straight to the rounded tip."""
        wc, hc, c, m = self.wc, self.hc, self.caliper, self.margin
        x_top, r_top = self.back_corner(back)
        drop = max(hc - back, c + (x_top + r_top) * cot(self.shoulder)) + m
        knee = Point((drop - c) * cot(shoulder), hc - drop)
        tip = Point(wc / 2, hc - depth)
        half: Corners = ((Point(0, hc), 0.0), *caliper_run(Point(0, hc), -self.caliper))
        if c + (depth - c) * knee.x / (wc / 2) < drop:  # a straight V from the corner would be too shallow
            half = (*half, (knee, self.radius))
        axis = (Point(wc / 2, 0), Point(wc / 2, hc))
        start = half[-1][0]
        gum = (
            Strip((start, tip), (axis,)),
            Strip((Point(wc - start.x, start.y), tip), ((axis[1], axis[0]),)),
        )
        return Seal((*half, (tip, tip_radius), *mirrored(half, wc)), gum, shoulder, "tip_radius")

    def net(self, back: float, seal: Seal, *, seal_param: str, back_param: str) -> Net:
        """Side flaps, a back flap ``back`` deep glued over them, and ``seal``.

        ``seal_param``/``back_param`` name the parameters that set the two depths, with a
        leading "-" when raising the parameter makes the flap shallower ("-throat"), so
        error hints can say which way to turn them."""
        wc, hc, s, g, m, c = self.wc, self.hc, self.side, self.glue, self.margin, self.caliper
        deeper_seal, shallower_seal = turn(seal_param)
        deeper_back, shallower_back = turn(back_param)
        depth, rise = seal.depth, s * cot(self.shoulder)
        self.require(
            back <= hc - m,
            f"the back flap ({fmt(back)}) is deeper than the envelope ({fmt(hc)})",
            shallower_back,
        )
        self.require(
            back >= c + rise + self.radius + g + 2 * m,
            f"the back flap ({fmt(back)}) is too shallow to glue over the side flaps' shoulders",
            f"{deeper_back}, reduce side_flap or raise shoulder",
        )
        self.require(
            depth <= hc - m,
            f"the seal flap ({fmt(depth)}) is deeper than the envelope ({fmt(hc)})",
            shallower_seal,
        )
        self.require(
            depth - (hc - back) >= g + 2 * m,
            f"the seal flap ({fmt(depth)}) overlaps the back flap by {fmt(depth - (hc - back))}, "
            f"less than the {fmt(g)} gum strip and {fmt(2 * m)} of margins, so it cannot close",
            f"{deeper_seal}, {deeper_back} or reduce glue",
        )
        self.require(  # the seal's sides must pass the back flap's top before the side flaps end
            (hc - back - c + m) * cot(seal.shoulder) <= s - m,
            f"the seal flap's sides ({seal.shoulder:g} deg) leave the top corners open above the back flap",
            f"raise seal_shoulder, widen side_flap or {deeper_back}",
        )
        x, r = self.back_corner(back)
        t = self.to_face
        left = (
            (Point(0, c), 0.0),
            (Point(s, c + rise), r),
            (Point(s, hc - c - rise), r),
            (Point(0, hc - c), 0.0),
        )
        right = tuple((Point(wc - p.x, hc - p.y), q) for p, q in left)
        names = [net_edge_of([t.apply(p) for p, _ in f], self.width, self.height) for f in (left, right)]
        half = ((Point(0, 0), 0.0), *caliper_run(Point(0, 0), c), (Point(x, back), r))
        flaps = [
            Flap.of(names[0], 1, left, t),
            Flap.of(names[1], 1, right, t),
            Flap.of("back", 2, (*half, *mirrored(half, wc)), t),
            Flap.of("seal", 3, seal.corners, t),
        ]
        (a, _), (b, _) = half[-2:]  # the back flap's leaning side, from the corner up
        leans = (Strip((a, b)), Strip((Point(wc - a.x, a.y), Point(wc - b.x, b.y))))
        misfit = "the back flap's glue does not fit on the side flaps"
        glue = [
            GlueSpec("back", name, lean.transform(t), g, m, misfit, "increase side_flap or reduce glue")
            for name, lean in zip(names, leans, strict=True)
        ]
        misfit = "the seal flap's gum does not fit on the back flap"
        hint = f"{deeper_seal}, {deeper_back}, reduce glue or {seal.rounding}"
        glue += [GlueSpec("seal", "back", gum.transform(t), g, m, misfit, hint) for gum in seal.gum]
        hint = f"raise seal_shoulder or shoulder, widen side_flap, {deeper_seal} or {deeper_back}"
        return assemble(
            self.style,
            self.width,
            self.height,
            flaps,
            glue,
            params=self.params,
            caliper=c,
            k=self.k,
            hole_hint=hint,
        )


def square_flap_net(
    style: str, w: float, h: float, p: BankerParams, *, opening: Literal["long", "short"]
) -> Net:
    """The square-flap envelope with its opening on the ``opening`` pair of edges."""
    f = Frame.of(style, w, h, p, opening=opening)
    seal = f.square_seal(p.seal_flap * f.k, p.seal_shoulder)
    return f.net(f.hc - p.throat * f.k, seal, seal_param="seal_flap", back_param="-throat")


@register("banker", BankerParams, doc=__doc__)
def build(width: float, height: float, p: BankerParams) -> Net:
    return square_flap_net("banker", width, height, p, opening="long")
