"""Kit layouts: TOML files in, :class:`~envelopekit.kit.KitSpec` out.

Every value goes through the vocabulary of :mod:`envelopekit.layout_tables` (types
from :mod:`envelopekit.schema`) before anything is resolved; then what one table
cannot see is checked: unique piece names, QR links that exist, fonts that load.
Every error names the file, the line and the key path, and for a mistyped key
suggests the closest valid one. The format is documented in ``layouts/README.md``.
"""

from __future__ import annotations

import re
import struct
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .content.blocks import AddressBlock, Block, QRBlock, TextBlock
from .errors import EnvelopekitError, LayoutError
from .kit import CardSpec, EnvelopeSpec, KitSpec
from .layout_blocks import read_block
from .layout_tables import CARD, DEFAULTS, ENVELOPE, MAX_BYTES, TOP, style_table
from .schema import Ctx, check_depth, join, read_table

__all__ = ["LAYOUTS_DIR", "find_layout", "load_layout", "parse_layout"]


def _bundled_layouts() -> Path:
    repo = Path(__file__).resolve().parent.parent / "layouts"
    return repo if (repo / "help-me.toml").is_file() else Path(__file__).resolve().parent / "layouts"


LAYOUTS_DIR = _bundled_layouts()

# --- reading -------------------------------------------------------------------------------------


def _blocks(
    ctx: Ctx, values: Mapping[str, Any], face: str, path: str, defaults: Mapping[str, Any]
) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for i, raw in enumerate(values[face]):
        where = join(join(path, face), i)
        block = read_block(ctx, raw, where, defaults)
        if block.name in {b.name for b in blocks}:
            raise ctx.error(
                f"two blocks are named {block.name!r}", join(where, "name"), "give each block its own name"
            )
        blocks.append(block)
        # Where the kit's checks (fold crossings, safe margins) can point back to.
        ctx.locations[f"{values['name']}.{face}.{block.name}"] = (where, ctx.where.find(where))
    return tuple(blocks)


def _card(ctx: Ctx, raw: Mapping[str, Any], path: str, defaults: Mapping[str, Any]) -> CardSpec:
    v = read_table(ctx, CARD, raw, path)
    ctx.locations[v["name"]] = (path, ctx.where.find(path))
    w, h = v["size"].wh
    if (v["orientation"] == "landscape" and w < h) or (v["orientation"] == "portrait" and w > h):
        w, h = h, w
    return CardSpec(
        name=v["name"],
        width=w,
        height=h,
        fold=v["fold"],
        stock=v["stock"],
        front=_blocks(ctx, v, "front", path, defaults),
        back=_blocks(ctx, v, "back", path, defaults),
        label=v["label"],
        size_name=v["size"].name,
    )


def _params(ctx: Ctx, style: str, raw: Mapping[str, Any] | None, path: str) -> tuple[tuple[str, str], ...]:
    """A style's parameters checked against its table, kept as the strings the net reads."""
    if not raw:
        return ()
    read_table(ctx, style_table(style), raw, path)
    return tuple((str(k), v if isinstance(v, str) else f"{float(v):g}") for k, v in raw.items())


def _envelope(ctx: Ctx, raw: Mapping[str, Any], path: str, defaults: Mapping[str, Any]) -> EnvelopeSpec:
    v = read_table(ctx, ENVELOPE, raw, path)
    ctx.locations[v["name"]] = (path, ctx.where.find(path))
    if v["window"] is not None:
        ctx.locations[f"{v['name']}.window"] = (join(path, "window"), ctx.where.find(join(path, "window")))
    params = _params(ctx, v["style"], v["params"], join(path, "params"))
    contents: list[CardSpec | EnvelopeSpec] = [
        _card(ctx, c, join(join(path, "cards"), i), defaults) for i, c in enumerate(v["cards"])
    ]
    contents += [
        _envelope(ctx, e, join(join(path, "envelopes"), i), defaults) for i, e in enumerate(v["envelopes"])
    ]
    return EnvelopeSpec(
        name=v["name"],
        style=v["style"],
        size=v["size"],
        auto=v["auto"],
        params=params,
        front=_blocks(ctx, v, "front", path, defaults),
        back=_blocks(ctx, v, "back", path, defaults),
        inside=_blocks(ctx, v, "inside", path, defaults),
        contents=tuple(contents),
        stock=v["stock"],
        label=v["label"],
        window=v["window"],
    )


def _toml(text: str, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise LayoutError(f"not valid TOML: {exc}", file=file, line=int(m.group(1)) if m else None) from None
    except RecursionError:
        raise LayoutError("not valid TOML: nested too deep", file=file) from None
    except ValueError:  # an integer of more than 4300 digits
        m = re.search(r"\d{4000}", text)
        line = text.count("\n", 0, m.start()) + 1 if m else None
        raise LayoutError(
            "not valid TOML: a number of thousands of digits", file=file, line=line, hint="write a few digits"
        ) from None


def _pieces(spec: EnvelopeSpec, path: str) -> list[tuple[str, str]]:
    """(name, key path of its name) of every piece, outer to inner."""
    out = [(spec.name, join(path, "name"))]
    cards = [c for c in spec.contents if isinstance(c, CardSpec)]
    envelopes = [e for e in spec.contents if isinstance(e, EnvelopeSpec)]
    out += [(c.name, f"{path}.cards[{i}].name") for i, c in enumerate(cards)]
    for i, e in enumerate(envelopes):
        out += _pieces(e, f"{path}.envelopes[{i}]")
    return out


def _check_kit(ctx: Ctx, outer: EnvelopeSpec, links: Mapping[str, Any]) -> None:
    """What one table cannot see: unique piece names, QR links that exist, fonts that load."""
    seen: dict[str, str] = {}
    for name, where in _pieces(outer, "envelope[0]"):
        if name.casefold() in seen:
            raise ctx.error(
                f"piece name {name!r} is used twice", where, "piece names become file names; make them unique"
            )
        seen[name.casefold()] = where
    fonts: dict[str, str] = {}
    for block, where in _all_blocks(ctx, outer):
        if isinstance(block, QRBlock) and block.link not in links:
            known = ", ".join(sorted(links)) or "none"
            raise ctx.error(
                f"link {block.link!r} is not a [links.NAME] table", join(where, "link"), f"links: {known}"
            )
        font = getattr(block, "font", None)
        if font is not None:
            fonts.setdefault(font, join(where, "font"))
    for font, where in fonts.items():
        _check_font(ctx, font, where)
    for block, where in _all_blocks(ctx, outer):
        if isinstance(block, TextBlock | AddressBlock):
            _check_glyphs(ctx, block, where)


def _check_glyphs(ctx: Ctx, block: TextBlock | AddressBlock, where: str) -> None:
    """The fixed text of a template must be drawable by its font (the fields are the records')."""
    from .content.text import missing_glyphs

    key, templates = ("text", (block.template,)) if isinstance(block, TextBlock) else ("lines", block.lines)
    fixed = "".join(re.sub(r"\{\{|\}\}|\{[^{}]*\}", "", t) for t in templates)
    missing = missing_glyphs(fixed, block.font)
    if missing:
        shown = ", ".join(f"U+{ord(c):04X}" for c in missing[:5])
        raise ctx.error(
            f"font {block.font!r} cannot draw {shown} in this text", join(where, key),
            "remove or replace it; emoji, control and private-use characters cannot be printed",
        )  # fmt: skip


def _all_blocks(ctx: Ctx, outer: EnvelopeSpec) -> list[tuple[Block, str]]:
    """Every block of the kit with its key path."""
    out: list[tuple[Block, str]] = []
    stack: list[CardSpec | EnvelopeSpec] = [outer]
    while stack:
        spec = stack.pop()
        faces = ("front", "back", "inside") if isinstance(spec, EnvelopeSpec) else ("front", "back")
        for face in faces:
            for block in getattr(spec, face):
                out.append((block, ctx.locations[f"{spec.name}.{face}.{block.name}"][0]))
        if isinstance(spec, EnvelopeSpec):
            stack.extend(spec.contents)
    return out


def _check_font(ctx: Ctx, font: str, where: str) -> None:
    """Load a family now, so that a broken font file stops the layout, not a worker."""
    from reportlab.pdfbase.ttfonts import TTFError

    from .content.text import get_family

    try:
        get_family(font)
    except EnvelopekitError as exc:
        raise ctx.error(f"font {font!r} cannot be used: {exc}", where) from None
    except (TTFError, struct.error, ValueError, KeyError, IndexError, OSError) as exc:
        raise ctx.error(
            f"font {font!r} cannot be used: a font file is damaged ({type(exc).__name__}: {exc})",
            where,
            "check the files in $ENVELOPEKIT_FONTS, or unset it for the bundled fonts",
        ) from None


def parse_layout(text: str, *, file: str = "<layout>", base: Path | None = None) -> KitSpec:
    """A KitSpec from TOML text; ``base`` is the folder images are resolved in."""
    doc = _toml(text, file)
    ctx = Ctx(file, text, (base or Path.cwd()).resolve())
    check_depth(ctx, doc)
    top = read_table(ctx, TOP, doc, "")
    kit = top["kit"]
    d = top["defaults"] or read_table(ctx, DEFAULTS, {}, "defaults")
    stocks = top["stocks"] or {}
    envelopes = top["envelope"]
    if len(envelopes) != 1:
        # Point at the second [[envelope]] when there is one (the first is fine).
        raise ctx.error(
            "a layout has exactly one outer [[envelope]]; nest the others in it as [[envelope.envelopes]]",
            "envelope[1]" if envelopes else "envelope",
        )
    links = top["links"] or {}
    defaults = {
        "font": d["font"],
        "size": d["size"],
        "home_country": d["home_country"],
        "address_check": d["address_check"],
    }
    outer = _envelope(ctx, envelopes[0], "envelope[0]", defaults)
    _check_kit(ctx, outer, links)
    fields = top["fields"] or {"required": ()}
    spec = KitSpec(
        name=kit["name"],
        title=kit["title"],
        job=kit["job"],
        source=file,
        bleed=d["bleed"],
        safe=d["safe"],
        clearance=d["clearance"],
        outer=outer,
        sample=dict(top["sample"] or {}),
        links=links,
        id_field=kit["id_field"],
        emoji=d["emoji"],
        output_condition=d["output_condition"],
        required=fields["required"],
        warnings=tuple(ctx.warnings),
        locations={
            **ctx.locations,
            **{f"links.{k}": (f"links.{k}", ctx.where.find(f"links.{k}")) for k in links},
        },
        **({"envelope_stock": stocks["envelope"]} if stocks.get("envelope") else {}),
        **({"card_stock": stocks["card"]} if stocks.get("card") else {}),
    )
    return _check_postal(ctx, spec, top["postal"]) if top["postal"] else spec


def _check_postal(ctx: Ctx, spec: KitSpec, postal: Mapping[str, Any]) -> KitSpec:
    """The outer envelope against the post's rules (envelopekit.postal), once the kit is
    resolved: its size, thickness and weight are known only then."""
    from dataclasses import replace

    from .kit import resolve
    from .postal import AUTHORITIES, check_layout, warnings_of

    authority, fmt = postal["authority"], postal["format"]
    names = [f.name for f in AUTHORITIES[authority].formats]
    if fmt is not None and fmt not in names:
        raise ctx.error(
            f"format {fmt!r} is not one of {AUTHORITIES[authority].name}'s", "postal.format", ", ".join(names)
        )
    kit = resolve(spec)
    if postal["check"] == "warn":
        return replace(spec, warnings=(*spec.warnings, *warnings_of(kit, authority, fmt)))
    check_layout(kit, authority, fmt)
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
        with open(p, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise LayoutError(f"cannot read: {exc.strerror}", file=str(p)) from None
    if len(data) > MAX_BYTES:
        raise LayoutError(f"larger than {MAX_BYTES // 1000} KB: not a layout", file=str(p))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LayoutError(f"not UTF-8 text ({exc.reason})", file=str(p)) from None
    return parse_layout(text, file=str(p), base=p.parent)
