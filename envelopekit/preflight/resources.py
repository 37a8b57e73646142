"""What a content stream's resource names stand for: fonts, colour spaces, graphics
states, images and shadings.

:class:`Resources` reads them from the stream's resource dictionary (a :class:`Frame`)
for the walker, and caches what pages share (fonts by object, colour spaces by name
per stream). Forms and patterns, which hold content of their own, are walked by
:class:`.events.Walker`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from pypdf.generic import DictionaryObject, IndirectObject, NameObject

from .drawn import (
    DEVICE_CMYK,
    DEVICE_GRAY,
    DEVICE_RGB,
    Event,
    FontInfo,
    Image,
    Problem,
    Shade,
    Space,
    Transparency,
    box_of,
)
from .gstate import Frame, GState
from .objects import boolean, num, resolve

_DEVICE = {"/DeviceGray": DEVICE_GRAY, "/DeviceRGB": DEVICE_RGB, "/DeviceCMYK": DEVICE_CMYK}


_INLINE = {"/G": DEVICE_GRAY, "/RGB": DEVICE_RGB, "/CMYK": DEVICE_CMYK}


def _font_info(obj: Any) -> FontInfo:
    font = resolve(obj)
    if not isinstance(font, DictionaryObject):
        return FontInfo("(not a font)", "none", embedded=False)
    subtype = str(font.get("/Subtype", "/Type1"))[1:]
    name = str(font.get("/BaseFont", font.get("/Name", "(unnamed)"))).lstrip("/")
    descriptor = resolve(font.get("/FontDescriptor"))
    widths: dict[int, float] = {}
    default = 500.0
    two_byte = False
    if subtype == "Type0":
        two_byte = True
        kids = resolve(font.get("/DescendantFonts")) or []
        child = resolve(kids[0]) if kids else DictionaryObject()
        descriptor = resolve(child.get("/FontDescriptor"))
        default = num(child.get("/DW", 1000))
        w = resolve(child.get("/W")) or []
        i = 0
        while i + 1 < len(w):  # c [w1 w2 ...] or c_first c_last w
            first = int(resolve(w[i]))
            nxt = resolve(w[i + 1])
            if isinstance(nxt, list):
                for k, width in enumerate(nxt):
                    widths[first + k] = num(resolve(width))
                i += 2
            elif i + 2 < len(w):
                for code in range(first, min(int(nxt), first + 65536) + 1):
                    widths[code] = num(resolve(w[i + 2]))
                i += 3
            else:
                break
    else:
        first = int(resolve(font.get("/FirstChar", 0)))
        for k, width in enumerate(resolve(font.get("/Widths")) or []):
            widths[first + k] = num(resolve(width))
    embedded = subtype == "Type3"
    ascent, descent = 800.0, -200.0
    if isinstance(descriptor, DictionaryObject):
        embedded = embedded or any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        default = num(descriptor.get("/MissingWidth", default)) if not two_byte else default
        ascent = num(descriptor.get("/Ascent", ascent)) or ascent
        descent = num(descriptor.get("/Descent", descent))
    fscale = 0.001
    if subtype == "Type3":
        matrix = resolve(font.get("/FontMatrix")) or [0.001]
        fscale = abs(num(matrix[0])) or 0.001
        ascent, descent = 1.0 / fscale * 0.8, -0.2 / fscale
    return FontInfo(name, subtype, embedded, two_byte, widths, default, ascent, descent, fscale)


class Resources:
    """Fonts, colour spaces, graphics states, images and shadings, looked up by the name
    a content stream uses; fonts are cached by object for the file."""

    def __init__(self) -> None:
        self._fonts: dict[int, FontInfo] = {}

    def font(self, ref: Any) -> FontInfo:
        key = ref.idnum if isinstance(ref, IndirectObject) else None
        if key is not None and key in self._fonts:
            return self._fonts[key]
        info = _font_info(ref)
        if key is not None:
            self._fonts[key] = info
        return info

    def named_font(self, frame: Frame, name: Any) -> FontInfo:
        fonts = resolve(frame.resources.get("/Font")) or DictionaryObject()
        ref = fonts.get(str(name)) if isinstance(fonts, DictionaryObject) else None
        if ref is None:
            return FontInfo(f"{name} (undefined)", "none", embedded=False)
        return self.font(ref)

    def space(self, frame: Frame, operand: Any) -> Space:
        name = str(operand)
        if name in _DEVICE:
            return _DEVICE[name]
        if name == "/Pattern":
            return Space("Pattern", 1, label=name)
        hit = frame.spaces.get(name)
        if hit is not None:
            return hit
        spaces = resolve(frame.resources.get("/ColorSpace")) or DictionaryObject()
        value = spaces.get(name) if isinstance(spaces, DictionaryObject) else None
        space = (
            Space("undefined", 1, label=name) if value is None else self.space_value(value, name, frame, 0)
        )
        frame.spaces[name] = space
        return space

    def space_value(self, value: Any, label: str, frame: Frame | None, depth: int) -> Space:
        value = resolve(value)
        if isinstance(value, NameObject | str):
            name = str(value)
            if name in _DEVICE:
                return _DEVICE[name]
            if name in _INLINE:
                return _INLINE[name]
            if name == "/Pattern":
                return Space("Pattern", 1, label=label)
            if frame is not None and depth < 4:  # an inline image naming a resource
                return self.space(frame, value)
            return Space("undefined", 1, label=label)
        if not isinstance(value, list) or not value or depth > 4:
            return Space("undefined", 1, label=label)
        family = str(resolve(value[0]))[1:]
        family = {"I": "Indexed"}.get(family, family)

        def sub(i: int) -> Space | None:
            return self.space_value(value[i], label, frame, depth + 1) if len(value) > i else None

        if family == "Separation":
            return Space("Separation", 1, (str(resolve(value[1]))[1:],), sub(2), label)
        if family == "DeviceN":
            names = tuple(str(resolve(n))[1:] for n in (resolve(value[1]) or []))
            return Space("DeviceN", len(names), names, sub(2), label)
        if family == "ICCBased":
            stream = resolve(value[1])
            n = int(resolve(stream.get("/N", 0))) if isinstance(stream, DictionaryObject) else 0
            alt = resolve(stream.get("/Alternate")) if isinstance(stream, DictionaryObject) else None
            return Space(
                "ICCBased", n, (), self.space_value(alt, label, None, depth + 1) if alt else None, label
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

    def ext_gstate(self, frame: Frame, name: Any, state: GState) -> Iterator[Event]:
        states = resolve(frame.resources.get("/ExtGState")) or DictionaryObject()
        gs = resolve(states.get(str(name))) if isinstance(states, DictionaryObject) else None
        if not isinstance(gs, DictionaryObject):
            yield Problem(f"graphics state {name} is used but not defined", frame.where)
            return
        if "/OP" in gs:
            state.op_stroke = boolean(gs["/OP"])
            state.op_fill = boolean(gs.get("/op", gs["/OP"]))
        elif "/op" in gs:
            state.op_fill = boolean(gs["/op"])
        if "/OPM" in gs:
            state.opm = int(resolve(gs["/OPM"]))
        if "/LW" in gs:
            state.width = num(resolve(gs["/LW"]))
        if "/LC" in gs:
            state.cap = int(resolve(gs["/LC"]))
        if "/D" in gs:
            dash = resolve(gs["/D"])
            state.dashed = bool(dash and resolve(dash[0]))
        if "/Font" in gs:
            ref, size = resolve(gs["/Font"])
            state.font, state.size = self.font(ref), num(size)
        smask = resolve(gs.get("/SMask"))
        if smask is not None and smask != "/None":
            yield Transparency(f"graphics state {name} has a soft mask (/SMask)", frame.where)
        for key in ("/CA", "/ca"):
            if key in gs and num(resolve(gs[key])) < 1.0:
                yield Transparency(f"graphics state {name} sets {key} {num(resolve(gs[key])):g}", frame.where)
        blend = resolve(gs.get("/BM"))
        if isinstance(blend, list):
            blend = resolve(blend[0]) if blend else None
        if blend is not None and str(blend) not in ("/Normal", "/Compatible"):
            yield Transparency(f"graphics state {name} sets blend mode {blend}", frame.where)

    def image(self, frame: Frame, label: str, xobj: DictionaryObject, state: GState, ref: Any) -> Image:
        mask = boolean(xobj.get("/ImageMask", False))
        space = None if mask else self.space_value(xobj.get("/ColorSpace", "/DeviceGray"), label, frame, 0)
        if not mask and "/ColorSpace" not in xobj and xobj.get("/Filter") in ("/JPXDecode", ["/JPXDecode"]):
            space = Space("JPX (colour space in the JPEG 2000 data)", 3, label=label)
        soft = "/SMask" in xobj or int(resolve(xobj.get("/SMaskInData", 0)) or 0) > 0
        return self._placed(
            label,
            int(resolve(xobj.get("/Width", 0))),
            int(resolve(xobj.get("/Height", 0))),
            1 if mask else int(resolve(xobj.get("/BitsPerComponent", 8)) or 8),
            space,
            soft,
            state,
            frame.where,
            xobj,
        )

    def inline_image(self, frame: Frame, operands: Any, state: GState) -> Image:
        settings = operands.get("settings", {}) if isinstance(operands, dict) else {}

        def get(*keys: str, default: Any = None) -> Any:
            for k in keys:
                if k in settings:
                    return resolve(settings[k])
            return default

        mask = boolean(get("/IM", "/ImageMask", default=False))
        space = (
            None
            if mask
            else self.space_value(get("/CS", "/ColorSpace", default="/DeviceGray"), "inline", frame, 0)
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
        state: GState,
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

    def shading(self, frame: Frame, name: Any, where: str) -> Iterator[Event]:
        shadings = resolve(frame.resources.get("/Shading")) or DictionaryObject()
        shading = resolve(shadings.get(str(name))) if isinstance(shadings, DictionaryObject) else None
        if not isinstance(shading, DictionaryObject):
            yield Problem(f"shading {name} is used but not defined", where)
            return
        yield Shade(self.space_value(shading.get("/ColorSpace"), str(name), frame, 0), where)
