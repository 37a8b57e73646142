"""Die-line rules: cutting, creasing and glue lines as a cutting RIP needs them.

On the exact spot names (a look-alike name is flagged), overprinting, alone on their
separations, and each drawn once (PRINT.md item 6).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from .context import Limits, PageContext, Profile, finding
from .drawn import Paint
from .measure import colours_of, die_of, segments_of, where_of
from .report import Finding


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_DIE_LIKE = {
    "cut",
    "cutline",
    "cutlines",
    "diecut",
    "die",
    "dieline",
    "dielines",
    "thrucut",
    "kisscut",
    "cutter",
    "contourcut",
    "perf",
    "perforation",
    "score",
    "scoring",
    "fold",
    "creaseline",
}


def check_die_names(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    exact = {_norm(n): n for n in limits.die_inks}
    for e in page.events:
        for colour, _what in colours_of(e):
            for name in colour.space.colorants:
                if name in limits.die_inks:
                    continue
                key = _norm(name)
                if key in exact:
                    yield finding(
                        "die-spot-name",
                        "error",
                        page.number,
                        f"spot {name!r} is not {exact[key]!r}: cutting RIPs match the exact name",
                        e.where,
                        f"rename the swatch to {exact[key]} (case and spaces matter)",
                    )
                elif key in _DIE_LIKE:
                    yield finding(
                        "die-spot-name",
                        "warning",
                        page.number,
                        f"spot {name!r} looks like a die line but is none of {', '.join(limits.die_inks)}",
                        e.where,
                        "use the die-line inks the shop's RIP expects (CutContour, Crease, Glue)",
                    )


def check_die_overprint(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        if isinstance(e, Paint) and e.op == "stroke" and die_of(e.colour, limits) and not e.overprint:
            yield finding(
                "die-overprint",
                "error",
                page.number,
                f"{'+'.join(die_of(e.colour, limits))} die line does not overprint (knocks out artwork)",
                where_of(e, page, e.bbox),
                "set stroke overprint (/OP true) for die lines",
            )


def check_die_separation(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    for e in page.events:
        for colour, what in colours_of(e):
            inks = die_of(colour, limits)
            if not inks:
                continue
            if isinstance(e, Paint) and e.op == "stroke":
                others = [n for n in colour.space.colorants if n not in limits.die_inks]
                if others:
                    yield finding(
                        "die-separation",
                        "error",
                        page.number,
                        f"die line shares a DeviceN colour with {', '.join(others)}",
                        where_of(e, page, e.bbox),
                        "stroke die lines in their spot colour alone",
                    )
                continue
            box = getattr(e, "bbox", None)
            yield finding(
                "die-separation",
                "error",
                page.number,
                f"{what} on the {'+'.join(inks)} separation (only die-line strokes belong there)",
                where_of(e, page, box),
                "draw artwork in process colours; die separations hold die lines only",
            )


def _path_key(e: Paint) -> frozenset[tuple[tuple[float, float], tuple[float, float]]]:
    out = set()
    for a, b in segments_of(e):
        p = (round(a[0], 2), round(a[1], 2))
        q = (round(b[0], 2), round(b[1], 2))
        if p != q:
            out.add((p, q) if p <= q else (q, p))
    return frozenset(out)


def check_die_duplicate(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    seen: dict[tuple[str, frozenset[Any]], Paint] = {}
    for e in page.events:
        if not (isinstance(e, Paint) and e.op == "stroke"):
            continue
        for ink in die_of(e.colour, limits):
            key = (ink, page.memo("path", e, partial(_path_key, e)))
            if not key[1]:
                continue
            if key in seen:
                yield finding(
                    "die-duplicate",
                    "error",
                    page.number,
                    f"{ink} path drawn twice (the cutter would run it twice)",
                    where_of(e, page, e.bbox),
                    "draw each die line once",
                )
            else:
                seen[key] = e
