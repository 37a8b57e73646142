"""Kit layouts: TOML files in, :class:`~envelopekit.kit.KitSpec` out.

Every error names the file, the line and the key path, and for a mistyped key
suggests the closest valid one. The format is documented in ``layouts/README.md``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .catalog import Stock, lookup, lookup_stock
from .content.blocks import (
    AddressBlock,
    Block,
    Colour,
    FillBlock,
    ImageBlock,
    QRBlock,
    RectBlock,
    RuleBlock,
    TextBlock,
)
from .errors import EnvelopekitError, LayoutError
from .geometry import Point, Rect
from .kit import HAND, MACHINE, CardSpec, EnvelopeSpec, KitSpec
from .units import parse_length

__all__ = ["LAYOUTS_DIR", "find_layout", "load_layout", "parse_layout"]


def _bundled_layouts() -> Path:
    repo = Path(__file__).resolve().parent.parent / "layouts"
    return repo if (repo / "help-me.toml").is_file() else Path(__file__).resolve().parent / "layouts"


LAYOUTS_DIR = _bundled_layouts()

MAX_INK = 3.0  # total area coverage presses accept (PRINT.md: ~300 %)
MIN_STROKE = 0.25  # points: thinner lines may not print

_TOP = {"kit", "defaults", "stocks", "sample", "envelope", "links", "fields"}
_KIT = {"name", "title", "job", "description", "id_field"}
_DEFAULTS = {"font", "bleed", "safe", "clearance", "size", "output_condition", "home_country"}
_CONDITIONS = ("FOGRA39", "FOGRA51", "FOGRA52", "GRACOL", "SWOP")  # render.pdfx.CONDITIONS
_ENVELOPE = {
    "name",
    "label",
    "style",
    "size",
    "auto",
    "params",
    "stock",
    "front",
    "back",
    "inside",
    "cards",
    "envelopes",
}
_CARD = {"name", "label", "size", "orientation", "fold", "stock", "front", "back"}
_COMMON = {"type", "name", "panel"}
_BLOCK_KEYS: dict[str, set[str]] = {
    "text": {"box", "text", "font", "size", "min_size", "align", "valign", "leading", "colour"},
    "address": {"box", "lines", "font", "size", "min_size", "align", "leading", "colour"},
    "qr": {"box", "link", "error", "min_module", "colour"},
    "image": {"box", "path", "fit"},
    "rule": {"from", "to", "width", "colour", "dash"},
    "rect": {"box", "fill", "stroke", "width", "radius", "dash"},
    "fill": {"colour", "box"},
}


class _Lines:
    """Line numbers of the keys and tables of a TOML text, by key path.

    tomllib keeps no positions, so this scanner follows table headers (with
    array-of-tables indices) and bare keys; good enough to point at the line."""

    def __init__(self, text: str):
        self.lines: dict[str, int] = {}
        arrays: dict[str, int] = {}
        current = ""
        in_multiline = False
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if in_multiline:
                if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                    in_multiline = False
                continue
            if not line or line.startswith("#"):
                continue
            header = re.match(r"^(\[\[?)\s*([^\]]+?)\s*\]\]?", line)
            if header:
                parts = [p.strip().strip('"') for p in header.group(2).split(".")]
                resolved = ""
                for part in parts[:-1]:
                    name = f"{resolved}.{part}" if resolved else part
                    resolved = f"{name}[{arrays[name] - 1}]" if name in arrays else name
                name = f"{resolved}.{parts[-1]}" if resolved else parts[-1]
                if header.group(1) == "[[":
                    arrays[name] = arrays.get(name, 0) + 1
                    current = f"{name}[{arrays[name] - 1}]"
                else:
                    current = name
                self.lines.setdefault(current, number)
                continue
            key = re.match(r'^([A-Za-z0-9_\-"\.]+)\s*=', line)
            if key:
                k = key.group(1).strip('"')
                self.lines.setdefault(f"{current}.{k}" if current else k, number)
                rest = line[key.end() :]
                if rest.count('"""') == 1 or rest.count("'''") == 1:
                    in_multiline = True

    def find(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


class _Reader:
    def __init__(self, file: str, text: str, base: Path):
        self.file = file
        self.where = _Lines(text)
        self.base = base
        self.locations: dict[str, tuple[str, int | None]] = {}
        self.warnings: list[str] = []

    def check_image(self, path: Path, box: Rect, fit: str, key: str) -> None:
        """Warn (not fail) about what prepress would flag: low resolution, RGB."""
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as im:
                (iw, ih), mode = im.size, im.mode
        except (UnidentifiedImageError, OSError) as exc:
            raise self.error(f"cannot read image {path.name}: {exc}", key) from None
        scale = (min if fit == "contain" else max)(box.width / iw, box.height / ih)
        ppi = 72 / scale if fit != "stretch" else 72 * min(iw / box.width, ih / box.height)
        where = f"{self.file}:{self.where.find(key) or '?'}: {key}"
        if ppi < 300:
            self.warnings.append(
                f"{where}: image {path.name} is {ppi:.0f} ppi at its placed size (under 300)"
            )
        if mode != "CMYK":
            self.warnings.append(f"{where}: image {path.name} is {mode}; it will be converted to CMYK")

    def error(self, message: str, path: str, hint: str | None = None) -> LayoutError:
        return LayoutError(message, file=self.file, line=self.where.find(path), key=path, hint=hint)

    def check_keys(self, table: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.5)
                hint = f"did you mean {close[0]!r}?" if close else "valid keys: " + ", ".join(sorted(allowed))
                raise self.error(f"unknown key {key!r}", f"{path}.{key}" if path else key, hint)

    def table(self, parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, Mapping):
            raise self.error(f"{key!r} must be a table", self._join(path, key))
        return value

    def tables(self, parent: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
        value = parent.get(key, [])
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.error(f"{key!r} must be an array of tables ([[{key}]])", self._join(path, key))
        return value

    @staticmethod
    def _join(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def convert(self, path: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except LayoutError:
            raise
        except (EnvelopekitError, ValueError, TypeError) as exc:
            msg = exc.message if isinstance(exc, EnvelopekitError) else str(exc)
            hint = exc.hint if isinstance(exc, EnvelopekitError) else None
            raise self.error(msg, path, hint) from None

    def length(self, table: Mapping[str, Any], key: str, path: str, default: float | None = None) -> float:
        if key not in table:
            if default is None:
                raise self.error(f"missing {key!r}", path)
            return default
        return float(self.convert(self._join(path, key), lambda: parse_length(table[key], what=key)))

    def string(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        default: str | None = None,
        choices: tuple[str, ...] | None = None,
    ) -> str:
        if key not in table:
            if default is None:
                raise self.error(f"missing {key!r}", path)
            return default
        value = table[key]
        if not isinstance(value, str):
            raise self.error(f"{key!r} must be a string", self._join(path, key))
        if choices and value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            raise self.error(
                f"{key} = {value!r} is not one of {', '.join(choices)}",
                self._join(path, key),
                f"did you mean {close[0]!r}?" if close else None,
            )
        return value

    def box(self, table: Mapping[str, Any], path: str, key: str = "box") -> Rect:
        value = table.get(key)
        p = self._join(path, key)
        if not isinstance(value, list) or len(value) != 4:
            raise self.error(
                f"{key!r} must be [x, y, width, height] with units",
                p,
                'e.g. box = ["10mm", "20mm", "80mm", "30mm"]',
            )
        x, y, w, h = self.lengths(value, p, key)
        if w <= 0 or h <= 0:
            raise self.error(f"{key!r} needs a positive width and height", p)
        return Rect.from_size(x, y, w, h)

    def lengths(self, values: list[Any], path: str, what: str) -> list[float]:
        """Every item of ``values`` as a length; an error names ``path``."""
        out = []
        for v in values:
            try:
                out.append(parse_length(v, what=what))
            except EnvelopekitError as exc:
                raise self.error(exc.message, path, exc.hint) from None
        return out

    def point(self, table: Mapping[str, Any], key: str, path: str) -> Point:
        value = table.get(key)
        p = self._join(path, key)
        if not isinstance(value, list) or len(value) != 2:
            raise self.error(f"{key!r} must be [x, y] with units", p)
        x, y = self.lengths(value, p, key)
        return Point(x, y)

    def colour(self, table: Mapping[str, Any], key: str, path: str, default: Colour | None) -> Colour | None:
        if key not in table:
            return default
        value = table[key]
        p = self._join(path, key)
        if value in ("none", False):
            return None
        if (
            not isinstance(value, list)
            or len(value) != 4
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            raise self.error(
                f"{key!r} must be CMYK [c, m, y, k] from 0 to 1 (or 0 to 100)",
                p,
                "e.g. [0, 0, 0, 1] for 100 % black",
            )
        scale = 100.0 if any(v > 1 for v in value) else 1.0
        cmyk = tuple(float(v) / scale for v in value)
        if not all(0 <= v <= 1 for v in cmyk):
            raise self.error(f"{key!r} values must lie between 0 and 1 (or 0 and 100)", p)
        if sum(cmyk) > MAX_INK + 1e-9:
            raise self.error(
                f"{key!r} has {sum(cmyk):.0%} total ink, over the {MAX_INK:.0%} presses take",
                p,
                "for black text use [0, 0, 0, 1]; for a rich black background at most 300 %",
            )
        return (cmyk[0], cmyk[1], cmyk[2], cmyk[3])

    def stroke_width(self, table: Mapping[str, Any], path: str) -> float:
        width = self.length(table, "width", path, 0.5)
        if width < MIN_STROKE - 1e-9:
            raise self.error(
                f"a {width:.2f} pt line is a hairline that may not print",
                f"{path}.width",
                "use at least 0.25pt",
            )
        return width

    def dash(self, table: Mapping[str, Any], path: str) -> tuple[float, ...]:
        value = table.get("dash", [])
        if not isinstance(value, list):
            raise self.error("'dash' must be a list of lengths", self._join(path, "dash"))
        return tuple(self.lengths(value, self._join(path, "dash"), "dash"))

    def stock(self, value: Any, path: str) -> Stock:
        if not isinstance(value, str):
            raise self.error("a stock is a name or grammage string", path, 'e.g. "card-300" or "300gsm"')
        stock: Stock = self.convert(path, lambda: lookup_stock(value))
        return stock


def _block(r: _Reader, t: Mapping[str, Any], path: str, defaults: Mapping[str, Any]) -> Block:
    kind = r.string(t, "type", path, choices=tuple(_BLOCK_KEYS))
    r.check_keys(t, _BLOCK_KEYS[kind] | _COMMON, path)
    name = r.string(t, "name", path, default=path.rsplit(".", 1)[-1])
    panel = t.get("panel", 1)
    if not isinstance(panel, int) or panel < 1:
        raise r.error("'panel' must be a whole number from 1", f"{path}.panel")
    panel -= 1
    font = r.string(t, "font", path, default=defaults["font"])
    if font not in _FONTS:
        raise r.error(f"unknown font {font!r}", f"{path}.font", "fonts: " + ", ".join(sorted(_FONTS)))
    black: Colour = (0.0, 0.0, 0.0, 1.0)
    if kind == "text":
        if "text" not in t or not isinstance(t["text"], str):
            raise r.error('a text block needs text = "..."', path)
        size = r.length(t, "size", path, defaults["size"])
        return TextBlock(
            name,
            r.box(t, path),
            t["text"],
            font,
            size,
            r.length(t, "min_size", path, size),
            r.string(t, "align", path, "left", ("left", "center", "right")),  # type: ignore[arg-type]
            r.string(t, "valign", path, "top", ("top", "middle", "bottom")),  # type: ignore[arg-type]
            float(t.get("leading", 1.25)),
            r.colour(t, "colour", path, black) or black,
            panel,
        )
    if kind == "address":
        lines = t.get("lines", [])
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise r.error("'lines' must be a list of template strings", f"{path}.lines")
        size = r.length(t, "size", path, 10.0)
        min_size = r.length(t, "min_size", path, min(8.0, size))
        if min_size < 8.0 - 1e-9:
            raise r.error(
                "address text must be at least 8 pt",
                f"{path}.min_size",
                "postal OCR needs >= 8 pt sans-serif",
            )
        return AddressBlock(
            name,
            r.box(t, path),
            tuple(lines),
            font,
            size,
            min_size,
            r.string(t, "align", path, "left", ("left", "center", "right")),  # type: ignore[arg-type]
            float(t.get("leading", 1.2)),
            r.colour(t, "colour", path, black) or black,
            panel,
            defaults["home_country"],
        )
    if kind == "qr":
        box = r.box(t, path)
        if abs(box.width - box.height) > 0.01:
            raise r.error("a QR box must be square", f"{path}.box")
        return QRBlock(
            name,
            box,
            r.string(t, "link", path, "survey"),
            r.string(t, "error", path, "M", ("L", "M", "Q", "H")),  # type: ignore[arg-type]
            r.length(t, "min_module", path, 0.5 * 72 / 25.4),
            _qr_colour(r, t, path),
            panel,
        )
    if kind == "image":
        rel = r.string(t, "path", path)
        target = (r.base / rel).resolve()
        if r.base not in target.parents:
            raise r.error(
                f"image {rel!r} lies outside the layout's folder",
                f"{path}.path",
                "keep images beside the layout file",
            )
        if not target.is_file():
            raise r.error(f"image {rel!r} not found", f"{path}.path")
        box = r.box(t, path)
        fit = r.string(t, "fit", path, "contain", ("contain", "cover", "stretch"))
        r.check_image(target, box, fit, f"{path}.path")
        return ImageBlock(name, box, str(target), fit, panel)  # type: ignore[arg-type]
    if kind == "rule":
        return RuleBlock(
            name,
            r.point(t, "from", path),
            r.point(t, "to", path),
            r.stroke_width(t, path),
            r.colour(t, "colour", path, black) or black,
            r.dash(t, path),
            panel,
        )
    if kind == "rect":
        return RectBlock(
            name,
            r.box(t, path),
            r.colour(t, "fill", path, None),
            r.colour(t, "stroke", path, black),
            r.stroke_width(t, path),
            r.length(t, "radius", path, 0.0),
            r.dash(t, path),
            panel,
        )
    colour = r.colour(t, "colour", path, None)
    if colour is None:
        raise r.error("a fill block needs colour = [c, m, y, k]", path)
    return FillBlock(name, colour, panel, r.box(t, path) if "box" in t else None)


def _qr_colour(r: _Reader, t: Mapping[str, Any], path: str) -> Colour:
    colour = r.colour(t, "colour", path, (0.0, 0.0, 0.0, 1.0))
    if colour != (0.0, 0.0, 0.0, 1.0):
        raise r.error(
            "a QR code prints in 100 % K only",
            f"{path}.colour",
            "remove colour, or set [0, 0, 0, 1]: rich black or tints blur under misregistration",
        )
    return colour


_FONTS = {"sans", "sans-bold", "sans-italic", "sans-bolditalic", "serif", "serif-bold", "serif-italic"}


def _blocks(
    r: _Reader, t: Mapping[str, Any], key: str, path: str, defaults: Mapping[str, Any]
) -> tuple[Block, ...]:
    blocks = tuple(_block(r, b, f"{path}.{key}[{i}]", defaults) for i, b in enumerate(r.tables(t, key, path)))
    piece = t.get("name")
    for i, block in enumerate(blocks):
        # Where the kit checks (fold crossings, safe margins) can point back to.
        block_path = f"{path}.{key}[{i}]"
        r.locations[f"{piece}.{key}.{block.name}"] = (block_path, r.where.find(block_path))
    names = [b.name for b in blocks]
    for i, n in enumerate(names):
        if n in names[:i]:
            raise r.error(
                f"two blocks are named {n!r}", f"{path}.{key}[{i}].name", "give each block its own name"
            )
    return blocks


def _card(r: _Reader, t: Mapping[str, Any], path: str, defaults: Mapping[str, Any]) -> CardSpec:
    r.check_keys(t, _CARD, path)
    name = r.string(t, "name", path)
    size_name = r.string(t, "size", path)
    size = r.convert(f"{path}.size", lambda: lookup(size_name, kind="card"))
    orientation = r.string(t, "orientation", path, "", ("portrait", "landscape", ""))
    w, h = size.wh
    if (orientation == "landscape" and w < h) or (orientation == "portrait" and w > h):
        w, h = h, w
    return CardSpec(
        name=name,
        width=w,
        height=h,
        fold=r.string(t, "fold", path, "flat", ("flat", "half", "tri")),  # type: ignore[arg-type]
        stock=r.stock(t["stock"], f"{path}.stock") if "stock" in t else None,
        front=_blocks(r, t, "front", path, defaults),
        back=_blocks(r, t, "back", path, defaults),
        label=r.string(t, "label", path, ""),
        size_name=size.name,
    )


def _envelope(r: _Reader, t: Mapping[str, Any], path: str, defaults: Mapping[str, Any]) -> EnvelopeSpec:
    r.check_keys(t, _ENVELOPE, path)
    name = r.string(t, "name", path)
    from .nets import load_styles

    styles = load_styles()
    style = r.string(t, "style", path, "banker", tuple(sorted(styles)))
    size_text = r.string(t, "size", path, "auto")
    size = (
        None if size_text == "auto" else r.convert(f"{path}.size", lambda: lookup(size_text, kind="envelope"))
    )
    auto = t.get("auto", ["iso-c"])
    if isinstance(auto, str):
        auto = [auto]
    if not isinstance(auto, list) or not all(isinstance(a, str) for a in auto):
        raise r.error(
            "'auto' must be a list of envelope families or sizes",
            f"{path}.auto",
            'e.g. ["iso-c"], ["us-a"], ["C6", "DL"]',
        )
    params = r.table(t, "params", path)
    # Check style parameters here, where the error can name the file and line; as strings,
    # as the net gets them, so a bare number is an error here too rather than points.
    from functools import partial

    from .nets.base import parse_params

    params_type = styles[style].params_type
    as_text = {str(k): str(v) for k, v in params.items()}
    for key, value in as_text.items():
        r.convert(f"{path}.params.{key}", partial(parse_params, params_type, {key: value}, style=style))
    r.convert(f"{path}.params", partial(parse_params, params_type, as_text, style=style))
    contents: list[CardSpec | EnvelopeSpec] = [
        _card(r, c, f"{path}.cards[{i}]", defaults) for i, c in enumerate(r.tables(t, "cards", path))
    ]
    contents += [
        _envelope(r, e, f"{path}.envelopes[{i}]", defaults)
        for i, e in enumerate(r.tables(t, "envelopes", path))
    ]
    return EnvelopeSpec(
        name=name,
        style=style,
        size=size,
        auto=tuple(auto),
        params=tuple((str(k), str(v)) for k, v in params.items()),
        front=_blocks(r, t, "front", path, defaults),
        back=_blocks(r, t, "back", path, defaults),
        inside=_blocks(r, t, "inside", path, defaults),
        contents=tuple(contents),
        stock=r.stock(t["stock"], f"{path}.stock") if "stock" in t else None,
        label=r.string(t, "label", path, ""),
    )


def parse_layout(text: str, *, file: str = "<layout>", base: Path | None = None) -> KitSpec:
    """A KitSpec from TOML text; ``base`` is the folder images are resolved in."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise LayoutError(f"not valid TOML: {exc}", file=file, line=int(m.group(1)) if m else None) from None
    r = _Reader(file, text, (base or Path.cwd()).resolve())
    r.check_keys(doc, _TOP, "")
    kit = r.table(doc, "kit", "")
    r.check_keys(kit, _KIT, "kit")
    d = r.table(doc, "defaults", "")
    r.check_keys(d, _DEFAULTS, "defaults")
    defaults = {
        "font": r.string(d, "font", "defaults", "sans"),
        "size": r.length(d, "size", "defaults", 11.0),
        "home_country": r.string(d, "home_country", "defaults", ""),
    }
    clearance_value = d.get("clearance", "hand")
    if clearance_value == "hand":
        clearance = HAND
    elif clearance_value == "machine":
        clearance = MACHINE
    elif isinstance(clearance_value, list) and len(clearance_value) == 2:
        cw, ch = r.lengths(clearance_value, "defaults.clearance", "clearance")
        clearance = (cw, ch)
    else:
        raise r.error('clearance must be "hand", "machine" or ["Wmm", "Hmm"]', "defaults.clearance")
    stocks = r.table(doc, "stocks", "")
    r.check_keys(stocks, {"envelope", "card"}, "stocks")
    envelopes = r.tables(doc, "envelope", "")
    if len(envelopes) != 1:
        # Point at the second [[envelope]] when there is one (the first is fine).
        raise r.error(
            "a layout has exactly one outer [[envelope]]; nest the others in it as [[envelope.envelopes]]",
            "envelope[1]" if envelopes else "envelope",
        )
    sample = r.table(doc, "sample", "")
    fields = r.table(doc, "fields", "")
    r.check_keys(fields, {"required"}, "fields")
    required = fields.get("required", [])
    if not isinstance(required, list) or not all(isinstance(f, str) for f in required):
        raise r.error(
            "'required' must be a list of field names",
            "fields.required",
            'e.g. required = ["first_name", "street", "city"]',
        )
    links = r.table(doc, "links", "")
    spec = KitSpec(
        name=r.string(kit, "name", "kit"),
        title=r.string(kit, "title", "kit", ""),
        job=r.string(kit, "job", "kit", ""),
        source=file,
        bleed=r.length(d, "bleed", "defaults", 3 * 72 / 25.4),
        safe=r.length(d, "safe", "defaults", 4 * 72 / 25.4),
        clearance=clearance,
        outer=_envelope(r, envelopes[0], "envelope[0]", defaults),
        sample={str(k): str(v) for k, v in sample.items()},
        links={str(k): v for k, v in links.items()},
        id_field=r.string(kit, "id_field", "kit", "id"),
        output_condition=r.string(d, "output_condition", "defaults", "FOGRA39", _CONDITIONS),
        required=tuple(required),
        warnings=tuple(r.warnings),
        locations={
            **r.locations,
            **{f"links.{k}": (f"links.{k}", r.where.find(f"links.{k}")) for k in links},
        },
        **(
            {"envelope_stock": r.stock(stocks["envelope"], "stocks.envelope")} if "envelope" in stocks else {}
        ),
        **({"card_stock": r.stock(stocks["card"], "stocks.card")} if "card" in stocks else {}),
    )
    return spec


def find_layout(name: str) -> Path:
    """A layout path, or the name of a bundled layout ("help-me")."""
    p = Path(name)
    if p.is_file():
        return p
    bundled = LAYOUTS_DIR / (name if name.endswith(".toml") else f"{name}.toml")
    if bundled.is_file():
        return bundled
    known = sorted(q.stem for q in LAYOUTS_DIR.glob("*.toml")) if LAYOUTS_DIR.is_dir() else []
    raise LayoutError(
        f"layout {name!r} not found", hint=("bundled layouts: " + ", ".join(known)) if known else None
    )


def load_layout(path: str | Path) -> KitSpec:
    """Read and validate a layout file (or a bundled layout by name)."""
    p = find_layout(str(path))
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LayoutError(f"not UTF-8 text ({exc.reason})", file=str(p)) from None
    except OSError as exc:
        raise LayoutError(f"cannot read: {exc.strerror}", file=str(p)) from None
    return parse_layout(text, file=str(p), base=p.parent)
