"""The chunk function: a run of records in, its PDFs' bytes and its manifest rows out
(a PDF per paper stock by default, one kit by kit with ``Job.group`` "record").

:func:`build_chunk` is pure: its result depends only on the :class:`Job` and the
:class:`Chunk` it is given, it touches no file, and both arguments pickle, so it
runs the same in this process, in a process pool or on a Dask worker. The runner
(:mod:`.runner`) reads the records, cuts the chunks, and writes what comes back.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..compose import PersonalKit, SideGroups, personalise, static_drawing
from ..content.address import AddressPolicy, address_policy, check_record, problems_text
from ..errors import RecordError, TokenError
from ..impose.adapter import Imposition, SheetFile, impose_files, stock_groups, where_placed
from ..kit import KitSpec, ResolvedKit, resolve
from ..links import Links, qr_blocks
from ..pages import SingleUpPlanner, sheet_pages
from ..records import FieldMap, Record
from ..verify_addresses import ADDRESS_COLUMN, address_column

if TYPE_CHECKING:
    from ..render.ops import QRStreams

__all__ = [
    "WARNINGS_COLUMN",
    "Chunk",
    "ChunkFile",
    "ChunkResult",
    "Job",
    "Reject",
    "build_chunk",
    "chunk_file_name",
    "required_fields",
    "sample_records",
]


WARNINGS_COLUMN = "warnings"
"""The manifest's column of what a built record printed despite (a faulty address)."""


@dataclass(frozen=True, slots=True)
class Job:
    """Everything a chunk needs besides its records. ``fingerprint`` names the job:
    workers keep one resolved kit per fingerprint."""

    spec: KitSpec
    fingerprint: str
    key: bytes | None = None
    proof: bool = False
    impose: Imposition | None = None
    dry_run: bool = False
    id_field: str | None = None  # the records' id column, named when an id may not go in a URL
    created: float | None = None  # the PDFs' CreationDate (seconds since 1970), the same for every chunk
    pdfx: str = "x1a"  # render.x4.MODES: PDF/X-1a:2003, PDF/X-4 (layers, record parts) or plain PDF
    output_profile: bytes | None = None  # the CMYK ICC profile embedded for PDF/X-4
    group: str = "stock"  # single-up: "stock" (a file per stock and sides) or "record" (kit by kit; proofs)
    preflight: str | None = None  # a preflight profile: each chunk's PDFs checked where they are made

    @property
    def stem(self) -> str:
        return "sheets" if self.impose is not None else "kits"


@dataclass(frozen=True, slots=True)
class Reject:
    """A record the runner rejected before the chunk (unreadable row, duplicate id,
    empty required field): carried through so the manifest keeps the records' order."""

    row: int | None
    record_id: str
    field: str
    reason: str


Item = Record | Reject


@dataclass(frozen=True, slots=True)
class Chunk:
    """Chunk ``index`` (1-based) of a batch: its items in input order, the first of
    them item number ``first`` (1-based) of the batch (imposed slugs number records so)."""

    index: int
    items: tuple[Item, ...]
    first: int = 1

    @property
    def digest(self) -> str:
        """SHA-256 of the chunk's input, for the journal: a resumed chunk is redone
        unless its records are exactly the ones it was built from, numbered alike."""
        h = hashlib.sha256(f"first {self.first}\n".encode() if self.first != 1 else b"")
        for item in self.items:
            if isinstance(item, Record):
                data: Any = ["r", item.row, item.id, sorted(item.fields.items())]
            else:
                data = ["x", item.row, item.record_id, item.field, item.reason]
            h.update(json.dumps(data, ensure_ascii=False).encode("utf-8"))
            h.update(b"\n")
        return h.hexdigest()


@dataclass(frozen=True, slots=True)
class ChunkFile:
    """One PDF a chunk made: its name, bytes, SHA-256, page and kit counts."""

    name: str
    data: bytes
    pages: int
    kits: int
    stock: str | None = None  # the one paper stock it holds (None: every stock of the kit)
    side: str | None = None  # duplex, simplex, front or back (sheetwise), None: pages as the kit has them

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What one chunk made: its PDFs (none when no record of it was built), its
    manifest rows in input order, its error rows, and counts."""

    index: int
    files: tuple[ChunkFile, ...]
    rows: tuple[dict[str, Any], ...]
    errors: tuple[dict[str, Any], ...]
    built: int
    digest: str = ""
    notes: tuple[str, ...] = ()  # preflight warnings, one line per file

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files)


def chunk_file_name(stem: str, index: int, group: str = "") -> str:
    """``kits-00001.pdf``, or with a stock group's name ``kits-00001-card-300.pdf``."""
    return f"{stem}-{index:05d}{'-' + group if group else ''}.pdf"


def required_fields(kit: ResolvedKit) -> tuple[str, ...]:
    """Record fields the layout requires or its templates use, in first-use order."""
    seen: dict[str, None] = dict.fromkeys(kit.spec.required)
    for piece in kit.pieces:
        for placed in piece.side_a + piece.side_b:
            for name in placed.block.fields:
                seen.setdefault(name, None)
    return tuple(seen)


def sample_records(spec: KitSpec) -> Iterator[Record]:
    """The layout's own sample record, for a build without records."""
    fields = FieldMap(spec.sample)
    yield Record(row=0, id=fields.get(spec.id_field, "SAMPLE"), fields=fields)


# --- the worker side ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    kit: ResolvedKit
    static: Mapping[str, SideGroups]  # compose.static_drawing(kit): drawn once per file
    links: Links | None


_CONTEXTS: dict[str, _Context] = {}


def _context(job: Job) -> _Context:
    """The resolved kit and link service of ``job``, made once per process."""
    ctx = _CONTEXTS.get(job.fingerprint)
    if ctx is None:
        kit = resolve(job.spec)
        # The runner always sends the key (resolved once, in the parent): a worker never
        # reads its own environment for one.
        links = Links(job.spec, key=job.key, id_field=job.id_field) if qr_blocks(kit) else None
        ctx = _Context(kit, static_drawing(kit), links)
        _CONTEXTS.clear()  # one job at a time per process: no unbounded cache
        _CONTEXTS[job.fingerprint] = ctx
        gc.freeze()  # the kit, fonts and forms live as long as the job: keep them out of GC passes
    return ctx


def _error_row(row: int | None, record_id: str, field_name: str | None, reason: str) -> dict[str, Any]:
    return {"row": row, "record_id": record_id, "field": field_name or "", "reason": reason}


def _personalise(
    ctx: _Context, record: Record, issuers: Mapping[str, Any] | None, *, codes: bool = True
) -> PersonalKit:
    link = ctx.links.for_record(record.id, issuers) if ctx.links is not None and codes else None
    return personalise(ctx.kit, record.fields, record_id=record.id, row=record.row, link=link, codes=codes)


def _checked(policy: AddressPolicy | None, item: Record) -> tuple[Record, str, str | None]:
    """The record with its address normalised (content.address), the problems found, and
    the field to reject it for (None: built, the problems only warned of)."""
    checked = check_record(policy, item.fields)
    if checked.fields is not item.fields:
        item = Record(item.row, item.id, FieldMap(checked.fields))
    rejected = policy is not None and policy.check == "reject" and checked.problems
    return item, problems_text(checked.problems), checked.problems[0].field if rejected else None


def _without_emoji(spec: KitSpec, item: Record) -> tuple[Record, str]:
    """With the layout's ``emoji = "drop"`` (the default), the record without the emoji no
    bundled font can draw, and a warning naming each field and character; with
    "reject", or for a value that is nothing but emoji, the record as it is (the glyph
    check rejects it, naming the field)."""
    if spec.emoji != "drop" or all(v.isascii() for v in item.fields.values()):
        return item, ""
    from ..content.text import drop_emoji, emoji_warning

    fields, warnings = dict(item.fields), []
    for name, value in item.fields.items():
        cleaned, dropped = drop_emoji(value)
        if dropped and cleaned.strip():  # a value of nothing but emoji is rejected, not emptied
            fields[name] = cleaned
            warnings.append(emoji_warning(name, dropped))
    if not warnings:
        return item, ""
    return Record(item.row, item.id, FieldMap(fields)), "; ".join(warnings)


def build_chunk(job: Job, chunk: Chunk) -> ChunkResult:
    """:func:`made_chunk`, preflighted with ``job.preflight`` (in the worker that made it):
    a PreflightError stops the batch before the chunk is kept; warnings become notes."""
    result = made_chunk(job, chunk)
    if job.preflight is None or not result.files:
        return result
    from ..preflight import check_files

    notes = tuple(
        preflight_note(report)
        for report in check_files(((f.name, f.data) for f in result.files), job.preflight)
    )
    return dataclasses.replace(result, notes=tuple(n for n in notes if n))


def preflight_note(report: Any) -> str:
    """One line for a file's preflight warnings ("" when it has none)."""
    if not report.warnings:
        return ""
    first = report.warnings[0]
    return (
        f"preflight: {report.file}: {len(report.warnings)} warning(s), first: page {first.page}: "
        f"{first.rule}: {first.what}"
    )


def made_chunk(job: Job, chunk: Chunk) -> ChunkResult:
    """Build one chunk: every record's kit into its PDFs (in memory: a file per stock
    and sides printed, or with ``job.group`` "record" and for proofs one file kit by
    kit), a manifest row per item, an error row per rejected one. Touches no file. With ``job.pdfx`` "x4"
    the die lines are drawn as marked content and each PDF then becomes PDF/X-4 with
    layers and a record part per record (render.x4); "none" makes plain PDFs."""
    if job.proof or job.pdfx == "x1a":  # proofs are never PDF/X and stay as they are
        return _build_chunk(job, chunk)
    from ..render.pdf import DIE_LAYERS
    from ..render.x4 import parts_from_rows, to_plain, to_x4

    token = DIE_LAYERS.set(job.pdfx == "x4")
    try:
        result = _build_chunk(job, chunk)
    finally:
        DIE_LAYERS.reset(token)
    files = []
    for f in result.files:
        if job.pdfx == "x4":
            assert job.output_profile is not None, "the runner reads the output profile"
            data = to_x4(f.data, job.output_profile, parts=parts_from_rows(result.rows, f.name))
        else:
            data = to_plain(f.data)
        files.append(dataclasses.replace(f, data=data))
    return dataclasses.replace(result, files=tuple(files))


def _build_chunk(job: Job, chunk: Chunk) -> ChunkResult:
    ctx = _context(job)
    issuers = ctx.links.session() if ctx.links is not None else None
    policy = address_policy(p.block for piece in ctx.kit.pieces for p in piece.side_a + piece.side_b)
    name = chunk_file_name(job.stem, chunk.index)
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    kits: list[tuple[dict[str, Any], PersonalKit]] = []
    numbers: list[int] = []  # each built record's number in the batch
    for number, item in enumerate(chunk.items, chunk.first):
        if isinstance(item, Reject):
            errors.append(_error_row(item.row, item.record_id, item.field, item.reason))
            rows.append({"record_id": item.record_id, "row": item.row, "status": "rejected"})
            continue
        item, dropped = _without_emoji(job.spec, item)
        item, warnings, address_field = _checked(policy, item)  # every faulty field at once
        warnings = "; ".join(w for w in (dropped, warnings) if w)
        try:
            personal = _personalise(ctx, item, issuers, codes=not job.dry_run)
        except (RecordError, TokenError) as exc:
            field_name = exc.field if isinstance(exc, RecordError) else None
            reason = exc.message + (f" ({exc.hint})" if exc.hint else "")
            if address_field is not None:
                field_name, reason = address_field, f"{warnings}; {reason}"
            errors.append(_error_row(item.row, item.id, field_name, reason))
            rows.append({"record_id": item.id, "row": item.row, "status": "rejected"})
            continue
        if address_field is not None:
            errors.append(_error_row(item.row, item.id, address_field, warnings))
            rows.append({"record_id": item.id, "row": item.row, "status": "rejected"})
            continue
        row: dict[str, Any] = {"record_id": item.id, "row": item.row, "status": "built", "file": name}
        if not job.dry_run:  # the address as printed, for verify (a digest, not the address)
            row[ADDRESS_COLUMN] = address_column(ctx.kit, item.fields)
        if warnings:
            row[WARNINGS_COLUMN] = warnings
        if personal.links:
            row["token"] = personal.links[0].token
            row["url"] = personal.links[0].url
            for qlink in personal.links:
                row[f"url_{qlink.block}"] = qlink.url
        rows.append(row)
        kits.append((row, personal))
        numbers.append(number)
    files: tuple[ChunkFile, ...] = ()
    if job.dry_run:
        for row, _ in kits:
            row["status"] = "valid"
            row.pop("file", None)
    elif kits:
        files = _render(job, ctx, kits, chunk.index, numbers)
    return ChunkResult(chunk.index, files, tuple(rows), tuple(errors), len(kits), chunk.digest)


def _render(
    job: Job,
    ctx: _Context,
    kits: Sequence[tuple[dict[str, Any], PersonalKit]],
    index: int,
    numbers: Sequence[int],
) -> tuple[ChunkFile, ...]:
    """The chunk's files (``numbers``: each kit's record number in the batch, for imposed
    slugs), and each row's ``file`` and ``pages`` (and, imposed, ``sheets`` and
    ``placements``): with several files, file names are space-separated and the other
    columns give one space-separated item per file, in the same order (pages "1-4 1-3";
    imposed, a file's pages and sheets comma-separated, its placements " | "-separated)."""
    made: list[tuple[ChunkFile, dict[str, tuple[str, str, str]]]] = []
    kit = ctx.kit
    qr: QRStreams = {}  # a symbol compressed once for all the chunk's files
    if job.impose is None:
        groups = stock_groups(kit) if job.group == "stock" and not job.proof else None
        for group in groups or (None,):
            name = chunk_file_name(job.stem, index, group.name if group else "")
            only = group.pieces if group else None
            data, pages, where = _single_up(job, ctx, kits, only, qr)
            stock = group.stock or None if group else None
            side = ("duplex" if group.two_sided else "simplex") if group else None
            made.append((ChunkFile(name, data, pages, len(kits), stock, side), where))
    else:
        for sheet_file in impose_files(kit, [p.record_id for _, p in kits], job.impose, numbers):
            name = chunk_file_name(job.stem, index, sheet_file.name)
            data, pages, where = _imposed(job, ctx, kits, sheet_file, qr)
            stock = sheet_file.group.stock or None
            made.append((ChunkFile(name, data, pages, len(kits), stock, sheet_file.side), where))
    for row, personal in kits:
        mine = [(f.name, w[personal.record_id]) for f, w in made if personal.record_id in w]
        row["file"] = " ".join(n for n, _ in mine)
        if len(mine) == 1:
            row["pages"], sheets, placements = mine[0][1]
        else:
            row["pages"] = " ".join(w[0].replace(" ", ",") for _, w in mine)
            sheets = " ".join(w[1].replace(" ", ",") or "-" for _, w in mine)
            placements = " | ".join(w[2] for _, w in mine)
        if job.impose is not None:
            row["sheets"], row["placements"] = sheets, placements
    return tuple(f for f, _ in made)


def _single_up(
    job: Job,
    ctx: _Context,
    kits: Sequence[tuple[dict[str, Any], PersonalKit]],
    only: Sequence[str] | None,
    qr: QRStreams,
) -> tuple[bytes, int, dict[str, tuple[str, str, str]]]:
    from ..render.painter import PagePainter

    buf = io.BytesIO()
    painter = PagePainter(buf, ctx.kit, ctx.static, proof=job.proof, created=job.created, qr_streams=qr)
    mockups = None
    if job.proof:  # a page of folded views per record, laid out before it is painted
        from ..render.proofs import proof_mockups

        mockups = proof_mockups(ctx.kit)
    planner = SingleUpPlanner(ctx.kit, proof=job.proof, only=only, mockups=job.proof)
    where: dict[str, tuple[str, str, str]] = {}
    for _, personal in kits:
        first = painter.pages + 1
        plans = planner.record(personal.record_id, first)
        laid = {personal.record_id: mockups(personal)} if mockups is not None else None
        n = painter.paint(plans, {personal.record_id: personal}, laid)
        where[personal.record_id] = (f"{first}-{first + n - 1}", "", "")
    painter.save()
    return buf.getvalue(), painter.pages, where


def _imposed(
    job: Job,
    ctx: _Context,
    kits: Sequence[tuple[dict[str, Any], PersonalKit]],
    sheet_file: SheetFile,
    qr: QRStreams,
) -> tuple[bytes, int, dict[str, tuple[str, str, str]]]:
    from ..render.painter import PagePainter

    buf = io.BytesIO()
    painter = PagePainter(buf, ctx.kit, ctx.static, proof=job.proof, created=job.created, qr_streams=qr)
    personal = {p.record_id: p for _, p in kits}
    plans = sheet_file.plans
    painter.paint(sheet_pages(plans, sheet_file.group.stock, proof=job.proof), personal)
    painter.save()
    where: dict[str, tuple[str, str, str]] = {}
    for record_id, w in where_placed(plans).items():
        where[record_id] = (
            " ".join(map(str, sorted(w.pages))),
            " ".join(map(str, w.sheets)),
            "; ".join(w.placements),
        )
    return buf.getvalue(), painter.pages, where
