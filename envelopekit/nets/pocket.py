"""Pocket: opening on a short edge (UK pocket), square seal flap, deep back flap.

The banker construction turned a quarter: the seal flap hangs on one short edge
and a deep back flap (the envelope's length less a throat) on the other; the
side flaps on the long edges fold in first and the back flap is glued over them.
On a landscape size the opening is on the front's right edge, on a portrait one
at the top. Panels: front, the side flaps named after the front edge they hang
from (top and bottom on a landscape size; order 1), back (2), seal (3).
"""

from __future__ import annotations

from dataclasses import dataclass

from .banker import BankerParams, square_flap_net
from .base import Net, register

__all__ = ["PocketParams", "build"]


@dataclass(frozen=True, slots=True)
class PocketParams(BankerParams):
    """The banker's parameters; ``throat`` is measured along the envelope's length."""


@register("pocket", PocketParams, doc=__doc__)
def build(width: float, height: float, p: PocketParams) -> Net:
    return square_flap_net("pocket", width, height, p, opening="short")
