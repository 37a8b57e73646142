"""Child process of benchmarks/kits.py: one timed envelopekit build.

    python benchmarks/_run_envelopekit.py LAYOUT RECIPIENTS.csv OUTDIR KEYFILE [--chunk N]
        [--workers N] [--impose SHEET --strategy S] [--profile TOP]

Imports come first and are not timed (that is interpreter and library start-up,
which kits.py measures separately as wall time). The timed part is the whole
build: loading the layout, reading the records, composing, rendering and
writing every PDF and the manifest. Prints one JSON line on stdout: kits built,
rejected, seconds, output files and their bytes. With ``--profile TOP`` the same
build runs under cProfile and the TOP functions by cumulative and by total time
are printed instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout, not an installed copy

import envelopekit
from envelopekit.batch import build_files
from envelopekit.catalog import lookup_sheet
from envelopekit.impose.adapter import Imposition


def run(
    layout: str,
    data: str,
    outdir: str,
    key_file: str,
    chunk: int | None,
    workers: int | None = 1,
    impose: str | None = None,
    strategy: str = "cut-and-stack",
) -> dict[str, Any]:
    start = time.perf_counter()
    options: dict[str, Any] = {"chunk": chunk} if chunk else {}  # else build()'s own default chunk
    if impose:
        options["impose"] = Imposition(lookup_sheet(impose), strategy, date="2027-01-01")
    result = build_files(layout, data, outdir, key_file=key_file, workers=workers, **options)
    seconds = time.perf_counter() - start
    files = [Path(f) for f in result.files]
    return {
        "kits": result.built,
        "rejected": result.rejected,
        "pages": result.pages,
        "seconds": seconds,
        "files": len(files),
        "pdf_bytes": sum(f.stat().st_size for f in files),
        "module": str(Path(envelopekit.__file__).parent),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("layout")
    parser.add_argument("data")
    parser.add_argument("outdir")
    parser.add_argument("key_file")
    parser.add_argument("--chunk", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1, help="0: every core")
    parser.add_argument("--impose", default=None)
    parser.add_argument("--strategy", default="cut-and-stack")
    parser.add_argument("--profile", type=int, default=0, metavar="TOP")
    args = parser.parse_args()
    if not args.profile:
        report = run(
            args.layout,
            args.data,
            args.outdir,
            args.key_file,
            args.chunk,
            args.workers or None,
            args.impose,
            args.strategy,
        )
        print(json.dumps(report))
        return

    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    summary = run(args.layout, args.data, args.outdir, args.key_file, args.chunk)
    profiler.disable()
    print(
        f"profiled build: {summary['kits']} kits in {summary['seconds']:.2f} s under cProfile "
        f"({summary['kits'] / summary['seconds']:.1f} kits/s; cProfile slows Python-heavy code ~2x)"
    )
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs()
    for key, title in (("cumulative", "cumulative time"), ("tottime", "total (own) time")):
        print(f"\n=== top {args.profile} functions by {title} ===")
        stats.sort_stats(key).print_stats(args.profile)


if __name__ == "__main__":
    main()
