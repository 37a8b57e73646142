"""The job ticket (job.json) and the job sheet (job-sheet.pdf): stocks, quantities that
match the pages, finishing steps, an assembly order that is possible, and a sheet a
person can read (every piece named, fonts embedded)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import Built

from envelopekit.batch import build
from envelopekit.job import ticket_data, ticket_json
from envelopekit.kit import ResolvedKit, resolve
from envelopekit.layouts import load_layout

LAYOUTS = ("help-me", "wedding", "onboarding")


def _kit(name: str) -> ResolvedKit:
    return resolve(load_layout(name))


def _ticket(kit: ResolvedKit, files: list[dict[str, Any]], *, built: int = 10, **kw: Any) -> dict[str, Any]:
    pages = sum(f["pages"] for f in files)
    counts = {"records": built, "built": built, "rejected": 0, "pages": pages}
    return ticket_data(
        kit,
        version="test",
        counts=counts,
        files=files,
        imposition=kw.pop("imposition", None),
        proof=kw.pop("proof", False),
    )


def _sides(kit: ResolvedKit) -> int:
    return sum(2 if p.duplex else 1 for p in kit.pieces)


# --- the ticket -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_piece_is_on_one_stock_with_the_quantity_built(name: str) -> None:
    kit = _kit(name)
    t = _ticket(kit, [{"file": "kits-00001.pdf", "sha256": "0", "pages": 10 * _sides(kit), "kits": 10}])
    on = Counter(p["piece"] for s in t["stocks"] for p in s["pieces"])
    assert on == Counter(p.key for p in kit.pieces)
    for s in t["stocks"]:
        assert {p.stock.name for p in kit.pieces if p.key in {q["piece"] for q in s["pieces"]}} == {
            s["stock"]
        }
        assert all(p["quantity"] == 10 for p in s["pieces"])
        assert s["quantity"] == 10 * len(s["pieces"])
        assert s["colours"]["process"] == ["Cyan", "Magenta", "Yellow", "Black"]
        assert not any(i["printed"] for i in s["colours"]["technical"])
    # single-up: each stock's share of the one file adds up to its pages
    assert sum(f["pages"] for s in t["stocks"] for f in s["files"]) == 10 * _sides(kit)
    assert sum(s["impressions"] for s in t["stocks"]) == 10 * _sides(kit)
    assert [f["piece"] for f in t["finishing"]] == [p.key for p in kit.pieces]


def test_quantities_match_the_pages_of_a_real_build(help_me: Built) -> None:
    t = json.loads((help_me.outdir / "job.json").read_text())
    kit = help_me.kit
    from pypdf import PdfReader

    pages = sum(len(PdfReader(help_me.outdir / f["file"]).pages) for f in t["files"])
    assert pages == t["counts"]["pages"] == sum(s["impressions"] for s in t["stocks"])
    assert sum(f["pages"] for s in t["stocks"] for f in s["files"]) == pages
    per_stock = Counter(p.stock.name for p in kit.pieces)
    assert {s["stock"]: s["quantity"] for s in t["stocks"]} == {k: 10 * n for k, n in per_stock.items()}
    assert {s["stock"] for s in t["stocks"]} == {"envelope-100", "text-120", "card-300"}


def test_files_split_by_stock_are_listed_under_their_stock() -> None:
    kit = _kit("help-me")
    files = [
        {"file": "kits-00001-envelope-100.pdf", "sha256": "0", "pages": 40, "kits": 10},
        {"file": "kits-00001-card-300.pdf", "sha256": "0", "pages": 30, "kits": 10},
        {"file": "kits-00001-x.pdf", "sha256": "0", "pages": 10, "kits": 10, "stock": "text-120"},
    ]
    t = _ticket(kit, files)
    by = {s["stock"]: s for s in t["stocks"]}
    assert [f["file"] for f in by["card-300"]["files"]] == ["kits-00001-card-300.pdf"]
    assert [f["file"] for f in by["text-120"]["files"]] == ["kits-00001-x.pdf"]
    for s in t["stocks"]:
        assert sum(f["pages"] for f in s["files"]) == s["impressions"]
        assert not any(f.get("mixed") for f in s["files"])
    assert t["warnings"] == []


def test_the_ticket_says_how_single_up_pages_are_grouped() -> None:
    """By stock (the default), each stock's file lists that stock's pages and the fulfilment
    note says where a record's pieces are; kit by kit, one file holds every stock."""
    kit = _kit("help-me")
    by_stock = [
        {"file": "kits-00001-envelope-100.pdf", "pages": 40, "kits": 10, "stock": "envelope-100"},
        {"file": "kits-00001-text-120.pdf", "pages": 10, "kits": 10, "stock": "text-120"},
        {"file": "kits-00001-card-300.pdf", "pages": 30, "kits": 10, "stock": "card-300"},
    ]
    t = _ticket(kit, by_stock)
    assert t["group"] == "stock" and t["warnings"] == []
    assert {s["stock"]: [f["pages"] for f in s["files"]] for s in t["stocks"]} == {
        "envelope-100": [40],
        "text-120": [10],
        "card-300": [30],
    }
    assert any("each stock has its own file" in n for n in t["assembly"]["notes"])
    whole = _ticket(kit, [{"file": "kits-00001.pdf", "pages": 80, "kits": 10}])
    assert whole["group"] == "record" and "interleaves 3 stocks kit by kit" in whole["warnings"][0]
    assert any("hold them together, kit by kit" in n for n in whole["assembly"]["notes"])
    from envelopekit.jobplan import Table, sheet_plan

    def output_row(ticket: dict[str, Any]) -> str:
        (summary,) = [b for b in sheet_plan(ticket).blocks if isinstance(b, Table)][:1]
        return next(v for k, v in summary.rows if k == "Output")

    assert "a file per stock" in output_row(t) and "kit by kit in one file" in output_row(whole)


def test_imposed_sides_give_sheet_counts() -> None:
    kit = _kit("wedding")
    imposition = {"sheet": "SRA3", "strategy": "gang", "duplex": None, "stack_depth": None, "date": ""}
    files = [
        {"file": "sheets-00001-card-350.pdf", "sha256": "0", "pages": 3, "kits": 8, "side": "front"},
        {"file": "sheets-00001-envelope-120.pdf", "sha256": "0", "pages": 6, "kits": 8, "side": "duplex"},
        {"file": "sheets-00001-envelope-120-back.pdf", "sha256": "0", "pages": 2, "kits": 8, "side": "back"},
    ]
    t = _ticket(kit, files, built=8, imposition=imposition)
    by = {s["stock"]: s for s in t["stocks"]}
    assert by["card-350"]["sheets"] == 3 and by["envelope-120"]["sheets"] == 3
    assert by["card-350"]["sheet"]["mm"] == [320.0, 450.0]


def test_a_file_of_mixed_imposed_stocks_is_flagged() -> None:
    kit = _kit("wedding")
    imposition = {"sheet": "SRA3", "strategy": "gang", "duplex": "turn", "stack_depth": None, "date": ""}
    t = _ticket(
        kit, [{"file": "sheets-00001.pdf", "sha256": "0", "pages": 27, "kits": 8}], imposition=imposition
    )
    assert all(s["files"][0]["mixed"] and s["files"][0]["pages"] is None for s in t["stocks"])
    assert "split them by stock" in t["warnings"][0]


@pytest.mark.parametrize("name", LAYOUTS)
def test_finishing_steps_come_in_order_with_their_inks(name: str) -> None:
    kit = _kit(name)
    t = _ticket(kit, [{"file": "kits-00001.pdf", "sha256": "0", "pages": 10 * _sides(kit), "kits": 10}])
    for f, piece in zip(t["finishing"], kit.pieces, strict=True):
        kinds = [s["step"] for s in f["steps"]]
        assert kinds[0] == "cut" and [s["n"] for s in f["steps"]] == list(range(1, len(kinds) + 1))
        if piece.net is not None:
            assert f["steps"][0]["ink"] == "CutContour"
            assert kinds[1] == "crease" and f["steps"][1]["ink"] == "Crease"
            glued = [s for s in f["steps"] if s["step"] == "glue"]
            assert glued and all(s["ink"] == "Glue" and s["flap"] and s["onto"] for s in glued)
            assert glued[-1].get("at") == "assembly"  # the seal flap closes the filled envelope
        else:
            assert f["steps"][0]["ink"] is None  # guillotine on the crop marks
            assert ("crease" in kinds) == bool(piece.folds) == ("fold" in kinds)


@pytest.mark.parametrize("name", LAYOUTS)
def test_the_assembly_covers_every_piece_once_in_an_order_that_works(name: str) -> None:
    kit = _kit(name)
    a = ticket_data(kit, version="t", counts={"built": 1}, files=[], imposition=None, proof=False)["assembly"]
    envelopes = [p.key for p in kit.pieces if p.kind == "net"]
    cards = [p.key for p in kit.pieces if p.kind == "card"]
    targets = [s["envelope"] for s in a["steps"]]
    assert sorted(targets) == sorted(envelopes)  # every envelope filled and closed once
    inserted = [i["piece"] for s in a["steps"] for i in s["insert"]]
    assert sorted(inserted) == sorted(cards + [e for e in envelopes if e != kit.outer.spec.name])
    closed: set[str] = set()
    for s in a["steps"]:
        for i in s["insert"]:
            if i["kind"] == "envelope":
                assert i["piece"] in closed  # an envelope goes in only once it is closed
        closed.add(s["envelope"])
        assert s["close"]["how"] in ("glue", "tuck")
    assert targets[-1] == kit.outer.spec.name
    # envelopes inside the outer one are numbered in opening order
    assert [o["number"] for o in a["opening_order"]] == [None, *range(1, len(envelopes))]


def test_help_me_assembly_reads_innermost_first() -> None:
    a = ticket_data(_kit("help-me"), version="t", counts={"built": 1}, files=[], imposition=None, proof=False)
    steps = a["assembly"]["steps"]
    assert [(s["envelope"], [i["piece"] for i in s["insert"]]) for s in steps] == [
        ("step3", ["card3"]),
        ("step2", ["card2", "step3"]),
        ("step1", ["card1", "step2"]),
        ("outer", ["letter", "step1"]),
    ]
    assert steps[0]["text"][0].startswith("Take envelope 3: Step 3 envelope")


def test_the_ticket_is_deterministic_json() -> None:
    kit = _kit("wedding")
    files = [{"file": "kits-00001.pdf", "sha256": "0", "pages": 40, "kits": 8}]
    kw: dict[str, Any] = {
        "version": "t",
        "counts": {"built": 8},
        "files": files,
        "imposition": None,
        "proof": False,
    }
    assert ticket_json(ticket_data(kit, **kw)) == ticket_json(ticket_data(kit, **kw))
    assert json.loads(ticket_json(ticket_data(kit, **kw)))["stocks"]


# --- the sheet --------------------------------------------------------------------------------


def _text(pdf: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def _fonts_embedded(pdf: Path) -> set[str]:
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            desc = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            assert "/FontFile2" in desc["/FontDescriptor"], font["/BaseFont"]
            names.add(str(font["/BaseFont"]))
    return names


def test_the_job_sheet_names_every_piece_with_embedded_fonts(help_me: Built) -> None:
    from pypdf import PdfReader

    sheet = help_me.outdir / "job-sheet.pdf"
    reader = PdfReader(sheet)
    assert len(reader.pages) == 4
    assert all(float(p.mediabox.width) == pytest.approx(595.28, abs=0.1) for p in reader.pages)  # A4
    assert _fonts_embedded(sheet)
    text = " ".join(_text(sheet).split())
    for piece in help_me.kit.pieces:
        assert piece.label in text and f"({piece.key})" in text
    for stock in ("envelope-100", "text-120", "card-300", "CutContour", "Crease", "Glue"):
        assert stock in text
    assert "Assembly step 4 of 4" in text
    images = sum(len(p.images) for p in reader.pages)
    assert images >= 8 + 4  # the parts, and each envelope closed (identical pictures are stored once)


def test_the_sheet_is_written_for_a_complete_build_only(tmp_path: Path, demo_key: bytes) -> None:
    def interrupt(progress: Any) -> None:
        if progress.chunks == 1:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        build(load_layout("wedding"), None, out, key=demo_key, chunk=1, progress=interrupt, proof=True)
    assert not (out / "job-sheet.pdf").exists()
    assert json.loads((out / "job.json").read_text())["state"] == "interrupted"
    build(load_layout("wedding"), None, out, key=demo_key, chunk=1, resume=True, proof=True)
    assert "PROOF" in _text(out / "job-sheet.pdf")


def test_the_sheet_is_deterministic_and_plans_without_pictures() -> None:
    from envelopekit.render.jobsheet import job_sheet_pdf

    kit = _kit("onboarding")
    t = _ticket(kit, [{"file": "kits-00001.pdf", "sha256": "0", "pages": 40, "kits": 10}])
    assert job_sheet_pdf(kit, t, images={}) == job_sheet_pdf(kit, json.dumps(t), images={})
    with_pictures = job_sheet_pdf(kit, t)
    assert with_pictures == job_sheet_pdf(kit, t) and len(with_pictures) > len(
        job_sheet_pdf(kit, t, images={})
    )


def test_a_batch_of_many_files_gets_a_job_sheet_that_lists_a_few(tmp_path: Path) -> None:
    """A big batch's files do not fit a table cell: the sheet lists the first and last."""
    from pypdf import PdfReader

    from envelopekit.batch import build_files
    from envelopekit.jobplan import MAX_FILE_LINES
    from envelopekit.layouts import load_layout

    spec = load_layout("help-me")
    people = [{**spec.sample, "id": f"P{i:03d}"} for i in range(MAX_FILE_LINES + 6)]
    result = build_files(spec, people, tmp_path / "out", key=b"k" * 32, chunk=1)
    assert len(result.files) == 3 * len(people)  # a file per stock per chunk
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "out" / "job-sheet.pdf").pages)
    last = f"kits-{len(people):05d}-card-300.pdf"
    assert "kits-00001-envelope-100.pdf" in text and last in text and "more (see job.json)" in text


def test_a_window_envelopes_steps_cut_the_window_and_turn_the_letter_to_it() -> None:
    kit = _kit("window-letter")
    t = _ticket(kit, [{"file": "kits-00001-envelope-90.pdf", "sha256": "0", "pages": 4, "kits": 4}])
    text = json.dumps(t)
    assert "Die-cut the outline and the window" in text
    (step,) = t["assembly"]["steps"]
    (letter,) = step["insert"]
    assert letter["window"] in ("front", "back")
    assert "shows in the window" in step["text"][1] and "right way up" in step["text"][1]
    assert "1 envelope and 1 card or letter" in text


def test_a_window_letter_goes_in_front_of_the_other_contents() -> None:
    from envelopekit.layouts import parse_layout

    text = (Path(__file__).resolve().parent.parent / "layouts" / "window-letter.toml").read_text("utf-8")
    card = '\n[[envelope.cards]]\nname = "reply"\nlabel = "Reply card"\nsize = "A7"\nstock = "text-80"\n'
    at = text.index("[[envelope.cards]]")
    spec = parse_layout(text[:at] + card.lstrip("\n") + "\n" + text[at:], file="two.toml")
    kit = resolve(spec)
    (step,) = _ticket(kit, [{"file": "k.pdf", "sha256": "0", "pages": 1, "kits": 1}])["assembly"]["steps"]
    assert "Reply card" in step["text"][1] and "in front of everything else" in step["text"][1]
