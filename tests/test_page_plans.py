"""Page plans: every output page as data before it is painted (issue 10, section 1).

Golden text dumps of the plans of the three bundled layouts, single-up and on SRA3
(gang and cut-and-stack). After an intended change, regenerate them with
``ENVELOPEKIT_REGEN_GOLDEN=1 python -m pytest tests/test_page_plans.py`` and read the diff.
"""

from __future__ import annotations

import ast
import io
import os
from pathlib import Path

import pytest

from envelopekit.catalog import lookup_sheet
from envelopekit.impose.adapter import Imposition, impose_files
from envelopekit.kit import resolve
from envelopekit.layouts import load_layout
from envelopekit.pages import SingleUpPlanner, dump, sheet_pages
from envelopekit.units import mm

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = Path(__file__).resolve().parent.parent
IDS = ["R1", "R2", "R3"]
LAYOUTS = ["help-me", "onboarding", "wedding"]


def _plans_text(layout: str, mode: str) -> str:
    kit = resolve(load_layout(layout))
    if mode in ("single-up", "proof"):
        planner = SingleUpPlanner(kit, proof=mode == "proof", mockups=True)
        out, first = [], 1
        for rid in IDS:
            plans = planner.record(rid, first)
            out.append(dump(plans))
            first += len(plans)
        return "".join(out)
    imposition = Imposition(lookup_sheet("SRA3"), mode, "turn", date="2026-01-01")
    return "".join(
        f"== file {f.name} ({f.side})\n" + dump(sheet_pages(f.plans, f.group.stock))
        for f in impose_files(kit, IDS, imposition)
    )


@pytest.mark.parametrize("mode", ["single-up", "proof", "gang", "cut-and-stack"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_page_plans_match_their_golden_dump(layout: str, mode: str) -> None:
    text = _plans_text(layout, mode)
    path = GOLDEN / f"plans-{layout}-{mode}.txt"
    if os.environ.get("ENVELOPEKIT_REGEN_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with ENVELOPEKIT_REGEN_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} changed: regenerate and review the diff"


def test_plans_are_frozen_and_deterministic() -> None:
    assert _plans_text("wedding", "cut-and-stack") == _plans_text("wedding", "cut-and-stack")
    plan = SingleUpPlanner(resolve(load_layout("wedding"))).record("R1")[0]
    with pytest.raises(AttributeError):
        plan.side = "B"  # type: ignore[misc]


def test_the_renderer_paints_what_was_planned(demo_key: bytes) -> None:
    """Single-up: page count, sizes, boxes and slug text of the PDF are the plan's."""
    from pypdf import PdfReader

    from envelopekit.batch import render_kit

    kit = resolve(load_layout("wedding"))
    data = render_kit("wedding", key=demo_key)
    reader = PdfReader(io.BytesIO(data))
    spec = load_layout("wedding")
    record_id = spec.sample.get(spec.id_field, "SAMPLE")
    plans = SingleUpPlanner(kit).record(str(record_id))
    assert len(reader.pages) == len(plans)
    for page, plan in zip(reader.pages, plans, strict=True):
        trim = [float(v) for v in page.trimbox]
        assert all(abs(a - b) < 0.01 for a, b in zip(trim, plan.trim.as_tuple(), strict=True))
        assert abs(float(page.mediabox.width) - plan.media.width) < 0.01
        assert plan.slug is not None and plan.slug.text in page.extract_text()


def test_rendering_has_no_import_cycle_with_mockups() -> None:
    """render/pdf.py never imports render/mockup.py: mockups are made before painting."""
    tree = ast.parse((ROOT / "envelopekit" / "render" / "pdf.py").read_text(encoding="utf-8"))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level >= 1
    }
    assert "mockup" not in imported and "sheets" not in imported


def test_sheet_plans_name_stock_side_and_exact_records() -> None:
    kit = resolve(load_layout("help-me"))
    files = impose_files(kit, IDS, Imposition(lookup_sheet("SRA3"), "cut-and-stack", None))
    for f in files:
        for page in sheet_pages(f.plans, f.group.stock):
            assert page.stock == f.group.stock and page.kind == "sheet" and page.side == "A"
            assert set(page.records) == {p.record for p in page.placed}
            for placed in page.placed:
                assert placed.piece in f.group.pieces
            assert page.trim.width > 10 * mm


def test_imposed_slugs_number_records_as_the_batch_does() -> None:
    """A chunk's sheets name its records by their numbers in the whole batch (1-based):
    record 501 is not "record 1" because it starts the second file."""
    kit = resolve(load_layout("wedding"))
    imposition = Imposition(lookup_sheet("SRA3"), "cut-and-stack", "turn", date="2026-01-01")
    files = impose_files(kit, IDS, imposition, numbers=[501, 502, 504])
    slugs = [p.slug.text for f in files for p in f.plans if p.slug is not None]
    assert slugs and all("record 50" in s or "records 50" in s for s in slugs), slugs[:3]
    assert not any("record 1 " in s or "record 1\u00a0" in s for s in slugs)
    with pytest.raises(ValueError, match="increasing"):
        impose_files(kit, IDS, imposition, numbers=[3, 2, 1])


def test_a_stack_with_a_missing_record_never_prints_a_range_across_it() -> None:
    kit = resolve(load_layout("wedding"))
    imposition = Imposition(lookup_sheet("SRA3"), "cut-and-stack", "turn", date="2026-01-01")
    files = impose_files(kit, IDS, imposition, numbers=[501, 502, 504])
    slugs = {p.slug.text for f in files for p in f.plans if p.slug is not None}
    assert not any("501-504" in s for s in slugs), sorted(slugs)
    assert any("stacks 1: 501-502, 504" in s for s in slugs), sorted(slugs)
