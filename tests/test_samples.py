"""Every bundled layout builds, through the command line, from its sample records file and
from its own ``[sample]`` record.

The sample files are what an operator copies to start a mailing, so a layout that
gains a field its sample file lacks (or a sample row a layout rejects) fails here.
Builds go through ``cli.main`` only: the command line is the stable interface.
"""

from __future__ import annotations

import ast
import csv
import tomllib
from pathlib import Path

import pytest
from conftest import LAYOUTS, SAMPLES, read_manifest

from envelopekit.cli import main

SAMPLE_RECORDS = {
    "help-me": "recipients.csv",
    "wedding": "wedding.csv",
    "onboarding": "onboarding.csv",
    "window-letter": "window-letter.csv",
}
"""Bundled layout -> its records file in samples/ (samples/rebuild.py keeps the same table)."""

KEY_FILE = SAMPLES / "demo-token.key"


def sample_rows(name: str) -> list[dict[str, str]]:
    with open(SAMPLES / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def sample_table(layout: str) -> dict[str, str]:
    with open(LAYOUTS / f"{layout}.toml", "rb") as f:
        table: dict[str, str] = tomllib.load(f)["sample"]
    return table


def build(layout: str, outdir: Path, *data: str) -> int:
    argv = ["build", str(LAYOUTS / f"{layout}.toml"), *data, "-o", str(outdir), "--key-file", str(KEY_FILE)]
    return main(argv)


def test_every_bundled_layout_has_a_sample_records_file() -> None:
    assert sorted(p.stem for p in LAYOUTS.glob("*.toml")) == sorted(SAMPLE_RECORDS)
    for name in SAMPLE_RECORDS.values():
        assert (SAMPLES / name).is_file(), name


def test_rebuild_script_knows_the_same_sample_files() -> None:
    """samples/rebuild.py is a script, not a module: read its table without running it."""
    tree = ast.parse((SAMPLES / "rebuild.py").read_text(encoding="utf-8"))
    tables = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and any(isinstance(t, ast.Name) and t.id == "SAMPLE_RECORDS" for t in _targets(node))
    ]
    assert len(tables) == 1 and tables[0] is not None
    assert ast.literal_eval(tables[0]) == SAMPLE_RECORDS


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


@pytest.mark.parametrize("layout", sorted(SAMPLE_RECORDS))
def test_sample_file_has_every_column_of_the_layouts_sample_record(layout: str) -> None:
    """The file an operator copies shows every field the layout's own sample fills in."""
    rows = sample_rows(SAMPLE_RECORDS[layout])
    assert set(sample_table(layout)) <= set(rows[0])
    assert len({r["id"] for r in rows}) == len(rows)


@pytest.mark.parametrize("layout", sorted(SAMPLE_RECORDS))
def test_layout_builds_from_its_sample_records_file(layout: str, tmp_path: Path) -> None:
    name = SAMPLE_RECORDS[layout]
    out = tmp_path / "out"
    assert build(layout, out, "--data", str(SAMPLES / name)) == 0
    manifest = read_manifest(out)
    assert [r["record_id"] for r in manifest] == [r["id"] for r in sample_rows(name)]
    assert {r["status"] for r in manifest} == {"built"}
    assert all(r["token"] and r["url"] for r in manifest)
    assert list(out.glob("kits-*.pdf"))


@pytest.mark.parametrize("layout", sorted(SAMPLE_RECORDS))
def test_layout_builds_from_its_own_sample_record(layout: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(layout, out) == 0
    (row,) = read_manifest(out)
    assert row["record_id"] == sample_table(layout)["id"]
    assert row["status"] == "built"
