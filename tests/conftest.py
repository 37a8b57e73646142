"""Shared fixtures: the demo signing key, paths, and kits built once per session.

Building the help-me kit for samples/recipients.csv takes about a second and a
half; tests that only read its output share one build (``help_me``) instead of
building again. Tests that need a build of their own use ``build_kit``.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# No per-example deadline anywhere: a deadline is a wall-clock assertion, and the
# machines running the tests are shared (speed is measured in benchmarks/).
settings.register_profile("envelopekit", deadline=None)
settings.load_profile("envelopekit")

# A build's PDFs carry the time it started unless SOURCE_DATE_EPOCH pins it: pin it, so
# that separate builds compare byte for byte (tests of the dates themselves unset it).
os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "samples"
RECIPIENTS = SAMPLES / "recipients.csv"
LAYOUTS = ROOT / "layouts"
MINIMAL = DATA / "minimal.toml"


@dataclass(frozen=True)
class Built:
    """A finished build: the result, its folder, the first PDF and the manifest rows.
    ``pdf`` is the one file of a kit-by-kit build (``group="record"``); a plain build has
    a file per stock (``result.files``; tests/kitpages.py finds a record's pieces)."""

    outdir: Path
    result: Any  # envelopekit.batch.BuildResult
    kit: Any  # envelopekit.kit.ResolvedKit
    manifest: list[dict[str, str]]

    @property
    def pdf(self) -> Path:
        return self.outdir / "kits-00001.pdf"

    def reader(self) -> Any:
        from pypdf import PdfReader

        return PdfReader(self.pdf)

    def row(self, record_id: str) -> dict[str, str]:
        (row,) = [r for r in self.manifest if r["record_id"] == record_id]
        return row

    def first_page(self, record_id: str) -> int:
        """0-based index of the record's first page (its outer envelope) in its file."""
        return int(self.row(record_id)["pages"].split("-")[0]) - 1


def read_manifest(outdir: Path) -> list[dict[str, str]]:
    with open(outdir / "manifest.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_errors(outdir: Path) -> list[dict[str, str]]:
    path = outdir / "errors.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_manifest_json(outdir: Path) -> Any:
    return json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_key() -> bytes:
    """The public demo signing key shipped in samples/ (never for a real mailing)."""
    return (SAMPLES / "demo-token.key").read_bytes().strip()


@pytest.fixture(scope="session")
def demo_key_file() -> Path:
    return SAMPLES / "demo-token.key"


def _build(spec: Any, records: Iterable[Any] | None, outdir: Path, key: bytes, **options: Any) -> Built:
    from envelopekit.batch import build
    from envelopekit.kit import resolve

    result = build(spec, records, outdir, key=key, **options)
    return Built(outdir, result, resolve(spec), read_manifest(outdir))


@pytest.fixture
def build_kit(tmp_path: Path, demo_key: bytes) -> Callable[..., Built]:
    """build_kit(spec_or_layout, records=None, name="out", **options) -> Built, in tmp_path."""
    from envelopekit.layouts import load_layout

    def run(spec: Any, records: Iterable[Any] | None = None, name: str = "out", **options: Any) -> Built:
        if isinstance(spec, str | Path):
            spec = load_layout(spec)
        return _build(spec, records, tmp_path / name, demo_key, **options)

    return run


@pytest.fixture(scope="session")
def help_me(tmp_path_factory: pytest.TempPathFactory, demo_key: bytes) -> Built:
    """The help-me kit for samples/recipients.csv, built once for the session, kit by kit
    (one file, kits-00001.pdf: tests read a record's pages in a row)."""
    from envelopekit.layouts import load_layout
    from envelopekit.records import read_records

    spec = load_layout("help-me")
    records = read_records(RECIPIENTS, id_field=spec.id_field)
    try:
        return _build(spec, records, tmp_path_factory.mktemp("help-me"), demo_key, group="record")
    finally:
        records.close()


@pytest.fixture(scope="session")
def minimal(tmp_path_factory: pytest.TempPathFactory, demo_key: bytes) -> Built:
    """tests/data/minimal.toml (a net with side B and a duplex card) for its sample record."""
    from envelopekit.layouts import load_layout

    return _build(load_layout(MINIMAL), None, tmp_path_factory.mktemp("minimal"), demo_key, group="record")
