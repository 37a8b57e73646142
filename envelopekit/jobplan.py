"""What goes on the job sheet (``job-sheet.pdf``), as data: made from the job ticket.

:func:`sheet_plan` reads the ticket (:func:`envelopekit.job.ticket_data`, or
``job.json`` parsed) and says what the sheet shows, in reading order: a summary, the
paper stocks, the finishing per piece, then the assembly of one kit step by step with
the pictures each step needs (a piece and a view of its folded mockup). Where things
go on the page, fonts and drawing are :mod:`envelopekit.render.jobsheet`'s business.
Pure: no files, no clock, no PDF library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Heading", "Para", "Picture", "SheetPlan", "Step", "Table", "sheet_plan"]


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 1  # 1 = a section, 2 = a part of one


@dataclass(frozen=True, slots=True)
class Para:
    text: str
    kind: Literal["body", "note", "warning", "bullet"] = "body"


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of cells (a cell may hold several lines); ``widths`` are fractions of the text width."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Picture:
    """One folded view of one piece (``view``: front, back or inside)."""

    piece: str
    view: str
    caption: str


@dataclass(frozen=True, slots=True)
class Pictures:
    """Pictures side by side, all at one scale so their sizes compare."""

    pictures: tuple[Picture, ...]


@dataclass(frozen=True, slots=True)
class Step:
    number: int
    of: int
    title: str
    lines: tuple[str, ...]
    pictures: tuple[Picture, ...]


@dataclass(frozen=True, slots=True)
class NewPage:
    pass


Block = Heading | Para | Table | Pictures | Step | NewPage


@dataclass(frozen=True, slots=True)
class SheetPlan:
    title: str
    subtitle: str
    banner: str  # "" for print output; else printed large in the header (PROOF, INTERRUPTED)
    footer: str
    blocks: tuple[Block, ...]

    def pieces(self) -> list[str]:
        """Every piece a picture shows, once, in order."""
        seen: dict[str, None] = {}
        for b in self.blocks:
            pictures = b.pictures if isinstance(b, Step | Pictures) else ()
            for p in pictures:
                seen.setdefault(p.piece, None)
        return list(seen)


def _n(v: Any) -> str:
    return "-" if v is None else f"{v:,}" if isinstance(v, int) else str(v)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _mm(wh: Sequence[float] | None) -> str:
    return f"{wh[0]:.0f} x {wh[1]:.0f} mm" if wh else "-"


MAX_FILE_LINES = 6
"""A table cell lists at most this many files; a big batch's others are counted (job.json has all)."""


def _listed(lines: Sequence[str]) -> str:
    """File lines for one table cell: all of a few, or the first and last of many."""
    if len(lines) <= MAX_FILE_LINES:
        return "\n".join(lines)
    head, tail = lines[: MAX_FILE_LINES - 2], lines[-1:]
    return "\n".join([*head, f"... {len(lines) - len(head) - len(tail)} more (see job.json) ...", *tail])


def _summary(t: Mapping[str, Any]) -> Table:
    counts = t.get("counts", {})
    kit = t["kit"]
    files = t.get("files", [])
    pieces = kit["pieces"]
    imp = t.get("imposition")
    if imp:
        how = f"imposed on {imp.get('sheet')} ({imp.get('strategy')}"
        how += f", duplex {imp['duplex']})" if imp.get("duplex") else ")"
    else:
        how = "single-up: one piece side per page, " + (
            "kit by kit in one file"
            if t.get("group", "record") == "record"
            else "a file per stock, kit by kit in each"
        )
    rejected = counts.get("rejected", 0)
    rows = [
        ("Job", f"{t.get('job') or '-'}  (layout {t['layout']}, envelopekit {t.get('envelopekit')})"),
        ("Output", f"{t['output']}, {t.get('output_condition')}; {how}"),
        (
            "Kits",
            f"{_plural(counts.get('built', 0), 'kit')} built"
            + (f"; {_plural(rejected, 'record')} rejected (see errors.csv)" if rejected else ""),
        ),
        (
            "One kit",
            f"{_plural(len(pieces), 'piece')}: "
            + ", ".join(p["label"] for p in pieces)
            + f"; closed {kit['thickness_mm']:g} mm thick, {kit['weight_g']:g} g",
        ),
        (
            "Files",
            _listed(
                [
                    f"{f['file']}: {_plural(f.get('pages', 0), 'page')}, {_plural(f.get('kits', 0), 'kit')}"
                    for f in files
                ]
            )
            or "none",
        ),
    ]
    return Table(("", ""), tuple(rows), (0.16, 0.84))


def _stock_rows(t: Mapping[str, Any]) -> Table:
    rows = []
    for s in t["stocks"]:
        n = len(s["pieces"])
        kits = s["pieces"][0]["quantity"] if s["pieces"] else 0
        print_ = "CMYK, " + ("both sides" if s["sides"] == 2 else "one side")
        tech = ", ".join(i["ink"] for i in s["colours"]["technical"]) or "none"
        files = []
        for f in s["files"]:
            where = f"{f['file']}: "
            if f.get("pages") is None:
                where += "shared with other stocks"
            else:
                where += _plural(f["pages"], "page")
                if f.get("mixed"):
                    where += " (shared file)"
            if f.get("sheets"):
                where += f", {_plural(f['sheets'], 'sheet')}"
            if f.get("side"):
                where += f", {f['side']}"
            files.append(where)
        sheet = s["sheet"]
        paper = sheet["name"] if sheet["mm"] is None else f"{sheet['name']} {_mm(sheet['mm'])}"
        if s.get("sheets") is not None:
            paper += f"\n{_plural(s['sheets'], 'sheet')}"
        rows.append(
            (
                f"{s['stock']}\n{_n(s['gsm'])} gsm {s.get('kind') or ''}".strip(),
                "\n".join(f"{p['label']} ({p['colours']})" for p in s["pieces"]),
                f"{s['quantity']:,}\n({kits:,} kits x {n})",
                print_,
                tech,
                paper,
                _listed(files) or "none yet",
            )
        )
    return Table(
        ("Stock", "Pieces", "Quantity", "Print", "Die-line inks", "Sheet", "Files"),
        tuple(rows),
        (0.13, 0.17, 0.1, 0.13, 0.13, 0.12, 0.22),
    )


def _inks_note(t: Mapping[str, Any]) -> str:
    proof = t["output"] == "proof"
    techs = sorted({i["ink"] for s in t["stocks"] for i in s["colours"]["technical"]})
    text = (
        "Printed in CMYK process colours; crop and fold marks outside the trim in the registration "
        "colour All. "
    )
    if techs:
        text += (
            f"The spot inks {', '.join(techs)} are technical: they are the die lines for the cutter "
            "and the die maker (solid CutContour = cut, dashed Crease = crease, Glue = glue areas), "
            "set to overprint, and are not printed."
        )
    if proof:
        text += " This is a proof: the die lines are drawn in colour so they show."
    return text


def _finishing(t: Mapping[str, Any]) -> Table:
    sizes = {p["piece"]: p["trim_mm"] for p in t["kit"]["pieces"]}
    rows = []
    for f in t["finishing"]:
        steps = "\n".join(f"{s['n']}. {s['text']}" for s in f["steps"])
        rows.append(
            (
                f"{f['label']}\n({f['piece']})",
                f"{f['stock']}\n{_mm(sizes.get(f['piece']))} flat",
                f"{f['quantity']:,}",
                ", ".join(f["inks"]) or "-",
                steps,
            )
        )
    return Table(
        ("Piece", "Stock, size", "Qty", "Inks", "Steps"), tuple(rows), (0.15, 0.14, 0.06, 0.11, 0.54)
    )


def _assembly(t: Mapping[str, Any]) -> list[Block]:
    a = t["assembly"]
    blocks: list[Block] = [NewPage(), Heading("Assembly: one kit, step by step")]
    blocks += [Para(n, "bullet") for n in a["notes"]]
    blocks.append(Heading("The parts of one kit, as the recipient finds them", 2))
    blocks.append(
        Para(
            "The pictures show the layout's sample recipient; every kit carries its own recipient's "
            "name, address and codes.",
            "note",
        )
    )
    folded = {i["piece"] for s in a["steps"] for i in s["insert"] if i.get("fold", "flat") != "flat"}
    parts = [  # in kit order, outer to inner, as they are opened; a folded card opened
        Picture(p["piece"], "inside" if p["piece"] in folded else "front", p["label"])
        for p in t["kit"]["pieces"]
    ]
    for chunk in range(0, len(parts), 4):
        blocks.append(Pictures(tuple(parts[chunk : chunk + 4])))
    steps = a["steps"]
    for s in steps:
        title = (
            f"Fill and close the outer envelope ({s['label']})"
            if s["number"] is None
            else f"Fill and close envelope {s['number']} ({s['label']})"
        )
        blocks.append(
            Step(
                s["step"],
                len(steps),
                title,
                tuple(s["text"]),
                tuple(Picture(p["piece"], p["view"], p["caption"]) for p in s["pictures"]),
            )
        )
    built = t.get("counts", {}).get("built", 0)
    blocks.append(Para(f"Done: one kit is assembled. Repeat for each of the {built:,} kits.", "note"))
    return blocks


def sheet_plan(ticket: Mapping[str, Any]) -> SheetPlan:
    """The job sheet of ``ticket`` (the data of ``job.json``)."""
    t = ticket
    banner = ""
    if t["output"] == "proof":
        banner = "PROOF: not for production"
    if t.get("state") != "complete":
        banner = "INTERRUPTED: incomplete build"
    blocks: list[Block] = [Heading("Summary"), _summary(t)]
    blocks += [Para(w, "warning") for w in t.get("warnings", ())]
    blocks += [Heading("Paper stocks"), _stock_rows(t), Para(_inks_note(t), "note")]
    blocks += [Heading("Finishing, per piece"), _finishing(t)]
    blocks += _assembly(t)
    job = t.get("job") or t["layout"]
    return SheetPlan(
        title=f"Job sheet: {job}",
        subtitle=t.get("title") or t["layout"],
        banner=banner,
        footer=f"{job}  job sheet  layout {t['layout']}  {t['output']}",
        blocks=tuple(blocks),
    )
