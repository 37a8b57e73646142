"""Memory as the batch grows: peak resident memory of a whole build at two sizes.

    python benchmarks/memory.py [--small 2000] [--large 20000] [--workers 2] [--chunk 500]

Builds the help-me kit for N synthetic recipients (benchmarks/_recipients.py) with
the ``envelopekit build`` command, at each size, and samples the resident memory of
the command and of every worker process it starts (``/proc``, every 20 ms). It
prints the peak of the parent, the peak of the sum over the process tree, kits/s,
and the ratio large/small of the peaks: a streaming runner keeps it near 1 (the
target is at most 1.3).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _recipients import write_csv  # noqa: E402


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc/*/stat parent links."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def measure(data: Path, out: Path, workers: int, chunk: int) -> tuple[float, int, int]:
    """Wall seconds, peak RSS of the command, peak RSS of its whole process tree (KiB)."""
    cmd = [sys.executable, "-m", "envelopekit.cli", "build", "help-me", "--data", str(data), "-o", str(out)]
    cmd += ["--workers", str(workers), "--chunk", str(chunk), "-q"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    parent = tree = 0
    while proc.poll() is None:
        pids = _tree(proc.pid)
        sizes = [_rss_kib(p) for p in pids]
        parent = max(parent, sizes[0] if sizes else 0)
        tree = max(tree, sum(sizes))
        time.sleep(0.02)
    if proc.returncode != 0:
        sys.exit(f"build failed with exit {proc.returncode}")
    return time.perf_counter() - start, parent, tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk", type=int, default=500)
    args = parser.parse_args()
    print(f"memory: help-me, --workers {args.workers}, --chunk {args.chunk}")
    print(f"{'N':>7} {'wall s':>8} {'kits/s':>8} {'parent peak':>12} {'tree peak':>10}")
    peaks = {}
    with tempfile.TemporaryDirectory(prefix="ek-mem-") as tmp:
        for n in (args.small, args.large):
            data = write_csv(Path(tmp) / f"r{n}.csv", n, 7)
            wall, parent, tree = measure(data, Path(tmp) / f"out{n}", args.workers, args.chunk)
            peaks[n] = (parent, tree)
            print(f"{n:>7} {wall:>8.1f} {n / wall:>8.1f} {parent / 1024:>8.0f} MiB {tree / 1024:>6.0f} MiB")
    (p1, t1), (p2, t2) = peaks[args.small], peaks[args.large]
    print(
        f"ratio {args.large}/{args.small}: parent {p2 / p1:.2f}x, tree {t2 / t1:.2f}x (target: at most 1.3x)"
    )


if __name__ == "__main__":
    main()
