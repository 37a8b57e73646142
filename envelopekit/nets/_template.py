"""Template: a starting point for a new net style (not registered).

Copy this file to ``nets/<name>.py``, rename the style, add its name to
``_STYLE_MODULES`` in ``nets/__init__.py`` and uncomment ``@register``. The
module docstring is the style's help: its first line is the one-line summary
``envelopekit styles`` prints, the rest is shown as help.

How a style is built (see ``_shapes.py`` for the conventions every style keeps):

1. A frozen, slotted parameter dataclass. Every field uses ``length`` (default in
   mm, stored in points, range in mm) or ``angle`` (degrees) from ``base``, so the
   command line, layout files and range checks work without extra code.
2. One build function ``(width, height, params) -> Net`` in points. Draw each flap
   where it lands on the closed back, in face coordinates (0, 0)-(W, H), with its
   hinge on an edge of that rectangle; ``Flap`` takes (point, corner radius) pairs
   running from one end of the hinge to the other through the free edge.
   ``assemble`` does the rest: net coordinates, the cut, folds, face-to-net
   transforms, glue patches and the check that the back is closed.
3. Validate with ``require`` before assembling, naming the parameter and which
   way to turn it; scale flap lengths by ``size_scale`` so small envelopes work.

The four-flap envelope with side flaps (pocket, banker, baronial, wallet) is
already written: ``banker.Frame`` builds it, and a new seal shape is a method
like ``Frame.square_seal``. This template builds the simplest thing that is not
that: a diamond with straight-edged triangular flaps, to show ``assemble`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..geometry import Point, Transform
from ._shapes import GLUE_MARGIN, Flap, GlueSpec, Strip, assemble, fmt, net_edge_of, require, size_scale
from .base import Net, length

__all__ = ["TemplateParams", "build"]


@dataclass(frozen=True, slots=True)
class TemplateParams:
    overlap: float = length(20, "how far opposite flaps overlap across the centre", lo=3, hi=200)
    glue: float = length(6, "width of the glue strips", lo=2, hi=25)


# @register("template", TemplateParams, doc=__doc__)
def build(width: float, height: float, p: TemplateParams) -> Net:
    w, h, k = width, height, size_scale(width, height)
    o, g, m = p.overlap * k, p.glue * k, GLUE_MARGIN * k
    require(
        o >= g + 2 * m,
        "template",
        k,
        f"opposite flaps overlap by {fmt(o)}, less than the {fmt(g)} glue and {fmt(2 * m)} of margins",
        "increase overlap or reduce glue",
    )
    # Triangles on the four edges of the back, each reaching o / 2 past the centre.
    on_left = ((Point(0, 0), 0.0), (Point(w / 2 + o / 2, h / 2), 0.0), (Point(0, h), 0.0))
    on_right = tuple((Point(w - q.x, h - q.y), r) for q, r in on_left)
    back = ((Point(0, 0), 0.0), (Point(w / 2, h / 2 + o / 2), 0.0), (Point(w, 0), 0.0))
    seal = ((Point(w, h), 0.0), (Point(w / 2, h / 2 - o / 2), 0.0), (Point(0, h), 0.0))
    # Side flaps are named after the front edge they hang from in the net: the one on
    # the back's left edge hangs from the front's right edge.
    names = [net_edge_of([q for q, _ in c], w, h) for c in (on_left, on_right)]
    face = Transform()  # a style drawn in another frame passes its map onto the back here
    flaps = [
        Flap.of(names[0], 1, on_left, face),  # stacking order: side flaps 1, back 2, seal 3
        Flap.of(names[1], 1, on_right, face),
        Flap.of("back", 2, back, face),
        Flap.of("seal", 3, seal, face),
    ]
    misfit = "the back flap's glue does not fit on the side flaps"
    glue = [  # the back flap's edges onto the side flaps, the seal where it overlaps the back flap
        GlueSpec("back", names[0], Strip((back[0][0], back[1][0])), g, m, misfit, "increase overlap"),
        GlueSpec("back", names[1], Strip((back[2][0], back[1][0])), g, m, misfit, "increase overlap"),
        GlueSpec("seal", "back", Strip(), g, m, "the seal flap's gum does not fit", "increase overlap"),
    ]
    return assemble("template", w, h, flaps, glue, params=p, caliper=0.0, k=k, hole_hint="increase overlap")
