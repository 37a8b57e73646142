"""The link service of a kit: one token per record and link, one URL per QR block.

Batch builds and previews both use it. It holds no state across records beyond the
tokens it has issued in one :meth:`Links.session`, so a chunk of records built in any
process gets the same links as the same records built anywhere else (signed tokens
depend only on the key, the campaign and the record id).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..content.blocks import QRBlock
from ..errors import EnvelopekitError
from ..kit import KitSpec, ResolvedKit
from ..tokens import TokenIssuer, load_key
from .presets import from_preset
from .template import UrlTemplate

__all__ = ["LinkFn", "LinkSpec", "Links", "qr_blocks"]

LinkFn = Callable[[str, str, str], tuple[str, str]]
"""(link name, piece name, block name) -> (url, token) for one record."""


@dataclass(frozen=True, slots=True)
class LinkSpec:
    name: str
    template: UrlTemplate
    token: str  # "hmac" | "random"
    length: int


def _link_spec(spec: KitSpec, name: str, raw: object) -> LinkSpec:
    where = f"links.{name}"
    if not isinstance(raw, Mapping):
        raise spec.error("a link is a table with a preset and its options", where)
    opts = dict(raw)
    preset = str(opts.pop("preset", "plain"))
    token = str(opts.pop("token", "hmac"))
    length = opts.pop("token_length", 12)
    if token not in ("hmac", "random"):
        raise spec.error(f"token = {token!r} is not hmac or random", where)
    try:
        template = from_preset(preset, opts)
    except EnvelopekitError as exc:
        raise spec.error(exc.message, where, exc.hint) from None
    return LinkSpec(name, template, token, int(length))


class Links:
    """Survey links of a kit: the templates of ``[links]`` and the signing key."""

    def __init__(self, spec: KitSpec, *, key: bytes | None = None, key_file: str | None = None):
        self.specs: dict[str, LinkSpec] = {
            name: _link_spec(spec, name, raw) for name, raw in spec.links.items()
        }
        self.key = key
        if self.needs_key and key is None:
            self.key = load_key(file=key_file) if key_file else load_key()
        self.campaign = spec.job or spec.name
        self._issuers = self.session()

    @property
    def needs_key(self) -> bool:
        return any(s.token == "hmac" for s in self.specs.values())

    def session(self) -> dict[str, TokenIssuer]:
        """Fresh token issuers: one per link, remembering only what they issue."""
        return {
            name: TokenIssuer(s.length, key=self.key if s.token == "hmac" else None, campaign=self.campaign)
            for name, s in self.specs.items()
        }

    def for_record(self, record_id: str, issuers: Mapping[str, TokenIssuer] | None = None) -> LinkFn:
        """The link function of one record; tokens come from ``issuers`` (default: this
        object's own session, which refuses a record id seen twice)."""
        issuers = self._issuers if issuers is None else issuers
        tokens: dict[str, str] = {}

        def link(name: str, piece: str, block: str) -> tuple[str, str]:
            if name not in tokens:
                tokens[name] = issuers[name].issue(record_id)
            values = {
                "token": tokens[name],
                "record_id": record_id,
                "id": record_id,
                "block": block,
                "kit": piece,
                "campaign": self.campaign,
            }
            return self.specs[name].template.expand(values), tokens[name]

        return link


def qr_blocks(kit: ResolvedKit) -> tuple[tuple[str, QRBlock], ...]:
    """(piece key, block) of every QR block of the kit, once each, in drawing order."""
    out: dict[tuple[str, str], QRBlock] = {}
    for piece in kit.pieces:
        for placed in piece.side_a + piece.side_b:
            if isinstance(placed.block, QRBlock):
                out.setdefault((piece.key, placed.block.name), placed.block)
    return tuple((k[0], b) for k, b in out.items())
