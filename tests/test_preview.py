"""Previews and proofs: the files a preview writes, and the PROOF mark only on proofs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from envelopekit.cli import main
from envelopekit.errors import EnvelopekitError
from envelopekit.layouts import load_layout
from envelopekit.preview import choose_records, write_previews
from envelopekit.records import Record, Rejected, read_records

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = ROOT / "samples" / "recipients.csv"
KEY_FILE = ROOT / "samples" / "demo-token.key"
MINIMAL = Path(__file__).resolve().parent / "data" / "minimal.toml"


def _expected_files(spec_name: str) -> set[str]:
    from envelopekit.kit import resolve
    from envelopekit.pages import page_sides

    kit = resolve(load_layout(spec_name))
    names = {"index.html"}
    for piece in kit.pieces:
        names |= {f"{piece.key}-front.png", f"{piece.key}-back.png"}
    names |= {f"page-{n:02d}.png" for n in range(1, len(page_sides(kit)) + 1)}
    return names


def test_preview_writes_mockups_pages_and_contact_sheet(tmp_path: Path) -> None:
    spec = load_layout("help-me")
    with read_records(RECIPIENTS, id_field=spec.id_field) as records:
        result = write_previews(spec, records, tmp_path, ids=["R0004"], dpi=40, key_file=str(KEY_FILE))
    assert result.records == ("R0004",) and not result.rejected
    folder = tmp_path / "R0004"
    assert {p.name for p in folder.iterdir()} == _expected_files("help-me")
    assert (tmp_path / "index.html").read_text(encoding="utf-8").count('href="R0004/index.html"') == 1
    sheet = (folder / "index.html").read_text(encoding="utf-8")
    labels = re.findall(r"<figcaption>\d+\. ([^<]+) <small>", sheet)
    assert labels == [
        "Outer envelope",
        "Thank-you letter",
        "Step 1 envelope",
        "Step 1 card",
        "Step 2 envelope",
        "Step 2 card",
        "Step 3 envelope",
        "Step 3 card",
    ]
    for name in re.findall(r'src="([^"]+)"', sheet):
        assert (folder / name).is_file(), name
    assert result.mockups == 8 and result.mockups_per_second > 0


def test_preview_command_defaults_to_the_first_three_records(tmp_path: Path) -> None:
    out = tmp_path / "pv"
    code = main(
        [
            "preview",
            "help-me",
            "--data",
            str(RECIPIENTS),
            "--dpi",
            "30",
            "-o",
            str(out),
            "--token-key-file",
            str(KEY_FILE),
        ]
    )
    assert code == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["R0001", "R0002", "R0003"]
    assert (out / "R0002" / "step3-back.png").is_file()


def test_preview_of_the_sample_record_at_a_chosen_dpi(tmp_path: Path) -> None:
    from PIL import Image

    out = tmp_path / "pv"
    code = main(["preview", str(MINIMAL), "--dpi", "50", "-o", str(out), "--token-key-file", str(KEY_FILE)])
    assert code == 0
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    assert {p.name for p in folder.iterdir()} >= {
        "outer-front.png",
        "outer-back.png",
        "card-front.png",
        "card-back.png",
        "index.html",
        "page-01.png",
    }
    with Image.open(folder / "outer-front.png") as im:  # C6 at 50 dpi (pdfium rounds pages up a pixel)
        assert abs(im.width - 162 / 25.4 * 50) <= 1 and abs(im.height - 114 / 25.4 * 50) <= 1


def test_unknown_record_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "preview",
            "help-me",
            "--data",
            str(RECIPIENTS),
            "--record",
            "R9999",
            "-o",
            str(tmp_path),
            "--token-key-file",
            str(KEY_FILE),
        ]
    )
    assert code == 1
    assert "R9999" in capsys.readouterr().err


def test_choose_records_keeps_the_named_order_and_reports_rejections() -> None:
    items = [Record(2, "A", {}), Rejected(3, "B", "name", "empty"), Record(4, "C", {}), Record(5, "D", {})]
    chosen, rejected = choose_records(items, ["C", "B", "A"])
    assert [r.id for r in chosen] == ["C", "A"] and rejected == [("B", "empty")]
    chosen, _ = choose_records(items, count=2)
    assert [r.id for r in chosen] == ["A", "C"]
    with pytest.raises(EnvelopekitError):
        choose_records(items, ["Z"])


# --- proofs ------------------------------------------------------------------------------------


def _proof_positions(page) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    found: list[tuple[float, float]] = []

    def visit(text, cm, tm, font, size) -> None:  # type: ignore[no-untyped-def]
        if "PROOF" in text:
            found.append((cm[0] * tm[4] + cm[2] * tm[5] + cm[4], cm[1] * tm[4] + cm[3] * tm[5] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def test_proof_pages_carry_proof_outside_the_bleed_and_end_with_mockups(build_kit) -> None:  # type: ignore[no-untyped-def]
    built = build_kit(MINIMAL, proof=True)
    reader = built.reader()
    n_print = sum(2 if p.duplex else 1 for p in built.kit.pieces)
    assert len(reader.pages) == n_print + 1
    assert built.row(built.manifest[0]["record_id"])["pages"] == f"1-{n_print + 1}"
    for page in reader.pages:
        assert "PROOF" in page.extract_text()
        spots = _proof_positions(page)
        assert spots, "no PROOF text found with a position"
        bleed = [float(v) for v in page.bleedbox]
        for x, y in spots:
            assert not (bleed[0] <= x <= bleed[2] and bleed[1] <= y <= bleed[3]), (x, y, bleed)
    last = reader.pages[-1]
    images = [o for o in last["/Resources"]["/XObject"].values() if o.get_object()["/Subtype"] == "/Image"]
    assert len(images) == 2 * len(built.kit.pieces)
    assert "PROOF" in (reader.metadata.subject or "")


def test_print_pages_never_carry_proof(help_me) -> None:  # type: ignore[no-untyped-def]
    from kitpages import record_pages
    from pypdf import PdfReader

    spans = record_pages(help_me.row("R0004"))  # one file kit by kit, or a file per stock
    assert sum(last - first + 1 for _, first, last in spans) == len(help_me.kit.pieces)  # no mockup page
    for name, first, last in spans:
        reader = PdfReader(help_me.outdir / name)
        assert not any("PROOF" in reader.pages[i].extract_text() for i in range(first - 1, last))
        assert "PROOF" not in ((reader.metadata and reader.metadata.subject) or "")


def test_print_output_is_deterministic(build_kit) -> None:  # type: ignore[no-untyped-def]
    a = build_kit(MINIMAL, name="a")
    b = build_kit(MINIMAL, name="b")
    assert len(a.result.files) == 2  # a file per stock
    assert [f.read_bytes() for f in a.result.files] == [f.read_bytes() for f in b.result.files]


def test_preview_never_writes_through_a_planted_symlink(tmp_path: Path) -> None:
    from envelopekit.errors import EnvelopekitError
    from envelopekit.layouts import load_layout
    from envelopekit.preview import write_previews

    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "preview"
    out.mkdir()
    (out / "SAMPLE-1").symlink_to(outside, target_is_directory=True)  # the sample record's folder
    with pytest.raises(EnvelopekitError, match="symbolic link"):
        write_previews(load_layout("help-me"), None, out, key=b"k" * 32)
    assert not any(outside.iterdir())


def test_preview_refuses_a_name_that_is_not_a_plain_file_name(tmp_path: Path) -> None:
    from envelopekit.errors import EnvelopekitError
    from envelopekit.preview import _inside

    for name in ("../x.png", "/etc/x.png", "..", "a/b.png", "a\\b.png"):
        with pytest.raises(EnvelopekitError, match="plain file name"):
            _inside(tmp_path, name)


def test_preview_takes_repeated_record_options_and_refuses_what_build_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    from envelopekit import cli

    samples = Path(__file__).resolve().parent.parent / "samples"
    with open(samples / "recipients.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[1]["first_name"] = ""  # the layout requires it: build rejects this record
    data = tmp_path / "r.csv"
    with open(data, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "pv"
    ids = [rows[0]["id"], rows[2]["id"]]
    both = ["--record", ids[0], "--record", ids[1]]
    assert cli.main(["preview", "help-me", "--data", str(data), *both, "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(ids)
    bad = ["--record", rows[1]["id"], "-o", str(tmp_path / "b")]
    assert cli.main(["preview", "help-me", "--data", str(data), *bad]) != 0
    assert "first_name is empty, and the layout requires it" in capsys.readouterr().err
