"""envelopekit: printable nested envelope kits as print-ready PDFs.

The common case is one call::

    import envelopekit
    result = envelopekit.build("help-me", "people.csv", "out")      # or a list of dicts
    pdf = envelopekit.render_kit("help-me", {"id": "R1", "first_name": "Ada", ...})  # bytes

Under it, each pipeline step is a public function: :func:`load_layout` (TOML to a
KitSpec), :func:`read_records`, :func:`resolve` (sizes, nets, checks),
:func:`personalise` (one record's drawing), :func:`envelopekit.batch.build_chunk` (a
chunk of records to PDF bytes), :func:`envelopekit.batch.build` (the runner),
:func:`envelopekit.impose.plan` (sheets), :func:`envelopekit.verify.verify`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

# Public names -> the module that defines them. They are imported on first use, so
# `envelopekit --help` and small commands start without loading the PDF machinery.
_EXPORTS = {
    "BuildResult": "batch.runner",
    "Imposition": "impose.adapter",
    "Progress": "batch.runner",
    "build": "batch.api:build_files",
    "render_kit": "batch.api",
    "personalise": "compose",
    "CatalogError": "errors",
    "EnvelopekitError": "errors",
    "FitError": "errors",
    "GlyphError": "errors",
    "ImposeError": "errors",
    "LayoutError": "errors",
    "LinkError": "errors",
    "NetError": "errors",
    "QRError": "errors",
    "RecordError": "errors",
    "TokenError": "errors",
    "UnitError": "errors",
    "Path": "geometry",
    "Point": "geometry",
    "Polygon": "geometry",
    "Rect": "geometry",
    "Transform": "geometry",
    "KitSpec": "kit",
    "ResolvedKit": "kit",
    "resolve": "kit",
    "load_layout": "layouts",
    "parse_layout": "layouts",
    "STYLES": "nets",
    "Net": "nets",
    "build_net": "nets",
    "read_records": "records",
    "cm": "units",
    "inch": "units",
    "mm": "units",
    "parse_length": "units",
    "pt": "units",
}


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'envelopekit' has no attribute {name!r}")
    from importlib import import_module

    module, _, attr = target.partition(":")
    value = getattr(import_module(f".{module}", __name__), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from .batch.api import build_files as build
    from .batch.api import render_kit
    from .batch.runner import BuildResult, Progress
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
    from .impose.adapter import Imposition
    from .kit import KitSpec, ResolvedKit, resolve
    from .layouts import load_layout, parse_layout
    from .nets import STYLES, Net, build_net
    from .records import read_records
    from .units import cm, inch, mm, parse_length, pt

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
    "Progress",
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
    "render_kit",
    "resolve",
]
