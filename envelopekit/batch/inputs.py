"""What a build reads besides its records, checked before any file is touched: the
layout (resolved, static content laid out, links probed, the sheet checked), the
signing key, and the fingerprint of all inputs that makes ``--resume`` safe."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..impose.adapter import Imposition, check_sheet
from ..kit import KitSpec, ResolvedKit, resolve
from ..links import Links, qr_blocks
from ..tokens import DEFAULT_KEY_ENV, load_key
from ..verify_addresses import ADDRESS_COLUMN
from .chunk import WARNINGS_COLUMN

__all__ = ["columns", "fingerprint", "prepare", "signing_key"]

DEMO_KEY_SHA256 = "6f9342f1c1bd9f69e052e296f524696e0c65d6f014b3eaeecfa9df1f358df347"
"""SHA-256 of samples/demo-token.key: a build signing with it is warned."""


def columns(kit: ResolvedKit, imposed: bool) -> list[str]:
    columns = ["record_id", "row", "status", "file", "pages"] + (["sheets", "placements"] if imposed else [])
    links = [f"url_{b.name}" for _, b in qr_blocks(kit)]
    return columns + (["token", "url", *links] if links else []) + [ADDRESS_COLUMN, WARNINGS_COLUMN]


def prepare(spec: KitSpec, impose: Imposition | None) -> ResolvedKit:
    """Everything about the layout that can fail, checked before any file is touched."""
    from ..compose import static_drawing

    kit = resolve(spec)
    static_drawing(kit)  # static content laid out now: a layout error stops the batch before any file
    _check_links(spec, kit)
    if impose is not None:
        check_sheet(kit, impose)
    return kit


def _check_links(spec: KitSpec, kit: ResolvedKit) -> None:
    """Every QR block names a defined link, and even the shortest URL its template can
    make fits the block at its minimum module size (or every record would be rejected)."""
    from ..compose import _qr_ops
    from ..errors import FitError

    blocks = qr_blocks(kit)
    if not blocks:
        return
    links = Links(spec, key=b"x" * 32)  # templates parsed and checked; no key needed for that
    for piece, block in blocks:
        where = spec.block_location(piece, block.name)
        link = links.specs.get(block.link)
        if link is None:
            raise spec.error(
                f"QR block {block.name!r} uses link {block.link!r}, which [links] does not define",
                where,
                "add a [links." + block.link + "] table",
            )
        values = {name: "" for name in link.template.fields}
        values.update(token="0" * link.length, block=block.name, kit=piece, campaign=links.campaign)
        try:
            _qr_ops(block, link.template.expand(values), f"{piece}.{block.name}")
        except FitError as exc:
            raise spec.error(f"every record would be rejected: {exc.message}", where, exc.hint) from None


def _folder_key(state: Path) -> tuple[bytes, str | None]:
    """The folder's own signing key, made on first use (mode 0600, never in a PDF)."""
    path = state / "token.key"
    if path.exists():
        return load_key(file=path), None
    state.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32) + "\n")
    return load_key(file=path), (
        f"made a new token signing key in {path} (keep it secret; `envelopekit token verify "
        f"--layout LAYOUT --key-file {path} TOKEN` checks tokens; pass --token-key-file to use your own)"
    )


def signing_key(
    kit: ResolvedKit, key: bytes | None, key_file: str | None, state: Path, notes: list[str]
) -> bytes | None:
    links = Links(kit.spec, key=b"x" * 32) if qr_blocks(kit) else None  # templates checked, no key read
    if links is None or not links.needs_key:
        return None
    if key is None and key_file:
        key = load_key(file=key_file)
    elif key is None and os.environ.get(DEFAULT_KEY_ENV, "").strip():
        key = load_key()
    elif key is None:
        key, note = _folder_key(state)
        if note:
            notes.append(note)
    if hashlib.sha256(key).hexdigest() == DEMO_KEY_SHA256:
        notes.append(
            "warning: signing with the public demo key: anyone can forge these tokens "
            "(fine for samples; for a real mailing drop --token-key-file and a key is made for you)"
        )
    return key


def fingerprint(
    spec: KitSpec, kit: ResolvedKit, key: bytes | None, options: Mapping[str, Any], sources: Mapping[str, str]
) -> dict[str, str]:
    """What makes a build's output what it is, one digest per part, so a refused
    resume can say which part changed."""
    from .._version import __version__
    from ..content.blocks import ImageBlock

    def digest(text: str | bytes) -> str:
        return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()[:20]

    assets = hashlib.sha256()
    for piece in kit.pieces:
        for placed in piece.side_a + piece.side_b:
            if isinstance(placed.block, ImageBlock):
                assets.update(Path(placed.block.path).read_bytes())
    out = {
        "layout": digest(repr(spec)),
        "layout assets": assets.hexdigest()[:20],
        "fonts": digest(os.environ.get("ENVELOPEKIT_FONTS", "")),
        "options": digest(repr(sorted(options.items()))),
        "envelopekit version": __version__,
        "signing key": digest(key) if key else "none",
    }
    out.update(sources)
    return out
