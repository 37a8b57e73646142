"""What a kit is made of, as given: envelopes, cards and letters, and the kit itself.

:class:`KitSpec` (from a layout file or built in code) says what goes in what;
:func:`envelopekit.kit.resolve` sizes, builds and checks it. Here too is the geometry
of a card as specified: its panels when folded (:func:`card_panels`) and the size that
must fit into an envelope (:func:`folded_size`). Pure data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from .catalog import Size, Stock
from .content.blocks import Block
from .errors import LayoutError
from .geometry import Rect
from .nets.window import WindowSpec
from .units import mm

__all__ = [
    "CARD_STOCK",
    "ENVELOPE_STOCK",
    "FOLD_IN_SHORTER",
    "FOLD_PANELS",
    "HAND",
    "MACHINE",
    "CardSpec",
    "EnvelopeSpec",
    "Fold",
    "KitSpec",
    "card_panels",
    "folded_size",
    "panel_lengths",
]

HAND = (6 * mm, 6 * mm)
"""Clearance per dimension for inserting by hand (PRINT.md: about 6 mm)."""
MACHINE = (15 * mm, 8 * mm)
"""Clearance for inserting machines: >= 15 mm wider and >= 8 mm taller."""

ENVELOPE_STOCK = Stock("envelope-100", 100, 0.12 * mm, "envelope")
CARD_STOCK = Stock("card-300", 300, 0.35 * mm, "card")

Fold = Literal["flat", "half", "tri"]
FOLD_PANELS = {"flat": 1, "half": 2, "tri": 3}
FOLD_IN_SHORTER = 2 * mm
"""A letter ("tri") fold's last panel tucks in first, inside the other two: it is this
much shorter than they are, so it clears the far fold and the letter folds flat."""


@dataclass(frozen=True, slots=True)
class CardSpec:
    """A card or letter: flat size, how it folds, content per side (blocks carry a panel)."""

    name: str
    width: float
    height: float
    fold: Fold = "flat"
    stock: Stock | None = None
    front: tuple[Block, ...] = ()
    back: tuple[Block, ...] = ()
    label: str = ""
    size_name: str = ""


@dataclass(frozen=True, slots=True)
class EnvelopeSpec:
    """One envelope level: its style, size (None = auto), faces and contents."""

    name: str
    style: str
    size: Size | None = None
    auto: tuple[str, ...] = ("iso-c",)  # families or catalog names to choose from
    params: tuple[tuple[str, str], ...] = ()
    front: tuple[Block, ...] = ()
    back: tuple[Block, ...] = ()
    inside: tuple[Block, ...] = ()
    contents: tuple[CardSpec | EnvelopeSpec, ...] = ()
    stock: Stock | None = None
    label: str = ""
    window: WindowSpec | None = None  # a window in the front, its carrier among the cards


@dataclass(frozen=True, slots=True)
class KitSpec:
    name: str
    outer: EnvelopeSpec
    title: str = ""
    job: str = ""
    source: str = "<code>"
    bleed: float = 3 * mm
    safe: float = 4 * mm
    clearance: tuple[float, float] = HAND
    envelope_stock: Stock = ENVELOPE_STOCK
    card_stock: Stock = CARD_STOCK
    sample: Mapping[str, str] = field(default_factory=dict)
    links: Mapping[str, object] = field(default_factory=dict)
    id_field: str = "id"
    required: tuple[str, ...] = ()  # record fields that must be present and non-empty
    warnings: tuple[str, ...] = ()  # what the layout loader noticed but let through
    output_condition: str = "FOGRA39"  # PDF/X output intent, a key of render.pdfx.CONDITIONS
    emoji: str = "drop"  # emoji in a record: "drop" (with a manifest warning) or "reject"
    locations: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)
    """"piece.face.block" (or "links.name") -> (key path in the layout file, line)."""

    def error(self, message: str, where: str, hint: str | None = None) -> LayoutError:
        """A LayoutError pointing at the file, line and key path of ``where``."""
        key, line = self.locations.get(where, (where, None))
        return LayoutError(message, file=self.source, line=line, key=key, hint=hint)

    def where(self, key: str) -> str | None:
        """ "file:line: key.path" of a ``locations`` key (a piece's name, a block's key)."""
        if key not in self.locations:
            return None
        path, line = self.locations[key]
        return f"{self.source}:{line}: {path}" if line else f"{self.source}: {path}"

    def block_location(self, piece: str, block: str) -> str:
        """The ``locations`` key of a block known by piece and name (its face unknown)."""
        return next(
            (k for k in self.locations if k.startswith(f"{piece}.") and k.endswith(f".{block}")),
            f"{piece}.{block}",
        )


# --- card geometry ------------------------------------------------------------------------


def folded_size(card: CardSpec) -> tuple[float, float]:
    """The size that must fit into an envelope: folds halve or third the long side (a
    letter fold's two outer panels, a little over a third, see FOLD_IN_SHORTER)."""
    longest = max(panel_lengths(card))
    if card.width >= card.height:
        return (longest, card.height)
    return (card.width, longest)


def panel_lengths(card: CardSpec) -> tuple[float, ...]:
    """The panels' lengths along the card's long side, in panel order."""
    n = FOLD_PANELS[card.fold]
    long = max(card.width, card.height)
    if card.fold == "tri":
        outer = (long + FOLD_IN_SHORTER) / 3
        return (outer, outer, long - 2 * outer)
    return (long / n,) * n


def card_panels(card: CardSpec) -> tuple[Rect, ...]:
    """Panels of a card side, left to right (landscape) or top to bottom (portrait); a
    letter fold's last panel (the one that tucks in) is FOLD_IN_SHORTER shorter."""
    edges = [0.0]
    for length in panel_lengths(card):
        edges.append(edges[-1] + length)
    edges[-1] = max(card.width, card.height)  # exactly the edge, whatever the rounding
    if card.width >= card.height:
        return tuple(Rect(a, 0, b, card.height) for a, b in pairwise(edges))
    return tuple(Rect(0, card.height - b, card.width, card.height - a) for a, b in pairwise(edges))
