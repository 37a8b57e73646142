"""One stock, one file; duplex that registers; sheetwise backs; exact record ids in slugs.

Issue 10, sections 2 and 3: imposed sheets never mix paper stocks, a duplex file has
every front followed by its back (blank where a sheet has no side B), backs register
with their fronts for work-and-turn and work-and-tumble, and without --duplex the backs
go to a file of their own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, Built

from envelopekit.catalog import lookup_sheet
from envelopekit.geometry import Point
from envelopekit.impose import flip
from envelopekit.impose.adapter import Imposition, SheetFile, impose_files, stock_groups
from envelopekit.kit import resolve
from envelopekit.layouts import load_layout
from envelopekit.units import mm

TOL = 0.1 * mm
IDS = [f"R{n}" for n in range(1, 8)]


def _kit(layout: str) -> Any:
    return resolve(load_layout(layout))


def _files(layout: str, strategy: str, duplex: str | None, **more: Any) -> tuple[Any, tuple[SheetFile, ...]]:
    kit = _kit(layout)
    imposition = Imposition(lookup_sheet("SRA3"), strategy, duplex, **more)
    return kit, impose_files(kit, IDS, imposition)


@pytest.mark.parametrize("layout", ["help-me", "onboarding", "wedding"])
@pytest.mark.parametrize("strategy", ["gang", "step-and-repeat", "cut-and-stack"])
def test_no_sheet_mixes_stocks(layout: str, strategy: str) -> None:
    kit, files = _files(layout, strategy, "turn")
    stock_of = {kp.key: (kp.stock.name if kp.stock else "") for kp in kit.pieces}
    names = [f.name for f in files]
    assert len(names) == len(set(names))
    assert {f.group.stock for f in files} == set(stock_of.values())
    for f in files:
        for p in f.plans:
            held = {stock_of[pl.key.piece] for pl in p.placements}
            assert held <= {f.group.stock}, (f.name, p.number, p.side, held)
            if p.slug is not None:
                assert f.group.stock in p.slug.text


def _registered(plans: Any, mode: str) -> int:
    """Every side-B placement lies exactly behind its front: checked point by point."""
    checked = 0
    for front, back in zip(plans[::2], plans[1::2], strict=True):
        assert (front.side, back.side) == ("A", "B") and front.number == back.number
        f = flip(front.sheet, mode)  # type: ignore[arg-type]
        fronts = {pl.key: pl for pl in front.placements}
        for pl in back.placements:
            a = fronts[pl.key]
            w, h = a.size
            for u, v in ((0.0, 0.0), (w, 0.0), (0.0, h), (w, h), (w / 3, h / 5)):
                # (u, v) on side B lies behind (w - u, v) on side A
                on_b = pl.transform.apply(Point(u, v))
                behind = f.apply(a.transform.apply(Point(w - u, v)))
                assert abs(on_b.x - behind.x) <= TOL and abs(on_b.y - behind.y) <= TOL
            tb = f.apply(Point(a.trim.x0, a.trim.y0)), f.apply(Point(a.trim.x1, a.trim.y1))
            assert abs(min(p.x for p in tb) - pl.trim.x0) <= TOL
            assert abs(max(p.y for p in tb) - pl.trim.y1) <= TOL
            checked += 1
    return checked


@pytest.mark.parametrize("mode", ["turn", "tumble"])
@pytest.mark.parametrize("strategy", ["gang", "cut-and-stack"])
def test_duplex_files_pair_every_front_with_its_back_and_register(mode: str, strategy: str) -> None:
    _, files = _files("wedding", strategy, mode)
    assert {f.side for f in files} == {"duplex"}
    checked = 0
    for f in files:
        assert len(f.plans) % 2 == 0
        assert [p.side for p in f.plans] == ["A", "B"] * (len(f.plans) // 2)
        checked += _registered(f.plans, mode)
    assert checked  # the wedding's inner envelope has side-B content
    # one-sided stocks get blank backs: no pieces or marks; targets and slug behind the front's
    card = next(f for f in files if f.group.stock.startswith("card"))
    for front, back in zip(card.plans[::2], card.plans[1::2], strict=True):
        assert not back.placements and back.slug is not None and "side B" in back.slug.text
        f = flip(front.sheet, mode)  # type: ignore[arg-type]
        for t, u in zip(front.registration, back.registration, strict=True):
            assert (
                abs(f.apply(t.center).x - u.center.x) <= TOL and abs(f.apply(t.center).y - u.center.y) <= TOL
            )


def test_turn_and_tumble_lay_backs_out_differently() -> None:
    _, turn = _files("wedding", "gang", "turn")
    _, tumble = _files("wedding", "gang", "tumble")
    t = next(f for f in turn if f.group.two_sided is not False and any(p.placements for p in f.plans[1::2]))
    u = next(f for f in tumble if f.name == t.name)
    assert [p.placements[0].trim for p in t.plans[1::2] if p.placements] != [
        p.placements[0].trim for p in u.plans[1::2] if p.placements
    ]


def test_duplex_only_where_needed_sends_one_sided_sheets_to_simplex_files() -> None:
    _, files = _files("wedding", "gang", "turn", duplex_only_where_needed=True)
    sides = {f.name: f.side for f in files}
    assert sides == {"envelope-120-simplex": "simplex", "envelope-120": "duplex", "card-350": "simplex"}
    for f in files:
        if f.side == "simplex":
            assert {p.side for p in f.plans} == {"A"}


@pytest.mark.parametrize("strategy", ["gang", "cut-and-stack"])
def test_without_duplex_backs_go_sheetwise_to_their_own_file(strategy: str) -> None:
    _, files = _files("wedding", strategy, None)
    by_name = {f.name: f for f in files}
    front, back = by_name["envelope-120"], by_name["envelope-120-back"]
    assert (front.side, back.side) == ("front", "back")
    assert {p.side for p in front.plans} == {"A"} and {p.side for p in back.plans} == {"B"}
    assert [p.number for p in front.plans] == [p.number for p in back.plans]
    interleaved = [x for pair in zip(front.plans, back.plans, strict=True) for x in pair]
    assert _registered(interleaved, "turn")  # a second pass, turned over left to right
    assert {p.side for f in files if f.side == "simplex" for p in f.plans} == {"A"}


def test_cut_and_stack_slugs_name_stock_stack_and_exact_one_based_record_ids() -> None:
    _, files = _files("help-me", "cut-and-stack", None)
    for f in files:
        for p in f.plans:
            assert p.slug is not None
            ids = sorted({pl.record + 1 for pl in p.placements if pl.record is not None})
            text = p.slug.text
            assert f.group.stock in text and "stacks " in text
            if len(ids) == 2 and ids[1] - ids[0] > 1:
                assert f"records {ids[0]}, {ids[1]}" in text
    text_file = next(f for f in files if f.group.stock == "text-120")
    assert "records 1, 5  |" in text_file.plans[0].slug.text  # two stacks: records 1 and 5, not "0-4"


def test_stock_groups_split_sides_only_when_asked() -> None:
    kit = _kit("wedding")
    assert [(g.name, g.pieces) for g in stock_groups(kit)] == [
        ("envelope-120-simplex", ("outer",)),
        ("envelope-120", ("inner",)),
        ("card-350", ("invitation", "rsvp")),
    ]
    assert [g.name for g in stock_groups(kit, by_sides=False)] == ["envelope-120", "card-350"]


# --- whole builds ---------------------------------------------------------------------------


def _pages(pdf: Path) -> list[tuple[float, float]]:
    from pypdf import PdfReader

    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(pdf).pages]


def test_imposed_duplex_build_names_a_file_per_stock_in_manifest_and_ticket(
    build_kit: Callable[..., Built],
) -> None:
    from envelopekit.verify import verify

    built = build_kit("wedding", impose=Imposition(lookup_sheet("SRA3"), "gang", "turn", date="2026-01-01"))
    names = sorted(p.name for p in built.outdir.glob("sheets-*.pdf"))
    assert names == ["sheets-00001-card-350.pdf", "sheets-00001-envelope-120.pdf"]
    ticket = json.loads((built.outdir / "job.json").read_text(encoding="utf-8"))
    listed = {f["file"]: f for s in ticket["stocks"] for f in s["files"]}
    assert set(listed) == set(names)
    for name in names:
        pages = _pages(built.outdir / name)
        assert len(pages) % 2 == 0 and len(set(pages)) == 1
        assert listed[name]["side"] == "duplex" and listed[name]["sheets"] == len(pages) // 2
    (row,) = built.manifest
    assert row["file"].split() == ["sheets-00001-envelope-120.pdf", "sheets-00001-card-350.pdf"]
    assert len(row["pages"].split()) == 2
    report = verify(built.outdir)
    assert report.ok, report.findings


def test_single_up_grouped_by_stock_verifies(build_kit: Callable[..., Built]) -> None:
    from envelopekit.records import read_records
    from envelopekit.verify import verify

    spec = load_layout("wedding")
    with read_records(SAMPLES / "wedding.csv", id_field=spec.id_field) as records:
        built = build_kit(spec, records, group="stock")
    names = sorted(p.name for p in built.outdir.glob("kits-*.pdf"))
    assert names == [
        "kits-00001-card-350.pdf",
        "kits-00001-envelope-120-simplex.pdf",
        "kits-00001-envelope-120.pdf",
    ]
    for row in built.manifest:
        assert len(row["file"].split()) == 3 == len(row["pages"].split())
    report = verify(built.outdir)
    assert report.ok, report.findings
    assert report.expected == report.matched == len(built.manifest)


def test_single_up_record_grouping_keeps_one_file_kit_by_kit(build_kit: Callable[..., Built]) -> None:
    built = build_kit("wedding", group="record")
    assert [p.name for p in built.outdir.glob("kits-*.pdf")] == ["kits-00001.pdf"]
    assert built.manifest[0]["pages"] == f"1-{len(_pages(built.pdf))}"


def test_verify_catches_swapped_envelopes_and_codes_across_a_records_files(
    build_kit: Callable[..., Built], tmp_path: Path
) -> None:
    """A record in several files (one per stock): its address must be in the file its
    envelope is in, its code anywhere in its own files, and swaps name both records."""
    import shutil

    from test_verify_addresses import errors, page_count, rewrite, swapped

    from envelopekit.records import read_records
    from envelopekit.verify import verify

    spec = load_layout("wedding")
    with read_records(SAMPLES / "wedding.csv", id_field=spec.id_field) as records:
        built = build_kit(spec, records, group="stock")
    out = tmp_path / "swapped"
    shutil.copytree(built.outdir, out, ignore=shutil.ignore_patterns(".envelopekit"))
    outers = out / "kits-00001-envelope-120-simplex.pdf"  # one outer envelope per record, in order
    rewrite(outers, swapped(page_count(outers), 0, 1))
    found = errors(verify(out))
    first, second = built.manifest[0]["record_id"], built.manifest[1]["record_id"]
    assert any(f"record {first}" in e and f"record {second}" in e for e in found), found
    cards = out / "kits-00001-card-350.pdf"
    rewrite(cards, [i for i in range(page_count(cards)) if i not in (0, 1)])  # record 1's cards gone
    found = errors(verify(out))
    assert any("code not found" in e and first in e for e in found), found


# --- single-up: a file per stock by default ---------------------------------------------------------


def _mm_pages(pdf: Path) -> list[tuple[float, float]]:
    return [(w / mm, h / mm) for w, h in _pages(pdf)]


def _near(a: tuple[float, float], b: Any) -> bool:
    return abs(a[0] - b[0]) <= 0.2 and abs(a[1] - b[1]) <= 0.2


@pytest.mark.parametrize("layout", ["help-me", "wedding", "onboarding"])
def test_a_plain_build_writes_a_file_per_stock_and_no_file_mixes_stocks(
    build_kit: Callable[..., Built], layout: str
) -> None:
    """The default: each chunk has a file per stock (and sides printed); every page of a
    file is the page of a piece on that file's stock, and job.json lists every file under
    its stock with the pages it really has."""
    from pypdf import PdfReader

    from envelopekit.records import read_records

    spec = load_layout(layout)
    with read_records(SAMPLES / ("recipients.csv" if layout == "help-me" else f"{layout}.csv")) as records:
        built = build_kit(spec, records, chunk=4)
    groups = {g.name: g for g in stock_groups(built.kit)}
    chunks = {f.name[:10] for f in built.result.files}
    assert sorted(p.name for p in built.outdir.glob("kits-*.pdf")) == sorted(
        f"{c}-{g}.pdf" for c in chunks for g in groups
    )
    ticket = json.loads((built.outdir / "job.json").read_text(encoding="utf-8"))
    assert ticket["group"] == "stock" and ticket["warnings"] == []
    sizes = {p["piece"]: p["page_mm"] for s in ticket["stocks"] for p in s["pieces"]}
    listed = {f["file"]: (s["stock"], f) for s in ticket["stocks"] for f in s["files"]}
    assert set(listed) == {f.name for f in built.result.files}
    assert [f["file"] for f in ticket["files"]] == [f.name for f in built.result.files]
    kits = {p.key: p for p in built.kit.pieces}
    for pdf in built.result.files:
        group = groups[pdf.name[11:-4]]
        stock, entry = listed[pdf.name]
        assert stock == group.stock and entry["side"] == ("duplex" if group.two_sided else "simplex")
        pages = _mm_pages(pdf)
        assert entry["pages"] == len(pages) == len(PdfReader(pdf).pages)
        mine = [sizes[k] for k in group.pieces]
        others = [sizes[p.key] for p in built.kit.pieces if p.key not in group.pieces]
        for size in pages:  # a page of this stock's pieces, never another stock's
            assert any(_near(size, m) for m in mine), (pdf.name, size, mine)
            assert not any(_near(size, o) and o not in mine for o in others)
        per_kit = sum(2 if kits[k].duplex else 1 for k in group.pieces)
        assert len(pages) == per_kit * entry["kits"]
    assert sum(f["pages"] for f in ticket["files"]) == ticket["counts"]["pages"] == built.result.pages


def test_manifest_page_ranges_hold_exactly_that_records_pieces(build_kit: Callable[..., Built]) -> None:
    """Per record and file, the manifest's range is the record's pages there, in kit order:
    each page is labelled with the record and its slug names the record and the piece;
    the CSV and the JSON manifests agree."""
    from conftest import read_manifest_json
    from kitpages import file_pieces, record_pages
    from pypdf import PdfReader

    from envelopekit.records import read_records

    spec = load_layout("wedding")
    with read_records(SAMPLES / "wedding.csv", id_field=spec.id_field) as records:
        built = build_kit(spec, records, chunk=3)
    as_json = read_manifest_json(built.outdir)
    kits = {p.key: p for p in built.kit.pieces}
    readers = {f.name: PdfReader(f) for f in built.result.files}
    owned: dict[tuple[str, int], str] = {}
    for row, jrow in zip(built.manifest, as_json, strict=True):
        assert (jrow["file"], jrow["pages"]) == (row["file"], row["pages"])
        if row["status"] != "built":
            continue
        rid = row["record_id"]
        spans = record_pages(row)
        assert [n for n, _, _ in spans] == sorted(
            {n for n, _, _ in spans}, key=[n for n, _, _ in spans].index
        )
        assert {n[11:-4] for n, _, _ in spans} == {g.name for g in stock_groups(built.kit)}
        for name, first, last in spans:
            reader = readers[name]
            expected = [
                (k, s) for k in file_pieces(built.kit, name) for s in ("AB" if kits[k].duplex else "A")
            ]
            assert last - first + 1 == len(expected)
            for i, (piece, side) in zip(range(first, last + 1), expected, strict=True):
                assert (name, i) not in owned, (name, i, owned.get((name, i)), rid)
                owned[name, i] = rid
                assert reader.page_labels[i - 1] == f"{rid}: {i - first + 1}"
                text = reader.pages[i - 1].extract_text()
                assert f"  {rid}  {kits[piece].label}  side {side}" in text, (name, i, text[-200:])
    for name, reader in readers.items():  # every page belongs to one record
        assert {i for n, i in owned if n == name} == set(range(1, len(reader.pages) + 1))


def test_cli_build_groups_by_stock_and_group_record_keeps_one_file(
    tmp_path: Path, demo_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from envelopekit import cli

    base = [
        "build",
        "onboarding",
        "--data",
        str(SAMPLES / "onboarding.csv"),
        "--token-key-file",
        str(demo_key_file),
    ]
    assert cli.main([*base, "-o", str(tmp_path / "stock"), "-q"]) == 0
    assert sorted(p.name for p in (tmp_path / "stock").glob("kits-*.pdf")) == [
        "kits-00001-card-250.pdf",
        "kits-00001-envelope-90.pdf",
        "kits-00001-text-80.pdf",
    ]
    assert cli.main([*base, "-o", str(tmp_path / "record"), "--group", "record", "-q"]) == 0
    assert [p.name for p in (tmp_path / "record").glob("kits-*.pdf")] == ["kits-00001.pdf"]
    ticket = json.loads((tmp_path / "record" / "job.json").read_text(encoding="utf-8"))
    assert ticket["group"] == "record" and "interleaves" in ticket["warnings"][0]
    capsys.readouterr()
    assert cli.main([*base, "-o", str(tmp_path / "proof"), "--proof", "--group", "stock"]) == 1
    assert "a proof is kit by kit" in capsys.readouterr().err
    assert cli.main([*base, "-o", str(tmp_path / "sheets"), "--impose", "SRA3", "--group", "record"]) == 1
    assert "imposed sheets always hold one stock" in capsys.readouterr().err
    assert not (tmp_path / "proof").exists() and not (tmp_path / "sheets").exists()


def test_a_proof_stays_kit_by_kit_with_its_mockup_page(build_kit: Callable[..., Built]) -> None:
    built = build_kit("help-me", proof=True)
    assert [f.name for f in built.result.files] == ["kits-00001.pdf"]
    (row,) = built.manifest
    assert row["pages"] == f"1-{len(built.kit.pieces) + 1}"  # every piece, then the mockups
    ticket = json.loads((built.outdir / "job.json").read_text(encoding="utf-8"))
    assert ticket["group"] == "record" and ticket["output"] == "proof"


def test_a_stock_grouped_build_resumes_to_the_same_bytes_and_verifies(
    tmp_path: Path, demo_key: bytes
) -> None:
    """Interrupted after two chunks (six files), resumed: the files of the finished chunks
    are kept, the rest built, and the folder is what an uninterrupted build makes."""
    from envelopekit.batch import build
    from envelopekit.records import read_records
    from envelopekit.verify import verify

    spec = load_layout("help-me")

    def run(out: Path, **options: Any) -> Any:
        with read_records(SAMPLES / "recipients.csv", id_field=spec.id_field) as records:
            return build(spec, records, out, key=demo_key, chunk=3, **options)

    run(tmp_path / "whole")

    def interrupt(progress: Any) -> None:
        if progress.chunks == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "out", progress=interrupt)
    kept = sorted(p.name for p in (tmp_path / "out").glob("kits-*.pdf"))
    assert len(kept) == 6 and verify(tmp_path / "out").ok
    ticket = json.loads((tmp_path / "out" / "job.json").read_text(encoding="utf-8"))
    assert ticket["state"] == "interrupted" and sorted(f["file"] for f in ticket["files"]) == kept
    result = run(tmp_path / "out", resume=True)
    assert result.built == 10 and len(result.files) == 12
    whole = {p.name: p.read_bytes() for p in (tmp_path / "whole").iterdir() if p.is_file()}
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if p.is_file()} == whole
    report = verify(tmp_path / "out")
    assert report.ok and report.expected == report.matched == 20, report.findings
    assert report.addresses_expected == report.addresses_found == 10


def test_progress_names_every_file_a_chunk_wrote(tmp_path: Path, demo_key: bytes) -> None:
    import envelopekit

    seen: list[Any] = []
    spec = load_layout("help-me")
    envelopekit.build(spec, None, tmp_path / "out", key=demo_key, progress=seen.append, workers=1)
    (last,) = [p for p in seen if p.chunks]
    assert last.file is not None
    names = sorted(last.file.split(", "))
    assert names == sorted(p.name for p in (tmp_path / "out").glob("kits-00001-*.pdf")) and len(names) == 3
