"""The job ticket (``job.json``): what a build made, for the operator and the print shop.

Pure data in, JSON text out (no clock, keys in a fixed order): the layout, the counts,
every piece of the kit (kind, trim size, stock, sides printed), every file with its
SHA-256, and how it was imposed; then what the shop and the fulfilment team need:

- ``stocks``: per paper stock, the pieces printed on it with their quantities (kits
  built x one piece per kit), the sides and colours (CMYK process; the die-line spot
  inks are technical: they drive the cutter and are not printed), the sheet or page
  sizes, and the files that hold it with their page (or sheet) counts.
- ``finishing``: per piece, the steps in order: cut (on ``CutContour``, or cards on
  the crop marks), crease (on ``Crease``), fold, glue (on the ``Glue`` areas, naming
  the flap and what it is glued onto).
- ``assembly``: one kit, step by step, innermost envelope first: which card and
  envelope go into which, in what order, and how each closes. Envelopes inside the
  outer one are numbered in the order the recipient opens them.

A file entry is ``{file, sha256, pages, kits}`` and may say which stock it holds
(``stock``, else a file name ending in the stock's name, ``kits-00001-card-300.pdf``)
and which side (``side``: ``front``, ``back`` for a sheetwise second pass, ``duplex``
for fronts each followed by its back, ``simplex``). A file naming no stock holds all
of the kit's stocks (single-up output with ``group`` "record": kit by kit, as a proof is).
``group`` says which: "stock" (the default for print, and always for imposed sheets) or
"record".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .catalog import lookup_sheet
from .errors import CatalogError
from .kit import Piece, ResolvedCard, ResolvedEnvelope, ResolvedKit
from .nets.base import Net
from .pages import single_up
from .units import mm

__all__ = ["INKS", "ticket_data", "ticket_json"]

INKS = {"cut": "CutContour", "crease": "Crease", "glue": "Glue", "registration": "All"}
"""The separation names the renderer strokes die lines and marks in (render.pdf.Inks)."""
PROCESS = ("Cyan", "Magenta", "Yellow", "Black")
TECHNICAL = (
    (INKS["cut"], "cut line (die): solid"),
    (INKS["crease"], "crease / fold line: dashed"),
    (INKS["glue"], "glue areas: outlined"),
)
FLAP_WORDS = {
    "left": "left side flap",
    "right": "right side flap",
    "top": "top side flap",
    "bottom": "bottom side flap",
    "back": "back flap",
    "seal": "seal flap",
    "front": "front panel",
}
FOLDS = {1: "half", 2: "tri"}
FOLD_WORDS = {"half": "in half", "tri": "in thirds"}
CLOSE_CAPTIONS = {"glue": "close: glue the {} down", "tuck": "close: tuck the {} in", "none": "closed"}


def _mm(v: float) -> float:
    return round(v / mm, 1)


def _size(w: float, h: float) -> str:
    return f"{w / mm:.0f} x {h / mm:.0f} mm"


def _flap(name: str) -> str:
    return FLAP_WORDS.get(name, f"{name} flap")


def _and(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _flaps(names: Sequence[str]) -> str:
    """ "left and right side flaps", "back flap", ..."""
    sides = {"left", "right", "top", "bottom"}
    if len(names) > 1 and all(n in sides for n in names):
        return _and(list(names)) + " side flaps"
    return _and([_flap(n) for n in names])


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# --- the kit's pieces ----------------------------------------------------------------------


def _piece(piece: Piece) -> dict[str, Any]:
    return {
        "piece": piece.key,
        "kind": piece.kind,
        "label": piece.label,
        "trim_mm": [round(piece.width / mm, 2), round(piece.height / mm, 2)],
        "style": piece.net.style if piece.net is not None else None,
        "stock": piece.stock.name if piece.stock is not None else None,
        "gsm": piece.stock.gsm if piece.stock is not None else None,
        "sides": 2 if piece.duplex else 1,
        "level": piece.level,
        "personal": piece.variable,
    }


def _stock_name(piece: Piece) -> str:
    return piece.stock.name if piece.stock is not None else "unspecified"


def _piece_inks(piece: Piece) -> list[str]:
    """The technical (unprinted) separations on a piece's side A."""
    if piece.net is not None:
        return [INKS["cut"], INKS["crease"]] + ([INKS["glue"]] if piece.net.glue else [])
    return [INKS["crease"]] if piece.folds else []


def _colours(piece: Piece) -> str:
    return "4/4" if piece.duplex else "4/0"


# --- files ------------------------------------------------------------------------------------


def _file_stock(entry: Mapping[str, Any], stocks: Sequence[str]) -> str | None:
    """The stock a file holds: its ``stock`` key, else the longest stock name its file
    name carries as a dash-separated part (``kits-00001-card-300.pdf``), else None (all)."""
    if entry.get("stock"):
        return str(entry["stock"])
    stem = "-" + _slug(str(entry.get("file", "")).rsplit(".", 1)[0]) + "-"
    found = [s for s in stocks if f"-{_slug(s)}-" in stem]
    return max(found, key=len) if found else None


def _sheets(entry: Mapping[str, Any], imposed: bool) -> int | None:
    """Press sheets a file's pages make, when its side says (imposed output only)."""
    pages = entry.get("pages")
    if not imposed or not isinstance(pages, int):
        return None
    side = entry.get("side")
    if side == "back":
        return 0  # the second pass of sheets counted in their fronts' file
    if side == "duplex":
        return pages // 2
    if side in ("front", "simplex"):
        return pages
    return None


def _stock_files(
    stock: str,
    files: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    per_kit: int,
    imposed: bool,
    proof: bool,
) -> list[dict[str, Any]]:
    out = []
    for f in files:
        held = _file_stock(f, names)
        if held is not None and held != stock:
            continue
        entry: dict[str, Any] = {"file": f.get("file"), "kits": f.get("kits")}
        if f.get("side"):
            entry["side"] = f["side"]
        if held is None and len(names) > 1:
            entry["mixed"] = True  # the file holds other stocks too
            # Single-up pages are kit by kit: this stock's share is known exactly.
            kits = f.get("kits")
            entry["pages"] = per_kit * kits if not imposed and isinstance(kits, int) else None
        else:
            entry["pages"] = f.get("pages")
            entry["sheets"] = _sheets(f, imposed)
        out.append(entry)
    return out


# --- stocks -----------------------------------------------------------------------------------


def _stocks(
    kit: ResolvedKit,
    built: int,
    files: Sequence[Mapping[str, Any]],
    imposition: Mapping[str, Any] | None,
    proof: bool,
    bleed: float,
) -> list[dict[str, Any]]:
    groups: dict[str, list[Piece]] = {}
    for p in kit.pieces:
        groups.setdefault(_stock_name(p), []).append(p)
    names = list(groups)
    sheet = _sheet(imposition)
    out = []
    for name, pieces in groups.items():
        st = pieces[0].stock
        per_kit = sum(2 if p.duplex else 1 for p in pieces)
        inks = [i for i, _ in TECHNICAL if any(i in _piece_inks(p) for p in pieces)]
        entry_files = _stock_files(name, files, names, per_kit, imposition is not None, proof)
        sheets = [f["sheets"] for f in entry_files if not f.get("mixed")]
        out.append(
            {
                "stock": name,
                "gsm": st.gsm if st is not None else None,
                "kind": st.kind if st is not None else None,
                "caliper_mm": round(st.caliper / mm, 2) if st is not None else None,
                "pieces": [
                    {
                        "piece": p.key,
                        "label": p.label,
                        "kind": p.kind,
                        "quantity": built,
                        "sides": 2 if p.duplex else 1,
                        "colours": _colours(p),
                        "trim_mm": [_mm(p.width), _mm(p.height)],
                        "page_mm": _page_mm(p, bleed) if imposition is None else None,
                    }
                    for p in pieces
                ],
                "quantity": built * len(pieces),
                "impressions": built * per_kit,  # piece sides printed (single-up: pages)
                "sides": 2 if any(p.duplex for p in pieces) else 1,
                "colours": {
                    "process": list(PROCESS),
                    "side_a": "CMYK",
                    "side_b": "CMYK" if any(p.duplex for p in pieces) else None,
                    "registration": INKS["registration"],
                    "technical": [
                        {"ink": i, "use": use, "printed": proof} for i, use in TECHNICAL if i in inks
                    ],
                },
                "sheet": sheet,
                "files": entry_files,
                "sheets": sum(s for s in sheets if s is not None) if sheets and None not in sheets else None,
            }
        )
    return out


def _page_mm(piece: Piece, bleed: float) -> list[float]:
    page = single_up(piece.width, piece.height, bleed=bleed)
    return [_mm(page.media.width), _mm(page.media.height)]


def _sheet(imposition: Mapping[str, Any] | None) -> dict[str, Any]:
    if imposition is None:
        return {"name": "single-up", "mm": None, "note": "one piece side per page, page sizes per piece"}
    name = str(imposition.get("sheet"))
    try:
        s = lookup_sheet(name)
    except CatalogError:
        return {"name": name, "mm": None, "note": ""}
    return {"name": s.name, "mm": [_mm(s.width), _mm(s.height)], "note": s.press}


# --- finishing --------------------------------------------------------------------------------


def _net_steps(net: Net) -> list[dict[str, Any]]:
    flaps = net.flaps()
    closing = flaps[-1].name if flaps else None
    glue: dict[str, list[str]] = {}
    for g in net.glue:
        onto = glue.setdefault(g.panel, [])
        if g.onto not in onto:
            onto.append(g.onto)
    rank = {p.name: i for i, p in enumerate(net.panels)}
    for onto in glue.values():
        onto.sort(key=lambda n: rank.get(n, len(rank)))
    steps: list[dict[str, Any]] = [
        {
            "step": "cut",
            "ink": INKS["cut"],
            "text": (
                f"Die-cut the outline on the {INKS['cut']} line."
                if not net.holes
                else f"Die-cut the outline and the window{'s' if len(net.holes) > 1 else ''} on the "
                f"{INKS['cut']} lines."
            ),
        },
        {
            "step": "crease",
            "ink": INKS["crease"],
            "lines": len(net.folds),
            "text": f"Crease the {len(net.folds)} fold lines on the {INKS['crease']} lines (dashed).",
        },
    ]
    orders = sorted({p.order for p in flaps if p.name != closing})
    for order in orders:
        for name in [p.name for p in flaps if p.order == order and p.name != closing and p.name in glue]:
            steps.append(
                {
                    "step": "glue",
                    "ink": INKS["glue"],
                    "flap": name,
                    "onto": glue[name],
                    "text": f"Fold the {_flap(name)} over the {_flaps(glue[name])} and glue it down "
                    f"({INKS['glue']} areas on the {_flap(name)}).",
                }
            )
        group = [p.name for p in flaps if p.order == order and p.name != closing and p.name not in glue]
        if group:
            steps.append(
                {
                    "step": "fold",
                    "flaps": group,
                    "text": f"Fold the {_flaps(group)} in, behind the front (printed side out).",
                }
            )
    if closing is not None:
        steps.append(
            {
                "step": "fold",
                "flaps": [closing],
                "text": f"Pre-fold the {_flap(closing)} and open it again: the envelope is filled "
                "at assembly.",
            }
        )
        if closing in glue:
            steps.append(
                {
                    "step": "glue",
                    "ink": INKS["glue"],
                    "flap": closing,
                    "onto": glue[closing],
                    "at": "assembly",
                    "text": f"Leave the {_flap(closing)}'s {INKS['glue']} area unglued: it is glued onto the "
                    f"{_flaps(glue[closing])} when the envelope is closed at assembly.",
                }
            )
    return steps


def _card_fold(piece: Piece) -> str:
    return FOLDS.get(len(piece.folds), "flat") if piece.folds else "flat"


def _card_steps(piece: Piece) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [
        {
            "step": "cut",
            "ink": None,
            "text": f"Cut to {_size(piece.width, piece.height)} on the crop marks.",
        }
    ]
    n = len(piece.folds)
    if not n:
        return steps
    steps.append(
        {
            "step": "crease",
            "ink": INKS["crease"],
            "lines": n,
            "text": f"Crease the {n} fold line{'s' if n > 1 else ''} on the {INKS['crease']} lines (dashed).",
        }
    )
    vertical = piece.width >= piece.height
    if n == 1:
        how = "Fold in half, the printed side A inside."
    elif n == 2:
        first, last = ("right", "left") if vertical else ("bottom", "top")
        how = (
            f"Fold in thirds, side A inside: with side A up, fold the {first} third in first, "
            f"then the {last} third over it."
        )
    else:
        how = f"Fold on the {n} creases, side A inside."
    steps.append({"step": "fold", "fold": _card_fold(piece), "text": how})
    return steps


def _finishing(kit: ResolvedKit, built: int) -> list[dict[str, Any]]:
    return [
        {
            "piece": p.key,
            "label": p.label,
            "kind": p.kind,
            "stock": _stock_name(p),
            "quantity": built,
            "inks": _piece_inks(p),
            "steps": [
                {"n": n, **s}
                for n, s in enumerate(_net_steps(p.net) if p.net is not None else _card_steps(p), start=1)
            ],
        }
        for p in kit.pieces
    ]


# --- assembly ---------------------------------------------------------------------------------


def _opening_order(kit: ResolvedKit) -> dict[str, int]:
    """Envelopes inside the outer one, numbered 1, 2, ... as the recipient opens them
    (depth first, in the layout's order)."""
    numbers: dict[str, int] = {}
    for e in kit.envelopes():
        if e is not kit.outer:
            numbers[e.spec.name] = len(numbers) + 1
    return numbers


def _post_order(e: ResolvedEnvelope) -> Iterator[ResolvedEnvelope]:
    for c in e.contents:
        if isinstance(c, ResolvedEnvelope):
            yield from _post_order(c)
    yield e


def _closing(net: Net) -> dict[str, Any]:
    flaps = net.flaps()
    if not flaps:
        return {"how": "none", "flap": None, "onto": [], "text": "It has no flap to close."}
    flap = flaps[-1].name
    onto = list(dict.fromkeys(g.onto for g in net.glue if g.panel == flap))
    if onto:
        return {
            "how": "glue",
            "flap": flap,
            "onto": onto,
            "text": f"Close it: fold the {_flap(flap)} over and press its glue area onto the {_flaps(onto)}.",
        }
    return {
        "how": "tuck",
        "flap": flap,
        "onto": [],
        "text": f"Close it: fold the {_flap(flap)} over and tuck it in (no glue).",
    }


def _envelope_size(e: ResolvedEnvelope) -> str:
    named = "" if re.match(r"^[0-9.]+\s*x", e.size_name) else f"{e.size_name}, "
    return f"{e.spec.style}, {named}{_size(e.width, e.height)}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _envelope_name(e: ResolvedEnvelope, numbers: Mapping[str, int]) -> str:
    n = numbers.get(e.spec.name)
    return f"envelope {n}" if n is not None else "the outer envelope"


def _assembly(kit: ResolvedKit, how: str = "record") -> dict[str, Any]:
    numbers = _opening_order(kit)
    pieces = {p.key: p for p in kit.pieces}
    closed_in: dict[str, int] = {}
    steps = []
    for i, e in enumerate(_post_order(kit.outer), start=1):
        piece = pieces[e.spec.name]
        name = _envelope_name(e, numbers)
        insert: list[dict[str, Any]] = []
        words = []
        for c in e.contents:
            cp = pieces[c.spec.name]
            if isinstance(c, ResolvedCard):
                fold = _card_fold(cp)
                item: dict[str, Any] = {"piece": cp.key, "kind": "card", "label": cp.label, "fold": fold}
                folded = fold in FOLD_WORDS and FOLD_WORDS[fold] not in cp.label  # said once
                word = f"the {cp.label}" + (f" (folded {FOLD_WORDS[fold]})" if folded else "")
                if e.window is not None and e.window.carrier == c.spec.name:
                    item["window"] = e.window.view  # the folded face that shows through the window
                    others = len(e.contents) > 1
                    word += (
                        f", its {e.window.view} face (the one with the address) towards the envelope's "
                        "front and the address the right way up, so that it shows in the window"
                        + (" (in front of everything else in the envelope)" if others else "")
                    )
                insert.append(item)
                words.append(word)
            else:
                n = numbers[c.spec.name]
                insert.append(
                    {
                        "piece": cp.key,
                        "kind": "envelope",
                        "label": cp.label,
                        "number": n,
                        "closed_in": closed_in[cp.key],
                    }
                )
                words.append(f"envelope {n} ({cp.label}, closed in assembly step {closed_in[cp.key]})")
        closing = _closing(e.net)
        put = (
            f"Put in {words[0]}."
            if len(words) == 1
            else "Put in, in this order: " + ", then ".join(words) + "."
        )
        take = f"Take {name}: {piece.label} ({_envelope_size(e)}), flap open, printed side out."
        steps.append(
            {
                "step": i,
                "envelope": piece.key,
                "label": piece.label,
                "number": numbers.get(e.spec.name),
                "style": e.spec.style,
                "size": e.size_name,
                "size_mm": [_mm(e.width), _mm(e.height)],
                "insert": insert,
                "close": closing,
                "text": [take, put if words else "It holds nothing.", closing["text"]],
                "pictures": [
                    {"piece": piece.key, "view": "front", "caption": f"take: {name}"},
                    *(
                        {"piece": c["piece"], "view": "front", "caption": "put in: " + c["label"]}
                        for c in insert
                    ),
                    {
                        "piece": piece.key,
                        "view": "back",
                        "caption": CLOSE_CAPTIONS[closing["how"]].format(_flap(closing["flap"] or "")),
                    },
                ],
            }
        )
        closed_in[piece.key] = i
    opening = [
        {"piece": e.spec.name, "label": pieces[e.spec.name].label, "number": numbers.get(e.spec.name)}
        for e in kit.envelopes()
    ]
    personal = [p.key for p in kit.pieces if p.variable]
    notes = [
        f"One kit is {len(kit.pieces)} pieces: "
        + _count(len([p for p in kit.pieces if p.kind == "net"]), "envelope", "envelopes")
        + " and "
        + _count(len([p for p in kit.pieces if p.kind == "card"]), "card or letter", "cards or letters")
        + "; closed it is "
        f"{kit.thickness / mm:.1f} mm thick and weighs {kit.weight:.0f} g.",
        "Work from the innermost envelope outwards; the recipient opens them in the opposite order: "
        + ", then ".join(
            "the outer envelope" if o["number"] is None else f"envelope {o['number']}" for o in opening
        )
        + ".",
    ]
    if personal:
        labels = [pieces[k].label for k in personal]
        notes.append(f"Printed for one recipient: {_and(labels)}. " + _FINDING[how])
    return {"opening_order": opening, "personal": personal, "notes": notes, "steps": steps}


_FINDING = {
    "record": "Assemble each kit from the pieces of one record only (single-up files hold them "
    "together, kit by kit, in manifest order).",
    "stock": "Assemble each kit from the pieces of one record only: each stock has its own file, "
    "and every file holds its pieces kit by kit in manifest order, so the n-th kit's pieces are "
    "the n-th of each file (the slug line names the record; the manifest gives each record's "
    "file and pages in every stock file).",
    "imposed": "Assemble each kit from the pieces of one record only: the slug line of every sheet "
    "names the records on it, and the manifest gives each record's files, sheets and placements.",
}
"""How a record's pieces are found in the files: single-up kit by kit, single-up a file per
stock, or imposed."""


# --- the ticket -------------------------------------------------------------------------------


def _warnings(stocks: Sequence[Mapping[str, Any]], imposition: Mapping[str, Any] | None) -> list[str]:
    out = []
    mixed = sorted({f["file"] for s in stocks for f in s["files"] if f.get("mixed")})
    if mixed and imposition is not None:
        out.append(
            f"{_and(mixed)} hold{'s' if len(mixed) == 1 else ''} pieces of {len(stocks)} stocks on the same "
            "sheets: split them by stock before printing"
        )
    elif mixed:
        out.append(
            f"{_and(mixed)} interleave{'s' if len(mixed) == 1 else ''} {len(stocks)} stocks kit by kit: "
            "feed each page on its piece's stock (the slug line names the piece)"
        )
    return out


def ticket_data(
    kit: ResolvedKit,
    *,
    version: str,
    counts: Mapping[str, int],
    files: Sequence[Mapping[str, Any]],
    imposition: Mapping[str, Any] | None,
    proof: bool,
    state: str = "complete",
    group: str | None = None,
) -> dict[str, Any]:
    """The ticket as plain data (:func:`ticket_json` writes it as JSON). ``group`` says how
    single-up pages went into files: "stock" (a file per stock and sides printed) or
    "record" (kit by kit, every stock in one file); imposed sheets always hold one stock.
    None: as the files say (record when one holds every stock)."""
    spec = kit.spec
    if group is None:
        names = list(dict.fromkeys(_stock_name(p) for p in kit.pieces))
        whole = len(names) > 1 and any(_file_stock(f, names) is None for f in files)
        group = "record" if whole else "stock"
    built = int(counts.get("built", 0))
    stocks = _stocks(kit, built, files, imposition, proof, spec.bleed)
    return {
        "envelopekit": version,
        "state": state,  # "complete", or "interrupted": the files listed are all there is so far
        "layout": spec.name,
        "title": spec.title,
        "job": spec.job,
        "output": "proof" if proof else "print",
        "output_condition": spec.output_condition,
        "counts": dict(counts),
        "kit": {
            "pieces": [_piece(p) for p in kit.pieces],
            "thickness_mm": round(kit.thickness / mm, 2),
            "weight_g": round(kit.weight, 1),
        },
        "imposition": dict(imposition) if imposition else None,
        "group": "stock" if imposition else group,
        "files": [dict(f) for f in files],
        "stocks": stocks,
        "finishing": _finishing(kit, built),
        "assembly": _assembly(kit, "imposed" if imposition else group),
        "warnings": _warnings(stocks, imposition),
    }


def ticket_json(data: Mapping[str, Any]) -> str:
    """The text of ``job.json`` for :func:`ticket_data`: deterministic (no clock), keys in
    the ticket's fixed order."""
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
