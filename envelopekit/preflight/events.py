"""Walk a page's content, Form XObjects included, and yield what gets painted.

One job: turn content-stream operators into drawing events, each carrying the
graphics state it was painted in (colour space and values, overprint, line width,
the CTM, the text state). It judges nothing; :mod:`.rules` does.

Events are in page space (PDF points, the page's default coordinates). Clipping is
not tracked, so an event's box is where it *could* mark the page: rules that need
to know what is hidden by a clip are conservative about it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, IndirectObject, NameObject

__all__ = [
    "Box",
    "Colour",
    "Event",
    "FontInfo",
    "Image",
    "Matrix",
    "Paint",
    "Placed",
    "Problem",
    "Shade",
    "Space",
    "Text",
    "Transparency",
    "Walker",
]

Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_DEPTH = 16  # nested forms; deeper (or a cycle) is reported, not followed


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF's ``cm``: CTM' = m x CTM)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def box_of(m: Matrix, box: Box) -> Box:
    """The page-space bounding box of ``box`` (user space) under ``m``."""
    x0, y0, x1, y1 = box
    pts = [apply(m, x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (min(xs), min(ys), max(xs), max(ys))


def scale(m: Matrix) -> float:
    """The mean scale factor of ``m``: how much a length grows (sqrt of |det|)."""
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


def _resolve(obj: Any) -> Any:
    while isinstance(obj, IndirectObject):
        obj = obj.get_object()
    return obj


def _num(x: Any) -> float:
    return float(x)


def _bool(x: Any) -> bool:
    """A PDF boolean (pypdf's BooleanObject is always truthy: read its value)."""
    x = _resolve(x)
    return bool(getattr(x, "value", x))


# --- colour ----------------------------------------------------------------------------------

PROCESS = ("Cyan", "Magenta", "Yellow", "Black")


@dataclass(frozen=True, slots=True)
class Space:
    """A colour space as it paints: its family, components and the inks it names."""

    family: str  # DeviceCMYK, DeviceGray, DeviceRGB, CalGray, CalRGB, Lab, ICCBased, Indexed, Pattern,
    # Separation, DeviceN (or "undefined")
    n: int = 1
    colorants: tuple[str, ...] = ()  # Separation / DeviceN names
    alternate: Space | None = None  # Separation/DeviceN alternate, ICC alternate, Indexed base, Pattern base
    label: str = ""  # the resource name it was selected by, for messages

    @property
    def rgb(self) -> bool:
        """Does it paint RGB (device, calibrated or ICC-based with three components)?"""
        if self.family in ("DeviceRGB", "CalRGB"):
            return True
        if self.family == "ICCBased":
            return self.n == 3
        if self.family in ("Indexed",) and self.alternate is not None:
            return self.alternate.rgb
        return False

    def describe(self) -> str:
        if self.family == "Separation":
            return f"spot {self.colorants[0]}"
        if self.family == "DeviceN":
            return "DeviceN " + "+".join(self.colorants)
        if self.family == "ICCBased":
            return {1: "ICC-based grey", 3: "ICC-based RGB", 4: "ICC-based CMYK"}.get(self.n, "ICC-based")
        if self.family == "Indexed" and self.alternate is not None:
            return f"Indexed {self.alternate.describe()}"
        return self.family


DEVICE_GRAY = Space("DeviceGray", 1)
DEVICE_RGB = Space("DeviceRGB", 3)
DEVICE_CMYK = Space("DeviceCMYK", 4)
_DEVICE = {"/DeviceGray": DEVICE_GRAY, "/DeviceRGB": DEVICE_RGB, "/DeviceCMYK": DEVICE_CMYK}
_INLINE = {"/G": DEVICE_GRAY, "/RGB": DEVICE_RGB, "/CMYK": DEVICE_CMYK}


@dataclass(frozen=True, slots=True)
class Colour:
    space: Space
    values: tuple[float, ...]

    def inks(self) -> dict[str, float] | None:
        """Tint per separation (0..1), or None when the colour is not in inks (RGB, Lab,
        patterns). Grey is black ink; ``All`` is every ink but is named as such."""
        s, v = self.space, self.values
        if s.family == "DeviceCMYK" or (s.family == "ICCBased" and s.n == 4):
            return dict(zip(PROCESS, (v + (0.0,) * 4)[:4], strict=True))
        if s.family == "DeviceGray" or (s.family == "ICCBased" and s.n == 1) or s.family == "CalGray":
            return {"Black": 1.0 - (v[0] if v else 0.0)}
        if s.family in ("Separation", "DeviceN"):
            return dict(zip(s.colorants, (v + (1.0,) * len(s.colorants))[: len(s.colorants)], strict=True))
        return None

    def describe(self) -> str:
        inks = self.inks()
        if inks is not None and self.space.family in ("DeviceCMYK", "DeviceGray"):
            return "C{:.0f} M{:.0f} Y{:.0f} K{:.0f}".format(*(100 * inks.get(k, 0.0) for k in PROCESS)) + (
                "" if self.space.family == "DeviceCMYK" else " (grey)"
            )
        if self.space.family == "Separation":
            tint = self.values[0] if self.values else 1.0
            return f"{100 * tint:.0f} % {self.space.colorants[0]}"
        return self.space.describe()


BLACK_GRAY = Colour(DEVICE_GRAY, (0.0,))


# --- fonts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FontInfo:
    """What the rules need of a font: its name, whether its program is in the file,
    and enough metrics to place its glyphs (widths, ascent, descent: 1/1000 em)."""

    name: str
    subtype: str
    embedded: bool
    two_byte: bool = False
    widths: Mapping[int, float] = field(default_factory=dict)
    default_width: float = 500.0
    ascent: float = 800.0
    descent: float = -200.0
    scale: float = 0.001  # glyph space -> text space (Type 3: its FontMatrix)

    def width(self, code: int) -> float:
        return self.widths.get(code, self.default_width)


_NO_FONT = FontInfo("(no font selected)", "none", embedded=False)


def _font_info(obj: Any) -> FontInfo:
    font = _resolve(obj)
    if not isinstance(font, DictionaryObject):
        return FontInfo("(not a font)", "none", embedded=False)
    subtype = str(font.get("/Subtype", "/Type1"))[1:]
    name = str(font.get("/BaseFont", font.get("/Name", "(unnamed)"))).lstrip("/")
    descriptor = _resolve(font.get("/FontDescriptor"))
    widths: dict[int, float] = {}
    default = 500.0
    two_byte = False
    if subtype == "Type0":
        two_byte = True
        kids = _resolve(font.get("/DescendantFonts")) or []
        child = _resolve(kids[0]) if kids else DictionaryObject()
        descriptor = _resolve(child.get("/FontDescriptor"))
        default = _num(child.get("/DW", 1000))
        w = _resolve(child.get("/W")) or []
        i = 0
        while i + 1 < len(w):  # c [w1 w2 ...] or c_first c_last w
            first = int(_resolve(w[i]))
            nxt = _resolve(w[i + 1])
            if isinstance(nxt, list):
                for k, width in enumerate(nxt):
                    widths[first + k] = _num(_resolve(width))
                i += 2
            elif i + 2 < len(w):
                for code in range(first, min(int(nxt), first + 65536) + 1):
                    widths[code] = _num(_resolve(w[i + 2]))
                i += 3
            else:
                break
    else:
        first = int(_resolve(font.get("/FirstChar", 0)))
        for k, width in enumerate(_resolve(font.get("/Widths")) or []):
            widths[first + k] = _num(_resolve(width))
    embedded = subtype == "Type3"
    ascent, descent = 800.0, -200.0
    if isinstance(descriptor, DictionaryObject):
        embedded = embedded or any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        default = _num(descriptor.get("/MissingWidth", default)) if not two_byte else default
        ascent = _num(descriptor.get("/Ascent", ascent)) or ascent
        descent = _num(descriptor.get("/Descent", descent))
    fscale = 0.001
    if subtype == "Type3":
        matrix = _resolve(font.get("/FontMatrix")) or [0.001]
        fscale = abs(_num(matrix[0])) or 0.001
        ascent, descent = 1.0 / fscale * 0.8, -0.2 / fscale
    return FontInfo(name, subtype, embedded, two_byte, widths, default, ascent, descent, fscale)


# --- events ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paint:
    """A path filled or stroked. ``rects`` are its ``re`` rectangles in user space (a QR
    code is hundreds of them); ``subpaths`` its other segments' points in page space
    (curves by their end points)."""

    op: str  # "fill" or "stroke"
    colour: Colour
    overprint: bool
    opm: int
    width: float  # the line width in page space (strokes)
    dashed: bool
    cap: int  # line cap: 0 butt, 1 round, 2 projecting square
    bbox: Box  # page space, line width not included
    ctm: Matrix
    rects: tuple[tuple[float, float, float, float], ...]
    subpaths: tuple[tuple[tuple[float, float], ...], ...]
    where: str

    def parts(self) -> list[Box]:
        """The page-space box of each subpath and rectangle, strokes widened by half their
        width: a path of many crop marks is many small boxes, not one around the page."""
        out = []
        if self.op == "stroke":
            # a stroke marks along its segments, not inside them (a stroked outline leaves
            # its middle bare); widened by half the line width, across only where a
            # butt-capped line ends
            h = self.width / 2
            for sp in self.subpaths:
                for i in range(len(sp) - 1):
                    (ax, ay), (bx, by) = sp[i], sp[i + 1]
                    if self.cap == 0 and len(sp) == 2:
                        length = math.hypot(bx - ax, by - ay) or 1.0
                        nx, ny = abs(by - ay) / length * h, abs(bx - ax) / length * h
                    else:
                        nx = ny = h
                    out.append((min(ax, bx) - nx, min(ay, by) - ny, max(ax, bx) + nx, max(ay, by) + ny))
            for x, y, w, hh in self.rects:
                pts = [
                    apply(self.ctm, px, py) for px, py in ((x, y), (x + w, y), (x + w, y + hh), (x, y + hh))
                ]
                for i in range(4):
                    (ax, ay), (bx, by) = pts[i], pts[(i + 1) % 4]
                    out.append((min(ax, bx) - h, min(ay, by) - h, max(ax, bx) + h, max(ay, by) + h))
            return out
        for sp in self.subpaths:
            xs, ys = [p[0] for p in sp], [p[1] for p in sp]
            out.append((min(xs), min(ys), max(xs), max(ys)))
        for x, y, w, hh in self.rects:
            out.append(box_of(self.ctm, (min(x, x + w), min(y, y + hh), max(x, x + w), max(y, y + hh))))
        return out


@dataclass(frozen=True, slots=True)
class Text:
    """One text-showing operator: its glyphs' box, font, size and colours."""

    text: str
    font: FontInfo
    size: float  # the em size in page space (points)
    mode: int  # text render mode 0..7
    fill: Colour
    stroke: Colour
    overprint_fill: bool
    overprint_stroke: bool
    width: float  # stroke width in page space (modes 1, 2, 5, 6)
    bbox: Box
    where: str

    @property
    def filled(self) -> bool:
        return self.mode in (0, 2, 4, 6)

    @property
    def stroked(self) -> bool:
        return self.mode in (1, 2, 5, 6)

    @property
    def visible(self) -> bool:
        return self.mode not in (3, 7)


@dataclass(frozen=True, slots=True)
class Image:
    """An image XObject or inline image placed on the page."""

    name: str
    pixels: tuple[int, int]
    bits: int
    space: Space | None  # None: a stencil mask, painted in ``fill``
    fill: Colour
    soft_mask: bool
    placed: tuple[float, float]  # width and height of the placed image in page space (points)
    bbox: Box
    overprint: bool
    where: str
    stream: Any = None  # the image's stream object (None for inline images)


@dataclass(frozen=True, slots=True)
class Placed:
    """A Form XObject drawn straight on the page: its bounding box in page space. On an
    imposed sheet each piece is one (its box: the piece's trim plus bleed)."""

    name: str
    bbox: Box
    where: str


@dataclass(frozen=True, slots=True)
class Shade:
    """A shading painted with ``sh`` or as a shading pattern's fill."""

    space: Space
    where: str


@dataclass(frozen=True, slots=True)
class Transparency:
    """Something that makes the page use transparency (soft mask, alpha, blend mode, group)."""

    what: str
    where: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Content the walker could not follow (an undefined resource, a cycle, bad operands)."""

    what: str
    where: str


Event = Paint | Text | Image | Placed | Shade | Transparency | Problem


# --- the graphics state ------------------------------------------------------------------------


class _State:
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
            id(v) if name == "font" else v for name, v in zip(_State.__slots__, self._values(), strict=True)
        )

    def _values(self) -> list[Any]:
        return [getattr(self, name) for name in _State.__slots__]

    def copy(self) -> _State:
        other = _State.__new__(_State)
        for name in _State.__slots__:
            setattr(other, name, getattr(self, name))
        return other


@dataclass
class _Frame:
    """One content stream being run: its resources and where it is (for messages)."""

    resources: DictionaryObject
    where: str
    depth: int
    parents: tuple[int, ...]  # object numbers of the forms above (cycle guard)
    spaces: dict[str, Space] = field(default_factory=dict)


class Walker:
    """Yields the events of pages of one PDF; caches what pages share (parsed form
    streams, fonts, colour spaces), so walking thousands of pages stays cheap."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self._ops: dict[int, list[tuple[Any, Any]]] = {}
        self._fonts: dict[int, FontInfo] = {}
        # (form, where, state) -> its events: a form drawn the same way on every page (a
        # piece's static artwork) is interpreted once, and its events are the same objects
        self._forms: dict[tuple[Any, ...], list[Event]] = {}

    # public -------------------------------------------------------------------------------
    def page(self, page: Any) -> Iterator[Event]:
        """Every event of ``page``, in painting order."""
        resources = _resolve(page.get("/Resources")) or DictionaryObject()
        group = _resolve(page.get("/Group"))
        if isinstance(group, DictionaryObject) and group.get("/S") == "/Transparency":
            yield Transparency("the page is a transparency group (/Group /S /Transparency)", "page")
        try:
            contents = page.get_contents()
            operations = contents.operations if contents is not None else []
        except Exception as exc:  # a content stream pypdf cannot parse
            yield Problem(f"cannot read the page's content stream ({exc})", "page")
            return
        yield from self._run(operations, _Frame(resources, "page", 0, ()), _State(IDENTITY))

    # streams --------------------------------------------------------------------------------
    def _operations(self, stream: Any, key: int | None) -> list[tuple[Any, Any]]:
        if key is not None and key in self._ops:
            return self._ops[key]
        ops = _simple_operations(stream.get_data())
        if ops is None:
            ops = ContentStream(stream, self.reader).operations
        if key is not None:
            if len(self._ops) >= 4096:
                self._ops.clear()
            self._ops[key] = ops
        return ops

    def _font(self, ref: Any) -> FontInfo:
        key = ref.idnum if isinstance(ref, IndirectObject) else None
        if key is not None and key in self._fonts:
            return self._fonts[key]
        info = _font_info(ref)
        if key is not None:
            self._fonts[key] = info
        return info

    # colour spaces -----------------------------------------------------------------------------
    def _space(self, frame: _Frame, operand: Any) -> Space:
        name = str(operand)
        if name in _DEVICE:
            return _DEVICE[name]
        if name == "/Pattern":
            return Space("Pattern", 1, label=name)
        hit = frame.spaces.get(name)
        if hit is not None:
            return hit
        spaces = _resolve(frame.resources.get("/ColorSpace")) or DictionaryObject()
        value = spaces.get(name) if isinstance(spaces, DictionaryObject) else None
        space = (
            Space("undefined", 1, label=name) if value is None else self._space_value(value, name, frame, 0)
        )
        frame.spaces[name] = space
        return space

    def _space_value(self, value: Any, label: str, frame: _Frame | None, depth: int) -> Space:
        value = _resolve(value)
        if isinstance(value, NameObject | str):
            name = str(value)
            if name in _DEVICE:
                return _DEVICE[name]
            if name in _INLINE:
                return _INLINE[name]
            if name == "/Pattern":
                return Space("Pattern", 1, label=label)
            if frame is not None and depth < 4:  # an inline image naming a resource
                return self._space(frame, value)
            return Space("undefined", 1, label=label)
        if not isinstance(value, list) or not value or depth > 4:
            return Space("undefined", 1, label=label)
        family = str(_resolve(value[0]))[1:]
        family = {"I": "Indexed"}.get(family, family)

        def sub(i: int) -> Space | None:
            return self._space_value(value[i], label, frame, depth + 1) if len(value) > i else None

        if family == "Separation":
            return Space("Separation", 1, (str(_resolve(value[1]))[1:],), sub(2), label)
        if family == "DeviceN":
            names = tuple(str(_resolve(n))[1:] for n in (_resolve(value[1]) or []))
            return Space("DeviceN", len(names), names, sub(2), label)
        if family == "ICCBased":
            stream = _resolve(value[1])
            n = int(_resolve(stream.get("/N", 0))) if isinstance(stream, DictionaryObject) else 0
            alt = _resolve(stream.get("/Alternate")) if isinstance(stream, DictionaryObject) else None
            return Space(
                "ICCBased", n, (), self._space_value(alt, label, None, depth + 1) if alt else None, label
            )
        if family == "Indexed":
            return Space("Indexed", 1, (), sub(1), label)
        if family == "Pattern":
            return Space("Pattern", 1, (), sub(1), label)
        if family in ("CalRGB", "Lab"):
            return Space(family, 3, (), None, label)
        if family == "CalGray":
            return Space(family, 1, (), None, label)
        if "/" + family in _DEVICE:
            return _DEVICE["/" + family]
        return Space(family or "undefined", 1, (), None, label)

    # the interpreter -------------------------------------------------------------------------
    def _run(self, operations: list[tuple[Any, Any]], frame: _Frame, state: _State) -> Iterator[Event]:
        stack: list[_State] = []
        rects: list[tuple[float, float, float, float]] = []
        subpaths: list[tuple[tuple[float, float], ...]] = []
        current: list[tuple[float, float]] = []
        tm = tlm = IDENTITY
        where = frame.where
        for operands, raw in operations:
            op = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
            try:
                # path construction: the commonest operators first
                if op == "re":
                    x, y, w, h = (_num(v) for v in operands)
                    rects.append((x, y, w, h))
                elif op == "l":
                    current.append(apply(state.ctm, _num(operands[0]), _num(operands[1])))
                elif op == "m":
                    if len(current) > 1:
                        subpaths.append(tuple(current))
                    current = [apply(state.ctm, _num(operands[0]), _num(operands[1]))]
                elif op in ("c", "v", "y"):
                    xy = [
                        apply(state.ctm, _num(operands[i]), _num(operands[i + 1]))
                        for i in range(0, len(operands), 2)
                    ]
                    p0 = current[-1] if current else xy[-1]
                    p1, p2 = (xy[0], xy[1]) if op == "c" else (p0, xy[0]) if op == "v" else (xy[0], xy[1])
                    current.extend(_bezier(p0, p1, p2, xy[-1]))
                elif op == "h":
                    if current:
                        current.append(current[0])
                elif op in ("S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"):
                    if op in ("s", "b", "b*") and current:
                        current.append(current[0])
                    if len(current) > 1:
                        subpaths.append(tuple(current))
                    if op != "n" and (rects or subpaths):
                        if op in ("f", "F", "f*", "B", "B*", "b", "b*"):
                            yield self._paint("fill", state, rects, subpaths, where)
                        if op in ("S", "s", "B", "B*", "b", "b*"):
                            yield self._paint("stroke", state, rects, subpaths, where)
                    rects, subpaths, current = [], [], []
                elif op in ("W", "W*"):
                    pass  # clipping is not tracked (see the module's note)
                # graphics state
                elif op == "q":
                    stack.append(state)
                    state = state.copy()
                elif op == "Q":
                    if stack:
                        state = stack.pop()
                elif op == "cm":
                    state.ctm = multiply(tuple(_num(v) for v in operands), state.ctm)  # type: ignore[arg-type]
                elif op == "w":
                    state.width = _num(operands[0])
                elif op == "d":
                    state.dashed = bool(operands and _resolve(operands[0]))
                elif op == "J":
                    state.cap = int(operands[0])
                elif op == "gs":
                    yield from self._ext_gstate(frame, operands[0], state)
                # colour
                elif op in ("k", "K", "g", "G", "rg", "RG"):
                    space = {"k": DEVICE_CMYK, "g": DEVICE_GRAY, "rg": DEVICE_RGB}[op.lower()]
                    colour = Colour(space, tuple(_num(v) for v in operands))
                    if op.islower():
                        state.fill = colour
                    else:
                        state.stroke = colour
                elif op in ("cs", "CS"):
                    space = self._space(frame, operands[0])
                    initial = Colour(space, _initial(space))
                    if op == "cs":
                        state.fill = initial
                    else:
                        state.stroke = initial
                elif op in ("sc", "scn", "SC", "SCN"):
                    base = state.fill if op.islower() else state.stroke
                    values = tuple(_num(v) for v in operands if not isinstance(_resolve(v), NameObject))
                    colour = Colour(base.space, values)
                    if base.space.family == "Pattern" and operands and isinstance(operands[-1], NameObject):
                        yield from self._pattern(frame, operands[-1], state)
                    if op.islower():
                        state.fill = colour
                    else:
                        state.stroke = colour
                # text
                elif op == "BT":
                    tm = tlm = IDENTITY
                elif op == "Tf":
                    state.font = self._named_font(frame, operands[0])
                    state.size = _num(operands[1])
                elif op == "Tm":
                    tm = tlm = tuple(_num(v) for v in operands)  # type: ignore[assignment]
                elif op in ("Td", "TD"):
                    tx, ty = _num(operands[0]), _num(operands[1])
                    if op == "TD":
                        state.leading = -ty
                    tm = tlm = multiply((1.0, 0.0, 0.0, 1.0, tx, ty), tlm)
                elif op == "T*":
                    tm = tlm = multiply((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), tlm)
                elif op in ("Tj", "TJ", "'", '"'):
                    if op in ("'", '"'):
                        if op == '"':
                            state.word_space, state.char_space = _num(operands[0]), _num(operands[1])
                        tm = tlm = multiply((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), tlm)
                    event, tm = self._show(operands, op, state, tm, where)
                    yield event
                elif op == "Tc":
                    state.char_space = _num(operands[0])
                elif op == "Tw":
                    state.word_space = _num(operands[0])
                elif op == "Tz":
                    state.hscale = _num(operands[0]) / 100.0
                elif op == "TL":
                    state.leading = _num(operands[0])
                elif op == "Ts":
                    state.rise = _num(operands[0])
                elif op == "Tr":
                    state.text_mode = int(operands[0])
                # XObjects, shadings, inline images
                elif op == "Do":
                    yield from self._do(frame, operands[0], state)
                elif op == "sh":
                    yield from self._shading(frame, operands[0], where)
                elif op == "INLINE IMAGE":
                    yield self._inline(frame, operands, state)
            except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
                yield Problem(f"bad operands for {op!r} ({type(exc).__name__}: {exc})", where)

    def _paint(
        self,
        op: str,
        state: _State,
        rects: list[tuple[float, float, float, float]],
        subpaths: list[tuple[tuple[float, float], ...]],
        where: str,
    ) -> Paint:
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

    def _ext_gstate(self, frame: _Frame, name: Any, state: _State) -> Iterator[Event]:
        states = _resolve(frame.resources.get("/ExtGState")) or DictionaryObject()
        gs = _resolve(states.get(str(name))) if isinstance(states, DictionaryObject) else None
        if not isinstance(gs, DictionaryObject):
            yield Problem(f"graphics state {name} is used but not defined", frame.where)
            return
        if "/OP" in gs:
            state.op_stroke = _bool(gs["/OP"])
            state.op_fill = _bool(gs.get("/op", gs["/OP"]))
        elif "/op" in gs:
            state.op_fill = _bool(gs["/op"])
        if "/OPM" in gs:
            state.opm = int(_resolve(gs["/OPM"]))
        if "/LW" in gs:
            state.width = _num(_resolve(gs["/LW"]))
        if "/LC" in gs:
            state.cap = int(_resolve(gs["/LC"]))
        if "/D" in gs:
            dash = _resolve(gs["/D"])
            state.dashed = bool(dash and _resolve(dash[0]))
        if "/Font" in gs:
            ref, size = _resolve(gs["/Font"])
            state.font, state.size = self._font(ref), _num(size)
        smask = _resolve(gs.get("/SMask"))
        if smask is not None and smask != "/None":
            yield Transparency(f"graphics state {name} has a soft mask (/SMask)", frame.where)
        for key in ("/CA", "/ca"):
            if key in gs and _num(_resolve(gs[key])) < 1.0:
                yield Transparency(
                    f"graphics state {name} sets {key} {_num(_resolve(gs[key])):g}", frame.where
                )
        blend = _resolve(gs.get("/BM"))
        if isinstance(blend, list):
            blend = _resolve(blend[0]) if blend else None
        if blend is not None and str(blend) not in ("/Normal", "/Compatible"):
            yield Transparency(f"graphics state {name} sets blend mode {blend}", frame.where)

    def _named_font(self, frame: _Frame, name: Any) -> FontInfo:
        fonts = _resolve(frame.resources.get("/Font")) or DictionaryObject()
        ref = fonts.get(str(name)) if isinstance(fonts, DictionaryObject) else None
        if ref is None:
            return FontInfo(f"{name} (undefined)", "none", embedded=False)
        return self._font(ref)

    def _show(
        self, operands: list[Any], op: str, state: _State, tm: Matrix, where: str
    ) -> tuple[Text, Matrix]:
        """A text-showing operator: its box in page space and the text matrix after it."""
        font, size, hs = state.font, state.size, state.hscale
        parts = operands[0] if op == "TJ" else [operands[-1]]
        x = 0.0
        chars: list[str] = []
        for part in parts:
            part = _resolve(part)
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
                x -= _num(part) / 1000.0 * size * hs
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

    def _do(self, frame: _Frame, name: Any, state: _State) -> Iterator[Event]:
        xobjects = _resolve(frame.resources.get("/XObject")) or DictionaryObject()
        ref = xobjects.get(str(name)) if isinstance(xobjects, DictionaryObject) else None
        xobj = _resolve(ref)
        if not isinstance(xobj, DictionaryObject):
            yield Problem(f"XObject {name} is used but not defined", frame.where)
            return
        subtype = xobj.get("/Subtype")
        label = str(name).lstrip("/")
        if subtype == "/Image":
            yield self._image(frame, label, xobj, state, ref)
            return
        if subtype != "/Form":
            return  # PostScript XObjects are refused by the colour rules' caller elsewhere
        key = ref.idnum if isinstance(ref, IndirectObject) else None
        where = f"form {label}" if frame.where == "page" else f"{frame.where} > form {label}"
        if frame.depth >= MAX_DEPTH or (key is not None and key in frame.parents):
            yield Problem(f"form {label} nests too deep or draws itself", where)
            return
        group = _resolve(xobj.get("/Group"))
        if isinstance(group, DictionaryObject) and group.get("/S") == "/Transparency":
            yield Transparency(f"form {label} is a transparency group", where)
        inner = state.copy()
        matrix = _resolve(xobj.get("/Matrix"))
        if matrix:
            inner.ctm = multiply(tuple(_num(_resolve(v)) for v in matrix), state.ctm)  # type: ignore[arg-type]
        bbox = _resolve(xobj.get("/BBox"))
        if frame.depth == 0 and bbox and len(bbox) == 4:
            x0, y0, x1, y1 = (_num(_resolve(v)) for v in bbox)
            yield Placed(
                label, box_of(inner.ctm, (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))), where
            )
        resources = _resolve(xobj.get("/Resources"))
        if not isinstance(resources, DictionaryObject):
            resources = frame.resources  # inherited (allowed, if frowned upon)
        try:
            ops = self._operations(xobj, key)
        except Exception as exc:
            yield Problem(f"cannot read form {label} ({exc})", where)
            return
        parents = (*frame.parents, key) if key is not None else frame.parents
        memo = (key, where, id(resources), inner.signature()) if key is not None else None
        if memo is not None and memo in self._forms:
            yield from self._forms[memo]
            return
        events = list(self._run(ops, _Frame(resources, where, frame.depth + 1, parents), inner))
        if memo is not None:
            if len(self._forms) >= 1024:
                self._forms.clear()
            self._forms[memo] = events
        yield from events

    def _image(self, frame: _Frame, label: str, xobj: DictionaryObject, state: _State, ref: Any) -> Image:
        mask = _bool(xobj.get("/ImageMask", False))
        space = None if mask else self._space_value(xobj.get("/ColorSpace", "/DeviceGray"), label, frame, 0)
        if not mask and "/ColorSpace" not in xobj and xobj.get("/Filter") in ("/JPXDecode", ["/JPXDecode"]):
            space = Space("JPX (colour space in the JPEG 2000 data)", 3, label=label)
        soft = "/SMask" in xobj or int(_resolve(xobj.get("/SMaskInData", 0)) or 0) > 0
        return self._placed(
            label,
            int(_resolve(xobj.get("/Width", 0))),
            int(_resolve(xobj.get("/Height", 0))),
            1 if mask else int(_resolve(xobj.get("/BitsPerComponent", 8)) or 8),
            space,
            soft,
            state,
            frame.where,
            xobj,
        )

    def _inline(self, frame: _Frame, operands: Any, state: _State) -> Image:
        settings = operands.get("settings", {}) if isinstance(operands, dict) else {}

        def get(*keys: str, default: Any = None) -> Any:
            for k in keys:
                if k in settings:
                    return _resolve(settings[k])
            return default

        mask = _bool(get("/IM", "/ImageMask", default=False))
        space = (
            None
            if mask
            else self._space_value(get("/CS", "/ColorSpace", default="/DeviceGray"), "inline", frame, 0)
        )
        return self._placed(
            "inline image",
            int(get("/W", "/Width", default=0)),
            int(get("/H", "/Height", default=0)),
            1 if mask else int(get("/BPC", "/BitsPerComponent", default=8)),
            space,
            False,
            state,
            frame.where,
            None,
        )

    def _placed(
        self,
        label: str,
        w: int,
        h: int,
        bits: int,
        space: Space | None,
        soft: bool,
        state: _State,
        where: str,
        stream: Any,
    ) -> Image:
        m = state.ctm
        placed = (math.hypot(m[0], m[1]), math.hypot(m[2], m[3]))  # the unit square's sides
        return Image(
            label,
            (w, h),
            bits,
            space,
            state.fill,
            soft,
            placed,
            box_of(m, (0.0, 0.0, 1.0, 1.0)),
            state.op_fill,
            where,
            stream,
        )

    def _shading(self, frame: _Frame, name: Any, where: str) -> Iterator[Event]:
        shadings = _resolve(frame.resources.get("/Shading")) or DictionaryObject()
        shading = _resolve(shadings.get(str(name))) if isinstance(shadings, DictionaryObject) else None
        if not isinstance(shading, DictionaryObject):
            yield Problem(f"shading {name} is used but not defined", where)
            return
        yield Shade(self._space_value(shading.get("/ColorSpace"), str(name), frame, 0), where)

    def _pattern(self, frame: _Frame, name: Any, state: _State) -> Iterator[Event]:
        patterns = _resolve(frame.resources.get("/Pattern")) or DictionaryObject()
        ref = patterns.get(str(name)) if isinstance(patterns, DictionaryObject) else None
        pattern = _resolve(ref)
        where = f"{frame.where} > pattern {str(name).lstrip('/')}"
        if not isinstance(pattern, DictionaryObject):
            yield Problem(f"pattern {name} is used but not defined", frame.where)
            return
        if int(_resolve(pattern.get("/PatternType", 1))) == 2:
            shading = _resolve(pattern.get("/Shading"))
            if isinstance(shading, DictionaryObject):
                yield Shade(self._space_value(shading.get("/ColorSpace"), str(name), frame, 0), where)
            return
        key = ref.idnum if isinstance(ref, IndirectObject) else None
        if frame.depth >= MAX_DEPTH or (key is not None and key in frame.parents):
            return
        resources = _resolve(pattern.get("/Resources"))
        if not isinstance(resources, DictionaryObject):
            resources = DictionaryObject()
        matrix = _resolve(pattern.get("/Matrix")) or IDENTITY
        inner = _State(tuple(_num(_resolve(v)) for v in matrix))  # type: ignore[arg-type]
        try:
            ops = self._operations(pattern, key)
        except Exception as exc:
            yield Problem(f"cannot read pattern {name} ({exc})", where)
            return
        parents = (*frame.parents, key) if key is not None else frame.parents
        yield from self._run(ops, _Frame(resources, where, frame.depth + 1, parents), inner)


CURVE_STEPS = 8  # a curve is followed as this many straight pieces


def _bezier(
    p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]
) -> list[tuple[float, float]]:
    """Points along a cubic Bezier curve (page space), p0 excluded, p3 last."""
    out = []
    for i in range(1, CURVE_STEPS + 1):
        t = i / CURVE_STEPS
        u = 1 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        out.append(
            (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])
        )
    return out


_SIMPLE = re.compile(rb"[^()<>\[\]{}%#]*")
_NUMBER = re.compile(rb"[+-]?(\d+\.?\d*|\.\d+)")


def _simple_operations(data: bytes) -> list[tuple[Any, Any]] | None:
    """A content stream of numbers, names and operators only (paths, colours, ``cm``:
    what QR codes, die lines and marks are made of), tokenised by splitting; None for
    anything else (strings, arrays, dictionaries, inline images), left to pypdf."""
    if not _SIMPLE.fullmatch(data):
        return None
    ops: list[tuple[Any, Any]] = []
    operands: list[Any] = []
    for token in data.split():
        if _NUMBER.fullmatch(token):
            operands.append(float(token))
        elif token[:1] == b"/":
            operands.append(NameObject(token.decode("latin-1")))
        elif token in (b"BI", b"ID", b"EI", b"true", b"false", b"null"):
            return None
        else:
            ops.append((operands, token))
            operands = []
    return ops


def _initial(space: Space) -> tuple[float, ...]:
    """The colour a ``cs``/``CS`` selects before any ``sc``: black, or full tint for spots."""
    if space.family == "DeviceCMYK":
        return (0.0, 0.0, 0.0, 1.0)
    if space.family in ("Separation", "DeviceN"):
        return (1.0,) * max(space.n, 1)
    if space.family == "Lab":
        return (0.0, 0.0, 0.0)
    return (0.0,) * max(space.n, 1)


def array(obj: Any) -> list[Any]:
    """A resolved PDF array as a list (empty when it is not one)."""
    value = _resolve(obj)
    return list(value) if isinstance(value, ArrayObject | list) else []
