"""Previews: see a few records' kits before printing a thousand.

For each chosen record, the kit is personalised and drawn by the same renderer as
a build (once as print pages, once as artwork alone for folding), rendered to
pixels and folded into mockups (render/mockup.py). :func:`preview_record` keeps it
all in memory; :func:`write_previews` writes, per record, ``<record>/page-NN.png``
(the flat print pages), ``<record>/<piece>-front.png`` and ``-back.png`` (plus
``-inside.png`` for a folded card) and an ``index.html`` contact sheet in opening
order, and a top ``index.html`` linking the records.
"""

from __future__ import annotations

import html
import math
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .batch.chunk import required_fields, sample_records
from .batch.stream import validated
from .compose import PersonalKit, personalise
from .errors import EnvelopekitError, LayoutError, RecordError, TokenError
from .files import write_bytes_atomic
from .kit import KitSpec, ResolvedKit, resolve
from .limits import PREVIEW_PIXELS
from .links import Links, qr_blocks
from .records import Record, Rejected
from .render.mockup import DEFAULT_DPI, Mockup, Raster, png_bytes, render_pages
from .render.proofs import record_mockups

__all__ = [
    "DEFAULT_COUNT",
    "PreviewResult",
    "RecordPreview",
    "check_dpi",
    "choose_records",
    "contact_sheet",
    "preview_record",
    "write_previews",
]

DEFAULT_COUNT = 3
"""Records previewed when none are named."""
MIN_DPI, MAX_DPI = 10.0, 1200.0
"""The resolutions a preview may use; the pixel budget (:data:`PREVIEW_PIXELS`) may allow less."""
SCREEN = 0.6
"""CSS pixels per point on the contact sheet: a C5 envelope shows about 390 pixels wide."""


@dataclass(frozen=True, slots=True)
class RecordPreview:
    """One record's kit as pictures: the flat print pages and the folded pieces."""

    record_id: str
    pages: tuple[Raster, ...]
    page_labels: tuple[str, ...]
    mockups: tuple[Mockup, ...]
    dpi: float


@dataclass(frozen=True, slots=True)
class PreviewResult:
    outdir: Path
    records: tuple[str, ...]  # previewed record ids, in order
    folders: tuple[Path, ...]
    files: tuple[Path, ...]
    rejected: tuple[tuple[str, str], ...]  # (record id, reason) for chosen records that cannot be drawn
    mockups: int
    seconds: float

    @property
    def mockups_per_second(self) -> float:
        return self.mockups / self.seconds if self.seconds > 0 else 0.0


# --- in memory ------------------------------------------------------------------------------


def check_dpi(dpi: object) -> float:
    """``dpi`` as a float when it is a finite resolution previews can use."""
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not math.isfinite(dpi):
        raise EnvelopekitError(f"dpi {dpi!r} is not a number", hint=f"the default is {DEFAULT_DPI:g}")
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise EnvelopekitError(
            f"dpi {dpi:g} is outside {MIN_DPI:g}-{MAX_DPI:g}", hint=f"the default is {DEFAULT_DPI:g}"
        )
    return float(dpi)


def _check_pixels(pdf: bytes, dpi: float, max_pixels: int | None) -> None:
    """Refuse before rendering when the kit's pages (all held at once, in colour) would
    take more pixels than the budget."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        points = sum(w * h for w, h in (doc.get_page_size(i) for i in range(len(doc))))
    finally:
        doc.close()
    pixels = points * (dpi / 72.0) ** 2
    limit = PREVIEW_PIXELS.get(max_pixels)
    if pixels > limit:
        most = 72.0 * math.sqrt(limit / points) if points else MAX_DPI
        raise PREVIEW_PIXELS.error(
            f"at {dpi:g} dpi one kit's pages take {pixels:,.0f} pixels (at most {most:.0f} dpi fits)",
            limit=limit,
        )


def preview_record(
    kit: ResolvedKit, personal: PersonalKit, *, dpi: float = DEFAULT_DPI, max_pixels: int | None = None
) -> RecordPreview:
    """Draw one record's kit, render its print pages and fold its artwork into mockups.

    Raises a :class:`~envelopekit.limits.LimitError` before rendering when the pages would
    take more than ``max_pixels`` (default :data:`~envelopekit.limits.PREVIEW_PIXELS`)."""
    from .compose import static_drawing
    from .pages import page_sides
    from .render.painter import single_up_pdf

    dpi = check_dpi(dpi)
    pdf = single_up_pdf(kit, static_drawing(kit), [personal])
    _check_pixels(pdf, dpi, max_pixels)
    pages = tuple(render_pages(pdf, dpi=dpi))
    labels = tuple(f"{piece.label}, side {'AB'[side]}" for piece, side in page_sides(kit))
    return RecordPreview(personal.record_id, pages, labels, record_mockups(kit, personal, dpi=dpi), dpi)


def choose_records(
    records: Iterable[Any], ids: Sequence[str] | None = None, *, count: int = DEFAULT_COUNT
) -> tuple[list[Record], list[tuple[str, str]]]:
    """The records to preview (the named ones in the order named, else the first ``count``
    valid ones) and (id, reason) for named ones the records file rejected. Stops reading
    as soon as it has them all."""
    wanted = list(dict.fromkeys(ids or ()))
    found: dict[str, Record] = {}
    rejected: dict[str, str] = {}
    chosen: list[Record] = []
    for item in records:
        if not isinstance(item, Record):  # records.Rejected, or the batch checks' Reject
            hint = getattr(item, "hint", None)
            if item.record_id in wanted and item.record_id not in found:
                rejected[item.record_id] = item.reason + (f" ({hint})" if hint else "")
            continue
        if wanted:
            if item.id in wanted and item.id not in found:
                found[item.id] = item
                rejected.pop(item.id, None)
            if len(found) == len(wanted):
                break
        else:
            chosen.append(item)
            if len(chosen) >= count:
                break
    if wanted:
        missing = [i for i in wanted if i not in found and i not in rejected]
        if missing:
            more = f" (nor {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise EnvelopekitError(
                f"no record has the id {missing[0]!r}{more}",
                hint="check the ids against the records' id column",
            )
        chosen = [found[i] for i in wanted if i in found]
    return chosen, list(rejected.items())


def _links(spec: KitSpec, kit: ResolvedKit, key: bytes | None, key_file: str | None) -> Links | None:
    blocks = qr_blocks(kit)
    if not blocks:
        return None
    links = Links(spec, key=key, key_file=key_file)
    for piece, block in blocks:
        if block.link not in links.specs:
            raise LayoutError(
                f"QR block {block.name!r} uses link {block.link!r}, not in [links]",
                file=spec.source,
                key=f"{piece}.{block.name}.link",
            )
    return links


# --- files ---------------------------------------------------------------------------------


def _folder_name(record_id: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", record_id).strip("._") or "record"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name.lower())
    return name


def contact_sheet(kit: ResolvedKit, preview: RecordPreview, *, title: str | None = None) -> str:
    """index.html for one record's folder: the pieces in opening order, then the flat pages.

    Image names are the ones :func:`write_previews` uses."""
    esc = html.escape
    heading = title or kit.spec.title or kit.spec.name
    k = 72.0 / preview.dpi * SCREEN  # image pixels -> CSS pixels

    def size(width: int, height: int, f: float = 1.0) -> str:
        return f'width="{round(width * k * f)}" height="{round(height * k * f)}"'

    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(heading)}: {esc(preview.record_id)}</title>",
        "<style>body{font-family:sans-serif;margin:2em;background:#6f8296;color:#fff}"
        "figure{display:inline-block;margin:0 1.5em 1.5em 0;vertical-align:top}"
        "figure img{display:block;margin-bottom:.3em;box-shadow:0 2px 6px rgba(0,0,0,.35)}"
        ".views{display:flex;gap:.8em;align-items:flex-start}"
        "figcaption{font-size:.9em}h2{margin-top:1.5em}</style></head><body>",
        f"<h1>{esc(heading)}</h1>",
        f"<p>Record <b>{esc(preview.record_id)}</b>: {len(preview.mockups)} pieces in the order they are "
        "opened, each as it looks closed (and a folded card opened), then the flat pages as printed.</p>",
        "<h2>Folded</h2>",
    ]
    for step, m in enumerate(preview.mockups, start=1):
        views = []
        for name, image in m.views():
            src = f"{m.key}-{name}.png"
            views.append(
                f'<div><img src="{esc(src)}" {size(image.width, image.height)} '
                f'alt="{esc(m.label)}, {name}"><small>{name}</small></div>'
            )
        out.append(
            f'<figure><div class="views">{"".join(views)}</div>'
            f"<figcaption>{step}. {esc(m.label)} <small>({esc(m.key)})</small></figcaption></figure>"
        )
    out.append("<h2>Flat pages</h2>")
    for n, (page, label) in enumerate(zip(preview.pages, preview.page_labels, strict=False), start=1):
        src = f"page-{n:02d}.png"
        out.append(
            f'<figure><a href="{src}"><img src="{src}" {size(page.image.width, page.image.height, 0.6)} '
            f'alt="{esc(label)}"></a>'
            f"<figcaption>p{n}: {esc(label)}</figcaption></figure>"
        )
    out.append("</body></html>\n")
    return "\n".join(out)


def _top_index(kit: ResolvedKit, folders: Sequence[tuple[str, str]]) -> str:
    esc = html.escape
    heading = kit.spec.title or kit.spec.name
    items = "".join(f'<li><a href="{esc(folder)}/index.html">{esc(rid)}</a></li>' for rid, folder in folders)
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(heading)}</title>'
        f"</head><body><h1>{esc(heading)}</h1><ul>{items}</ul></body></html>\n"
    )


def _inside(folder: Path, name: str) -> Path:
    """``folder / name``, refused unless it is a plain name in ``folder`` that is not a
    symlink: nothing a layout or a record says can make preview write elsewhere."""
    path = folder / name
    if Path(name).name != name or name in ("", ".", "..") or "\\" in name:
        raise EnvelopekitError(f"refusing to write {name!r}: not a plain file name", where=str(folder))
    if path.is_symlink():
        hint = "remove it and run again"
        raise EnvelopekitError("is a symbolic link: refusing to write through it", where=str(path), hint=hint)
    return path


def write_previews(
    spec: KitSpec,
    records: Iterable[Record | Rejected] | None,
    outdir: str | os.PathLike[str],
    *,
    ids: Sequence[str] | None = None,
    count: int = DEFAULT_COUNT,
    dpi: float = DEFAULT_DPI,
    key: bytes | None = None,
    key_file: str | None = None,
    max_pixels: int | None = None,
) -> PreviewResult:
    """Preview the records named by ``ids`` (default: the first ``count``) into ``outdir``.

    ``records`` None previews the layout's sample record. A chosen record that cannot be
    drawn is reported in ``rejected``; when none can, the first reason is raised.
    ``max_pixels`` bounds the pixels of one kit's pages (see :mod:`envelopekit.limits`).
    """
    start = time.perf_counter()
    dpi = check_dpi(dpi)
    PREVIEW_PIXELS.get(max_pixels)
    kit = resolve(spec)
    links = _links(spec, kit, key, key_file)
    stream: Iterable[Any] = records if records is not None else sample_records(spec)
    # What build would reject (empty required fields, duplicate ids) is not previewed either.
    stream = validated(stream, spec, required_fields(kit))
    chosen, rejected = choose_records(stream, ids, count=count)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    done: list[tuple[str, str]] = []
    folders: list[Path] = []
    files: list[Path] = []
    mockups = 0
    for record in chosen:
        try:
            link = links.for_record(record.id) if links else None
            personal = personalise(kit, record.fields, record_id=record.id, row=record.row, link=link)
        except (RecordError, TokenError) as exc:
            rejected.append((record.id, str(exc)))
            continue
        preview = preview_record(kit, personal, dpi=dpi, max_pixels=max_pixels)
        folder = _inside(out, _folder_name(record.id, taken))
        folder.mkdir(exist_ok=True)
        for n, page in enumerate(preview.pages, start=1):
            files.append(write_bytes_atomic(folder / f"page-{n:02d}.png", png_bytes(page.image)))
        for m in preview.mockups:
            for name, image in m.views():
                files.append(write_bytes_atomic(_inside(folder, f"{m.key}-{name}.png"), png_bytes(image)))
        files.append(write_bytes_atomic(folder / "index.html", contact_sheet(kit, preview).encode("utf-8")))
        mockups += len(preview.mockups)
        folders.append(folder)
        done.append((record.id, folder.name))
    if not done and rejected:
        raise EnvelopekitError(f"no record could be previewed: {rejected[0][0]}: {rejected[0][1]}")
    if done:
        files.append(write_bytes_atomic(out / "index.html", _top_index(kit, done).encode("utf-8")))
    seconds = time.perf_counter() - start
    return PreviewResult(
        out, tuple(r for r, _ in done), tuple(folders), tuple(files), tuple(rejected), mockups, seconds
    )
