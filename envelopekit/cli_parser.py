"""The ``envelopekit`` command's arguments: the parser, a function per subcommand.

:func:`build_parser` is the only place that knows the command line; each
subcommand's arguments are added by a function of their own, and its handler
(:mod:`envelopekit.cli_commands`) is set as the ``func`` default. Usage errors are
one line and exit 1, like every other failure of the command.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, NoReturn

from ._version import __version__
from .cli_commands import (
    EXIT_FAIL,
    cmd_build,
    cmd_net,
    cmd_preflight,
    cmd_preview,
    cmd_sizes,
    cmd_styles,
    cmd_token,
    cmd_verify,
)
from .terminal import printable

__all__ = ["build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse keeping the command's convention: a usage error is one line and exit 1
    (argparse's own exit 2 would read as "some records were rejected")."""

    def error(self, message: str) -> NoReturn:

        self.exit(EXIT_FAIL, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


if TYPE_CHECKING:
    _Subparsers = argparse._SubParsersAction[_Parser]


def _param(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--param {text!r}: write NAME=VALUE, e.g. side_flap=15mm")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


def _map_pair(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--map {text!r}: write FIELD=COLUMN, e.g. postal_code=ZIP")
    name, column = text.split("=", 1)
    if not name.strip() or not column.strip():
        raise argparse.ArgumentTypeError(f"--map {text!r}: both FIELD and COLUMN are needed")
    return name.strip(), column.strip()


def _records_options(p: argparse.ArgumentParser, *, id_field: bool) -> None:
    if id_field:
        p.add_argument(
            "--id-field", help="the records column that identifies a record (default: the layout's)"
        )
    p.add_argument(
        "--map",
        action="append",
        type=_map_pair,
        metavar="FIELD=COLUMN",
        help="read the layout's FIELD from the records' COLUMN, e.g. postal_code=ZIP (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line: its options, and a subcommand each with its handler as ``func``."""
    parser = _Parser(
        prog="envelopekit",
        description="Printable nested envelope kits: nets, cards, marks and survey QR codes"
        " as print-ready PDFs.",
    )
    parser.add_argument("--version", action="version", version=f"envelopekit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_styles(sub)
    _add_sizes(sub)
    _add_net(sub)
    _add_build(sub)
    _add_preview(sub)
    _add_verify(sub)
    _add_preflight(sub)
    _add_token(sub)
    return parser


def _add_styles(sub: _Subparsers) -> None:
    """``styles``: the net styles, or their parameters."""
    p = sub.add_parser("styles", help="list the envelope net styles")
    p.add_argument(
        "--params", action="store_true", help="each style's parameters: type, range, default, meaning"
    )
    p.set_defaults(func=cmd_styles)


def _add_sizes(sub: _Subparsers) -> None:
    """``sizes``: the size catalog."""
    p = sub.add_parser("sizes", help="list the size catalog (envelopes, papers, sheets, stocks)")
    # No argparse choices here: Python 3.11 checks an empty nargs="*" against them and
    # refuses a plain `envelopekit sizes`; cmd_sizes checks the names itself.
    p.add_argument(
        "kind", nargs="*", metavar="KIND", help="envelopes, papers, sheets or stocks (default: all)"
    )
    p.set_defaults(func=cmd_sizes)


def _add_net(sub: _Subparsers) -> None:
    """``net``: one envelope net as a PDF or JSON."""
    p = sub.add_parser("net", help="one envelope net, single-up, as a print-ready PDF (or JSON geometry)")
    p.add_argument("style", help="net style (see `envelopekit styles`)")
    p.add_argument("size", help='finished size: a catalog name ("C6", "#10") or "WxHmm"')
    p.add_argument("-o", "--output", help="PDF file to write (default STYLE-SIZE.pdf)")
    p.add_argument(
        "--param",
        action="append",
        type=_param,
        metavar="NAME=VALUE",
        help="style parameter, e.g. side_flap=15mm (repeatable)",
    )
    p.add_argument("--bleed", default="3mm", help="bleed beyond the cut (default 3mm)")
    p.add_argument("--json", action="store_true", help="print the geometry as JSON (points)")
    p.add_argument("--compact", action="store_true", help="with --json: one line")
    p.set_defaults(func=cmd_net)


def _add_build(sub: _Subparsers) -> None:
    """``build``: a layout for every record, into print-ready PDFs."""
    p = sub.add_parser("build", help="build a kit layout for every record into print-ready PDFs")
    p.add_argument("layout", help="layout file, or a bundled layout name (help-me)")
    p.add_argument("--data", help="records file (CSV, XLSX or JSON); default: the layout's sample record")
    p.add_argument("-o", "--output", default="out", help="output folder (default ./out)")
    p.add_argument(
        "--chunk",
        type=int,
        default=500,
        help="kits per chunk: per PDF file, or per stock's file (default 500)",
    )
    p.add_argument(
        "--proof",
        action="store_true",
        help="screen proof: die lines in colour, PROOF marks, a mockup page after each record's "
        "pieces; kit by kit in one file per chunk",
    )
    p.add_argument(
        "--token-key-file",
        "--key-file",
        dest="token_key_file",
        help="file holding the token signing key (default: $ENVELOPEKIT_TOKEN_KEY; "
        "make one with `envelopekit token new-key`)",
    )
    p.add_argument("--id-field", help="the records column that identifies a record (default: the layout's)")
    p.add_argument(
        "--impose", metavar="SHEET", help="impose onto press sheets (SRA3, 12x18in, A4, Letter, WxHmm)"
    )
    p.add_argument(
        "--strategy",
        choices=["gang", "step-and-repeat", "cut-and-stack"],
        default="gang",
        help="imposition strategy (default gang)",
    )
    p.add_argument(
        "--duplex",
        choices=["turn", "tumble"],
        help="backs for side-B content: work-and-turn (long edge) or work-and-tumble",
    )
    p.add_argument(
        "--duplex-only-where-needed",
        action="store_true",
        help="with --duplex: one-sided sheets go to a simplex file instead of getting blank backs",
    )
    p.add_argument(
        "--group",
        choices=["stock", "record"],
        help="single-up pages: stock (the default for print) writes a file per paper stock and sides "
        "printed in each chunk, kits-00001-card-300.pdf; record keeps each kit's pieces together in "
        "one file, kits-00001.pdf, for desktop printing (the default for --proof)",
    )
    p.add_argument("--stack-depth", type=int, help="cut-and-stack: sheets per stack")
    p.add_argument("--date", help="date for the slug line (default: $SOURCE_DATE_EPOCH or today)")
    p.add_argument("--encoding", help="records file encoding (default: detected)")
    p.add_argument("--delimiter", help="CSV delimiter (default: detected)")
    _records_options(p, id_field=False)
    _add_running_options(p.add_argument_group("running"))
    p.set_defaults(func=cmd_build)


def _add_running_options(run: argparse._ArgumentGroup) -> None:
    """``build``'s options on how it runs: workers, resuming, checks, PDF flavour, output."""
    run.add_argument(
        "--workers", type=int, help="processes building in parallel (default: every core; 1: this process)"
    )
    run.add_argument(
        "--executor", choices=["pool", "dask"], default="pool", help="where chunks are built (default pool)"
    )
    run.add_argument("--dask-scheduler", metavar="ADDRESS", help="with --executor dask: a running scheduler")
    run.add_argument("--resume", action="store_true", help="finish an interrupted build in the output folder")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="check the layout and every record, write dry-run-errors.csv, draw nothing",
    )
    run.add_argument(
        "--preflight",
        action="store_true",
        help="preflight every PDF (PDF/X-1a rules) before it is kept; a failure fails the build "
        "and leaves a previous build in place",
    )
    run.add_argument(
        "--pdfx",
        choices=["x1a", "x4", "none"],
        default="x1a",
        help="PDF/X-1a:2003 (default); PDF/X-4 with the output profile embedded, die lines on "
        "ISO 19593-1 layers and a PDF/VT part per record; or none: plain PDF for desktop printers",
    )
    run.add_argument(
        "--output-profile",
        metavar="FILE.icc",
        help="with --pdfx x4: the print shop's CMYK output profile (default: the bundled one)",
    )
    run.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    run.add_argument("-q", "--quiet", action="store_true", help="only errors and warnings")
    run.add_argument(
        "-v", "--verbose", action="store_true", help="also the kit summary and more rejected rows"
    )


def _add_preview(sub: _Subparsers) -> None:
    """``preview``: a few records' kits as pictures."""
    p = sub.add_parser("preview", help="see a few records' kits folded and flat, with a contact sheet")
    p.add_argument("layout", help="layout file, or a bundled layout name (help-me)")
    p.add_argument("--data", help="records file (CSV, XLSX or JSON); default: the layout's sample record")
    p.add_argument(
        "--record", nargs="+", action="extend", metavar="ID", help="records to preview (default: the first 3)"
    )
    p.add_argument("--dpi", type=float, default=100, help="resolution of the pictures (default 100, 10-1200)")
    p.add_argument(
        "--max-pixels",
        type=int,
        metavar="N",
        help="pixels one kit's pages may take (default 100 million, or $ENVELOPEKIT_MAX_PREVIEW_PIXELS)",
    )
    p.add_argument(
        "--token-key-file",
        "--key-file",
        dest="token_key_file",
        help="file holding the token signing key (default: $ENVELOPEKIT_TOKEN_KEY)",
    )
    p.add_argument("-o", "--output", default="preview", help="output folder (default ./preview)")
    _records_options(p, id_field=True)
    p.set_defaults(func=cmd_preview)


def _add_verify(sub: _Subparsers) -> None:
    """``verify``: the QR codes and addresses of a build's PDFs."""
    p = sub.add_parser(
        "verify",
        help="render every page, check its QR codes and addresses against the manifest",
    )
    p.add_argument("target", help="a build output folder, or one PDF")
    p.add_argument("--manifest", help="manifest.csv (default: the one in the output folder)")
    p.add_argument("--dpi", type=int, default=200, help="render resolution (default 200)")
    p.add_argument("--min-module", default="0.5mm", help="smallest acceptable module size (default 0.5mm)")
    p.add_argument(
        "--max-pixels",
        type=int,
        metavar="N",
        help="pixels a page may take when rendered (default 100 million, or $ENVELOPEKIT_MAX_PAGE_PIXELS)",
    )
    p.set_defaults(func=cmd_verify)


def _add_preflight(sub: _Subparsers) -> None:
    """``preflight``: PDFs checked the way a prepress operator does."""
    p = sub.add_parser(
        "preflight",
        help="check PDFs the way a prepress operator does (PDF/X, boxes, fonts, colour, die lines, QR codes)",
        description="Check print PDFs against PDF/X and the rules a prepress operator rejects files by. "
        "Exit 0 only when no file has an error.",
    )
    p.add_argument("files", nargs="*", metavar="FILE.pdf", help="PDFs to check")
    p.add_argument(
        "--profile",
        choices=["x1a", "x4"],
        default="x1a",
        help="the PDF/X flavour to check against (default x1a)",
    )
    p.add_argument("--json", action="store_true", help="print the findings as JSON on stdout")
    p.add_argument("--rules", action="store_true", help="list the rules and exit")
    p.set_defaults(func=cmd_preflight)


def _add_token(sub: _Subparsers) -> None:
    """``token verify`` and ``token new-key``."""
    p = sub.add_parser("token", help="verify signed survey tokens, or make a new signing key")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    v = actions.add_parser(
        "verify",
        help="check signed tokens (or whole survey links) against their campaign",
        description="Check signed tokens against the campaign they were made for, e.g. "
        "envelopekit token verify --layout help-me --key-file out/.envelopekit/token.key TOKEN ...",
    )
    v.add_argument("tokens", nargs="*", metavar="TOKEN", help="tokens or survey links to check")
    v.add_argument(
        "--key-file",
        "--token-key-file",
        dest="key_file",
        help="the signing key file (default: $ENVELOPEKIT_TOKEN_KEY)",
    )
    v.add_argument(
        "--layout",
        help="the layout the tokens were built with (a file or a bundled name): "
        "gives the campaign and the token length",
    )
    v.add_argument(
        "--link", metavar="NAME", help="with --layout: only [links.NAME] (default: every signed link)"
    )
    v.add_argument(
        "--campaign", help="the campaign: the layout's job, else its name (overrides the layout's)"
    )
    v.add_argument("--length", type=int, help="the tokens' length (default: the layout's, else 17)")
    v.set_defaults(func=cmd_token)
    n = actions.add_parser("new-key", help="print a fresh random signing key")
    n.set_defaults(func=cmd_token, tokens=[])
