"""The graphics and text state a content stream paints in, and the events it stamps.

:class:`GState` is what ``q``/``Q`` save and restore (colours, overprint, line width,
dash, cap, the CTM, the text state); :class:`Frame` is one content stream being run
(its resources, where it is, how deep). :func:`paint` and :func:`show` turn a path
painting or a text-showing operator into an event in page space, from the state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pypdf.generic import DictionaryObject

from .drawn import BLACK_GRAY, IDENTITY, FontInfo, Matrix, Paint, Space, Text, box_of, multiply, scale
from .objects import num, resolve


class GState:
    """The graphics state with the text state: what ``q`` saves and ``Q`` restores, and
    what a form inherits from the stream that draws it."""

    __slots__ = (
        "cap",
        "char_space",
        "ctm",
        "dashed",
        "fill",
        "font",
        "hscale",
        "leading",
        "op_fill",
        "op_stroke",
        "opm",
        "rise",
        "size",
        "stroke",
        "text_mode",
        "width",
        "word_space",
    )

    def __init__(self, ctm: Matrix) -> None:
        self.ctm = ctm
        self.fill = BLACK_GRAY
        self.stroke = BLACK_GRAY
        self.op_fill = False
        self.op_stroke = False
        self.opm = 0
        self.width = 1.0
        self.dashed = False
        self.cap = 0
        self.font: FontInfo = _NO_FONT
        self.size = 0.0
        self.char_space = 0.0
        self.word_space = 0.0
        self.hscale = 1.0
        self.leading = 0.0
        self.rise = 0.0
        self.text_mode = 0

    def signature(self) -> tuple[Any, ...]:
        """Everything a form inherits, as a hashable key."""
        return tuple(
            id(v) if name == "font" else v for name, v in zip(GState.__slots__, self._values(), strict=True)
        )

    def _values(self) -> list[Any]:
        return [getattr(self, name) for name in GState.__slots__]

    def copy(self) -> GState:
        other = GState.__new__(GState)
        for name in GState.__slots__:
            setattr(other, name, getattr(self, name))
        return other


@dataclass
class Frame:
    """One content stream being run: its resources and where it is (for messages)."""

    resources: DictionaryObject
    where: str
    depth: int
    parents: tuple[int, ...]  # object numbers of the forms above (cycle guard)
    spaces: dict[str, Space] = field(default_factory=dict)


_NO_FONT = FontInfo("(no font selected)", "none", embedded=False)


def initial_colour(space: Space) -> tuple[float, ...]:
    """The colour a ``cs``/``CS`` selects before any ``sc``: black, or full tint for spots."""
    if space.family == "DeviceCMYK":
        return (0.0, 0.0, 0.0, 1.0)
    if space.family in ("Separation", "DeviceN"):
        return (1.0,) * max(space.n, 1)
    if space.family == "Lab":
        return (0.0, 0.0, 0.0)
    return (0.0,) * max(space.n, 1)


STATE_OPS = frozenset(("cm", "w", "d", "J", "Tc", "Tw", "Tz", "TL", "Ts", "Tr"))
TEXT_MOVE_OPS = frozenset(("BT", "Tm", "Td", "TD", "T*"))


def set_state(op: str, operands: list[Any], state: GState) -> None:
    """An operator that sets the graphics or text state from its operands alone: the CTM,
    line width, dash, cap; character and word spacing, scaling, leading, rise, render mode."""
    if op == "cm":
        state.ctm = multiply(tuple(num(v) for v in operands), state.ctm)  # type: ignore[arg-type]
    elif op == "w":
        state.width = num(operands[0])
    elif op == "d":
        state.dashed = bool(operands and resolve(operands[0]))
    elif op == "J":
        state.cap = int(operands[0])
    elif op == "Tc":
        state.char_space = num(operands[0])
    elif op == "Tw":
        state.word_space = num(operands[0])
    elif op == "Tz":
        state.hscale = num(operands[0]) / 100.0
    elif op == "TL":
        state.leading = num(operands[0])
    elif op == "Ts":
        state.rise = num(operands[0])
    elif op == "Tr":
        state.text_mode = int(operands[0])


def move_text(op: str, operands: list[Any], state: GState, tlm: Matrix) -> Matrix:
    """``BT``, ``Tm``, ``Td``, ``TD``, ``T*``: the text matrix they set (the line's too),
    from the line matrix ``tlm``; ``TD`` sets the leading as well."""
    if op == "BT":
        return IDENTITY
    if op == "Tm":
        return tuple(num(v) for v in operands)  # type: ignore[return-value]
    if op in ("Td", "TD"):
        tx, ty = num(operands[0]), num(operands[1])
        if op == "TD":
            state.leading = -ty
        return multiply((1.0, 0.0, 0.0, 1.0, tx, ty), tlm)
    return multiply((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), tlm)  # T*


def paint(
    op: str,
    state: GState,
    rects: list[tuple[float, float, float, float]],
    subpaths: list[tuple[tuple[float, float], ...]],
    where: str,
) -> Paint:
    """A path filled or stroked (``op``), in the state's colour, overprint and line: its
    box in page space from its rectangles (user space) and subpaths (page space)."""
    xs: list[float] = []
    ys: list[float] = []
    if rects:
        rx0 = min(min(x, x + w) for x, y, w, h in rects)
        ry0 = min(min(y, y + h) for x, y, w, h in rects)
        rx1 = max(max(x, x + w) for x, y, w, h in rects)
        ry1 = max(max(y, y + h) for x, y, w, h in rects)
        bx = box_of(state.ctm, (rx0, ry0, rx1, ry1))
        xs += [bx[0], bx[2]]
        ys += [bx[1], bx[3]]
    for sp in subpaths:
        xs += [p[0] for p in sp]
        ys += [p[1] for p in sp]
    stroke = op == "stroke"
    return Paint(
        op,
        state.stroke if stroke else state.fill,
        state.op_stroke if stroke else state.op_fill,
        state.opm,
        state.width * scale(state.ctm),
        state.dashed,
        state.cap,
        (min(xs), min(ys), max(xs), max(ys)),
        state.ctm,
        tuple(rects),
        tuple(subpaths),
        where,
    )


def show(operands: list[Any], op: str, state: GState, tm: Matrix, where: str) -> tuple[Text, Matrix]:
    """A text-showing operator: its box in page space and the text matrix after it."""
    font, size, hs = state.font, state.size, state.hscale
    parts = operands[0] if op == "TJ" else [operands[-1]]
    x = 0.0
    chars: list[str] = []
    for part in parts:
        part = resolve(part)
        if isinstance(part, bytes | str):
            data = getattr(part, "original_bytes", None)
            if not isinstance(data, bytes):
                data = part if isinstance(part, bytes) else part.encode("latin-1", "replace")
            codes = (
                [data[i] << 8 | data[i + 1] for i in range(0, len(data) - 1, 2)]
                if font.two_byte
                else list(data)
            )
            for code in codes:
                x += (font.width(code) * font.scale * size + state.char_space) * hs
                if code == 32 and not font.two_byte:
                    x += state.word_space * hs
            chars.append(data.decode("latin-1") if not font.two_byte else f"<{len(codes)} glyphs>")
        else:
            x -= num(part) / 1000.0 * size * hs
    trm = multiply(tm, state.ctm)
    lo = font.descent * font.scale * size + state.rise
    hi = font.ascent * font.scale * size + state.rise
    bbox = box_of(trm, (min(0.0, x), lo, max(0.0, x), hi))
    # the em size in page space: a unit vertical vector under the text rendering matrix
    em = abs(size) * math.hypot(trm[2], trm[3])
    text = Text(
        "".join(chars),
        font,
        em,
        state.text_mode,
        state.fill,
        state.stroke,
        state.op_fill,
        state.op_stroke,
        state.width * scale(state.ctm),
        bbox,
        where,
    )
    return text, multiply((1.0, 0.0, 0.0, 1.0, x, 0.0), tm)
