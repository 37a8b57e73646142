#!/usr/bin/env python3
"""How well does imposition use paper? Sheets and utilisation for the help-me kit.

    python benchmarks/impose.py [--kits N] [--sheets SRA3,12x18in,A4,Letter]

For N kits of layouts/help-me.toml on each sheet, prints the sheets used and the
utilisation (trim area of the pieces / area of the sheets used) for:

- envelopekit's gang and cut-and-stack strategies;
- a plain grid: one piece per cell, cells as large as the largest piece with
  its bleed and a gutter for marks;
- pdfimpose's ``cards`` schema on single-up pages of each piece's trim plus
  bleed, one run per piece size (cards imposes pages of one size), into the same
  printable area (pdfimpose knows no gripper), when pdfimpose is installed. It
  is AGPL and never a dependency: ``pip install pdfimpose`` to include it; a
  "-" means it is not installed or made a sheet larger than the format;
- the area lower bound: total trim-plus-bleed area / printable area per sheet.

A piece too large for a sheet is reported, and that sheet's figures cover the
pieces that fit.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from envelopekit.catalog import lookup_sheet  # noqa: E402
from envelopekit.errors import ImposeError  # noqa: E402
from envelopekit.impose import ImposeOptions, Piece, plan, printable_area  # noqa: E402
from envelopekit.kit import resolve  # noqa: E402
from envelopekit.layouts import load_layout  # noqa: E402
from envelopekit.nets import STYLES  # noqa: E402
from envelopekit.units import mm  # noqa: E402

GUTTER = 5 * mm


def kit_pieces(kits: int) -> list[Piece]:
    kit = resolve(load_layout(ROOT / "layouts" / "help-me.toml"))
    pieces = []
    for r in range(kits):
        for kp in kit.pieces:
            outline = None
            rotations: tuple[float, ...] = (0.0, 90.0)
            if kp.net is not None:
                outline = kp.net.outline.flatten(0.5).translate(-kp.net.bbox.x0, -kp.net.bbox.y0)
                rotations = STYLES[kp.net.style].rotations
            pieces.append(
                Piece(
                    key=f"K{r:04d}/{kp.key}",
                    width=kp.width,
                    height=kp.height,
                    bleed=kit.spec.bleed,
                    rotations=rotations,
                    outline=outline,
                    record=r,
                    group=f"K{r:04d}",
                )
            )
    return pieces


def grid_sheets(pieces: list[Piece], sheet_name: str) -> int:
    """One piece per cell; cells sized for the largest piece (either orientation)."""
    sheet = lookup_sheet(sheet_name)
    area = printable_area(sheet, "bottom", None)
    pad = lambda p: (p.width + 2 * p.bleed + GUTTER, p.height + 2 * p.bleed + GUTTER)  # noqa: E731
    cw = max(max(pad(p)) for p in pieces)
    ch = max(min(pad(p)) for p in pieces)
    best = 0
    for w, h in ((cw, ch), (ch, cw)):
        best = max(best, int((area.width + GUTTER) // w) * int((area.height + GUTTER) // h))
    return math.ceil(len(pieces) / best) if best else 0


def pdfimpose_sheets(pieces: list[Piece], sheet_name: str, kits: int) -> int | None:
    """pdfimpose cards, run once per piece size on single-up pages of that size."""
    exe = shutil.which("pdfimpose")
    if exe is None:
        return None
    from reportlab.pdfgen.canvas import Canvas

    # The same printable area envelopekit packs into (sheet minus gripper and margins):
    # pdfimpose knows no gripper, so it gets the usable area as its "sheet".
    area = printable_area(lookup_sheet(sheet_name), "bottom", None)
    fmt = f"{area.width / mm:.1f}mmx{area.height / mm:.1f}mm"
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        by_size: dict[tuple[float, float], int] = {}
        for p in pieces:
            # The page carries the bleed and the gutter itself: pdfimpose's own margins
            # are added after it has chosen the grid, which can overflow the format.
            key = (round(p.width + 2 * p.bleed + GUTTER, 2), round(p.height + 2 * p.bleed + GUTTER, 2))
            by_size[key] = by_size.get(key, 0) + 1
        for i, ((w, h), n) in enumerate(sorted(by_size.items())):
            src = Path(tmp) / f"size{i}.pdf"
            back = Path(tmp) / f"back{i}.pdf"
            for path, count in ((src, n), (back, 1)):
                c = Canvas(str(path), pagesize=(w, h))
                for _ in range(count):
                    c.rect(1, 1, w - 2, h - 2)
                    c.showPage()
                c.save()
            out = Path(tmp) / f"out{i}.pdf"
            run = subprocess.run(
                [exe, "cards", "--format", fmt, "--back", str(back), "-o", str(out), str(src)],
                capture_output=True,
                text=True,
            )
            if run.returncode != 0 or not out.exists():
                return None
            from pypdf import PdfReader

            reader = PdfReader(str(out))
            box = reader.pages[0].mediabox
            got, room = sorted((float(box.width), float(box.height))), sorted((area.width, area.height))
            # pdfimpose's own mm conversion comes out about 0.4 % large: allow 0.5 %.
            if got[0] > room[0] * 1.005 or got[1] > room[1] * 1.005:
                return None  # it grew the sheet past the format: not comparable
            total += len(reader.pages) // 2  # fronts and their backs: count the sheets
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kits", type=int, default=10)
    ap.add_argument("--sheets", default="SRA3,12x18in,A4,Letter")
    a = ap.parse_args()
    all_pieces = kit_pieces(a.kits)
    print(f"help-me kit x {a.kits}: {len(all_pieces)} pieces\n")
    head = (
        f"{'sheet':<9} {'pieces':>6} {'gang':>5} {'c&s':>5} {'grid':>5} {'pdfimp':>6} {'bound':>5}"
        f"  {'util gang':>9} {'util grid':>9}  gang/bound"
    )
    print(head)
    print("-" * len(head))
    for name in a.sheets.split(","):
        sheet = lookup_sheet(name)
        area = printable_area(sheet, "bottom", None)
        fits = []
        skipped = set()
        for p in all_pieces:
            try:
                plan([p], sheet, ImposeOptions())
                fits.append(p)
            except ImposeError:
                skipped.add(p.key.split("/", 1)[1])
        gang = plan(fits, sheet, ImposeOptions(strategy="gang"))
        cs = plan(fits, sheet, ImposeOptions(strategy="cut-and-stack"))
        n_gang = sum(1 for s in gang if s.side == "A")
        n_cs = sum(1 for s in cs if s.side == "A")
        n_grid = grid_sheets(fits, name)
        n_pdfimpose = pdfimpose_sheets(fits, name, a.kits)
        padded = sum((p.width + 2 * p.bleed) * (p.height + 2 * p.bleed) for p in fits)
        bound = math.ceil(padded / area.area)
        trim = sum(p.width * p.height for p in fits)

        def util(n: int, trim: float = trim, sheet_area: float = sheet.width * sheet.height) -> float:
            return trim / (n * sheet_area) if n else 0.0

        print(
            f"{name:<9} {len(fits):>6} {n_gang:>5} {n_cs:>5} {n_grid:>5} "
            f"{n_pdfimpose if n_pdfimpose is not None else '-':>6} {bound:>5}  {util(n_gang):>9.1%} "
            f"{util(n_grid):>9.1%}  {n_gang / bound:.2f}x"
            + (f"   (too large: {', '.join(sorted(skipped))})" if skipped else "")
        )
    if shutil.which("pdfimpose") is None:
        print("\npdfimpose is not installed: `pip install pdfimpose` to compare with its cards schema")


if __name__ == "__main__":
    main()
