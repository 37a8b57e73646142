"""envelopekit: printable nested envelope kits as print-ready PDFs.

The common case is one call::

    import envelopekit
    result = envelopekit.build("layouts/help-me.toml", "people.csv", "out", key_file="token.key")

Under it, each pipeline step is a public function: :func:`load_layout` (TOML to a
KitSpec), :func:`read_records`, :func:`resolve` (sizes, nets, checks),
:func:`personalise` (one record's drawing), :func:`envelopekit.batch.build` (records
to PDFs), :func:`envelopekit.impose.plan` (sheets), :func:`envelopekit.verify.verify`.
"""

from __future__ import annotations

from .batch import BuildResult, Imposition
from .batch import build_files as build
from .compose import personalise
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
from .kit import KitSpec, ResolvedKit, resolve
from .layouts import load_layout, parse_layout
from .nets import STYLES, Net, build_net
from .records import read_records
from .units import cm, inch, mm, parse_length, pt

__version__ = "0.1.0"

__all__ = [
    "STYLES",
    "BuildResult",
    "CatalogError",
    "EnvelopekitError",
    "FitError",
    "GlyphError",
    "ImposeError",
    "Imposition",
    "KitSpec",
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
    "ResolvedKit",
    "TokenError",
    "Transform",
    "UnitError",
    "__version__",
    "build",
    "build_net",
    "cm",
    "inch",
    "load_layout",
    "mm",
    "parse_layout",
    "parse_length",
    "personalise",
    "pt",
    "read_records",
    "resolve",
]
