"""The vocabulary of layout files: every table, its keys, their types and defaults.

The tables are :class:`~envelopekit.schema.Table` s: ``TOP`` and the tables it holds
(``KIT``, ``DEFAULTS``, ``ENVELOPE``, ``CARD``, ...), the block types of
:mod:`envelopekit.layout_blocks`, each net style's parameters (:func:`style_table`,
typed from the style's parameter dataclass) and each link preset's options
(:func:`link_table`, typed from the preset's signature), so a new style or preset is
in the vocabulary without a line here. :mod:`envelopekit.layouts` reads files with
them; :func:`reference` writes the reference part of ``layouts/README.md`` from them.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from . import tokens
from .catalog import Size, envelope_family, lookup, lookup_stock
from .content.address import CHECKS as ADDRESS_CHECKS
from .errors import CatalogError, EnvelopekitError
from .kit import HAND, MACHINE
from .layout_blocks import FONT, NAME, TEXT_SIZE
from .links.presets import PRESETS
from .schema import (
    MISSING,
    Boolean,
    Choice,
    Converted,
    Ctx,
    Field,
    Length,
    LengthList,
    ListOf,
    Number,
    Table,
    Tables,
    Text,
    Type,
    default_text,
    join,
    markdown_table,
    read_table,
    show,
)
from .units import mm
from .window import MARGIN, WindowSpec
from .window import PRESETS as WINDOW_PRESETS

__all__ = [
    "CARD",
    "DEFAULTS",
    "ENVELOPE",
    "KIT",
    "LINK",
    "MAX_BYTES",
    "OUTPUT_CONDITIONS",
    "POSTAL",
    "TOKEN_KINDS",
    "TOP",
    "WINDOW",
    "link_table",
    "params_text",
    "reference",
    "style_table",
]

MAX_BYTES = 1_000_000
"""A layout file longer than this is refused unread (a wrong path, /dev/zero)."""
OUTPUT_CONDITIONS = ("FOGRA39", "FOGRA51", "FOGRA52", "GRACOL", "SWOP")
"""PDF/X output intents: the keys of render.pdfx.CONDITIONS (a test keeps them equal)."""
TOKEN_KINDS = ("hmac", "random")
"""Survey tokens: signed and deterministic, or random (see envelopekit.tokens)."""
MIN_PIECE, MAX_PIECE = 20 * mm, 1000 * mm
"""Envelopes and cards are 2 cm to 1 m a side."""


# --- closed sets and catalog values ------------------------------------------------------------


def _sized(size: Size) -> Size:
    if not all(MIN_PIECE <= side <= MAX_PIECE for side in size.wh):
        w, h = size.width / mm, size.height / mm
        raise CatalogError(f"size {size.name!r} ({w:.1f} x {h:.1f} mm) is not 20 to 1000 mm a side")
    return size


def _envelope_size(text: str) -> Size | None:
    return None if text == "auto" else _sized(lookup(text, kind="envelope"))


def _family_or_size(text: str) -> str:
    try:
        envelope_family(text)
    except CatalogError:
        _sized(lookup(text, kind="envelope"))
    return text


def _stock(text: str) -> Any:
    stock = lookup_stock(text)
    if not 30 <= stock.gsm <= 1000:
        raise CatalogError(f"stock {text!r} is {stock.gsm:g} gsm", hint="stocks run from 30 to 1000 gsm")
    return stock


STOCK = Converted(_stock, doc='stock name (`envelopekit sizes stocks`) or grammage, e.g. `"300gsm"`')
FIELD_NAME = Text(max_len=64, nonempty=True, pattern=r"[^\x00-\x1f{}]+", rule="a column name")


class _Clearance(Type):
    doc = '`"hand"` (6 x 6 mm), `"machine"` (15 x 8 mm) or `["Wmm", "Hmm"]`'
    pair = LengthList(Length(0, 50 * mm), exact=2)

    def read(self, ctx: Ctx, value: Any, path: str) -> tuple[float, float]:
        if value == "hand":
            return HAND
        if value == "machine":
            return MACHINE
        if not isinstance(value, list):
            raise ctx.error('clearance must be "hand", "machine" or ["Wmm", "Hmm"]', path)
        w, h = self.pair.read(ctx, value, path)
        return (w, h)


WINDOW_SIDE = Length(5 * mm, 500 * mm)
WINDOW_AT = Length(0, 1000 * mm)
WINDOW = Table(
    {
        "preset": Field(
            Choice(tuple(WINDOW_PRESETS)),
            "a standard window: `us10` (4 1/2 x 1 1/8 in at 7/8 in left, 1/2 in up), `dl` and `c6-5` "
            "(90 x 45 mm at 20 mm left, 15 mm up), `c5` (90 x 45 mm at 20 mm left, 58 mm up); "
            "the keys below override it",
            None,
        ),
        "width": Field(WINDOW_SIDE, "window width (along the long side)", None, "the preset's"),
        "height": Field(WINDOW_SIDE, "window height", None, "the preset's"),
        "left": Field(
            WINDOW_AT, "from the front's left edge (flap up, the address upright)", None, "the preset's"
        ),
        "bottom": Field(WINDOW_AT, "from the front's bottom edge", None, "the preset's"),
        "carrier": Field(
            NAME,
            "the card whose address block shows through",
            None,
            "the one card inside with an address block",
        ),
        "margin": Field(
            Length(0, 20 * mm),
            "clearance kept between the address and every window edge, wherever the carrier slides",
            MARGIN,
            '`"1/8in"`',
        ),
    },
    name="window",
)


class _Window(Type):
    doc = 'a preset name (`"us10"`, `"dl"`, `"c6-5"`, `"c5"`) or a window table'

    def read(self, ctx: Ctx, value: Any, path: str) -> WindowSpec:
        if isinstance(value, str):
            return WINDOW_PRESETS[Choice(tuple(WINDOW_PRESETS)).read(ctx, value, path)]
        v = read_table(ctx, WINDOW, value, path)
        base = WINDOW_PRESETS[v["preset"]] if v["preset"] else None
        sides = {}
        for key in ("width", "height", "left", "bottom"):
            given = v[key] if v[key] is not None else (getattr(base, key) if base else None)
            if given is None:
                raise ctx.error(
                    f"window has no {key!r}", path, "give width, height, left and bottom, or a preset"
                )
            sides[key] = given
        return WindowSpec(
            **sides,
            preset=v["preset"] or "",
            carrier=v["carrier"] or "",
            margin=v["margin"],
        )


class _Raw(Type):
    """Any value, read later by a table that depends on another key (a style's parameters)."""

    def read(self, ctx: Ctx, value: Any, path: str) -> Any:
        return value


class _Scalar(Type):
    """A sample record's value: a string, or a number written as one."""

    doc = "string"

    def read(self, ctx: Ctx, value: Any, path: str) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = show(value, 100)
        return Text(max_len=10_000).read(ctx, value, path)


# --- tables --------------------------------------------------------------------------------------

KIT = Table(
    {
        "name": Field(Text(max_len=100, nonempty=True), "the kit's name", MISSING),
        "title": Field(Text(max_len=300), "PDF title", ""),
        "job": Field(
            Text(max_len=64, pattern=r"[^\x00-\x1f]*", rule="one line"), "slug line and token campaign", ""
        ),
        "description": Field(Text(max_len=10_000), "free text, for people", ""),
        "id_field": Field(FIELD_NAME, "the records column that identifies a record", "id"),
    },
    name="[kit]",
)

DEFAULTS = Table(
    {
        "font": Field(FONT, "text font", "sans"),
        "size": Field(TEXT_SIZE, "text size", 11.0),
        "bleed": Field(
            Length(0, 20 * mm, why="the BleedBox lies outside the TrimBox"), "beyond every cut", 3 * mm
        ),
        "safe": Field(Length(0, 30 * mm), "nothing variable closer than this to a cut or fold", 4 * mm),
        "clearance": Field(_Clearance(), "room around an envelope's contents", HAND, '`"hand"`'),
        "home_country": Field(
            Text(max_len=10, pattern=r"([A-Za-z]{2})?", rule="a two-letter country code"),
            "addresses in this country get no country line",
            "",
        ),
        "address_check": Field(
            Choice(ADDRESS_CHECKS),
            "a faulty address (unknown country, postcode not of the country's pattern, a required "
            'field empty): `"reject"` the record, `"warn"` in the manifest\'s `warnings` column, or `"off"`',
            "warn",
        ),
        "emoji": Field(
            Choice(("drop", "reject")),
            'emoji in a record (no bundled font draws them): `"drop"` them, with a warning in the '
            'manifest\'s `warnings` column, or `"reject"` the record',
            "drop",
        ),
        "output_condition": Field(Choice(OUTPUT_CONDITIONS), "PDF/X output intent", "FOGRA39"),
    },
    name="[defaults]",
)


def _postal_formats() -> tuple[str, ...]:
    from .postal import format_names

    return format_names()


def _authorities() -> tuple[str, ...]:
    from .postal import AUTHORITIES

    return tuple(AUTHORITIES)


POSTAL = Table(
    {
        "authority": Field(
            Choice(_authorities()),
            "the post carrying the kit: the outer envelope's size, thickness, weight and front are "
            "checked against its rules when the layout is read",
            MISSING,
        ),
        "format": Field(
            Choice(_postal_formats()),
            "the mail format to check the size against (`letter`, `large-letter`; `standardbrief`, "
            "`kompaktbrief`, `grossbrief`; `standard`, `oversize`): by default the smallest it fits",
            None,
            "the smallest that fits",
        ),
        "check": Field(
            Choice(("error", "warn")), 'a broken rule stops the layout (`"error"`) or is a warning', "error"
        ),
    },
    name="[postal]",
)

FIELDS = Table(
    {"required": Field(ListOf(FIELD_NAME), "records with any of these empty are rejected", ())},
    name="[fields]",
)
STOCKS = Table(
    {
        "envelope": Field(STOCK, "stock of every envelope", None, '`"envelope-100"`'),
        "card": Field(STOCK, "stock of every card", None, '`"card-300"`'),
    },
    name="[stocks]",
)
SAMPLE = Table(values=_Scalar(), max_keys=200, name="[sample]")


def _styles() -> tuple[str, ...]:
    from .nets import load_styles

    return tuple(sorted(load_styles()))


_FACE = "blocks on the {}"
ENVELOPE = Table(
    {
        "name": Field(NAME, "unique piece name (file pages, the manifest, errors)", MISSING),
        "label": Field(Text(max_len=200), "human label for slugs and previews", ""),
        "style": Field(Choice(_styles()), "net style (`envelopekit styles`)", "banker"),
        "size": Field(
            Converted(_envelope_size, doc='a catalog name (`"C6"`, `"#10"`), `"WxHmm"` or `"auto"`'),
            "finished size",
            None,
            '`"auto"`',
        ),
        "auto": Field(
            ListOf(Converted(_family_or_size, doc="family or size"), min_items=1, max_items=40, single=True),
            'for `size = "auto"`: families (`"iso-c"`, `"iso-b"`, `"iso-dl"`, `"us-a"`, `"us-number"`, '
            '`"us-booklet"`) or sizes; the smallest that holds the contents wins',
            ("iso-c",),
            '`["iso-c"]`',
        ),
        "params": Field(
            Table(values=_Raw(), name="style parameters"),
            "style parameters: see the style's table below, or `envelopekit styles --params`",
            None,
            "the style's",
        ),
        "stock": Field(STOCK, "paper stock of this envelope", None, "as `[stocks]`"),
        "front": Field(Tables("block"), _FACE.format("address side"), ()),
        "back": Field(
            Tables("block"), _FACE.format("closed envelope seen from behind (printed on the flaps)"), ()
        ),
        "inside": Field(Tables("block"), _FACE.format("inside (sheet side B)"), ()),
        "window": Field(
            _Window(),
            "a window cut in the front; the address block of the card inside (the carrier) must show "
            "through it, with `margin` to spare, wherever the card slides",
            None,
        ),
        "cards": Field(Tables("card"), "cards it holds, as `[[...cards]]`", ()),
        "envelopes": Field(Tables("envelope"), "envelopes it holds, as `[[...envelopes]]`", ()),
    },
    name="envelope",
)

CARD = Table(
    {
        "name": ENVELOPE.fields["name"],
        "label": ENVELOPE.fields["label"],
        "size": Field(
            Converted(
                lambda s: _sized(lookup(s, kind="card")),
                doc='a catalog name (`"A6"`, `"Postcard"`) or `"WxHmm"`',
            ),
            "flat size",
            MISSING,
        ),
        "orientation": Field(
            Choice(("landscape", "portrait")), "which way it lies", None, "as the catalog gives it"
        ),
        "fold": Field(Choice(("flat", "half", "tri")), "folds; the folded size is what must fit", "flat"),
        "stock": Field(STOCK, "paper stock of this card", None, "as `[stocks]`"),
        "front": Field(
            Tables("block"), _FACE.format("front; `panel = 2` for a folded card's second panel"), ()
        ),
        "back": Field(Tables("block"), _FACE.format("back (sheet side B)"), ()),
    },
    name="card",
)


# --- style parameters and link presets: tables made from the registries --------------------------


class _Angle(Type):
    """Degrees: a number, or a string like "70deg"."""

    def __init__(self, lo: float, hi: float):
        self.number = Number(lo, hi)

    def describe(self) -> str:
        return f"angle, {self.number.lo:g} to {self.number.hi:g} degrees"

    def read(self, ctx: Ctx, value: Any, path: str) -> float:
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+(\.\d+)?\s*(deg)?\s*", value):
            value = float(value.strip().removesuffix("deg"))
        return float(self.number.read(ctx, value, path))


@cache
def style_table(style: str) -> Table:
    """The parameters of a net style, typed from its parameter dataclass."""
    from .nets import load_styles

    params_type = load_styles()[style].params_type
    fields: dict[str, Field] = {}
    for f in dataclasses.fields(params_type):
        meta = f.metadata
        length = meta.get("kind") == "length"
        lo = float(meta.get("lo") or 0.0)
        hi = float(meta["hi"]) if meta.get("hi") is not None else (1000.0 if length else 180.0)
        kind: Type = Length(lo * mm, hi * mm) if length else _Angle(lo, hi)
        fields[f.name] = Field(kind, str(meta.get("help", "")), f.default)
    return Table(fields, name=f"{style} parameters")


def _option_type(hint: Any) -> Type:
    """A layout type for a preset option, from its annotation."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if hint is bool:
        return Boolean()
    if typing.get_origin(hint) is typing.Literal:
        return Choice(tuple(str(a) for a in args))
    if hint is int or (args and all(a in (str, int) for a in args) and int in args):
        return _StrOrInt()
    return Text(max_len=2000, nonempty=True)


class _StrOrInt(Type):
    doc = "string or whole number"

    def read(self, ctx: Ctx, value: Any, path: str) -> str | int:
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() <= 64:
            return value
        return Text(max_len=100, nonempty=True).read(ctx, value, path)


UTM = Table(
    {
        "source": Field(Text(max_len=200, nonempty=True), "utm_source", MISSING),
        "campaign": Field(Text(max_len=200, nonempty=True), "utm_campaign", MISSING),
        "content": Field(Text(max_len=200, nonempty=True), "utm_content", None),
        "medium": Field(Text(max_len=200, nonempty=True), "utm_medium", "direct_mail"),
    },
    name="utm",
)
LINK = Table(
    {
        "preset": Field(Choice(tuple(PRESETS)), "survey tool; its options follow", "plain"),
        "token": Field(Choice(TOKEN_KINDS), '`"hmac"` (signed, deterministic) or `"random"`', "hmac"),
        "token_length": Field(
            Number(tokens.MIN_LENGTH, tokens.MAX_LENGTH, integer=True),
            "characters per token",
            None,
            "by kind",
        ),
        "utm": Field(UTM, "UTM tags: `source`, `campaign`, optional `content`, `medium`", None),
    },
    name="[links.NAME]",
)


@cache
def link_table(preset: str) -> Table:
    """The keys of a ``[links.NAME]`` table of ``preset``: the common ones and its options."""
    builder = PRESETS[preset]
    hints = typing.get_type_hints(builder)
    fields = dict(LINK.fields)
    for name, p in inspect.signature(builder).parameters.items():
        default = MISSING if p.default is inspect.Parameter.empty else p.default
        fields[name] = Field(_option_type(hints.get(name, str)), f"{preset} option", default)
    return Table(fields, name=f"{preset} link")


class _Link(Type):
    doc = "link table"

    def read(self, ctx: Ctx, value: Any, path: str) -> dict[str, Any]:
        from .links.presets import from_preset

        if not isinstance(value, Mapping):
            raise ctx.error("a link is a table with a preset and its options", path)
        preset = Choice(tuple(PRESETS)).read(ctx, value.get("preset", "plain"), join(path, "preset"))
        values = read_table(ctx, link_table(preset), value, path)
        length = values["token_length"]
        low = getattr(tokens, "MIN_SIGNED_LENGTH", tokens.MIN_LENGTH)
        if length is not None and values["token"] == "hmac" and length < low:
            raise ctx.error(
                f"token_length {length} is too short for a signed token",
                join(path, "token_length"),
                f"use {low} to {tokens.MAX_LENGTH}",
            )
        given = {k: values[k] for k in value}  # what the file says, checked; defaults stay the preset's
        if given.get("utm") is not None:
            given["utm"] = {k: v for k, v in given["utm"].items() if k in value["utm"]}
        options = {k: v for k, v in given.items() if k not in ("preset", "token", "token_length")}
        try:
            from_preset(preset, options)
        except EnvelopekitError as exc:
            raise ctx.error(exc.message, path, exc.hint) from None
        return given


TOP = Table(
    {
        "kit": Field(KIT, "the kit", MISSING),
        "defaults": Field(DEFAULTS, "defaults for the whole kit", None),
        "fields": Field(FIELDS, "record fields", None),
        "stocks": Field(STOCKS, "paper stocks", None),
        "sample": Field(SAMPLE, "the record built when no --data is given", None),
        "envelope": Field(
            Tables("envelope", max_items=1000), "the outer envelope: exactly one `[[envelope]]`", ()
        ),
        "links": Field(Table(values=_Link(), max_keys=20, name="[links]"), "survey links by name", None),
        "postal": Field(POSTAL, "postal rules for the outer envelope", None),
    },
    name="layout",
)


# --- the reference, written from the tables --------------------------------------------------------

BEGIN, END = "<!-- reference: begin -->", "<!-- reference: end -->"
"""The markers around the generated part of layouts/README.md."""


def reference() -> str:
    """The key reference of ``layouts/README.md``: every table, block type, style and preset."""
    from .layout_blocks import BLOCKS, COMMON
    from .nets import load_styles

    out = [BEGIN, "", "## Reference", ""]
    out += ["Written from the schema (`envelopekit/layout_tables.py`); a test keeps the two in step.", ""]
    tables = (("[kit]", KIT), ("[defaults]", DEFAULTS), ("[fields]", FIELDS), ("[stocks]", STOCKS))
    for name, table in (*tables, ("[postal]", POSTAL)):
        out += [f"### `{name}`", "", markdown_table(table), ""]
    out += ["### `[sample]`", "", "Any field name = a string (or a number): the sample record.", ""]
    out += ["### `[[envelope]]`", "", markdown_table(ENVELOPE), ""]
    out += ["### `window` (of an envelope)", "", markdown_table(WINDOW), ""]
    out += ["### Cards (`[[...cards]]`)", "", markdown_table(CARD), ""]
    out += ["### Blocks: keys of every type", "", markdown_table(Table(COMMON)), ""]
    for kind, block in BLOCKS.items():
        out += [f"### Block `{kind}`", "", block.doc[0].upper() + block.doc[1:] + ".", ""]
        out += [markdown_table(block.table), ""]
    for style in sorted(load_styles()):
        out += [f"### Style `{style}`: `params`", "", markdown_table(style_table(style)), ""]
    out += ["### `[links.NAME]`", "", markdown_table(LINK), ""]
    out += ["`utm` holds:", "", markdown_table(UTM), ""]
    for preset in PRESETS:
        own = Table({k: f for k, f in link_table(preset).fields.items() if k not in LINK.fields})
        out += [f"### Preset `{preset}`: options", "", markdown_table(own), ""]
    return "\n".join([*out, END])


def params_text() -> str:
    """Every net style's parameters, for ``envelopekit styles --params``."""
    from .nets import load_styles

    styles = load_styles()
    out: list[str] = []
    for name in sorted(styles):
        out.append(f"{name}: {styles[name].summary}")
        for key, f in style_table(name).fields.items():
            default = default_text(f).strip("`").strip('"')
            out.append(f"  {key:<15} {f.type.describe():<30} default {default:<7} {f.doc}")
    return "\n".join(out)
