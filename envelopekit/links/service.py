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
from ..errors import EnvelopekitError, RecordError
from ..kit import KitSpec, ResolvedKit
from ..tokens import (
    DEFAULT_LENGTH,
    DEFAULT_SIGNED_LENGTH,
    MAX_LENGTH,
    MIN_LENGTH,
    TokenIssuer,
    load_key,
    signed_parts,
)
from .presets import from_preset
from .template import PersonalDataError, UrlTemplate

__all__ = ["LinkFn", "LinkSpec", "Links", "campaign", "link_specs", "qr_blocks"]

LinkFn = Callable[[str, str, str], tuple[str, str]]
"""(link name, piece name, block name) -> (url, token) for one record."""


@dataclass(frozen=True, slots=True)
class LinkSpec:
    name: str
    template: UrlTemplate
    token: str  # "hmac" | "random"
    length: int


def _token_length(spec: KitSpec, where: str, token: str, length: object) -> int:
    """``token_length``: a whole number the token kind can carry (signed: a 40-bit MAC)."""
    if length is None:
        return DEFAULT_SIGNED_LENGTH if token == "hmac" else DEFAULT_LENGTH
    if isinstance(length, bool) or not isinstance(length, int):
        raise spec.error(f"token_length = {length!r} is not a whole number", where)
    try:
        if token == "hmac":
            signed_parts(length)
        elif not MIN_LENGTH <= length <= MAX_LENGTH:
            raise EnvelopekitError(f"token length {length} is outside {MIN_LENGTH}-{MAX_LENGTH}")
    except EnvelopekitError as exc:
        raise spec.error(exc.message, where, exc.hint) from None
    return length


def _link_spec(spec: KitSpec, name: str, raw: object) -> LinkSpec:
    where = f"links.{name}"
    if not isinstance(raw, Mapping):
        raise spec.error("a link is a table with a preset and its options", where)
    opts = dict(raw)
    preset = str(opts.pop("preset", "plain"))
    token = str(opts.pop("token", "hmac"))
    if token not in ("hmac", "random"):
        raise spec.error(f"token = {token!r} is not hmac or random", where)
    length = _token_length(spec, where, token, opts.pop("token_length", None))
    try:
        template = from_preset(preset, opts)
    except EnvelopekitError as exc:
        raise spec.error(exc.message, where, exc.hint) from None
    return LinkSpec(name, template, token, length)


def link_specs(spec: KitSpec) -> dict[str, LinkSpec]:
    """The checked ``[links]`` of a layout, by name (no key needed)."""
    return {name: _link_spec(spec, name, raw) for name, raw in spec.links.items()}


def campaign(spec: KitSpec) -> str:
    """The campaign signed tokens are bound to: the layout's ``job``, else its ``name``."""
    return spec.job or spec.name


class Links:
    """Survey links of a kit: the templates of ``[links]`` and the signing key."""

    def __init__(
        self,
        spec: KitSpec,
        *,
        key: bytes | None = None,
        key_file: str | None = None,
        id_field: str | None = None,
    ):
        self.specs: dict[str, LinkSpec] = link_specs(spec)
        self.key = key
        if self.needs_key and key is None:
            self.key = load_key(file=key_file) if key_file else load_key()
        self.campaign = campaign(spec)
        self.id_field = id_field or spec.id_field  # names the column in a personal-data rejection
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
            try:
                return self.specs[name].template.expand(values), tokens[name]
            except PersonalDataError as exc:
                raise self._personal(name, exc) from None

        return link

    def _personal(self, name: str, exc: PersonalDataError) -> RecordError:
        """A rejection of the record (not the batch) naming the column its id comes from."""
        field = self.id_field if exc.field in ("id", "record_id") else exc.field
        what = "the record id" if exc.field in ("id", "record_id") else f"{{{exc.field}}}"
        message = f"{what} looks like {exc.kind}; link {name!r} would put it in the URL ({{{exc.field}}})"
        hint = (
            f"identify records by a column that is not about the person (--id-field), or set "
            f"allow_personal = true in [links.{name}] if the ids are not personal data"
        )
        return RecordError(message, field=field, hint=hint)


def qr_blocks(kit: ResolvedKit) -> tuple[tuple[str, QRBlock], ...]:
    """(piece key, block) of every QR block of the kit, once each, in drawing order."""
    out: dict[tuple[str, str], QRBlock] = {}
    for piece in kit.pieces:
        for placed in piece.side_a + piece.side_b:
            if isinstance(placed.block, QRBlock):
                out.setdefault((piece.key, placed.block.name), placed.block)
    return tuple((k[0], b) for k, b in out.items())
