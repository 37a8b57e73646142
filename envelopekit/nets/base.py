"""What every envelope net is made of, and the registry of styles.

A net is the flat die-cut blank of one envelope, in net coordinates (points,
origin at the bottom-left of the outline's bounding box, seen from sheet side A,
the printed outside of the envelope).

Faces are what a designer thinks in. ``front`` is the address side, exactly the
front panel. ``back`` is the closed envelope seen from behind, after turning it
over about its vertical axis (like turning a page), so "up" stays up; its
coordinates run (0, 0)-(W, H) like the front's. A flap folded behind the front
panel shows its side-A surface on the back: its face-to-net transform is the
fold's reflection followed by the turn-over reflection, which is a rotation by
180 degrees about the fold line's midpoint for a horizontal fold and a plain
shift for a vertical one. Both are rigid and never mirror content.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import NetError
from ..geometry import Path, Point, Polygon, Rect, Transform
from ..units import mm, parse_length
from .window import WindowSpec, check_fits, parse_window, window_path

__all__ = [
    "CUT_TOLERANCE",
    "MIN_CUT_SEGMENT",
    "STYLES",
    "Fold",
    "GlueArea",
    "Net",
    "Panel",
    "Style",
    "add_window",
    "angle",
    "build_net",
    "flap_to_net",
    "length",
    "parse_params",
    "register",
]

MIN_CUT_SEGMENT = 0.5 * mm
"""No segment of a cut, drawn (lines and Béziers) or flattened for export, is shorter:
a die maker's CAD import needs no clean-up, and no rule is bent that finely."""
CUT_TOLERANCE = 0.05 * mm
"""How far merging short segments may move the cut from the geometry the panels make.
Where no merge comes that close (the diamond's corners, whose flap edges run on nearly
parallel past them: about 0.08 mm), the cut moves the least it can, never more than
half the step removed (one caliper)."""

FoldKind = Literal["valley", "mountain"]
Face = Literal["front", "back"]


@dataclass(frozen=True, slots=True)
class Fold:
    """A crease from p0 to p1. Valley: the flap comes up toward the viewer of side B
    (folds away from side A), which is every envelope flap folded behind the front."""

    p0: Point
    p1: Point
    kind: FoldKind = "valley"
    panel: str = ""  # the panel this fold hinges (the flap on the far side of the front)

    @property
    def length(self) -> float:
        return self.p0.distance(self.p1)


@dataclass(frozen=True, slots=True)
class GlueArea:
    """Where adhesive goes (side A of ``panel``), and the panel it bonds to when closed."""

    polygon: Polygon
    panel: str
    onto: str


@dataclass(frozen=True, slots=True)
class Panel:
    """One region of the net between folds and the cut.

    ``order`` is the stacking order when closed: 0 for the front panel, higher for
    flaps closed later (closer to the viewer of the back face). ``to_net`` maps this
    panel's face coordinates to net coordinates.
    """

    name: str
    face: Face
    order: int
    outline: Path
    to_net: Transform
    hinge: Fold | None = None

    @property
    def polygon(self) -> Polygon:
        return self.outline.flatten(0.1)

    def face_polygon(self, tolerance: float = 0.1) -> Polygon:
        """The panel's outline in its face's coordinates (where it lands when closed)."""
        return self.outline.flatten(tolerance).transform(self.to_net.inverse())


@dataclass(frozen=True, slots=True)
class Net:
    style: str
    width: float  # finished (closed) size
    height: float
    outline: Path  # the cut, closed
    folds: tuple[Fold, ...]
    glue: tuple[GlueArea, ...]
    panels: tuple[Panel, ...]
    params: Any = None
    caliper: float = 0.0
    holes: tuple[Path, ...] = ()
    """Interior cuts, closed paths inside a panel (an envelope's window: see
    envelopekit.window). They are cut with the outline, in the cut ink."""

    @property
    def front(self) -> Panel:
        return self.panel("front")

    @property
    def front_rect(self) -> Rect:
        """The front panel in net coordinates (exactly the finished size)."""
        return self.front.polygon.bbox

    @property
    def bbox(self) -> Rect:
        return self.outline.bbox

    def cut(self, tolerance: float = 0.1) -> Polygon:
        """The cut flattened within ``tolerance`` for a die maker: no edge shorter than
        MIN_CUT_SEGMENT (a corner too tight for both gets fewer, longer chords)."""
        return self.outline.flatten(tolerance, MIN_CUT_SEGMENT)

    def panel(self, name: str) -> Panel:
        for p in self.panels:
            if p.name == name:
                return p
        raise KeyError(f"{self.style} net has no panel {name!r}")

    def flaps(self) -> tuple[Panel, ...]:
        """Back-face panels, bottom of the stack first."""
        return tuple(sorted((p for p in self.panels if p.face == "back"), key=lambda p: p.order))


def flap_to_net(front: Rect, hinge_p0: Point, hinge_p1: Point) -> Transform:
    """Face-to-net transform for a flap hinged on a fold of the front panel.

    net -> back face = (shift to face origin) @ (turn over about the front's vertical
    centre line) @ (reflect across the fold); the result is rigid (no mirroring).
    """
    to_face = (
        Transform.translate(-front.x0, -front.y0)
        @ Transform.mirror_x(front.center.x)
        @ Transform.mirror(hinge_p0, hinge_p1)
    )
    return to_face.inverse().clean()


# --- parameters -------------------------------------------------------------------------


def length(default_mm: float, help: str, *, lo: float | None = 0.0, hi: float | None = None) -> Any:
    """A length parameter in points (default given in mm), with its allowed range in mm."""
    return dataclasses.field(
        default=default_mm * 72 / 25.4, metadata={"kind": "length", "help": help, "lo": lo, "hi": hi}
    )


def angle(default: float, help: str, *, lo: float = 0.0, hi: float = 180.0) -> Any:
    """An angle parameter in degrees."""
    return dataclasses.field(default=default, metadata={"kind": "angle", "help": help, "lo": lo, "hi": hi})


def parse_params(params_type: type, values: Mapping[str, Any] | None, *, style: str) -> Any:
    """Make a style's frozen parameter object from strings ("15mm", "70") or numbers.

    Lengths need a unit when given as strings; unknown names and out-of-range values
    raise NetError naming the parameter and its allowed range.
    """
    if values is None:
        values = {}
    if isinstance(values, params_type):
        check_ranges(values, style=style)  # a ready-made object must obey the same ranges
        return values
    fields = {f.name: f for f in dataclasses.fields(params_type)}
    kwargs: dict[str, Any] = {}
    for name, raw in values.items():
        key = name.replace("-", "_")
        if key not in fields:
            import difflib

            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(fields)
            raise NetError(f"{style} has no parameter {name!r}", hint=hint)
        meta = fields[key].metadata
        kind = meta.get("kind")
        try:
            if kind == "length":
                # Numbers passed in code are points already; strings need a unit.
                value = (
                    float(raw)
                    if isinstance(raw, int | float) and not isinstance(raw, bool)
                    else parse_length(str(raw), what=f"{style} {key}")
                )
            elif kind == "angle":
                value = float(str(raw).removesuffix("deg"))
            else:
                default: Any = fields[key].default
                value = type(default)(raw)
        except ValueError as exc:
            raise NetError(f"{style} parameter {key}={raw!r} is not valid: {exc}") from None
        kwargs[key] = value
    obj = params_type(**kwargs)
    check_ranges(obj, style=style)
    return obj


def check_ranges(params: Any, *, style: str) -> None:
    for f in dataclasses.fields(params):
        meta = f.metadata
        value = getattr(params, f.name)
        lo, hi = meta.get("lo"), meta.get("hi")
        scale = 72 / 25.4 if meta.get("kind") == "length" else 1.0
        unit = "mm" if meta.get("kind") == "length" else ("deg" if meta.get("kind") == "angle" else "")
        if not isinstance(value, float | int) or not math.isfinite(value):
            raise NetError(f"{style} parameter {f.name} must be a number")
        if lo is not None and value < lo * scale - 1e-9:
            raise NetError(
                f"{style} parameter {f.name} = {value / scale:.4g}{unit} is below {lo}{unit}",
                hint=meta.get("help"),
            )
        if hi is not None and value > hi * scale + 1e-9:
            raise NetError(
                f"{style} parameter {f.name} = {value / scale:.4g}{unit} is above {hi}{unit}",
                hint=meta.get("help"),
            )


# --- registry -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Style:
    """A registered net style: its module docstring doubles as CLI help."""

    name: str
    doc: str
    params_type: type
    build: Callable[[float, float, Any], Net]
    rotations: tuple[float, ...] = (0.0, 90.0)  # angles the imposer may try

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name


STYLES: dict[str, Style] = {}


def register(
    name: str, params_type: type, *, doc: str, rotations: Iterable[float] = (0.0, 90.0)
) -> Callable[[Callable[[float, float, Any], Net]], Callable[[float, float, Any], Net]]:
    """Register ``build(width, height, params) -> Net`` under ``name``."""

    def deco(build: Callable[[float, float, Any], Net]) -> Callable[[float, float, Any], Net]:
        STYLES[name] = Style(name, doc, params_type, build, tuple(rotations))
        return build

    return deco


def build_net(style: str, width: float, height: float, params: Mapping[str, Any] | Any | None = None) -> Net:
    """Build a net of ``style`` for a finished size ``width`` x ``height`` (points)."""
    from . import load_styles

    load_styles()
    key = style.lower().strip()
    if key not in STYLES:
        import difflib

        close = difflib.get_close_matches(key, list(STYLES), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "styles: " + ", ".join(sorted(STYLES))
        raise NetError(f"unknown net style {style!r}", hint=hint)
    s = STYLES[key]
    if width <= 0 or height <= 0:
        raise NetError(f"{key} size must be positive, got {width:.2f} x {height:.2f} pt")
    window = None
    if isinstance(params, Mapping) and "window" in params:
        # Not a style parameter: a window cut in the front ("us10" or "W,H,LEFT,BOTTOM"),
        # so that `envelopekit net banker "#10" --param window=us10` shows the die.
        window = parse_window(str(params["window"]))
        params = {k: v for k, v in params.items() if k != "window"}
    p = parse_params(s.params_type, params, style=key)
    net = s.build(width, height, p)
    if not net.outline.flatten(0.1).is_simple():
        raise NetError(f"{key} outline intersects itself at this size", hint="reduce the flap sizes")
    if window is not None:
        net = add_window(net, window)
    return net


def add_window(net: Net, spec: WindowSpec) -> Net:
    """``net`` with ``spec`` cut out of its front panel (an interior cut, ``Net.holes``)."""
    why = check_fits(spec, net.front_rect.width, net.front_rect.height)
    if why:
        raise NetError(why, hint="move or shrink the window")
    return dataclasses.replace(net, holes=(*net.holes, window_path(spec, net.front.to_net)))
