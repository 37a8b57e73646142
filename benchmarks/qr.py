"""Time per QR code: envelopekit.qr.encode against qrcode's own fit-and-mask recipe.

    python benchmarks/qr.py [--n 400] [--rounds 7] [--seed 2024]

Both encode the same deterministic survey links of 20-60 characters at level M.
The two run alternately, in the same process, for several rounds (the order
flips each round, so neither always runs on a warmer machine); the figures are
medians of the rounds' milliseconds per code, and their ratio is what counts.
A first untimed pass fills both libraries' per-version caches.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_M

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
from envelopekit.qr import encode

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIXES = (
    "https://survey.example.org/helpme?t=",
    "https://ex.org/s?t=",
    "https://forms.example.com/r/",
    "https://help.example.net/go/",
)


def links(n: int, seed: int) -> list[str]:
    """Survey links of 20-60 characters: a prefix and a random token to length."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        length = rng.randint(20, 60)
        prefix = rng.choice(PREFIXES)[: length - 8]
        out.append(prefix + "".join(rng.choice(CROCKFORD) for _ in range(length - len(prefix))))
    return out


def with_qrcode(url: str) -> list[list[bool]]:
    """The recipe a qrcode user writes: best fit, qrcode's own mask search."""
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    q.add_data(url)
    q.make(fit=True)
    return q.get_matrix()


def ms_per_code(make: Callable[[str], object], urls: list[str]) -> float:
    start = time.perf_counter()
    for url in urls:
        make(url)
    return (time.perf_counter() - start) * 1e3 / len(urls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=400, help="links per round (default 400)")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds (default 7)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the links")
    args = parser.parse_args()

    urls = links(args.n, args.seed)
    ours = "envelopekit.qr.encode"
    peer = "qrcode make(fit=True)"
    cold = ms_per_code(encode, urls[:1]), ms_per_code(with_qrcode, urls[:1])
    for url in urls:  # untimed warm-up of both caches
        encode(url)
        with_qrcode(url)

    print(
        f"QR codes: {len(urls)} links of {min(map(len, urls))}-{max(map(len, urls))} characters, "
        f"level M, {args.rounds} rounds, Python {platform.python_version()} ({platform.machine()})"
    )
    print(f"{'round':>5}  {ours + ' ms':>26}  {peer + ' ms':>26}")
    times: dict[str, list[float]] = {ours: [], peer: []}
    for r in range(args.rounds):
        runs: list[tuple[str, Callable[[str], object]]] = [(ours, encode), (peer, with_qrcode)]
        for name, make in runs if r % 2 == 0 else runs[::-1]:
            times[name].append(ms_per_code(make, urls))
        print(f"{r + 1:>5}  {times[ours][-1]:>26.3f}  {times[peer][-1]:>26.3f}")

    mine, theirs = statistics.median(times[ours]), statistics.median(times[peer])
    print(f"median {ours}: {mine:.3f} ms/code")
    print(f"median {peer}: {theirs:.3f} ms/code")
    print(f"speed-up: {theirs / mine:.1f}x")
    print(f"first call (builds per-version tables): {cold[0]:.1f} ms vs {cold[1]:.1f} ms")

    symbols = [encode(url) for url in urls]
    versions = Counter(s.version for s in symbols)
    print("versions:", ", ".join(f"{v}: {versions[v]}" for v in sorted(versions)))
    same = 0
    for url, s in zip(urls, symbols, strict=True):
        q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
        q.add_data(url)
        q.make(fit=True)
        same += q.best_mask_pattern() == s.mask
    print(
        f"same mask as qrcode's search: {same}/{len(urls)} "
        "(qrcode scores masks with the format information left light; encode includes it)"
    )


if __name__ == "__main__":
    main()
