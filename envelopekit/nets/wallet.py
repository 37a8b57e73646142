"""Wallet: opening on a long edge, deep rectangular seal flap over a shallow back flap.

The seal flap covers most of the back, reaching to a small gap above the bottom
fold; a shallow back flap is glued over the side flaps and takes the seal flap's
gum along its top. Panels: front, left, right (order 1), back (2), seal (3).
"""

from __future__ import annotations

from dataclasses import dataclass

from .banker import FlapParams, Frame
from .base import Net, angle, length, register

__all__ = ["WalletParams", "build"]


@dataclass(frozen=True, slots=True)
class WalletParams(FlapParams):
    back_flap: float = length(45, "depth of the shallow back flap", lo=10, hi=300)
    seal_gap: float = length(20, "the seal flap reaches to this far above the bottom fold", lo=3, hi=300)
    seal_shoulder: float = angle(
        88, "angle between the seal flap's sides and its fold (90 = square)", lo=60, hi=90
    )


@register("wallet", WalletParams, doc=__doc__)
def build(width: float, height: float, p: WalletParams) -> Net:
    f = Frame.of("wallet", width, height, p, opening="long")
    seal = f.square_seal(f.hc - p.seal_gap * f.k, p.seal_shoulder)
    return f.net(p.back_flap * f.k, seal, seal_param="-seal_gap", back_param="back_flap")
