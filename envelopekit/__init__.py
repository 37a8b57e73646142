"""envelopekit: printable nested envelope kits as print-ready PDFs.

The common case is one call (see :func:`build`); under it, each pipeline step is
a public function: load a layout, read records, personalise kits, plan pages,
render PDFs, verify them.
"""

from __future__ import annotations

from .errors import (
    CatalogError,
    EnvelopekitError,
    FitError,
    GlyphError,
    ImposeError,
    LayoutError,
    LinkError,
    NetError,
    QRError,
    RecordError,
    TokenError,
    UnitError,
)
from .geometry import Path, Point, Polygon, Rect, Transform
from .nets import STYLES, Net, build_net
from .units import cm, inch, mm, parse_length, pt

__version__ = "0.1.0"

__all__ = [
    "STYLES",
    "CatalogError",
    "EnvelopekitError",
    "FitError",
    "GlyphError",
    "ImposeError",
    "LayoutError",
    "LinkError",
    "Net",
    "NetError",
    "Path",
    "Point",
    "Polygon",
    "QRError",
    "RecordError",
    "Rect",
    "TokenError",
    "Transform",
    "UnitError",
    "__version__",
    "build_net",
    "cm",
    "inch",
    "mm",
    "parse_length",
    "pt",
]
