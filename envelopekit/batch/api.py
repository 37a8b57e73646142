"""The common calls on plain objects: a layout (path, bundled name or KitSpec) and
records (a file or any iterable of mappings) in, an output folder or PDF bytes out."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import RecordError
from ..kit import KitSpec
from ..records import FieldMap, Record, Rejected, clean_value, normalise_header, text_faults
from .executors import make_executor
from .folder import file_sha256
from .runner import BuildResult, Progress, build

__all__ = ["RecordsInput", "build_files", "records_from_mappings", "render_kit"]

RecordsInput = str | os.PathLike[str] | Iterable[Mapping[str, Any] | Record | Rejected] | None


def _spec(layout: str | os.PathLike[str] | KitSpec) -> KitSpec:
    from ..layouts import load_layout

    return layout if isinstance(layout, KitSpec) else load_layout(os.fspath(layout))


def _text(value: object, row: int, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | Decimal):
        return str(value).strip()
    raise RecordError(
        f"{key} is a {type(value).__name__}, not text or a number",
        row=row,
        field=key,
        hint="convert it to text",
    )


def records_from_mappings(
    items: Iterable[Mapping[str, Any] | Record | Rejected],
    *,
    id_field: str = "id",
    rename: Mapping[str, str] | None = None,
) -> Iterator[Record | Rejected]:
    """Records from dicts (or anything mapping names to values): names are matched like a
    file's headers ("First Name" is first_name); ``row`` is the 1-based position."""
    wanted = normalise_header(id_field)
    for row, item in enumerate(items, 1):
        if isinstance(item, Record | Rejected):
            yield item
            continue
        if not isinstance(item, Mapping):
            yield Rejected(row, "", None, f"record {row} is a {type(item).__name__}, not a mapping of fields")
            continue
        try:
            fields = {
                normalise_header(str(k), rename): clean_value(_text(v, row, str(k))) for k, v in item.items()
            }
        except RecordError as exc:
            yield Rejected(row, "", exc.field, exc.message, exc.hint)
            continue
        faults = text_faults(fields)
        if faults:
            field, _, hint = faults[0]
            yield Rejected(row, fields.get(wanted, ""), field, "; ".join(f[1] for f in faults), hint)
            continue
        record_id = fields.get(wanted, "")
        if not record_id:
            yield Rejected(row, "", wanted, f"the record has no {wanted}", f"give every record an {wanted!r}")
            continue
        yield Record(row, record_id, FieldMap._adopt(fields))


def build_files(
    layout: str | os.PathLike[str] | KitSpec,
    records: RecordsInput = None,
    output: str | os.PathLike[str] = "out",
    *,
    key_file: str | os.PathLike[str] | None = None,
    key: bytes | None = None,
    impose: Any = None,
    proof: bool = False,
    chunk: int = 500,
    workers: int | None = 1,
    executor: str = "pool",
    dask_scheduler: str | None = None,
    resume: bool = False,
    dry_run: bool = False,
    id_field: str | None = None,
    rename: Mapping[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Callable[[Progress], None] | None = None,
    preflight: bool | str = False,
    pdfx: str = "x1a",
    output_profile: str | os.PathLike[str] | None = None,
    group: str | None = None,
) -> BuildResult:
    """The common case in one call: a layout and records in, print-ready PDFs, a
    manifest, an errors report and a job ticket in ``output``.

    ``records`` is a records file (CSV, XLSX, JSON), any iterable of mappings, or None
    for the layout's sample record. ``workers`` processes build in parallel (None: all
    cores); ``executor="dask"`` runs on a Dask cluster (``dask_scheduler`` address, or a
    local one). ``rename`` maps source column names to the layout's field names.
    ``preflight`` (True, or a profile name: "x1a") checks every PDF before it is kept.
    ``group`` (single-up output): ``"stock"`` writes a file per paper stock (and sides
    printed) per chunk, ``kits-00001-card-300.pdf``; ``"record"`` kit by kit in one file,
    ``kits-00001.pdf``, for desktop printing. By default (None) print output is grouped by
    stock and a ``proof`` kit by kit (a mockup page follows each record's pieces); imposed
    sheets always hold one stock.
    ``pdfx``: "x1a" (PDF/X-1a:2003, the default), "x4" (PDF/X-4: ``output_profile`` or the
    bundled CMYK profile embedded, die lines on ISO 19593-1 layers, a PDF/VT part per
    record) or "none" (plain PDF for desktop printers).

    ``envelopekit.build("help-me", "people.csv", "out")``
    """
    from ..records import read_records

    spec = _spec(layout)
    ident = id_field or spec.id_field
    inputs: list[Path] = [Path(spec.source)] if os.path.isfile(spec.source) else []
    if key_file:
        inputs.append(Path(key_file))
    sources = {"records": "none (the layout's sample)"}
    stream: Any = None
    total = None
    if isinstance(records, str | os.PathLike):
        path = Path(records)
        opts = {"id_field": ident, "rename": rename, "encoding": encoding, "delimiter": delimiter}
        stream = read_records(path, **opts)  # type: ignore[arg-type]
        inputs.append(path)
        sources = {"records": file_sha256(path)[:20], "records options": repr(sorted(opts.items()))}
        total = _count(path, opts) if progress is not None else None
    elif records is not None:
        stream = records_from_mappings(records, id_field=ident, rename=rename)
        sources = {"records": "an iterable (checked chunk by chunk)"}
        total = len(records) if hasattr(records, "__len__") else None  # type: ignore[arg-type]
    runner = make_executor("serial" if dry_run else executor, workers=workers, address=dask_scheduler)
    try:
        return build(
            spec,
            stream,
            output,
            chunk=chunk,
            proof=proof,
            key=key,
            key_file=os.fspath(key_file) if key_file else None,
            impose=impose,
            executor=runner,
            resume=resume,
            dry_run=dry_run,
            progress=progress,
            total=total,
            inputs=inputs,
            sources=sources,
            id_field=ident,
            preflight=preflight,
            pdfx=pdfx,
            output_profile=output_profile,
            group=group,
        )
    finally:
        runner.close()
        if hasattr(stream, "close"):
            stream.close()


def _count(path: Path, opts: Mapping[str, Any]) -> int | None:
    """Records in a file, for a progress bar's total: one quick pass of the reader."""
    from ..errors import EnvelopekitError
    from ..records import read_records

    try:
        with read_records(path, **opts) as stream:
            return sum(1 for _ in stream)
    except EnvelopekitError:
        return None  # the build itself reports it


def render_kit(
    layout: str | os.PathLike[str] | KitSpec,
    record: Mapping[str, Any] | None = None,
    *,
    key: bytes | None = None,
    key_file: str | os.PathLike[str] | None = None,
    proof: bool = False,
    id_field: str | None = None,
) -> bytes:
    """One kit as PDF bytes, in memory: ``render_kit("help-me", {"id": "R1", ...})``.
    Without ``record``, the layout's sample record. Raises RecordError when the record
    cannot be built. Signed links need ``key``/``key_file`` (or $ENVELOPEKIT_TOKEN_KEY)."""
    from ..links import Links, qr_blocks
    from ..render.painter import single_up_pdf
    from .chunk import sample_records
    from .inputs import prepare

    spec = _spec(layout)
    kit = prepare(spec, None)
    if record is None:
        item: Record | Rejected = next(sample_records(spec))
    else:
        item = next(records_from_mappings([record], id_field=id_field or spec.id_field))
    if isinstance(item, Rejected):
        raise item.as_error()
    links = (
        Links(
            spec,
            key=key,
            key_file=os.fspath(key_file) if key_file else None,
            id_field=id_field or spec.id_field,
        )
        if qr_blocks(kit)
        else None
    )
    from ..compose import personalise, static_drawing

    link = links.for_record(item.id) if links is not None else None
    personal = personalise(kit, item.fields, record_id=item.id, row=item.row, link=link)
    mockups = None
    if proof:
        from ..render.proofs import proof_mockups

        mockups = proof_mockups(kit)
    return single_up_pdf(kit, static_drawing(kit), [personal], proof=proof, mockups=mockups)
