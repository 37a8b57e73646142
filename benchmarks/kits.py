"""Kits per second: envelopekit's help-me batch against the hand-written peer.

    python benchmarks/kits.py [--n 500] [--rounds 3] [--seed 7] [--chunk N] [--keep DIR]
                              [--workers 1,2] [--imposed]
    python benchmarks/kits.py --profile [--n 500]

Writes N deterministic recipients (benchmarks/_recipients.py), then builds them
with envelopekit (layouts/help-me.toml, the demo token key) and with the peer,
../shared/bench/naive_baseline.py (reportlab + qrcode by hand, run where it lies
with the bundled NotoSans-Regular.ttf), alternately, each build in a fresh
process, for several rounds; the order flips every round. Per tool it reports:

- kits/s of the build itself (envelopekit: load layout, read, compose, render and
  write every file, timed inside the child by benchmarks/_run_envelopekit.py;
  the peer: the figure it prints itself), median over the rounds;
- kits/s by wall time of the whole process, interpreter start-up and imports
  included, median over the rounds;
- the ratio envelopekit / peer of both;
- peak resident memory of each process (ru_maxrss from wait4 on that child);
- PDF bytes per kit (envelopekit's manifests not counted).

envelopekit runs once per ``--workers`` count (default 1 and every core: one
process, then the process pool), and with ``--imposed`` also imposed on SRA3 by
cut-and-stack with every core, so single-up and imposed are compared in one run.

When ../shared is absent the peer is skipped with a message and envelopekit's
figures are still printed. ``--profile`` builds once under cProfile instead and
prints the top 25 functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _recipients import write_csv  # noqa: E402

LAYOUT = ROOT / "layouts" / "help-me.toml"
KEY_FILE = ROOT / "samples" / "demo-token.key"
FONT = ROOT / "fonts" / "NotoSans-Regular.ttf"
DRIVER = HERE / "_run_envelopekit.py"
PEER = ROOT.parent / "shared" / "bench" / "naive_baseline.py"
OURS, THEIRS = "envelopekit", "naive baseline"
PEER_LINE = re.compile(r"naive baseline: (\d+) kits in ([0-9.]+) s = ([0-9.]+) kits/s")


@dataclass
class Run:
    kits: int
    seconds: float  # the build itself, as the tool timed it
    wall: float  # the whole process
    rss_kb: int
    pdf_bytes: int

    @property
    def rate(self) -> float:
        return self.kits / self.seconds

    @property
    def wall_rate(self) -> float:
        return self.kits / self.wall


@dataclass
class Tool:
    name: str
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)


def child(cmd: list[str], cwd: Path) -> tuple[str, str, float, int]:
    """Run ``cmd``; its stdout, stderr, wall seconds and peak RSS in KiB (this process only)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed (exit {proc.returncode}):\n{stderr[-3000:]}")
    return stdout, stderr, wall, usage.ru_maxrss  # KiB on Linux


def run_ours(
    data: Path, work: Path, n: int, chunk: int | None, workers: int = 1, imposed: bool = False
) -> Run:
    outdir = work / "envelopekit-out"
    shutil.rmtree(outdir, ignore_errors=True)
    cmd = [sys.executable, str(DRIVER), str(LAYOUT), str(data), str(outdir), str(KEY_FILE)]
    cmd += ["--workers", str(workers)]
    if imposed:
        cmd += ["--impose", "SRA3", "--strategy", "cut-and-stack"]
    if chunk:
        cmd += ["--chunk", str(chunk)]
    stdout, _, wall, rss = child(cmd, ROOT)
    report = json.loads(stdout.strip().splitlines()[-1])
    if report["kits"] != n or report["rejected"]:
        sys.exit(f"envelopekit built {report['kits']} of {n} kits ({report['rejected']} rejected)")
    shutil.rmtree(outdir, ignore_errors=True)
    return Run(n, report["seconds"], wall, rss, report["pdf_bytes"])


def run_peer(script: Path, data: Path, work: Path, n: int) -> Run:
    pdf = work / "naive-baseline.pdf"
    cmd = [sys.executable, str(script), str(data), str(pdf), "--font", str(FONT)]
    _, stderr, wall, rss = child(cmd, script.parent)
    m = PEER_LINE.search(stderr)
    if not m or int(m.group(1)) != n:
        sys.exit(f"the peer did not report {n} kits; its stderr:\n{stderr[-2000:]}")
    size = pdf.stat().st_size
    pdf.unlink()
    # Its own seconds (two decimals) rather than n / its rounded kits/s.
    return Run(n, float(m.group(2)), wall, rss, size)


def accelerated() -> str:
    """Whether reportlab's C accelerators (the rl_accel package) are importable."""
    try:
        from reportlab.lib import rl_accel

        fast = not rl_accel.fp_str.__name__.startswith("_py_")
        import reportlab

        return f"reportlab {reportlab.Version}, C accelerators {'on' if fast else 'off (pure Python)'}"
    except Exception as exc:  # pragma: no cover - report, never fail on this
        return f"reportlab not importable here ({exc})"


def profile(n: int, seed: int, chunk: int | None) -> None:
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as tmp:
        work = Path(tmp)
        data = write_csv(work / f"recipients-{n}.csv", n, seed)
        cmd = [
            sys.executable,
            str(DRIVER),
            str(LAYOUT),
            str(data),
            str(work / "out"),
            str(KEY_FILE),
            "--profile",
            "25",
        ]
        if chunk:
            cmd += ["--chunk", str(chunk)]
        stdout, _, wall, rss = child(cmd, ROOT)
        print(stdout)
        print(f"(process wall {wall:.1f} s, peak RSS {rss / 1024:.0f} MiB, under cProfile)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="recipients per build (default 500)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the recipients (default 7)")
    parser.add_argument(
        "--chunk",
        type=int,
        default=None,
        help="envelopekit kits per output file (default: build()'s own default)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="write the recipients CSV here and keep it (default: a temporary folder)",
    )
    parser.add_argument(
        "--peer", type=Path, default=PEER, help="the peer script (default: ../shared/bench/naive_baseline.py)"
    )
    parser.add_argument("--no-peer", action="store_true", help="run envelopekit only")
    parser.add_argument(
        "--workers",
        default=f"1,{os.cpu_count() or 1}",
        help="envelopekit worker counts to run, comma-separated (default 1 and every core)",
    )
    parser.add_argument(
        "--imposed", action="store_true", help="also build imposed (SRA3, cut-and-stack, every core)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="build once under cProfile; print the top 25 functions by cumulative and by own time",
    )
    args = parser.parse_args()
    if args.n < 1 or args.rounds < 1:
        parser.error("--n and --rounds must be at least 1")
    if args.profile:
        profile(args.n, args.seed, args.chunk)
        return

    peer = not args.no_peer
    if peer and not args.peer.is_file():
        why = " (../shared is absent beside this checkout)" if args.peer == PEER else ""
        print(f"peer skipped: {args.peer} not found{why}; envelopekit's figures only.\n")
        peer = False

    with tempfile.TemporaryDirectory(prefix="ek-bench-") as tmp:
        work = Path(tmp)
        data_dir = args.keep or work
        data_dir.mkdir(parents=True, exist_ok=True)
        data = write_csv(data_dir / f"recipients-{args.n}-seed{args.seed}.csv", args.n, args.seed)
        print(
            f"kits: help-me, N={args.n} recipients (seed {args.seed}), {args.rounds} rounds, alternating, "
            f"one process per build"
        )
        print(
            f"Python {platform.python_version()} ({platform.machine()}, {os.cpu_count()} CPUs), "
            f"{accelerated()}"
        )
        counts = sorted({max(1, int(w)) for w in str(args.workers).split(",") if w.strip()})
        variants = {f"{OURS} w{w}": (w, False) for w in counts}
        if args.imposed:
            variants[f"{OURS} w{max(counts)} imposed"] = (max(counts), True)
        tools = {name: Tool(name) for name in [*variants, THEIRS]}
        order = [*variants, THEIRS] if peer else [*variants]
        print(
            f"\n{'round':>5}  {'tool':<24} {'kits/s':>8} {'wall kits/s':>12} {'wall s':>8} "
            f"{'peak RSS':>10} {'bytes/kit':>10}"
        )
        for r in range(args.rounds):
            for name in order if r % 2 == 0 else order[::-1]:
                if name in variants:
                    run = run_ours(data, work, args.n, args.chunk, *variants[name])
                else:
                    run = run_peer(args.peer, data, work, args.n)
                tools[name].runs.append(run)
                print(
                    f"{r + 1:>5}  {name:<24} {run.rate:>8.1f} {run.wall_rate:>12.1f} {run.wall:>8.2f} "
                    f"{run.rss_kb / 1024:>7.0f} MiB {run.pdf_bytes / run.kits:>10.0f}",
                    flush=True,
                )

    print(f"\nsummary, N={args.n}: medians over {args.rounds} rounds; peak RSS is the largest of the rounds")
    print(f"{'tool':<24} {'kits/s':>8} {'wall kits/s':>12} {'peak RSS':>10} {'bytes/kit':>10}")
    for name in order:
        t = tools[name]
        print(
            f"{name:<24} {t.median('rate'):>8.1f} {t.median('wall_rate'):>12.1f} "
            f"{max(r.rss_kb for r in t.runs) / 1024:>7.0f} MiB {t.median('pdf_bytes') / args.n:>10.0f}"
        )
    if not peer:
        return
    theirs = tools[THEIRS]
    for name in variants:
        ours = tools[name]
        ratio = ours.median("rate") / theirs.median("rate")
        wall_ratio = ours.median("wall_rate") / theirs.median("wall_rate")
        rss = max(r.rss_kb for r in ours.runs) / max(r.rss_kb for r in theirs.runs)
        size = ours.median("pdf_bytes") / theirs.median("pdf_bytes")
        label = f"ratio {name.replace(OURS, 'ek')}/peer"
        print(f"{label:<24} {ratio:>7.2f}x {wall_ratio:>11.2f}x {rss:>9.2f}x {size:>9.2f}x")
    print("(kits/s and wall kits/s: higher is better for envelopekit above 1; RSS and bytes: lower is)")


if __name__ == "__main__":
    main()
