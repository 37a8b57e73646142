"""A MaxRects rectangle packer: boxes of given sizes into as few equal bins as it can.

Pure arithmetic on (width, height) pairs, no pieces or marks: the planner turns
pieces into footprints (bleed box plus half a gutter all round), packs those, and
maps the result back. MaxRects keeps every maximal free rectangle of a bin, so a
box can go anywhere it fits, not just on a shelf; which free rectangle wins is a
heuristic, and no single heuristic or order is best for every mix, so ``pack``
runs a small fixed set of both and keeps the best result. Everything is tried in
a fixed order and ties go to the earlier try, so the result is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Packed", "pack", "pack_one"]

Size = tuple[float, float]
_Free = tuple[float, float, float, float]  # x, y, w, h
_Score = tuple[float, float]
_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Packed:
    """Item ``item`` (index into the input) in its size ``choice``, lower-left at (x, y)."""

    item: int
    choice: int
    x: float
    y: float


def _bssf(fw: float, fh: float, w: float, h: float, x: float, y: float) -> _Score:
    """Best short side fit: leave the thinnest sliver, so offcuts stay usable."""
    dw, dh = fw - w, fh - h
    return (min(dw, dh), max(dw, dh))


def _blsf(fw: float, fh: float, w: float, h: float, x: float, y: float) -> _Score:
    dw, dh = fw - w, fh - h
    return (max(dw, dh), min(dw, dh))


def _baf(fw: float, fh: float, w: float, h: float, x: float, y: float) -> _Score:
    return (fw * fh - w * h, min(fw - w, fh - h))


def _bl(fw: float, fh: float, w: float, h: float, x: float, y: float) -> _Score:
    """Bottom-left: lowest top edge first, which packs in compact rows."""
    return (y + h, x)


_HEURISTICS: tuple[Callable[[float, float, float, float, float, float], _Score], ...] = (
    _bssf,
    _baf,
    _blsf,
    _bl,
)
_ORDERS: tuple[Callable[[Size], tuple[float, ...]], ...] = (
    lambda s: (-s[0] * s[1], -max(s)),  # area
    lambda s: (-max(s), -min(s)),  # long side
    lambda s: (-(s[0] + s[1]), -max(s)),  # perimeter
    lambda s: (-min(s), -max(s)),  # short side
)


class _Bin:
    """Mutable while packing, never seen outside this module."""

    __slots__ = ("free", "placed", "used")

    def __init__(self, w: float, h: float) -> None:
        self.free: list[_Free] = [(0.0, 0.0, w, h)]
        self.placed: list[Packed] = []
        self.used = 0.0

    def best(
        self, w: float, h: float, score: Callable[[float, float, float, float, float, float], _Score]
    ) -> tuple[_Score, float, float] | None:
        found: tuple[_Score, float, float] | None = None
        for fx, fy, fw, fh in self.free:
            if w <= fw + _EPS and h <= fh + _EPS:
                s = score(fw, fh, w, h, fx, fy)
                if found is None or s < found[0]:
                    found = (s, fx, fy)
        return found

    def place(self, p: Packed, w: float, h: float) -> None:
        x, y = p.x, p.y
        self.placed.append(p)
        self.used += w * h
        nxt: list[_Free] = []
        for f in self.free:
            fx, fy, fw, fh = f
            if x >= fx + fw - _EPS or x + w <= fx + _EPS or y >= fy + fh - _EPS or y + h <= fy + _EPS:
                nxt.append(f)
                continue
            if x > fx + _EPS:
                nxt.append((fx, fy, x - fx, fh))
            if x + w < fx + fw - _EPS:
                nxt.append((x + w, fy, fx + fw - x - w, fh))
            if y > fy + _EPS:
                nxt.append((fx, fy, fw, y - fy))
            if y + h < fy + fh - _EPS:
                nxt.append((fx, y + h, fw, fy + fh - y - h))
        self.free = _prune(nxt)

    def can_take(self, short: float, long: float) -> bool:
        """Could any box at least ``short`` x ``long`` (either way round) still fit?"""
        return any(min(fw, fh) + _EPS >= short and max(fw, fh) + _EPS >= long for _, _, fw, fh in self.free)


def _prune(free: list[_Free]) -> list[_Free]:
    """Drop free rectangles contained in another (the first of equal ones stays)."""
    keep: list[_Free] = []
    for i, (ax, ay, aw, ah) in enumerate(free):
        contained = False
        for j, (bx, by, bw, bh) in enumerate(free):
            if i == j:
                continue
            if (
                bx <= ax + _EPS
                and by <= ay + _EPS
                and ax + aw <= bx + bw + _EPS
                and ay + ah <= by + bh + _EPS
            ):
                same = abs(ax - bx) + abs(ay - by) + abs(aw - bw) + abs(ah - bh) <= 4 * _EPS
                if not same or j < i:
                    contained = True
                    break
        if not contained:
            keep.append((ax, ay, aw, ah))
    return keep


def _run(
    items: Sequence[Sequence[Size]],
    order: Sequence[int],
    bin_w: float,
    bin_h: float,
    score: Callable[[float, float, float, float, float, float], _Score],
    max_bins: int | None,
    mode: str = "free",
) -> list[_Bin] | None:
    """One greedy pass. ``mode`` "tall"/"wide" keeps items upright/lying where they can.

    Forcing one way round matters for runs of equal boxes: a free choice turns
    the first box the locally best way and can lose a whole row.
    """
    allowed: list[list[int]] = []
    for sizes in items:
        fit = [c for c, (w, h) in enumerate(sizes) if w <= bin_w + _EPS and h <= bin_h + _EPS]
        if not fit:
            raise ValueError(f"an item fits no empty {bin_w:.1f} x {bin_h:.1f} bin")
        way = [c for c in fit if mode == "free" or (sizes[c][1] >= sizes[c][0]) == (mode == "tall")]
        allowed.append(way or fit)
    # the smallest box still to come, for retiring bins that can take nothing more
    tail_short = [math.inf] * (len(order) + 1)
    tail_long = [math.inf] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        sizes = items[order[k]]
        tail_short[k] = min(tail_short[k + 1], min(min(s) for s in sizes))
        tail_long[k] = min(tail_long[k + 1], min(max(s) for s in sizes))
    bins: list[_Bin] = []
    live: list[_Bin] = []
    for k, i in enumerate(order):
        best: tuple[_Score, int, int, _Bin, float, float] | None = None
        for b_index, b in enumerate(live):
            for choice in allowed[i]:
                w, h = items[i][choice]
                found = b.best(w, h, score)
                if found and (best is None or (found[0], b_index, choice) < best[:3]):
                    best = (found[0], b_index, choice, b, found[1], found[2])
        if best is None:
            if max_bins is not None and len(bins) >= max_bins:
                return None
            b = _Bin(bin_w, bin_h)
            for choice in allowed[i]:
                w, h = items[i][choice]
                found = b.best(w, h, score)
                if found and (best is None or (found[0], 0, choice) < best[:3]):
                    best = (found[0], 0, choice, b, found[1], found[2])
            assert best is not None  # allowed[i] fits an empty bin
            bins.append(b)
            live.append(b)
        _, _, choice, b, x, y = best
        w, h = items[i][choice]
        b.place(Packed(i, choice, x, y), w, h)
        need = (tail_short[k + 1], tail_long[k + 1])
        if need != (tail_short[k], tail_long[k]):  # smaller boxes ahead no longer fit somewhere
            live = [lb for lb in live if lb.can_take(*need)]
        elif not b.can_take(*need):  # only the bin just filled has changed
            live.remove(b)
    return bins


def pack(
    items: Sequence[Sequence[Size]],
    bin_w: float,
    bin_h: float,
    *,
    orders: Sequence[Sequence[int]] = (),
) -> list[list[Packed]]:
    """Pack every item into bins of ``bin_w`` x ``bin_h``; each item offers one or more sizes.

    Returns the bins, each a list of placements. Every heuristic is run with every
    order (the built-in ones, largest first by several measures, then ``orders``,
    e.g. kit by kit); the fewest bins win, then the emptiest last bin (fuller early
    sheets). Stops early once the area lower bound is reached.
    """
    if not items:
        return []
    total = sum(min(w * h for w, h in sizes) for sizes in items)
    lower = max(1, math.ceil(total / (bin_w * bin_h) - 1e-9))
    best: tuple[tuple[int, float], list[_Bin]] | None = None
    tries = _tries(items)
    tries += [(list(order), score, "free") for order in orders for score in _HEURISTICS]
    for order, score, mode in tries:
        bins = _run(items, order, bin_w, bin_h, score, None, mode)
        assert bins is not None
        rank = (len(bins), bins[-1].used)
        if best is None or rank < best[0]:
            best = (rank, bins)
        if len(bins) == lower:
            break
    assert best is not None
    bins_out = [b.placed for b in best[1]]
    return _eliminate(items, bins_out, bin_w, bin_h, lower)


def _eliminate(
    items: Sequence[Sequence[Size]],
    bins: list[list[Packed]],
    bin_w: float,
    bin_h: float,
    lower: int,
    attempts: int = 3,
) -> list[list[Packed]]:
    """Empty the emptiest bins into the others where a repack makes room; fewer bins result.

    One pass of MaxRects leaves its last bins thin; moving their boxes one by one
    into bins that still repack with them (``pack_one``) often saves a sheet.
    """

    def area(i: int) -> float:
        return min(w * h for w, h in items[i])

    cap = bin_w * bin_h
    tried = 0
    while len(bins) > lower and tried < attempts:
        ranked = sorted(range(len(bins)), key=lambda b: (sum(area(q.item) for q in bins[b]), b))
        victim = ranked[min(tried, len(ranked) - 1)]
        trial = [list(b) for b in bins]
        moved = True
        for q in sorted(trial[victim], key=lambda q: (-area(q.item), q.item)):
            done = False
            for t in ranked:
                if t == victim or sum(area(p.item) for p in trial[t]) + area(q.item) > cap:
                    continue
                members = [p.item for p in trial[t]] + [q.item]
                fit = pack_one([items[i] for i in members], bin_w, bin_h)
                if fit is not None:
                    trial[t] = [Packed(members[f.item], f.choice, f.x, f.y) for f in fit]
                    done = True
                    break
            if not done:
                moved = False
                break
        if moved:
            bins = [b for i, b in enumerate(trial) if i != victim]
            tried = 0
        else:
            tried += 1
    return bins


def _tries(
    items: Sequence[Sequence[Size]],
) -> list[tuple[list[int], Callable[..., _Score], str]]:
    """(item order, heuristic, orientation mode) triples, in the fixed order they are tried."""

    def by(order: Callable[[Size], tuple[float, ...]]) -> list[int]:
        return sorted(range(len(items)), key=lambda i: order(min(items[i], key=lambda s: s[0] * s[1])))

    orders = [by(order) for order in _ORDERS]
    out = [(order, score, "free") for order in orders for score in _HEURISTICS]
    out += [(order, score, mode) for order in orders for score in (_bssf, _bl) for mode in ("tall", "wide")]
    return out


def pack_one(items: Sequence[Sequence[Size]], bin_w: float, bin_h: float) -> list[Packed] | None:
    """All items in one bin, or None; of the layouts that fit, the most compact one."""
    if bin_w <= 0 or bin_h <= 0:
        return None
    if sum(min(w * h for w, h in sizes) for sizes in items) > bin_w * bin_h * (1 + 1e-9):
        return None
    best: tuple[float, list[Packed]] | None = None
    for order, score, mode in _tries(items):
        try:
            bins = _run(items, order, bin_w, bin_h, score, 1, mode)
        except ValueError:
            return None
        if bins is None:
            continue
        placed = bins[0].placed
        x1 = max(p.x + items[p.item][p.choice][0] for p in placed)
        y1 = max(p.y + items[p.item][p.choice][1] for p in placed)
        if best is None or x1 * y1 < best[0] - _EPS:
            best = (x1 * y1, placed)
    return None if best is None else best[1]
