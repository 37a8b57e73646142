"""Batch builds: files, manifests, rejected records, determinism, failure hygiene.

The help-me build of samples/recipients.csv is shared (conftest ``help_me``); tests
that change the records or the layout build their own into tmp_path. A plain build
writes a file per paper stock in each chunk (``kits-00001-card-300.pdf``); tests that
read a piece's page find it through the manifest (``kitpages``), whatever the grouping.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DATA, MINIMAL, RECIPIENTS, Built, read_errors, read_manifest, read_manifest_json
from kitpages import file_pieces, piece_page, record_pages

from envelopekit import cli
from envelopekit.batch import build, required_fields
from envelopekit.errors import LayoutError, RecordError, RecordsError
from envelopekit.kit import resolve
from envelopekit.layouts import load_layout, parse_layout
from envelopekit.records import FieldMap, Record, read_records
from envelopekit.tokens import verify_token

CROCKFORD = re.compile(r"^[0-9A-HJKMNP-TV-Z]{17}$")  # signed tokens: DEFAULT_SIGNED_LENGTH
HELP_ME_STOCKS = ("envelope-100", "text-120", "card-300")  # help-me's stock files, in kit order


def pdf_pages(*paths: Path) -> int:
    from pypdf import PdfReader

    return sum(len(PdfReader(p).pages) for p in paths)


def grouping(built: Built) -> str:
    """How a build's single-up pages went into files (job.json says)."""
    import json

    return str(json.loads((built.outdir / "job.json").read_text(encoding="utf-8"))["group"])


def recipients() -> list[dict[str, str]]:
    with open(RECIPIENTS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# --- the founding kit ---------------------------------------------------------------------------


def test_help_me_builds_ten_kits_of_eight_pages(help_me: Built) -> None:
    result = help_me.result
    assert (result.built, result.rejected, result.exit_code) == (10, 0, 0)
    names = [f.name for f in result.files]
    assert names == (
        ["kits-00001.pdf"]
        if grouping(help_me) == "record"
        else [f"kits-00001-{stock}.pdf" for stock in HELP_ME_STOCKS]
    )
    assert result.files == [help_me.outdir / name for name in names]
    assert result.pages == 80 == pdf_pages(*result.files)
    files = sorted(p.name for p in help_me.outdir.iterdir())
    assert files == sorted(
        [".envelopekit", "job-sheet.pdf", "job.json", *names, "manifest.csv", "manifest.json"]
    )
    assert not (help_me.outdir / "errors.csv").exists()


def test_help_me_manifest_rows(help_me: Built) -> None:
    rows = help_me.manifest
    assert [r["record_id"] for r in rows] == [f"R{i:04d}" for i in range(1, 11)]
    assert list(rows[0]) == [
        "record_id",
        "row",
        "status",
        "file",
        "pages",
        "token",
        "url",
        "url_letter-qr",
        "url_card-qr",
        "address",
        "warnings",
    ]
    files = [f.name for f in help_me.result.files]
    for k, row in enumerate(rows):
        assert row["status"] == "built" and row["file"].split() == files
        assert row["warnings"] == ""  # the sample addresses are all in order
        for name, first, last in record_pages(row):  # kit by kit in every file
            n = len([p for p in help_me.kit.pieces if p.key in file_pieces(help_me.kit, name)])
            assert (first, last) == (n * k + 1, n * k + n), (name, row["pages"])
        assert sum(last - first + 1 for _, first, last in record_pages(row)) == 8
        assert CROCKFORD.match(row["token"]), row["token"]
        assert row["url"] == (
            f"https://survey.example.org/helpme?t={row['token']}"
            "&utm_source=gift&utm_medium=direct_mail&utm_campaign=helpme27"
        )
        assert row["url_letter-qr"] == row["url_card-qr"] == row["url"]
    assert len({r["token"] for r in rows}) == 10
    # Multi-line addresses keep the file's line numbers (R0006 spans lines 7-8).
    assert [int(r["row"]) for r in rows] == [2, 3, 4, 5, 6, 7, 9, 11, 12, 13]
    # No personal data in any URL.
    for row, person in zip(rows, recipients(), strict=True):
        for value in (person["first_name"], person["last_name"], person["email"]):
            assert value not in row["url"]
    as_json = read_manifest_json(help_me.outdir)
    assert [r["token"] for r in as_json] == [r["token"] for r in rows]
    assert [r["row"] for r in as_json] == [int(r["row"]) for r in rows]  # numbers stay numbers in JSON


@pytest.mark.parametrize(
    "record_id",
    ["R0003", "R0004", "R0005", "R0008", "R0002", "R0009"],  # Greek, Cyrillic, CJK, Vietnamese, Latin
)
def test_names_in_every_script_come_back_out_of_the_pdf(help_me: Built, record_id: str) -> None:
    person = next(p for p in recipients() if p["id"] == record_id)
    from pypdf import PdfReader

    pdf, index = piece_page(help_me, record_id, "outer")
    page = PdfReader(pdf).pages[index]
    text = nfc(page.extract_text())
    from envelopekit.content.address import address_lines

    for line in address_lines(person, home_country="GB"):  # each country's own order
        assert nfc(line) in text
    assert nfc(person["street"].splitlines()[0]) in text
    assert f"  {record_id}  Outer envelope" in text  # the slug names record and piece


def test_the_letter_greets_each_recipient(help_me: Built) -> None:
    from pypdf import PdfReader

    for person in recipients():
        pdf, index = piece_page(help_me, person["id"], "letter")
        letter = PdfReader(pdf).pages[index]
        assert nfc(f"Dear {person['first_name']},") in nfc(letter.extract_text())


# --- rejected records ---------------------------------------------------------------------------


def test_an_emoji_only_first_name_is_rejected_and_the_rest_built(
    tmp_path: Path, demo_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = recipients()
    rows[1]["first_name"] = "😀🎉"  # R0002
    data = write_csv(tmp_path / "people.csv", rows)
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["build", "help-me", "--data", str(data), "-o", str(out), "--token-key-file", str(demo_key_file)],
        capsys,
    )
    assert code == 2
    assert "1 record rejected" in err and "R0002" in err
    assert "Traceback" not in err
    (error,) = read_errors(out)
    assert error["record_id"] == "R0002" and error["row"] == "3"
    assert "U+1F600" in error["reason"] and "U+1F389" in error["reason"]
    assert "emoji" in error["reason"]
    manifest = read_manifest(out)
    assert [r["status"] for r in manifest].count("built") == 9
    assert next(r for r in manifest if r["record_id"] == "R0002")["status"] == "rejected"
    assert pdf_pages(*out.glob("kits-*.pdf")) == 72


def test_an_overflowing_variable_block_is_rejected_naming_the_block(build_kit) -> None:  # type: ignore[no-untyped-def]
    text = MINIMAL.read_text(encoding="utf-8").replace(
        'box = ["10mm", "70mm", "80mm", "20mm"]\ntext = "Dear {first_name},"',
        'box = ["10mm", "70mm", "40mm", "8mm"]\ntext = "Dear {first_name},"',
    )
    spec = parse_layout(text, file="tiny.toml", base=DATA)
    records = [
        Record(2, "short", FieldMap({**spec.sample, "id": "short", "first_name": "Al"})),
        Record(
            3,
            "long",
            FieldMap(
                {**spec.sample, "id": "long", "first_name": "Bartholomew-Maximilian Wolfeschlegelsteinhausen"}
            ),
        ),
    ]
    built = build_kit(spec, records)
    assert (built.result.built, built.result.rejected) == (1, 1)
    (error,) = read_errors(built.outdir)
    assert error["record_id"] == "long" and error["row"] == "3"
    assert "card.greeting" in error["reason"] + error["field"]
    assert "does not fit" in error["reason"]


def test_personalise_raises_a_record_error_naming_the_block() -> None:
    from envelopekit.compose import personalise

    text = MINIMAL.read_text(encoding="utf-8").replace(
        '["10mm", "70mm", "80mm", "20mm"]', '["10mm", "70mm", "12mm", "5mm"]'
    )
    kit = resolve(parse_layout(text, file="tiny.toml", base=DATA))
    with pytest.raises(RecordError) as info:
        personalise(kit, kit.spec.sample, record_id="S-1", row=7, link=lambda *a: ("https://x.org/T", "T"))
    err = info.value
    assert err.record_id == "S-1" and err.row == 7
    assert "card.greeting" in str(err) and "does not fit" in str(err)


def test_static_text_that_overflows_stops_the_build_before_any_file(tmp_path: Path, demo_key: bytes) -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace(
        'text = "Hello from the back"', 'text = "' + "Hello from the back " * 40 + '"'
    )
    spec = parse_layout(text, file="static.toml", base=DATA)
    with pytest.raises(LayoutError) as info:
        build(spec, None, tmp_path / "out", key=demo_key)
    assert "hello" in str(info.value) and "static.toml" in str(info.value)
    assert not list(tmp_path.rglob("*.pdf"))


def test_a_missing_column_is_a_clear_error(
    tmp_path: Path, demo_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{k: v for k, v in r.items() if k != "street"} for r in recipients()]
    data = write_csv(tmp_path / "nostreet.csv", rows)
    spec = load_layout("help-me")
    assert "street" in required_fields(resolve(spec))
    with read_records(data, id_field="id") as records, pytest.raises(RecordError) as info:
        build(spec, records, tmp_path / "direct", key=b"x" * 32)
    assert "no column 'street'" in str(info.value)
    assert "columns found" in (info.value.hint or "")
    code, _, err = run_cli(
        [
            "build",
            "help-me",
            "--data",
            str(data),
            "-o",
            str(tmp_path / "out"),
            "--token-key-file",
            str(demo_key_file),
        ],
        capsys,
    )
    assert code == 1
    assert err.count("\n") == 1 and "no column 'street'" in err and "Traceback" not in err
    assert not list(tmp_path.rglob("*.pdf"))


def test_without_a_key_the_folder_gets_its_own_and_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ENVELOPEKIT_TOKEN_KEY", raising=False)
    out = tmp_path / "out"
    code, _, err = run_cli(["build", "help-me", "-o", str(out)], capsys)
    key = out / ".envelopekit" / "token.key"
    assert code == 0 and "made a new token signing key" in err and str(key) in err
    assert key.stat().st_mode & 0o777 == 0o600
    assert all(key.read_bytes().strip() not in pdf.read_bytes() for pdf in out.glob("kits-*.pdf"))
    first = read_manifest(out)[0]["token"]
    code, _, err = run_cli(["build", "help-me", "-o", str(out)], capsys)
    assert code == 0 and "made a new" not in err  # said once, then reused
    assert read_manifest(out)[0]["token"] == first
    assert verify_token(first, key.read_bytes().strip(), "HELPME-2027")  # help-me's job


def test_the_public_demo_key_gives_a_warning(
    tmp_path: Path, demo_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = build_help_me(tmp_path / "out", demo_key_file, capsys)
    assert code == 0 and "public demo key" in err


# --- output hygiene ----------------------------------------------------------------------------


def test_output_is_deterministic(help_me: Built, tmp_path: Path, demo_key: bytes) -> None:
    spec = load_layout("help-me")
    with read_records(RECIPIENTS, id_field=spec.id_field) as records:
        build(spec, records, tmp_path, key=demo_key, group=grouping(help_me))
    for name in (*(f.name for f in help_me.result.files), "manifest.csv", "manifest.json"):
        assert (tmp_path / name).read_bytes() == (help_me.outdir / name).read_bytes(), name


def test_chunks_split_the_batch_into_files(build_kit) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    with read_records(RECIPIENTS, id_field="id") as records:
        built = build_kit("help-me", records, chunk=4)
    names = [[f"kits-{c:05d}-{stock}.pdf" for stock in HELP_ME_STOCKS] for c in (1, 2, 3)]
    assert [f.name for f in built.result.files] == [n for chunk in names for n in chunk]
    # per kit: 4 envelopes, 1 letter, 3 cards
    assert [len(PdfReader(f).pages) for f in built.result.files] == [16, 4, 12, 16, 4, 12, 8, 2, 6]
    assert [r["file"].split() for r in built.manifest] == [names[0]] * 4 + [names[1]] * 4 + [names[2]] * 2
    assert built.manifest[4]["pages"] == "1-4 1-1 1-3"  # page numbers restart in each file
    with read_records(RECIPIENTS, id_field="id") as records:
        kit_by_kit = build_kit("help-me", records, name="record", chunk=4, group="record")
    assert [f.name for f in kit_by_kit.result.files] == ["kits-00001.pdf", "kits-00002.pdf", "kits-00003.pdf"]
    assert [len(PdfReader(f).pages) for f in kit_by_kit.result.files] == [32, 32, 16]
    assert [r["file"] for r in kit_by_kit.manifest] == ["kits-00001.pdf"] * 4 + ["kits-00002.pdf"] * 4 + [
        "kits-00003.pdf"
    ] * 2
    assert kit_by_kit.manifest[4]["pages"] == "1-8"


def build_help_me(out: Path, key_file: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`envelopekit build help-me` for the sample recipients into ``out``: (exit code, stderr)."""
    args = ["build", "help-me", "--data", str(RECIPIENTS), "-o", str(out), "--token-key-file", str(key_file)]
    code, _, err = run_cli(args, capsys)
    return code, err


def test_a_file_in_the_way_of_the_output_folder_fails_cleanly(
    tmp_path: Path, demo_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "blocker").write_text("not a folder")
    out = tmp_path / "blocker" / "out"
    code, err = build_help_me(out, demo_key_file, capsys)
    assert code == 1
    assert err.startswith("envelopekit: error: ") and err.count("\n") == 1
    assert "Traceback" not in err and "blocker" in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["blocker"]


def test_a_pdf_that_cannot_be_saved_leaves_no_temporary_file(
    tmp_path: Path, demo_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    blocked = "kits-00001-text-120.pdf"  # the chunk's second file
    (out / blocked).mkdir(parents=True)  # a folder where the PDF must go
    code, err = build_help_me(out, demo_key_file, capsys)
    last = err.strip().splitlines()[-1]
    assert code == 1 and last.startswith("envelopekit: error:")
    assert blocked in last and ".tmp" not in err  # names the file, not its temporary
    assert sorted(p.name for p in out.iterdir()) == [".envelopekit", blocked]
    assert not any((out / blocked).iterdir())
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]


def _records_then_failure(n: int) -> Iterator[Record]:
    spec = load_layout("help-me")
    for i in range(n):
        yield Record(i + 2, f"X{i}", FieldMap({**spec.sample, "id": f"X{i}"}))
    raise RecordsError("the records file went away", file="people.csv", line=n + 2)


def test_a_run_that_fails_halfway_leaves_no_kits_without_a_manifest(tmp_path: Path, demo_key: bytes) -> None:
    with pytest.raises(RecordsError):
        build(load_layout("help-me"), _records_then_failure(3), tmp_path, key=demo_key, chunk=2)
    assert not list(tmp_path.glob(".*tmp*")), "no temporary files"
    assert not list(tmp_path.glob("kits-*.pdf")) or (tmp_path / "manifest.csv").exists()


def test_a_run_that_fails_halfway_leaves_only_whole_files(tmp_path: Path, demo_key: bytes) -> None:
    from pypdf import PdfReader

    with pytest.raises(RecordsError):
        build(load_layout("help-me"), _records_then_failure(3), tmp_path, key=demo_key, chunk=2)
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]
    rows = list(csv.DictReader((tmp_path / "manifest.csv").open(encoding="utf-8")))
    assert [r["record_id"] for r in rows] == ["X0", "X1", "X2"]  # the good records before the failure
    kit = resolve(load_layout("help-me"))
    pdfs = list(tmp_path.glob("kits-*.pdf"))
    assert pdfs
    for pdf in pdfs:
        kits = sum(1 for r in rows if pdf.name in r["file"].split())
        per_kit = len(file_pieces(kit, pdf.name))  # help-me prints one side of each piece
        assert len(PdfReader(pdf).pages) == per_kit * kits  # whole kits, never a torn file


def test_a_rebuild_leaves_no_stale_kits_files(build_kit) -> None:  # type: ignore[no-untyped-def]
    spec = load_layout(MINIMAL)
    people = [Record(i + 2, f"P{i}", FieldMap({**spec.sample, "id": f"P{i}"})) for i in range(3)]
    first = build_kit(spec, people, name="out", chunk=1)
    assert {p.name[:10] for p in first.outdir.glob("kits-*.pdf")} == {
        "kits-00001",
        "kits-00002",
        "kits-00003",
    }
    again = build_kit(spec, people[:1], name="out", chunk=1)
    assert sorted(p.name for p in again.outdir.glob("kits-*.pdf")) == [
        "kits-00001-card-300.pdf",
        "kits-00001-envelope-100.pdf",
    ]
    again = build_kit(spec, people[:1], name="out", chunk=1, group="record")
    assert sorted(p.name for p in again.outdir.glob("kits-*.pdf")) == ["kits-00001.pdf"]


# --- messy input ------------------------------------------------------------------------------


def test_a_messy_cp1252_semicolon_csv_builds(
    tmp_path: Path, demo_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pypdf import PdfReader

    data = DATA / "messy-cp1252.csv"
    raw = data.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b";" in raw and b"\r\n\r\n" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["build", "help-me", "--data", str(data), "-o", str(out), "--token-key-file", str(demo_key_file)],
        capsys,
    )
    assert code == 0, err
    manifest = read_manifest(out)
    assert [(r["record_id"], r["status"]) for r in manifest] == [
        ("M001", "built"),
        ("M002", "built"),
        ("M003", "built"),
        ("M004", "built"),
    ]
    assert pdf_pages(*out.glob("kits-*.pdf")) == 32
    expect = {
        "M001": ["Zoë Müller-Lüdenscheidt", "40212 Düsseldorf"],
        "M002": ["Søren Ødegaard", "Smørrebrød; Co.", "2900 København"],
        "M003": ["José García Márquez", "Café «El Niño»"],
        "M004": ["François Lefèvre", "12 Rue de l'Église", "25000 Besançon"],
    }
    for row in manifest:
        name, first, _ = record_pages(row)[0]  # the outer envelope: the kit's first piece
        text = nfc(PdfReader(out / name).pages[first - 1].extract_text())
        for line in expect[row["record_id"]]:
            assert line in text


def test_build_without_records_builds_the_sample(minimal: Built) -> None:
    assert minimal.result.built == 1
    (row,) = minimal.manifest
    assert row["record_id"] == "S-1" and row["row"] == "0"
    assert sum(last - first + 1 for _, first, last in record_pages(row)) == 4  # two pieces, two sides


def test_the_common_case_is_one_call(tmp_path: Path, demo_key_file: Path) -> None:
    import envelopekit

    samples = Path(__file__).resolve().parent.parent / "samples" / "recipients.csv"
    result = envelopekit.build("help-me", samples, tmp_path, key_file=demo_key_file)
    assert (result.built, result.rejected, result.pages) == (10, 0, 80)
    assert [f.name for f in result.files] == [f"kits-00001-{stock}.pdf" for stock in HELP_ME_STOCKS]
    assert all(f.is_file() for f in result.files) and (tmp_path / "manifest.csv").is_file()


def test_a_template_typo_is_named_with_the_column_it_likely_meant(tmp_path: Path, demo_key: bytes) -> None:
    """{frist_name} in a layout: the error suggests first_name and does not speak of
    finished chunks or a manifest when nothing was built."""
    import envelopekit
    from envelopekit.errors import RecordError
    from envelopekit.layouts import parse_layout

    text = (Path(__file__).resolve().parent.parent / "layouts" / "window-letter.toml").read_text("utf-8")
    spec = parse_layout(
        text.replace("{first_name} {last_name}", "{frist_name} {last_name}"), file="typo.toml"
    )
    with pytest.raises(RecordError) as info:
        envelopekit.build(spec, [{"id": "A", "first_name": "Ada"}], tmp_path / "out", key=demo_key)
    hint = info.value.hint or ""
    assert "typo for the column 'first_name'" in hint and "no kit was built" in hint
    assert "manifest" not in hint
