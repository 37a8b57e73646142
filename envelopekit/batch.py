"""The batch runner: a layout and a stream of records in, an output folder out.

It writes ``kits-00001.pdf`` (and more files of ``chunk`` kits each), a
``manifest.csv``/``manifest.json`` with one row per record (status, file, pages,
token, link per QR block) and an ``errors.csv`` of the records that could not be
built. A bad record never stops the batch; every file is written to a temporary
name and renamed, so a crash never leaves a half-written file in place of a good
one.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from .catalog import Sheet
from .compose import PersonalKit, personalise
from .content.blocks import QRBlock
from .errors import EnvelopekitError, RecordError, TokenError
from .files import write_atomic, write_bytes_atomic
from .geometry import Point
from .kit import KitSpec, ResolvedKit, resolve
from .kit import Piece as KitPiece
from .links import UrlTemplate, from_preset
from .manifest import write_csv, write_json
from .records import FieldMap, Record, Rejected
from .tokens import TokenIssuer, load_key

__all__ = ["BuildResult", "Imposition", "Links", "build", "required_fields", "sample_records"]


@dataclass(frozen=True, slots=True)
class LinkSpec:
    name: str
    template: UrlTemplate
    token: str  # "hmac" | "random"
    length: int


class Links:
    """Survey links of a kit: one token per record and link, a URL per QR block."""

    def __init__(self, spec: KitSpec, *, key: bytes | None = None, key_file: str | None = None):
        self.specs: dict[str, LinkSpec] = {}
        needs_key = False
        for name, raw in spec.links.items():
            where = f"links.{name}"
            if not isinstance(raw, Mapping):
                raise spec.error("a link is a table with a preset and its options", where)
            opts = dict(raw)
            preset = str(opts.pop("preset", "plain"))
            token = str(opts.pop("token", "hmac"))
            length = opts.pop("token_length", 12)
            if token not in ("hmac", "random"):
                raise spec.error(f"token = {token!r} is not hmac or random", where)
            try:
                template = from_preset(preset, opts)
            except EnvelopekitError as exc:
                raise spec.error(exc.message, where, exc.hint) from None
            needs_key |= token == "hmac"
            self.specs[name] = LinkSpec(name, template, token, int(length))
        self.key = key
        if needs_key and key is None:
            self.key = load_key(file=key_file) if key_file else load_key()
        self.campaign = spec.job or spec.name
        self.issuers = {
            name: TokenIssuer(s.length, key=self.key if s.token == "hmac" else None, campaign=self.campaign)
            for name, s in self.specs.items()
        }

    def for_record(self, record_id: str) -> Callable[[str, str, str], tuple[str, str]]:
        tokens: dict[str, str] = {}

        def link(name: str, piece: str, block: str) -> tuple[str, str]:
            if name not in tokens:
                tokens[name] = self.issuers[name].issue(record_id)
            values = {
                "token": tokens[name],
                "record_id": record_id,
                "id": record_id,
                "block": block,
                "kit": piece,
                "campaign": self.campaign,
            }
            return self.specs[name].template.expand(values), tokens[name]

        return link


def required_fields(kit: ResolvedKit) -> tuple[str, ...]:
    """Record fields the layout requires or its templates use, in first-use order."""
    seen: dict[str, None] = dict.fromkeys(kit.spec.required)
    for piece in kit.pieces:
        for placed in piece.side_a + piece.side_b:
            for name in placed.block.fields:
                seen.setdefault(name, None)
    return tuple(seen)


def qr_blocks(kit: ResolvedKit) -> tuple[tuple[str, QRBlock], ...]:
    out: dict[tuple[str, str], QRBlock] = {}
    for piece in kit.pieces:
        for placed in piece.side_a + piece.side_b:
            if isinstance(placed.block, QRBlock):
                out.setdefault((piece.key, placed.block.name), placed.block)
    return tuple((k[0], b) for k, b in out.items())


def sample_records(spec: KitSpec) -> Iterator[Record]:
    """The layout's own sample record, for a build without --data."""
    fields = FieldMap(spec.sample)
    yield Record(row=0, id=fields.get(spec.id_field, "SAMPLE"), fields=fields)


@dataclass(frozen=True, slots=True)
class Imposition:
    """Imposed output: pieces of each chunk of kits planned onto press sheets."""

    sheet: Sheet
    strategy: str = "gang"
    duplex: str | None = None
    stack_depth: int | None = None
    date: str = ""


@dataclass(slots=True)
class BuildResult:
    outdir: Path
    files: list[Path] = field(default_factory=list)
    built: int = 0
    rejected: int = 0
    pages: int = 0
    manifest: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""  # the resolved kit: sizes, thickness, weight

    @property
    def exit_code(self) -> int:
        return 2 if self.rejected else 0


class _Chunk:
    """One output PDF being drawn; saved under its final name only when complete.

    Single-up kits are drawn as they come; imposed kits wait for the chunk to fill,
    since the planner packs the pieces of all of them together."""

    def __init__(self, kit: ResolvedKit, path: Path, proof: bool, impose: Imposition | None):
        from .render.sheets import SheetRenderer

        self.kit = kit
        self.path = path
        self.buf = io.BytesIO()
        self.renderer = SheetRenderer(self.buf, kit, proof=proof)
        self.impose = impose
        self.pending: list[tuple[dict[str, Any], PersonalKit]] = []
        self.kits = 0

    def add(self, row: dict[str, Any], personal: PersonalKit) -> None:
        self.kits += 1
        if self.impose is not None:
            self.pending.append((row, personal))
            return
        first = self.renderer.pages + 1
        n = self.renderer.kit_pages(personal, first_page=first)
        row["pages"] = f"{first}-{first + n - 1}"

    def save(self) -> None:
        if self.impose is not None:
            self._impose()
        self.renderer.save()
        data = self.buf.getvalue()
        write_bytes_atomic(self.path, data)

    def _impose(self) -> None:
        from .impose import ImposeOptions, Piece, plan

        assert self.impose is not None
        kit, imp = self.kit, self.impose
        pieces: list[Piece] = []
        lookup: dict[str, tuple[PersonalKit, KitPiece]] = {}
        for index, (_, personal) in enumerate(self.pending):
            for kp in kit.pieces:
                key = f"{personal.record_id}/{kp.key}"
                pieces.append(impose_piece(kp, key, kit.spec.bleed, record=index, group=personal.record_id))
                lookup[key] = (personal, kp)
        duplex = imp.duplex if imp.duplex else ("turn" if any(p.duplex for p in pieces) else None)
        options = ImposeOptions(
            strategy=imp.strategy,  # type: ignore[arg-type]
            duplex=duplex,  # type: ignore[arg-type]
            stack_depth=imp.stack_depth,
            job=kit.spec.job or kit.spec.name,
            date=imp.date,
            # Process inks only: a patch on CutContour would be cut out by the plotter.
            spot_inks=(),
        )
        if imp.strategy == "step-and-repeat":
            # One piece n-up: each piece of the kit gets its own run of sheets.
            groups: dict[str, list[Piece]] = {}
            for p in pieces:
                groups.setdefault(p.key.split("/", 1)[1], []).append(p)
            plans = tuple(
                sheet_plan
                for name, group in groups.items()
                for sheet_plan in plan(group, imp.sheet, replace(options, job=f"{options.job} {name}"))
            )
        else:
            plans = plan(pieces, imp.sheet, options)
        where: dict[str, list[str]] = {}
        sheets: dict[str, list[str]] = {}
        pages: dict[str, set[int]] = {}
        for sheet_plan in plans:
            self.renderer.sheet(sheet_plan, lookup)
            for pl in sheet_plan.placements:
                pages.setdefault(pl.key.split("/", 1)[0], set()).add(self.renderer.pages)
            if sheet_plan.side != "A":
                continue
            for pl in sheet_plan.placements:
                record_id, piece_key = pl.key.split("/", 1)
                stack = f"/stack {pl.stack}" if pl.stack is not None else ""
                where.setdefault(record_id, []).append(
                    f"{piece_key}@{sheet_plan.number}:{pl.position}{stack}"
                )
                ids = sheets.setdefault(record_id, [])
                if str(sheet_plan.number) not in ids:
                    ids.append(str(sheet_plan.number))
        for row, personal in self.pending:
            row["sheets"] = " ".join(sheets.get(personal.record_id, []))
            row["pages"] = " ".join(map(str, sorted(pages.get(personal.record_id, ()))))
            row["placements"] = "; ".join(where.get(personal.record_id, []))


def build(
    spec: KitSpec,
    records: Iterable[Record | Rejected] | None,
    outdir: str | Path,
    *,
    chunk: int = 500,
    proof: bool = False,
    key: bytes | None = None,
    key_file: str | None = None,
    progress: TextIO | None = None,
    impose: Imposition | None = None,
) -> BuildResult:
    """Build every record's kit into ``outdir``; see the module docstring for the files."""
    kit = resolve(spec)
    from .compose import static_drawing

    static_drawing(kit)  # lay out static content now: a layout error stops the batch before any file
    blocks = qr_blocks(kit)
    links = Links(spec, key=key, key_file=key_file) if blocks else None
    for piece, block in blocks:
        if links is None or block.link not in links.specs:
            where = spec.block_location(piece, block.name)
            raise spec.error(
                f"QR block {block.name!r} uses link {block.link!r}, which [links] does not define",
                where,
                "add a [links." + block.link + "] table",
            )
    if links is not None:
        _probe_links(spec, kit, links, blocks)
    needed = required_fields(kit)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    result = BuildResult(out, summary=kit.summary())
    stream: Iterable[Record | Rejected] = records if records is not None else sample_records(spec)
    current: _Chunk | None = None
    checked_columns = False
    seen_ids: dict[str, int | None] = {}
    link_columns = [f"url_{b.name}" for _, b in blocks]
    if impose is not None:
        _check_sheet(kit, impose)
    try:
        for item in stream:
            if isinstance(item, Rejected):
                reason = item.reason + (f" ({item.hint})" if item.hint else "")
                _reject(result, item.row, item.record_id, item.field, reason)
                continue
            if not checked_columns:
                missing = [f for f in needed if f not in item.fields]
                if missing:
                    have = ", ".join(sorted(item.fields)) or "none"
                    names = ", ".join(repr(f) for f in missing)
                    raise RecordError(
                        f"the records have no column {names}, which the layout uses",
                        row=1,
                        field=missing[0],
                        hint=f"columns found: {have}; rename or add them",
                    )
                checked_columns = True
            if item.id in seen_ids:
                _reject(
                    result,
                    item.row,
                    item.id,
                    spec.id_field,
                    f"record id {item.id!r} appears twice (first at line {seen_ids[item.id]})",
                )
                continue
            seen_ids[item.id] = item.row
            empty = next((f for f in spec.required if not (item.fields.get(f) or "").strip()), None)
            if empty is not None:
                _reject(result, item.row, item.id, empty, f"{empty} is empty, and the layout requires it")
                continue
            try:
                link = links.for_record(item.id) if links else None
                personal = personalise(kit, item.fields, record_id=item.id, row=item.row, link=link)
            except (RecordError, TokenError) as exc:
                field_name = exc.field if isinstance(exc, RecordError) else None
                _reject(
                    result,
                    item.row,
                    item.id,
                    field_name,
                    exc.message + (f" ({exc.hint})" if exc.hint else ""),
                )
                continue
            if current is None:
                stem = "sheets" if impose else "kits"
                current = _Chunk(kit, out / f"{stem}-{len(result.files) + 1:05d}.pdf", proof, impose)
                result.files.append(current.path)
            row: dict[str, Any] = {
                "record_id": item.id,
                "row": item.row,
                "status": "built",
                "file": current.path.name,
            }
            pages_before = current.renderer.pages
            current.add(row, personal)
            if personal.links:
                row["token"] = personal.links[0].token
                row["url"] = personal.links[0].url
                for qlink in personal.links:
                    row[f"url_{qlink.block}"] = qlink.url
            result.manifest.append(row)
            result.built += 1
            result.pages += current.renderer.pages - pages_before
            if current.kits >= chunk:
                before = current.renderer.pages
                current.save()
                result.pages += current.renderer.pages - before
                current = None
            if progress and result.built % 100 == 0:
                print(f"  {result.built} kits built, {result.rejected} rejected", file=progress)
    except EnvelopekitError as exc:
        # A fatal error part-way (an unreadable line in the records file, say): keep the
        # kits already built, with a manifest that lists exactly them, then report.
        if current is not None and current.kits:
            before = current.renderer.pages
            current.save()  # imposed chunks draw their sheets here
            result.pages += current.renderer.pages - before
        if result.built or result.rejected:
            _write_reports(result, link_columns, imposed=impose is not None)
        if result.built:
            exc.hint = ((exc.hint + "; ") if exc.hint else "") + (
                f"the {result.built} kits before it were built and are listed in manifest.csv"
            )
        raise
    if current is not None:
        before = current.renderer.pages
        current.save()
        result.pages += current.renderer.pages - before
    _write_reports(result, link_columns, imposed=impose is not None)
    return result


def _probe_links(
    spec: KitSpec, kit: ResolvedKit, links: Links, blocks: tuple[tuple[str, QRBlock], ...]
) -> None:
    """Fail the whole batch at once when even the shortest URL a template can make
    needs QR modules under the block's minimum: every record would be rejected."""
    from .compose import _qr_ops
    from .errors import FitError

    for piece, block in blocks:
        link = links.specs[block.link]
        values = {name: "" for name in link.template.fields}
        values.update(token="0" * link.length, block=block.name, kit=piece, campaign=links.campaign)
        url = link.template.expand(values)
        try:
            _qr_ops(block, url, f"{piece}.{block.name}")
        except FitError as exc:
            where = spec.block_location(piece, block.name)
            raise spec.error(f"every record would be rejected: {exc.message}", where, exc.hint) from None


OUTPUT_PATTERNS = ("kits-*.pdf", "sheets-*.pdf", "manifest.csv", "manifest.json", "errors.csv")


def _clear_stale(out: Path, keep: list[Path]) -> None:
    """Remove a previous build's files that this build did not write again, so no stale
    kits-00002.pdf outlives its manifest. Called only once this build has output: a run
    that fails before building anything leaves the previous build untouched."""
    for pattern in OUTPUT_PATTERNS[:2]:
        for old in out.glob(pattern):
            if old not in keep:
                old.unlink()


def _check_sheet(kit: ResolvedKit, impose: Imposition) -> None:
    """Every piece must fit the sheet: find out before building anything."""
    from .impose import ImposeOptions, plan

    for kp in kit.pieces:
        plan(
            [impose_piece(kp, kp.key, kit.spec.bleed)],
            impose.sheet,
            ImposeOptions(duplex="turn" if kp.duplex else None),
        )


def impose_piece(kp: KitPiece, key: str, bleed: float, *, record: int | None = None, group: str = "") -> Any:
    """A kit piece as the imposer sees it, in trim-box coordinates (a net's bbox at the
    origin), with the rotations its style allows and its outline for rotated trims."""
    from .impose import Piece
    from .nets import STYLES

    dx, dy = (kp.net.bbox.x0, kp.net.bbox.y0) if kp.net is not None else (0.0, 0.0)
    outline = None
    rotations: tuple[float, ...] = (0.0, 90.0)
    if kp.net is not None:
        outline = kp.net.outline.flatten(0.5).translate(-dx, -dy)
        rotations = STYLES[kp.net.style].rotations
    folds = tuple((Point(a.x - dx, a.y - dy), Point(b.x - dx, b.y - dy)) for a, b in kp.folds)
    return Piece(
        key=key,
        width=kp.width,
        height=kp.height,
        bleed=bleed,
        rotations=rotations,
        outline=outline,
        folds=folds,
        record=record,
        duplex=kp.duplex,
        group=group,
    )


def _reject(
    result: BuildResult, row: int | None, record_id: str, field_name: str | None, reason: str
) -> None:
    result.rejected += 1
    result.errors.append({"row": row, "record_id": record_id, "field": field_name or "", "reason": reason})
    result.manifest.append({"record_id": record_id, "row": row, "status": "rejected"})


def _write_reports(result: BuildResult, link_columns: list[str], *, imposed: bool = False) -> None:
    _clear_stale(result.outdir, result.files)
    columns = ["record_id", "row", "status", "file", "pages"] + (["sheets", "placements"] if imposed else [])
    if link_columns:
        columns += ["token", "url", *link_columns]
    write_atomic(result.outdir / "manifest.csv", lambda f: write_csv(result.manifest, columns, f), text=True)
    write_atomic(
        result.outdir / "manifest.json",
        lambda f: write_json(result.manifest, f, fieldnames=columns),
        text=True,
    )
    errors = result.outdir / "errors.csv"
    if result.errors:
        write_atomic(
            errors, lambda f: write_csv(result.errors, ["row", "record_id", "field", "reason"], f), text=True
        )
    elif errors.exists():
        errors.unlink()


def build_files(
    layout: str | Path | KitSpec,
    data: str | Path | None = None,
    output: str | Path = "out",
    *,
    key_file: str | Path | None = None,
    impose: Imposition | None = None,
    proof: bool = False,
    chunk: int = 500,
) -> BuildResult:
    """The common case in one call: a layout file (or bundled name) and a records file
    in, print-ready PDFs, manifest and errors report in ``output``.

    ``envelopekit.build("help-me", "people.csv", "out", key_file="token.key")``
    """
    from .layouts import load_layout
    from .records import read_records

    spec = layout if isinstance(layout, KitSpec) else load_layout(layout)
    records = read_records(data, id_field=spec.id_field) if data is not None else None
    try:
        return build(
            spec,
            records,
            output,
            chunk=chunk,
            proof=proof,
            key_file=str(key_file) if key_file else None,
            impose=impose,
        )
    finally:
        if records is not None:
            records.close()
