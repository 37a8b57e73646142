"""Walk a page's content, Form XObjects included, and yield what gets painted.

One job: turn content-stream operators into drawing events, each carrying the
graphics state it was painted in (colour space and values, overprint, line width,
the CTM, the text state). It judges nothing; :mod:`.rules` does.

Events are in page space (PDF points, the page's default coordinates). Clipping is
not tracked, so an event's box is where it *could* mark the page: rules that need
to know what is hidden by a clip are conservative about it.

This module is the interpreter: :class:`Walker` runs the operators, and walks into
forms and patterns. The events and what they carry are in :mod:`.drawn` (and are
re-exported here), the graphics and text state in :mod:`.gstate`, what resource names
stand for (fonts, colour spaces, graphics states, images, shadings) in :mod:`.resources`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pypdf.generic import ContentStream, DictionaryObject, IndirectObject, NameObject

from .drawn import (
    DEVICE_CMYK,
    DEVICE_GRAY,
    DEVICE_RGB,
    IDENTITY,
    Box,
    Colour,
    Event,
    FontInfo,
    Image,
    Matrix,
    Paint,
    Placed,
    Problem,
    Shade,
    Space,
    Text,
    Transparency,
    apply,
    box_of,
    multiply,
)
from .gstate import STATE_OPS, TEXT_MOVE_OPS, Frame, GState, initial_colour, move_text, paint, set_state, show
from .objects import num, resolve
from .resources import Resources

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

MAX_DEPTH = 16  # nested forms; deeper (or a cycle) is reported, not followed
COLOUR_OPS = frozenset(("k", "K", "g", "G", "rg", "RG", "cs", "CS", "sc", "scn", "SC", "SCN"))


class Walker:
    """Yields the events of pages of one PDF; caches what pages share (parsed form
    streams, fonts, colour spaces), so walking thousands of pages stays cheap."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self._ops: dict[int, list[tuple[Any, Any]]] = {}
        self.resources = Resources()
        # (form, where, state) -> its events: a form drawn the same way on every page (a
        # piece's static artwork) is interpreted once, and its events are the same objects
        self._forms: dict[tuple[Any, ...], list[Event]] = {}

    def page(self, page: Any) -> Iterator[Event]:
        """Every event of ``page``, in painting order."""
        resources = resolve(page.get("/Resources")) or DictionaryObject()
        group = resolve(page.get("/Group"))
        if isinstance(group, DictionaryObject) and group.get("/S") == "/Transparency":
            yield Transparency("the page is a transparency group (/Group /S /Transparency)", "page")
        try:
            contents = page.get_contents()
            operations = contents.operations if contents is not None else []
        except Exception as exc:  # a content stream pypdf cannot parse
            yield Problem(f"cannot read the page's content stream ({exc})", "page")
            return
        yield from self._run(operations, Frame(resources, "page", 0, ()), GState(IDENTITY))

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

    def _run(self, operations: list[tuple[Any, Any]], frame: Frame, state: GState) -> Iterator[Event]:
        stack: list[GState] = []
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
                    x, y, w, h = (num(v) for v in operands)
                    rects.append((x, y, w, h))
                elif op == "l":
                    current.append(apply(state.ctm, num(operands[0]), num(operands[1])))
                elif op == "m":
                    if len(current) > 1:
                        subpaths.append(tuple(current))
                    current = [apply(state.ctm, num(operands[0]), num(operands[1]))]
                elif op in ("c", "v", "y"):
                    xy = [
                        apply(state.ctm, num(operands[i]), num(operands[i + 1]))
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
                            yield paint("fill", state, rects, subpaths, where)
                        if op in ("S", "s", "B", "B*", "b", "b*"):
                            yield paint("stroke", state, rects, subpaths, where)
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
                elif op in STATE_OPS:
                    set_state(op, operands, state)
                elif op == "gs":
                    yield from self.resources.ext_gstate(frame, operands[0], state)
                elif op in COLOUR_OPS:
                    yield from self._colour(op, operands, frame, state)
                # text
                elif op in TEXT_MOVE_OPS:
                    tm = tlm = move_text(op, operands, state, tlm)
                elif op == "Tf":
                    state.font = self.resources.named_font(frame, operands[0])
                    state.size = num(operands[1])
                elif op in ("Tj", "TJ", "'", '"'):
                    if op in ("'", '"'):
                        if op == '"':
                            state.word_space, state.char_space = num(operands[0]), num(operands[1])
                        tm = tlm = multiply((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), tlm)
                    event, tm = show(operands, op, state, tm, where)
                    yield event
                # XObjects, shadings, inline images
                elif op == "Do":
                    yield from self._do(frame, operands[0], state)
                elif op == "sh":
                    yield from self.resources.shading(frame, operands[0], where)
                elif op == "INLINE IMAGE":
                    yield self.resources.inline_image(frame, operands, state)
            except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
                yield Problem(f"bad operands for {op!r} ({type(exc).__name__}: {exc})", where)

    def _colour(self, op: str, operands: list[Any], frame: Frame, state: GState) -> Iterator[Event]:
        """A colour operator: the fill (lower case) or stroke colour it sets. A pattern
        colour's pattern is walked for what it paints."""
        if op in ("k", "K", "g", "G", "rg", "RG"):
            space = {"k": DEVICE_CMYK, "g": DEVICE_GRAY, "rg": DEVICE_RGB}[op.lower()]
            colour = Colour(space, tuple(num(v) for v in operands))
        elif op in ("cs", "CS"):
            space = self.resources.space(frame, operands[0])
            colour = Colour(space, initial_colour(space))
        else:  # sc, scn, SC, SCN
            base = state.fill if op.islower() else state.stroke
            values = tuple(num(v) for v in operands if not isinstance(resolve(v), NameObject))
            colour = Colour(base.space, values)
            if base.space.family == "Pattern" and operands and isinstance(operands[-1], NameObject):
                yield from self._pattern(frame, operands[-1], state)
        if op.islower():
            state.fill = colour
        else:
            state.stroke = colour

    def _do(self, frame: Frame, name: Any, state: GState) -> Iterator[Event]:
        xobjects = resolve(frame.resources.get("/XObject")) or DictionaryObject()
        ref = xobjects.get(str(name)) if isinstance(xobjects, DictionaryObject) else None
        xobj = resolve(ref)
        if not isinstance(xobj, DictionaryObject):
            yield Problem(f"XObject {name} is used but not defined", frame.where)
            return
        subtype = xobj.get("/Subtype")
        label = str(name).lstrip("/")
        if subtype == "/Image":
            yield self.resources.image(frame, label, xobj, state, ref)
            return
        if subtype != "/Form":
            return  # PostScript XObjects are refused by the colour rules' caller elsewhere
        key = ref.idnum if isinstance(ref, IndirectObject) else None
        where = f"form {label}" if frame.where == "page" else f"{frame.where} > form {label}"
        if frame.depth >= MAX_DEPTH or (key is not None and key in frame.parents):
            yield Problem(f"form {label} nests too deep or draws itself", where)
            return
        group = resolve(xobj.get("/Group"))
        if isinstance(group, DictionaryObject) and group.get("/S") == "/Transparency":
            yield Transparency(f"form {label} is a transparency group", where)
        inner = state.copy()
        matrix = resolve(xobj.get("/Matrix"))
        if matrix:
            inner.ctm = multiply(tuple(num(resolve(v)) for v in matrix), state.ctm)  # type: ignore[arg-type]
        bbox = resolve(xobj.get("/BBox"))
        if frame.depth == 0 and bbox and len(bbox) == 4:
            x0, y0, x1, y1 = (num(resolve(v)) for v in bbox)
            yield Placed(
                label, box_of(inner.ctm, (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))), where
            )
        resources = resolve(xobj.get("/Resources"))
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
        events = list(self._run(ops, Frame(resources, where, frame.depth + 1, parents), inner))
        if memo is not None:
            if len(self._forms) >= 1024:
                self._forms.clear()
            self._forms[memo] = events
        yield from events

    def _pattern(self, frame: Frame, name: Any, state: GState) -> Iterator[Event]:
        patterns = resolve(frame.resources.get("/Pattern")) or DictionaryObject()
        ref = patterns.get(str(name)) if isinstance(patterns, DictionaryObject) else None
        pattern = resolve(ref)
        where = f"{frame.where} > pattern {str(name).lstrip('/')}"
        if not isinstance(pattern, DictionaryObject):
            yield Problem(f"pattern {name} is used but not defined", frame.where)
            return
        if int(resolve(pattern.get("/PatternType", 1))) == 2:
            shading = resolve(pattern.get("/Shading"))
            if isinstance(shading, DictionaryObject):
                yield Shade(
                    self.resources.space_value(shading.get("/ColorSpace"), str(name), frame, 0), where
                )
            return
        key = ref.idnum if isinstance(ref, IndirectObject) else None
        if frame.depth >= MAX_DEPTH or (key is not None and key in frame.parents):
            return
        resources = resolve(pattern.get("/Resources"))
        if not isinstance(resources, DictionaryObject):
            resources = DictionaryObject()
        matrix = resolve(pattern.get("/Matrix")) or IDENTITY
        inner = GState(tuple(num(resolve(v)) for v in matrix))  # type: ignore[arg-type]
        try:
            ops = self._operations(pattern, key)
        except Exception as exc:
            yield Problem(f"cannot read pattern {name} ({exc})", where)
            return
        parents = (*frame.parents, key) if key is not None else frame.parents
        yield from self._run(ops, Frame(resources, where, frame.depth + 1, parents), inner)


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
