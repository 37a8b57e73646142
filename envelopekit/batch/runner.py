"""The batch runner: records in, chunks out to an executor, results written in order.

It validates what needs the whole batch (columns, duplicate ids, empty required
fields) as the records stream past, cuts chunks of ``chunk`` records, hands them to
an executor (:mod:`.executors`), and writes each result, in chunk order, through the
output folder's transaction (:mod:`.folder`). Memory stays flat: only the chunks in
flight, the record ids seen and the tokens issued are held.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content.imb import SerialLedger
from ..errors import EnvelopekitError
from ..impose.adapter import Imposition
from ..kit import KitSpec, ResolvedKit
from ..records import Record, Rejected
from .chunk import Chunk, ChunkResult, Job, preflight_note, required_fields, sample_records
from .executors import Executor, SerialExecutor
from .folder import BuildError, Journal, Transaction
from .inputs import columns, fingerprint, prepare, signing_key
from .stream import chunked, validated

__all__ = ["GROUPS", "BuildResult", "Progress", "build", "resolve_group"]

SHOWN_ERRORS = 20  # errors kept in memory for the caller to show; errors.csv has them all


@dataclass(frozen=True, slots=True)
class Progress:
    """What a progress callback is told after each chunk (and once at the start)."""

    records: int  # records done (built or rejected)
    total: int | None  # records in the batch, when known
    built: int
    rejected: int
    chunks: int
    elapsed: float  # seconds since the build started
    file: str | None = None  # the files just written, comma-separated


@dataclass(slots=True)
class BuildResult:
    outdir: Path
    files: list[Path] = field(default_factory=list)
    built: int = 0
    rejected: int = 0
    pages: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first few; errors.csv has all
    summary: str = ""  # the resolved kit: sizes, thickness, weight
    notes: list[str] = field(default_factory=list)  # what the runner did that the user should know
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return 2 if self.rejected else 0


# --- the build ------------------------------------------------------------------------------

GROUPS = ("stock", "record")
"""How single-up pages go into files: a file per stock (and sides printed), or kit by kit."""


def resolve_group(group: str | None, *, proof: bool = False, impose: Imposition | None = None) -> str:
    """The grouping a build uses. By default print output is grouped by stock (a file per
    paper stock and sides printed in each chunk, as a press runs it) and a proof kit by kit
    (each record's pieces followed by its mockup page, for review on screen). Imposed
    sheets always hold one stock: ``group="record"`` with an imposition is refused, and so
    is ``group="stock"`` for a proof (its mockup page belongs to no one stock)."""
    if group is not None and group not in GROUPS:
        raise EnvelopekitError(f"group = {group!r}: choose stock or record")
    if impose is not None:
        if group == "record":
            raise EnvelopekitError(
                "group record is for single-up output: imposed sheets always hold one stock",
                hint="drop --group record, or --impose for kit-by-kit pages",
            )
        return "stock"
    if proof:
        if group == "stock":
            raise EnvelopekitError(
                "a proof is kit by kit (each record's pieces, then its mockup page): it cannot be "
                "grouped by stock",
                hint="drop --group stock for a proof, or --proof for print files by stock",
            )
        return "record"
    return group or "stock"


def build(
    spec: KitSpec,
    records: Iterable[Record | Rejected] | None,
    outdir: str | os.PathLike[str],
    *,
    chunk: int = 500,
    proof: bool = False,
    key: bytes | None = None,
    key_file: str | None = None,
    impose: Imposition | None = None,
    executor: Executor | None = None,
    resume: bool = False,
    dry_run: bool = False,
    progress: Callable[[Progress], None] | None = None,
    total: int | None = None,
    inputs: Iterable[Path] = (),
    sources: Mapping[str, str] | None = None,
    id_field: str | None = None,
    preflight: bool | str = False,
    pdfx: str = "x1a",
    output_profile: str | os.PathLike[str] | None = None,
    group: str | None = None,
) -> BuildResult:
    """Build every record's kit into ``outdir`` as a transaction (see :mod:`.folder`).

    ``executor`` defaults to this process. ``inputs`` are files the build reads (never
    overwritten); ``sources`` their digests for the resume check. ``progress`` is
    called after every chunk. ``preflight`` (True, or a profile name) checks each
    chunk's PDFs before they are kept: a failure stops the build (a previous build
    in the folder stays) with a PreflightError naming the file, page and rule.
    ``pdfx`` is "x1a" (PDF/X-1a:2003), "x4" (PDF/X-4 with ``output_profile`` embedded, the
    bundled CMYK profile by default; die-line layers and record parts) or "none" (plain PDF).
    ``group`` (single-up output): "stock" writes a file per paper stock and sides printed
    per chunk, "record" one file kit by kit; None (the default) is "stock" for print and
    "record" for a proof (see :func:`resolve_group`).
    """
    if chunk < 1:
        raise EnvelopekitError(f"chunk = {chunk}: a file holds at least one kit")
    if pdfx not in ("x1a", "x4", "none"):
        raise EnvelopekitError(f"pdfx = {pdfx!r}: choose x1a, x4 or none")
    group = resolve_group(group, proof=proof, impose=impose)
    profile: bytes | None = None
    if pdfx == "x4" and not proof and not dry_run:
        from ..render.x4 import read_profile

        profile = read_profile(output_profile)
    kit = prepare(spec, impose)
    out = Path(outdir)
    if dry_run:
        return _dry_run(
            spec,
            kit,
            records,
            out,
            chunk=chunk,
            progress=progress,
            total=total,
            inputs=inputs,
            id_field=id_field,
        )
    tx = Transaction(out, inputs=inputs)
    try:
        return _run(
            tx,
            spec,
            kit,
            records,
            chunk=chunk,
            proof=proof,
            key=key,
            key_file=key_file,
            impose=impose,
            executor=executor or SerialExecutor(),
            resume=resume,
            progress=progress,
            total=total,
            sources=dict(sources or {"records": "stream"}),
            id_field=id_field or spec.id_field,
            preflight=(("x4" if pdfx == "x4" else "x1a") if preflight is True else preflight) or None,
            pdfx=pdfx,
            output_profile=profile,
            group=group,
        )
    finally:
        tx.close()


def _run(
    tx: Transaction,
    spec: KitSpec,
    kit: ResolvedKit,
    records: Iterable[Record | Rejected] | None,
    *,
    chunk: int,
    proof: bool,
    key: bytes | None,
    key_file: str | None,
    impose: Imposition | None,
    executor: Executor,
    resume: bool,
    progress: Callable[[Progress], None] | None,
    total: int | None,
    sources: dict[str, str],
    id_field: str,
    preflight: str | None = None,
    pdfx: str = "x1a",
    output_profile: bytes | None = None,
    group: str = "stock",
) -> BuildResult:
    result = BuildResult(tx.out, summary=kit.summary(), notes=tx.notes)
    signing = signing_key(kit, key, key_file, tx.state, result.notes)
    options = {"chunk": chunk, "proof": proof, "impose": repr(impose)}
    if pdfx != "x1a":  # an X-1a build's fingerprint stays as before: older builds still resume
        options["pdfx"] = pdfx
        if output_profile is not None:
            options["output profile"] = hashlib.sha256(output_profile).hexdigest()
    if impose is None and group != "record":  # imposed sheets are by stock whatever it says
        options["group"] = group
    prints = fingerprint(spec, kit, signing, options, sources)
    journal = Journal(prints, columns(kit, impose is not None), chunk)
    kept = tx.begin(journal, resume=resume)
    if tx.journal is not None and tx.journal.state == "complete":
        return _report_kept(result, tx, kept)
    created = _created(tx)
    name = prints["layout"] + prints["options"] + prints["signing key"]
    job = Job(
        spec,
        name,
        signing,
        proof,
        impose,
        id_field=id_field,
        pdfx=pdfx,
        output_profile=output_profile,
        group=group,
        created=created,
        preflight=preflight,
    )
    started = time.monotonic()
    stream = records if records is not None else sample_records(spec)
    todo = chunked(validated(stream, spec, required_fields(kit), SerialLedger.of_kit(kit.pieces)), chunk)
    tokens: dict[str, str] = {}
    done = _skip_kept(todo, kept, tx, result, tokens, preflight)
    if progress is not None:
        progress(_progress(result, total, 0, started, None))  # the start: a bar can time from here
    try:
        for res in executor.run(job, done):
            _check_tokens(res, tokens)
            entry = {
                "index": res.index,
                "digest": res.digest,
                "files": [
                    {"file": f.name, "sha256": f.sha256, "pages": f.pages, "kits": f.kits}
                    | ({"stock": f.stock} if f.stock else {})
                    | ({"side": f.side} if f.side else {})
                    for f in res.files
                ],
                "built": res.built,
                "rejected": len(res.errors),
                "pages": res.pages,
            }
            result.notes.extend(res.notes)  # preflight warnings (the worker checked the files)
            tx.add_chunk(entry, {f.name: f.data for f in res.files}, res.rows, res.errors)
            _count(result, entry, res.errors)
            if progress is not None:
                written = ", ".join(f.name for f in res.files) or None  # a file per stock
                progress(_progress(result, total, res.index, started, written))
    except BaseException as exc:
        _interrupted(tx, kit, result, exc, impose=impose, proof=proof, group=group)
        raise
    _finish(tx, kit, result, impose, proof, group)
    return result


def _skip_kept(
    todo: Iterator[Chunk],
    kept: list[dict[str, Any]],
    tx: Transaction,
    result: BuildResult,
    tokens: dict[str, str],
    preflight: str | None = None,
) -> Iterator[Chunk]:
    """The chunks still to build: those a resume keeps are checked against the records
    (the same digest) and passed over, their tokens remembered, and with ``preflight``
    their files preflighted (the interrupted build may have run without it)."""
    by_index = {e["index"]: e for e in kept}
    for c in todo:
        entry = by_index.get(c.index)
        if entry is None:
            yield c
            continue
        if entry["digest"] != c.digest:
            raise BuildError(
                f"cannot resume: the records of chunk {c.index} differ from the interrupted build's",
                hint="resume with the same records, or build again without --resume",
            )
        if preflight:
            from ..preflight import check_files

            files = [(f["file"], (tx.workdir / f["file"]).read_bytes()) for f in entry.get("files", ())]
            result.notes += [n for n in map(preflight_note, check_files(files, preflight)) if n]
        _count(result, entry, ())
        _remember_tokens(tx.chunk_rows(entry["index"]), tokens)


def _check_tokens(res: ChunkResult, tokens: dict[str, str]) -> None:
    _remember_tokens(res.rows, tokens)


def _remember_tokens(rows: Iterable[Mapping[str, Any]], tokens: dict[str, str]) -> None:
    """Signed tokens of two records can coincide (rarely, and more so when short): a
    batch where they do is stopped, since the manifest could not tell them apart."""
    for row in rows:
        token = row.get("token")
        if not token:
            continue
        other = tokens.setdefault(token, row["record_id"])
        if other != row["record_id"]:
            raise EnvelopekitError(
                f"records {other!r} and {row['record_id']!r} got the same token {token}",
                hint="use a longer token_length in the layout's [links] table",
            )


def _count(result: BuildResult, entry: Mapping[str, Any], errors: Iterable[dict[str, Any]]) -> None:
    result.built += entry["built"]
    result.rejected += entry["rejected"]
    result.pages += entry["pages"]
    result.files += [result.outdir / f["file"] for f in entry.get("files", ())]
    for e in errors:
        if len(result.errors) < SHOWN_ERRORS:
            result.errors.append(e)


def _progress(
    result: BuildResult, total: int | None, chunks: int, started: float, file: str | None
) -> Progress:
    return Progress(
        result.built + result.rejected,
        total,
        result.built,
        result.rejected,
        chunks,
        time.monotonic() - started,
        file,
    )


def _interrupted(
    tx: Transaction, kit: ResolvedKit, result: BuildResult, exc: BaseException, **how: Any
) -> None:
    """Leave the journal and the job ticket saying where the build stopped, and tell the
    user how to go on (in the error's hint, or as a note on any other exception)."""
    if tx.journal is None:
        return
    tx.set_state("interrupted")
    _write_ticket(tx, kit, result, state="interrupted", **how)
    done = len(tx.journal.chunks or [])
    where = "the previous build is untouched; this one's " if tx.workdir != tx.out else ""
    kept = f"{where}{done} finished chunk(s) ({result.built} kits) are in {tx.workdir}"
    if isinstance(exc, EnvelopekitError):
        if done:
            message = f"{kept}, listed in its manifest.csv; fix the cause and build again (or --resume)"
        else:
            message = "no kit was built; fix the cause and build again"
            if where:
                message = "the previous build is untouched; " + message
        exc.hint = ((exc.hint + "; ") if exc.hint else "") + message
        return
    exc.add_note(
        f"{kept} with a manifest that lists exactly them; run the same command with --resume to finish"
    )


def _write_ticket(
    tx: Transaction,
    kit: ResolvedKit,
    result: BuildResult,
    *,
    state: str,
    impose: Imposition | None,
    proof: bool,
    group: str = "stock",
) -> list[dict[str, Any]]:
    from .._version import __version__
    from ..job import ticket_data, ticket_json

    assert tx.journal is not None
    files = [f for e in tx.journal.chunks or [] for f in e.get("files", ())]
    counts = {
        "records": result.built + result.rejected,
        "built": result.built,
        "rejected": result.rejected,
        "pages": result.pages,
    }
    imposition = None
    if impose is not None:
        imposition = {
            "sheet": impose.sheet.name,
            "strategy": impose.strategy,
            "duplex": impose.duplex,
            "stack_depth": impose.stack_depth,
            "date": impose.date,
        }
    ticket = ticket_data(
        kit,
        version=__version__,
        counts=counts,
        files=files,
        imposition=imposition,
        proof=proof,
        state=state,
        group=group,
    )
    tx.write_report("job.json", ticket_json(ticket))
    if state == "complete":  # the sheet for people: only for a build that is all there
        from ..render.jobsheet import job_sheet_pdf

        sheet = job_sheet_pdf(kit, ticket, created=_created(tx))  # dated like the PDFs
        tx.write_report_bytes("job-sheet.pdf", sheet)
    return files


def _finish(
    tx: Transaction, kit: ResolvedKit, result: BuildResult, impose: Imposition | None, proof: bool, group: str
) -> None:
    files = _write_ticket(tx, kit, result, state="complete", impose=impose, proof=proof, group=group)
    tx.commit()
    result.files = [tx.out / f["file"] for f in files]


def _created(tx: Transaction) -> float | None:
    """The job's time, for the PDFs' CreationDate: ``SOURCE_DATE_EPOCH``, else when this
    build first started, kept in the journal so that a resumed build writes the same bytes."""
    from ..render.pdfx import creation_time

    if os.environ.get("SOURCE_DATE_EPOCH", "").strip() or tx.journal is None:
        return creation_time()
    old = (tx.journal.extra or {}).get("created")
    if isinstance(old, int | float):
        return float(old)
    now = creation_time()
    tx.set_state(tx.journal.state, created=now)
    return now


def _report_kept(result: BuildResult, tx: Transaction, kept: list[dict[str, Any]]) -> BuildResult:
    for e in kept:
        result.built += e["built"]
        result.rejected += e["rejected"]
        result.pages += e["pages"]
        result.files += [tx.out / f["file"] for f in e.get("files", ())]
    return result


DRY_RUN_ERRORS = "dry-run-errors.csv"


def _dry_run(
    spec: KitSpec,
    kit: ResolvedKit,
    records: Iterable[Record | Rejected] | None,
    out: Path,
    *,
    chunk: int,
    progress: Callable[[Progress], None] | None,
    total: int | None,
    inputs: Iterable[Path],
    id_field: str | None,
) -> BuildResult:
    """Validate every record as a build would, draw nothing, and write only
    ``dry-run-errors.csv``: a build already in ``out`` stays as it is."""
    from ..files import write_atomic
    from ..manifest import write_csv
    from .chunk import build_chunk
    from .folder import ERROR_COLUMNS

    result = BuildResult(out, summary=kit.summary(), dry_run=True)
    key = b"dry-run-key-not-used-for-output!"
    job = Job(spec, "dry-run:" + repr(spec), key, dry_run=True, id_field=id_field or spec.id_field)
    stream = records if records is not None else sample_records(spec)
    started = time.monotonic()

    def errors() -> Iterator[dict[str, Any]]:
        for n, c in enumerate(
            chunked(validated(stream, spec, required_fields(kit), SerialLedger.of_kit(kit.pieces)), chunk), 1
        ):
            res = build_chunk(job, c)
            _count(
                result,
                {"built": res.built, "rejected": len(res.errors), "pages": 0},
                res.errors,
            )
            yield from res.errors
            if progress is not None:
                progress(_progress(result, total, n, started, None))

    for path in inputs:
        if path.resolve() == (out / DRY_RUN_ERRORS).resolve():
            raise BuildError(f"the input file {path} is the dry run's report", where=str(path))
    write_atomic(out / DRY_RUN_ERRORS, lambda f: write_csv(errors(), ERROR_COLUMNS, f), text=True)
    return result
