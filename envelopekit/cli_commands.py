"""The handlers of the ``envelopekit`` command's subcommands, one ``cmd_*`` per command.

Each takes the parsed arguments (:mod:`envelopekit.cli_parser`), loads only what its
command needs, prints what it has to say and returns the exit status: the
``EXIT_*`` codes here. Failures the user can fix are raised as
:class:`~envelopekit.errors.EnvelopekitError`; :func:`envelopekit.cli.main` prints them.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import EnvelopekitError
from .files import write_bytes_atomic
from .terminal import printable
from .verify_report import plural

if TYPE_CHECKING:
    from .batch import BuildResult
    from .kit import KitSpec

__all__ = [
    "EXIT_FAIL",
    "EXIT_OK",
    "EXIT_REJECTED",
    "cmd_build",
    "cmd_net",
    "cmd_preflight",
    "cmd_preview",
    "cmd_sizes",
    "cmd_styles",
    "cmd_token",
    "cmd_verify",
]

EXIT_OK, EXIT_FAIL, EXIT_REJECTED = 0, 1, 2
"""A run that did its work; one that failed; a batch in which some records were rejected."""


def _today() -> str:
    import datetime as dt

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise EnvelopekitError(
            f"SOURCE_DATE_EPOCH={epoch[:24]!r} is not a time", hint="seconds since 1970, or unset it"
        ) from None
    return when.strftime("%Y-%m-%d")


def cmd_styles(args: argparse.Namespace) -> int:
    from .nets import load_styles

    styles = load_styles()
    if args.params:
        from .layout_tables import params_text

        print(params_text())
        return EXIT_OK
    width = max(len(n) for n in styles)
    for name in sorted(styles):
        print(f"{name:<{width}}  {styles[name].summary}")
    return EXIT_OK


def cmd_sizes(args: argparse.Namespace) -> int:
    from .catalog import ENVELOPES, PAPERS, SHEETS, STOCKS
    from .units import mm

    def row(name: str, w: float, h: float, extra: str) -> str:
        return f"  {name:<14} {w / mm:7.1f} x {h / mm:6.1f} mm  {extra}"

    known = ["envelopes", "papers", "sheets", "stocks"]
    unknown = [k for k in args.kind if k not in known]
    if unknown:
        from .errors import CatalogError

        raise CatalogError(f"sizes: no listing {unknown[0]!r}", hint="choose from " + ", ".join(known))
    kinds = args.kind or known
    if "envelopes" in kinds:
        print("Envelopes (closed, as they lie)")
        for s in ENVELOPES:
            print(row(s.name, s.width, s.height, f"{s.family:<11} holds {s.holds}"))
    if "papers" in kinds:
        print("Papers and cards")
        for s in PAPERS:
            print(row(s.name, s.width, s.height, f"{s.kind}"))
    if "sheets" in kinds:
        print("Press and desktop sheets")
        for sh in SHEETS:
            extra = f"{sh.press:<8} margin {sh.margin / mm:.0f} mm, gripper {sh.gripper / mm:.0f} mm"
            print(row(sh.name, sh.width, sh.height, extra))
    if "stocks" in kinds:
        print("Stocks")
        for st in STOCKS:
            print(f"  {st.name:<14} {st.gsm:5.0f} gsm  caliper {st.caliper / mm:.2f} mm  {st.kind}")
    return EXIT_OK


def _finished_size(text: str) -> tuple[float, float]:
    from .catalog import lookup

    size = lookup(text, kind="envelope")
    return size.width, size.height


def cmd_net(args: argparse.Namespace) -> int:
    from .nets import build_net
    from .nets.export import net_to_dict

    w, h = _finished_size(args.size)
    net = build_net(args.style, w, h, dict(args.param or []))
    if args.json:
        json.dump(net_to_dict(net), sys.stdout, indent=None if args.compact else 1)
        sys.stdout.write("\n")
    if args.output or not args.json:
        from .render.pdf import net_pdf
        from .units import parse_length

        out = Path(args.output or f"{net.style}-{args.size.replace('/', '_').replace('#', 'no')}.pdf")
        bleed = parse_length(args.bleed, what="--bleed")
        write_bytes_atomic(out, net_pdf(net, bleed=bleed))
        print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def _mapping(pairs: Sequence[tuple[str, str]] | None, spec: KitSpec) -> dict[str, str] | None:
    """--map FIELD=COLUMN pairs as the records reader's rename table (column -> field);
    a FIELD the layout never uses is refused (it would be mapped and silently ignored)."""
    if not pairs:
        return None
    from .batch.chunk import required_fields
    from .kit import resolve

    known = {*required_fields(resolve(spec)), spec.id_field, *spec.sample}
    for name, column in pairs:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "fields: " + ", ".join(sorted(known))
            raise EnvelopekitError(f"--map {name}={column}: the layout uses no field {name!r}", hint=hint)
    return {column: name for name, column in pairs}


def _check_build_args(args: argparse.Namespace) -> None:
    if args.chunk < 1:
        raise EnvelopekitError(f"--chunk {args.chunk}: a file holds at least one kit")
    if args.stack_depth is not None and args.strategy != "cut-and-stack":
        raise EnvelopekitError("--stack-depth is for --impose SHEET --strategy cut-and-stack")
    if args.workers is not None and args.workers < 1:
        raise EnvelopekitError(f"--workers {args.workers}: at least one", hint="omit it to use every core")
    if args.dask_scheduler and args.executor != "dask":
        raise EnvelopekitError("--dask-scheduler is for --executor dask")
    if args.duplex_only_where_needed and not (args.impose and args.duplex):
        raise EnvelopekitError("--duplex-only-where-needed is for --impose SHEET --duplex turn|tumble")
    if args.duplex and not args.impose:
        raise EnvelopekitError(
            "--duplex is for --impose SHEET",
            hint="single-up files already put a two-sided piece's back after its front: print them duplex",
        )
    if args.output_profile and args.pdfx != "x4":
        raise EnvelopekitError("--output-profile is for --pdfx x4")
    if args.group == "record" and args.impose:
        raise EnvelopekitError("--group record is for single-up output: imposed sheets always hold one stock")
    if args.group == "stock" and args.proof:
        raise EnvelopekitError(
            "--group stock is for print output: a proof is kit by kit, each record's pieces followed by "
            "its mockup page"
        )


def cmd_build(args: argparse.Namespace) -> int:
    from .batch import build_files
    from .console import ProgressDisplay
    from .layouts import load_layout

    _check_build_args(args)
    spec = load_layout(args.layout)
    for warning in spec.warnings:
        print(f"envelopekit: warning: {warning}", file=sys.stderr)
    impose = None
    if args.impose:
        from .catalog import lookup_sheet
        from .impose.adapter import Imposition

        impose = Imposition(
            lookup_sheet(args.impose),
            args.strategy,
            args.duplex,
            args.stack_depth,
            args.date or _today(),
            duplex_only_where_needed=args.duplex_only_where_needed,
        )
    with ProgressDisplay(quiet=args.quiet or args.json) as show:
        result = build_files(
            spec,
            args.data,
            args.output,
            key_file=args.token_key_file,
            impose=impose,
            proof=args.proof,
            chunk=args.chunk,
            workers=args.workers,
            executor=args.executor,
            dask_scheduler=args.dask_scheduler,
            resume=args.resume,
            dry_run=args.dry_run,
            id_field=args.id_field,
            group=args.group,
            rename=_mapping(args.map, spec),
            encoding=args.encoding,
            delimiter=args.delimiter,
            progress=show,
            preflight=args.preflight,
            pdfx=args.pdfx,
            output_profile=args.output_profile,
        )
    return _report_build(args, result)


def _report_build(args: argparse.Namespace, result: BuildResult) -> int:
    err = sys.stderr
    for note in result.notes:
        print(f"envelopekit: {note}", file=err)
    if args.json:
        json.dump(_build_json(result), sys.stdout, indent=1)
        sys.stdout.write("\n")
    if args.verbose and result.summary:
        print(result.summary, file=err)
    errors_file = result.outdir / ("dry-run-errors.csv" if result.dry_run else "errors.csv")
    if result.dry_run:
        print(
            f"checked {plural(result.built + result.rejected, 'record')}: {result.built} valid, "
            f"{result.rejected} rejected; nothing drawn",
            file=err,
        )
    elif not args.quiet:
        files = ", ".join(str(f) for f in result.files) or "no PDF"
        if len(result.files) > 3:
            first, last = result.files[0].name, result.files[-1].name
            files = f"{len(result.files)} files in {result.outdir} ({first} to {last})"
        print(f"built {plural(result.built, 'kit')} ({plural(result.pages, 'page')}) into {files}", file=err)
        print(f"manifest: {result.outdir / 'manifest.csv'}", file=err)
    if result.rejected:
        print(f"{plural(result.rejected, 'record')} rejected: see {errors_file}", file=err)
        for e in result.errors[: 20 if args.verbose else 5]:
            where = f"line {e['row']}" if e["row"] else "record"
            field = f" {e['field']}" if e["field"] else ""
            print(printable(f"  {where} {e['record_id']}{field}: {e['reason']}"), file=err)
        return EXIT_REJECTED
    return EXIT_OK


def _build_json(result: BuildResult) -> dict[str, object]:
    return {
        "output": str(result.outdir),
        "dry_run": result.dry_run,
        "built": result.built,
        "rejected": result.rejected,
        "pages": result.pages,
        "files": [str(f) for f in result.files],
        "manifest": None if result.dry_run else str(result.outdir / "manifest.csv"),
        "errors": str(result.outdir / ("dry-run-errors.csv" if result.dry_run else "errors.csv"))
        if result.rejected
        else None,
        "notes": result.notes,
    }


def cmd_preview(args: argparse.Namespace) -> int:
    from .layouts import load_layout
    from .preview import check_dpi, write_previews
    from .records import read_records

    check_dpi(args.dpi)  # before reading anything
    spec = load_layout(args.layout)
    records = None
    if args.data:
        rename = _mapping(args.map, spec)
        records = read_records(args.data, id_field=args.id_field or spec.id_field, rename=rename)
    key = None
    if not args.token_key_file and not os.environ.get("ENVELOPEKIT_TOKEN_KEY", "").strip():
        import secrets

        key = secrets.token_urlsafe(32).encode()  # previews are for looking: their codes go nowhere
        print(
            "envelopekit: previews use a throwaway signing key (no --token-key-file given)", file=sys.stderr
        )
    try:
        result = write_previews(
            spec,
            records,
            args.output,
            ids=args.record,
            dpi=args.dpi,
            key=key,
            key_file=args.token_key_file,
            max_pixels=args.max_pixels,
        )
    finally:
        if records is not None:
            records.close()
    print(
        f"previewed {len(result.records)} records into {result.outdir}: {result.mockups} mockups "
        f"in {result.seconds:.1f} s; open {result.outdir / 'index.html'}",
        file=sys.stderr,
    )
    for record_id, reason in result.rejected:
        print(f"  record {printable(record_id)} skipped: {printable(reason)}", file=sys.stderr)
    return EXIT_REJECTED if result.rejected else EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from .units import parse_length, to_mm
    from .verify import format_report, verify

    bar = _page_bar()
    try:
        report = verify(
            Path(args.target),
            manifest=Path(args.manifest) if args.manifest else None,
            dpi=args.dpi,
            min_module_mm=to_mm(parse_length(args.min_module, what="--min-module")),
            progress=bar,
            max_pixels=args.max_pixels,
        )
    finally:
        if bar is not None:
            bar.close()
    print(format_report(report))
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_preflight(args: argparse.Namespace) -> int:
    from .preflight import describe_rules, preflight

    if args.rules:
        print(describe_rules())
        return EXIT_OK
    if not args.files:
        raise EnvelopekitError("no PDF to preflight", hint="envelopekit preflight FILE.pdf ...")
    reports = [preflight(Path(f), args.profile) for f in args.files]
    if args.json:
        ok = all(r.ok for r in reports)
        json.dump(
            {"ok": ok, "profile": args.profile, "files": [r.to_dict() for r in reports]}, sys.stdout, indent=1
        )
        sys.stdout.write("\n")
    else:
        for r in reports:
            for line in r.format().splitlines():
                print(printable(line))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAIL


class _PageBar:
    """verify's progress on a terminal: pages decoded, pages/s, the file at hand."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self.bar = tqdm(unit="page", file=sys.stderr, dynamic_ncols=True)

    def __call__(self, file: str, page: int, done: int) -> None:
        self.bar.n = done

        self.bar.set_postfix_str(printable(file), refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def _page_bar() -> _PageBar | None:
    return _PageBar() if sys.stderr.isatty() else None


def cmd_token(args: argparse.Namespace) -> int:
    from .tokens import load_key, new_key

    if args.action == "new-key":
        print(new_key())
        return EXIT_OK
    if not args.tokens:
        raise EnvelopekitError(
            "no token to verify", hint="envelopekit token verify TOKEN ... --layout LAYOUT --key-file F"
        )
    campaign, lengths = _token_scheme(args)
    key = load_key(file=args.key_file) if args.key_file else load_key()
    ok = True
    for given in args.tokens:
        token = _token_from_url(given)
        shown, verdict = _check_token(token, key, campaign, lengths)
        ok &= verdict == "valid"
        print(f"{printable(shown)}\t{verdict}")
    return EXIT_OK if ok else EXIT_FAIL


def _token_scheme(args: argparse.Namespace) -> tuple[str, tuple[int, ...]]:
    """The campaign and the token lengths to check against: from the layout (its job or
    name, its signed links' token_length), or --campaign and --length."""
    from .tokens import DEFAULT_SIGNED_LENGTH

    if args.layout is None:
        if args.campaign is None:
            raise EnvelopekitError(
                "token verify needs the campaign the tokens were made for",
                hint="pass the layout they were built with (--layout help-me or --layout FILE.toml), "
                "or --campaign NAME (the layout's job, else its name) and --length N",
            )
        if args.link is not None:
            raise EnvelopekitError("--link is for --layout")
        return args.campaign, (args.length or DEFAULT_SIGNED_LENGTH,)
    from .layouts import load_layout
    from .links.service import campaign, link_specs

    spec = load_layout(args.layout)
    specs = link_specs(spec)
    if args.link is not None and args.link not in specs:
        known = ", ".join(sorted(specs)) or "none"
        raise EnvelopekitError(f"the layout has no link {args.link!r}", hint=f"its links: {known}")
    signed = [s for n, s in specs.items() if s.token == "hmac" and args.link in (None, n)]
    if not signed:
        raise EnvelopekitError(
            "the layout has no signed (token = hmac) link",
            where=spec.source,
            hint="random tokens are checked against the manifest, not a key",
        )
    lengths = (args.length,) if args.length else tuple(sorted({s.length for s in signed}))
    return args.campaign or campaign(spec), lengths


def _check_token(text: str, key: bytes, campaign: str, lengths: tuple[int, ...]) -> tuple[str, str]:
    """(the token as shown, "valid" or why not): the shape first, so a typo says so."""
    from .errors import TokenError
    from .tokens import checksum_ok, normalise_token, verify_token

    try:
        token = normalise_token(text)
    except TokenError as exc:
        return _shorten(text), f"INVALID ({exc.message})"
    if len(token) not in lengths:
        expected = " or ".join(map(str, lengths))
        return token, f"INVALID ({len(token)} characters, the campaign's tokens have {expected})"
    if not checksum_ok(token):
        return token, "INVALID (mistyped: the check character does not match)"
    if not verify_token(token, key, campaign, length=len(token)):
        return token, f"INVALID (not signed with this key for campaign {campaign!r})"
    return token, "valid"


def _shorten(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "\u2026"


def _token_from_url(text: str) -> str:
    """Accept a whole survey link too: the token is the query or fragment value that
    looks like one (Crockford base32, 8 to 26 characters)."""
    if "://" not in text:
        return text
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(text)
    values = [v for _, v in parse_qsl(parts.query) + parse_qsl(parts.fragment)]
    values += [seg for seg in parts.path.split("/") if seg]
    looks = [v for v in values if re.fullmatch(r"[0-9A-Za-z-]{8,32}", v)]
    return looks[0] if looks else text
