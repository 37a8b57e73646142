"""Envelope net styles: one module per style, registered in ``STYLES``.

``build_net("pocket", w, h, {"side_flap": "15mm"})`` returns a :class:`Net`.
New styles start from ``_template.py``.
"""

from __future__ import annotations

import importlib

from .base import STYLES, Fold, GlueArea, Net, Panel, Style, build_net, flap_to_net

__all__ = ["STYLES", "Fold", "GlueArea", "Net", "Panel", "Style", "build_net", "flap_to_net", "load_styles"]

_STYLE_MODULES = ("pocket", "banker", "baronial", "wallet", "diamond")


def load_styles() -> dict[str, Style]:
    """Import every bundled style module once (each registers itself)."""
    for name in _STYLE_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return STYLES
