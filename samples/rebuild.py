#!/usr/bin/env python3
"""Rebuild everything in samples/ from the code, so the README's pictures never drift.

    python samples/rebuild.py

Writes samples/nets/ (every style at C6 and #10, PDF + PNG) and samples/help-me/
(the help-me kit for samples/recipients.csv: a PDF per paper stock, manifest, job
ticket and job sheet, previews of the first kit's pages from each stock's file, a
contact sheet, and in mockups/ the folded envelopes and cards of two recipients).
Then builds every other bundled layout from its sample records file (SAMPLE_RECORDS)
into a temporary folder, to show they still fit together (a file per stock, as the
manifest names them); nothing of that is kept.
Needs the test extras (pypdfium2) for the PNGs.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from envelopekit.catalog import lookup  # noqa: E402
from envelopekit.kit import KitSpec  # noqa: E402
from envelopekit.nets import build_net, load_styles  # noqa: E402
from envelopekit.render.pdf import net_pdf  # noqa: E402

SAMPLE_RECORDS = {
    "help-me": "recipients.csv",
    "wedding": "wedding.csv",
    "onboarding": "onboarding.csv",
    "window-letter": "window-letter.csv",
}
"""Bundled layout (layouts/NAME.toml) -> its sample records file here (tests/test_samples.py checks both)."""


def render_png(pdf: Path, out: Path, *, page: int = 0, dpi: float = 60) -> Path:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        image = doc[page].render(scale=dpi / 72).to_pil()
    finally:
        doc.close()
    image.save(out, optimize=True)
    return out


def nets() -> None:
    out = HERE / "nets"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for style in sorted(load_styles()):
        for size_name in ("C6", "#10"):
            size = lookup(size_name, kind="envelope")
            net = build_net(style, size.width, size.height)
            slug = size_name.replace("#", "No")
            pdf = out / f"{style}-{slug}.pdf"
            pdf.write_bytes(net_pdf(net))
            render_png(pdf, out / f"{style}-{slug}.png", dpi=50)
            print(f"  {pdf.relative_to(ROOT)}")


def help_me() -> None:
    from envelopekit.batch import build
    from envelopekit.layouts import load_layout
    from envelopekit.records import read_records

    out = HERE / "help-me"
    shutil.rmtree(out, ignore_errors=True)
    spec = load_layout(ROOT / "layouts" / "help-me.toml")
    with read_records(HERE / SAMPLE_RECORDS["help-me"]) as records:
        result = build(spec, records, out, key_file=str(HERE / "demo-token.key"))
    shutil.rmtree(out / ".envelopekit")  # the build's own state (journal, lock): not a sample
    names = [f.name for f in result.files]
    print(f"  {result.built} kits, {result.pages} pages, {result.rejected} rejected: {', '.join(names)}")
    stocks = ["envelope-100", "text-120", "card-300"]
    if names != [f"kits-00001-{stock}.pdf" for stock in stocks]:  # a file per paper stock
        raise SystemExit(f"help-me: expected a file per stock ({', '.join(stocks)}), got {names}")
    pages = out / "pages"
    pages.mkdir()
    n = 0
    for name, first, last in kit_pages(out, "R0001"):  # the first kit, file by file
        for page in range(first, last + 1):
            n += 1
            render_png(out / name, pages / f"page-{n:02d}.png", page=page - 1, dpi=60)
    if n != result.pages // max(result.built, 1):
        raise SystemExit(
            f"help-me: the first kit has {n} pages in the manifest, not {result.pages // result.built}"
        )
    contact_sheet(sorted(pages.glob("page-*.png")), out / "preview.png")
    mockups(spec)


def kit_pages(out: Path, record_id: str) -> list[tuple[str, int, int]]:
    """(file, first page, last page) of a record's pieces, from the build's manifest: one
    range per file it is in (a file per stock), in the manifest's order."""
    import csv

    with open(out / "manifest.csv", encoding="utf-8", newline="") as f:
        (row,) = [r for r in csv.DictReader(f) if r["record_id"] == record_id]
    spans = []
    for name, pages in zip(row["file"].split(), row["pages"].split(), strict=True):
        first, _, last = pages.partition("-")
        spans.append((name, int(first), int(last or first)))
    return spans


def mockups(spec: KitSpec) -> None:
    """Folded mockups (and flat pages, and a contact sheet) of two recipients' kits."""
    from envelopekit.preview import write_previews
    from envelopekit.records import read_records

    out = HERE / "help-me" / "mockups"
    shutil.rmtree(out, ignore_errors=True)
    with read_records(HERE / SAMPLE_RECORDS["help-me"], id_field=spec.id_field) as records:
        result = write_previews(
            spec, records, out, ids=["R0001", "R0004"], key_file=str(HERE / "demo-token.key")
        )
    print(
        f"  {result.mockups} mockups of {', '.join(result.records)} in {result.seconds:.1f} s "
        f"({result.mockups_per_second:.1f}/s): {out.relative_to(ROOT)}/index.html"
    )
    kit_strip(out / "R0004", HERE / "help-me" / "kit.png")


def kit_strip(folder: Path, out: Path, *, height: int = 300) -> None:
    """The README's picture: one recipient's kit as they will hold it, in opening order."""
    from PIL import Image

    names = [
        "outer-front",
        "outer-back",
        "letter-front",
        "step1-front",
        "step1-back",
        "card1-front",
        "step2-front",
        "step2-back",
        "card2-front",
        "step3-front",
        "step3-back",
        "card3-front",
    ]
    tiles = []
    for name in names:
        im = Image.open(folder / f"{name}.png").convert("RGB")
        k = height / im.height if name.startswith(("outer", "letter")) else height * 0.7 / im.height
        tiles.append(im.resize((max(1, int(im.width * k)), max(1, int(im.height * k)))))
    columns = 6
    rows = [tiles[i : i + columns] for i in range(0, len(tiles), columns)]
    gap = 16
    width = max(sum(t.width for t in row) + gap * (len(row) + 1) for row in rows)
    sheet = Image.new("RGB", (width, len(rows) * (height + gap) + gap), (232, 232, 228))
    y = gap
    for row in rows:
        x = gap
        for t in row:
            sheet.paste(t, (x, y + (height - t.height) // 2))
            x += t.width + gap
        y += height + gap
    sheet.save(out, optimize=True)


def contact_sheet(images: list[Path], out: Path, *, columns: int = 4, width: int = 1400) -> None:
    from PIL import Image

    tiles = [Image.open(p).convert("RGB") for p in images]
    cell = width // columns
    scaled = []
    for t in tiles:
        k = cell / max(t.width, t.height)
        scaled.append(t.resize((max(1, int(t.width * k)), max(1, int(t.height * k)))))
    rows = (len(scaled) + columns - 1) // columns
    sheet = Image.new("RGB", (width, rows * cell), "white")
    for i, t in enumerate(scaled):
        x = (i % columns) * cell + (cell - t.width) // 2
        y = (i // columns) * cell + (cell - t.height) // 2
        sheet.paste(t, (x, y))
    sheet.save(out, optimize=True)


def other_layouts() -> None:
    """Build each other bundled layout from its sample file, through the command line, and discard it."""
    import tempfile

    from envelopekit.cli import main

    for layout, data in SAMPLE_RECORDS.items():
        if layout == "help-me":
            continue
        with tempfile.TemporaryDirectory() as tmp:
            argv = ["build", str(ROOT / "layouts" / f"{layout}.toml"), "--data", str(HERE / data)]
            code = main([*argv, "-o", tmp, "--key-file", str(HERE / "demo-token.key")])
            files = sorted(p.name for p in Path(tmp).glob("kits-*.pdf"))
        if code != 0:
            raise SystemExit(f"{layout} did not build from samples/{data} (exit {code})")
        if not files or "kits-00001.pdf" in files:
            raise SystemExit(f"{layout}: expected a file per stock, got {files}")
        print(f"  {layout}: {', '.join(files)}")


if __name__ == "__main__":
    print("nets:")
    nets()
    print("help-me:")
    help_me()
    print("other layouts, from their sample files (not kept):")
    other_layouts()
