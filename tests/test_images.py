"""Hostile image files in a layout: each is a clean LayoutError on the image's key and
line, never a crash, a hang or gigabytes of memory (crafted small files only)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from conftest import MINIMAL

from envelopekit.errors import LayoutError
from envelopekit.layouts import parse_layout

IMAGE_BLOCK = """
[[envelope.back]]
type = "image"
name = "logo"
box = ["20mm", "60mm", "30mm", "30mm"]
path = "logo.png"
"""


def _png(width: int, height: int, data: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _layout_with(tmp_path: Path, image: bytes) -> str:
    (tmp_path / "logo.png").write_bytes(image)
    text = MINIMAL.read_text(encoding="utf-8")
    head, sep, tail = text.partition("[[envelope.inside]]")
    return head + IMAGE_BLOCK.lstrip() + "\n" + sep + tail


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (_png(60_000, 60_000, zlib.compress(b"\x00" * 64)), "million pixels"),  # a bomb by its header
        (_png(64, 64, zlib.compress(b"\x00" * 10)), "cannot read image"),  # the header lies: data too short
        (_png(64, 64, b"not zlib at all"), "cannot read image"),
        (b"GIF89a but not really", "cannot read image"),
        (b"", "cannot read image"),
    ],
    ids=["bomb-by-header", "header-lies", "bad-zlib", "not-an-image", "empty"],
)
def test_a_hostile_image_is_a_layout_error_on_its_key(tmp_path: Path, image: bytes, message: str) -> None:
    text = _layout_with(tmp_path, image)
    with pytest.raises(LayoutError, match=message) as error:
        parse_layout(text, file="kit.toml", base=tmp_path)
    where = error.value.where or ""
    assert where.startswith("kit.toml:") and where.endswith("back[1].path")  # file, line and key


def test_an_image_outside_the_layout_folder_is_refused(tmp_path: Path) -> None:
    text = _layout_with(tmp_path, b"").replace('path = "logo.png"', 'path = "../../etc/passwd"')
    with pytest.raises(LayoutError, match="outside the layout's folder"):
        parse_layout(text, file="kit.toml", base=tmp_path)
