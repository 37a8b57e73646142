"""verify checks addresses: each record's address on its own envelope page, and on no other record's.

Real builds of the bundled layouts, then PDFs rewritten with pypdf the way a
mistake at the printer would: two outer envelopes swapped, one blanked, one from
another build, one left out, one printed twice.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import ROOT, SAMPLES, Built

from envelopekit.verify import VerifyReport, format_report, read_manifest, verify
from envelopekit.verify_addresses import (
    AddressMark,
    address_digest,
    comparable,
    letters_digest,
    normalise,
    page_lines,
    parse_address_column,
)

pytest.importorskip("pypdfium2")
pytest.importorskip("zxingcpp")
pypdf = pytest.importorskip("pypdf")


# --- helpers ------------------------------------------------------------------------------------


def copy_build(built: Built, dest: Path) -> Path:
    """The build's folder copied, so a session fixture's output stays untouched."""
    shutil.copytree(built.outdir, dest, ignore=shutil.ignore_patterns(".envelopekit"))
    return dest


def rewrite(pdf: Path, order: Sequence[int | Callable[[Any], Any]]) -> None:
    """Rewrite ``pdf`` with its pages in ``order`` (0-based indices into the original); a
    callable gets the writer and adds a page of its own."""
    reader = pypdf.PdfReader(pdf)
    writer = pypdf.PdfWriter()
    for item in order:
        if callable(item):
            item(writer)
        else:
            writer.add_page(reader.pages[item])
    with open(pdf, "wb") as f:
        writer.write(f)


def swapped(n: int, a: int, b: int) -> list[int]:
    order = list(range(n))
    order[a], order[b] = order[b], order[a]
    return order


def page_count(pdf: Path) -> int:
    return len(pypdf.PdfReader(pdf).pages)


def errors(report: VerifyReport) -> list[str]:
    return [str(f) for f in report.findings if f.level == "error"]


def write_records(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def sample_rows(name: str = "recipients.csv") -> list[dict[str, str]]:
    with open(SAMPLES / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def build_from(build_kit: Callable[..., Built], layout: str, rows: list[dict[str, str]], **kw: Any) -> Built:
    from envelopekit.layouts import load_layout
    from envelopekit.records import read_records

    spec = load_layout(layout)
    data = write_records(Path(kw.pop("tmp")) / f"{kw.get('name', 'out')}.csv", rows)
    kw.setdefault("group", "record")  # kit by kit: one file, a record's pages in a row
    with read_records(data, id_field=spec.id_field) as records:
        return build_kit(spec, records, **kw)


# --- normalising and the manifest column ------------------------------------------------------------


def test_normalise_drops_what_a_text_layer_changes() -> None:
    assert normalise("  12 St James's\u00a0Square \t") == "12StJames'sSquare"
    assert normalise("Ｋöｎｉｇｓａｌｌｅｅ\u200b 27") == normalise("Königsallee 27")  # NFKC, format chars
    assert (
        normalise("Müller\u2010Lüdenscheidt") == normalise("Müller\x02Lüdenscheidt") == "Müller-Lüdenscheidt"
    )
    assert (
        normalise("Οδός Ερμού 15") == "ΟδόςΕρμού15" and normalise("朝阳区 建国路88号") == "朝阳区建国路88号"
    )
    assert normalise(" \r\n ") == ""


def test_page_lines_split_where_pdfium_joins_a_hyphenated_line() -> None:
    page = SimpleNamespace(get_text_bounded=lambda: "Ada Wolfe\x02Schlegel\r\n\r\n  London \r\nSW1Y 4JH")
    assert page_lines(page) == ("AdaWolfe-", "Schlegel", "London", "SW1Y4JH")


def test_parse_address_column() -> None:
    assert parse_address_column("") == ()
    mark = AddressMark("outer", 4, 57, "f2542ce7303656a8")
    assert parse_address_column("outer:4:57:f2542ce7303656a8") == (mark,)
    assert parse_address_column(f"{mark}; letter:2:20:0123456789abcdef")[1].piece == "letter"
    for bad in ("outer", "outer:4:57:xyz", "outer:0:57:f2542ce7303656a8", "outer:4:57:F2542CE7303656A8;"):
        assert parse_address_column(bad) is None, bad


def test_the_manifest_has_a_fingerprint_of_each_printed_address_and_not_the_address(help_me: Built) -> None:
    row = help_me.row("R0002")  # Zoë Müller-Lüdenscheidt, Königsallee 27, 40212 Düsseldorf, GERMANY
    (mark,) = parse_address_column(row["address"]) or ()
    printed = ["Zoë Müller-Lüdenscheidt", "Königsallee 27", "40212 Düsseldorf", "GERMANY"]
    text = "".join(normalise(line) for line in printed)
    assert mark == AddressMark("outer", 4, len(text), address_digest(text), letters_digest(text))
    assert all(word not in row["address"] for word in ("Königsallee", "Düsseldorf", "Müller"))
    records, _ = read_manifest(help_me.outdir / "manifest.csv")
    assert all(len(r.addresses) == 1 for r in records)


# --- good output passes ------------------------------------------------------------------------


def test_a_good_build_passes_with_every_address_found(help_me: Built) -> None:
    report = verify(help_me.outdir)
    assert report.ok and report.findings == (), format_report(report)
    assert report.addresses_expected == report.addresses_found == 10
    assert "10 of 10 addresses found" in format_report(report)


@pytest.mark.parametrize(("layout", "data"), [("wedding", "wedding.csv"), ("onboarding", "onboarding.csv")])
def test_bundled_layouts_pass_with_their_samples(
    build_kit: Callable[..., Built], layout: str, data: str
) -> None:
    """Multi-line streets, a blank organisation line, accents, the onboarding mailer."""
    from envelopekit.records import read_records

    with read_records(SAMPLES / data) as records:
        built = build_kit(layout, records)
    report = verify(built.outdir)
    assert report.ok and report.findings == (), format_report(report)
    assert report.addresses_expected == report.addresses_found == len(built.manifest)


HARD = [
    {  # CJK through the fallback font, a two-line street, an organisation that wraps
        "id": "H1",
        "first_name": "太郎",
        "last_name": "山田",
        "organisation": "株式会社サンプル商事 国際営業本部 第二営業部 海外事業推進グループ",
        "street": "千代田区丸の内1-1-1\n丸の内ビルディング 35階",
        "city": "東京都",
        "postal_code": "100-0005",
        "country": "JP",
    },
    {
        "id": "H2",
        "first_name": "明",
        "last_name": "王",
        "organisation": "",
        "street": "朝阳区建国路88号\nSOHO现代城 A座 1208室",
        "city": "北京市",
        "postal_code": "100022",
        "country": "CN",
    },
    {  # a name wrapped at its hyphens (pdfium joins such lines), spaces to spare in the street
        "id": "H3",
        "first_name": "Hubert Blaine",
        "last_name": "Wolfeschlegelsteinhausen-Bergerdorffwelchevoralternwaren-Gewissenhaftschaferswessen",
        "organisation": "The Extraordinarily Long Organisation Name Limited Liability Partnership",
        "street": "Flat 3\n  14   Lansdown   Crescent  \nLower Ground Floor",
        "city": "Bath",
        "postal_code": "BA1 5EX",
        "country": "GB",
    },
    {
        "id": "H4",
        "first_name": "Ελένη",
        "last_name": "Κωνσταντινοπούλου-Παπαδημητρίου",
        "organisation": "Εταιρεία Ανάπτυξης και Τουριστικής Προβολής Αθηνών",
        "street": "Λεωφόρος Βασιλίσσης Σοφίας 120",
        "city": "Αθήνα",
        "postal_code": "115 26",
        "country": "GR",
    },
    {
        "id": "H5",
        "first_name": "Александр",
        "last_name": "Константинопольский",
        "organisation": "Общество с ограниченной ответственностью «Рога и копыта»",
        "street": "ул. Большая Никитская, д. 12, стр. 3\nкв. 45",
        "city": "Москва",
        "postal_code": "125009",
        "country": "RU",
    },
    {  # the same address as H6's neighbour: identical fingerprints, each on its own page
        "id": "H6",
        "first_name": "José",
        "last_name": "Núñez Ibáñez",
        "organisation": "Café Ñandú S.L.",
        "street": "Calle de Alcalá 42",
        "city": "Madrid",
        "postal_code": "28014",
        "country": "ES",
    },
]


def hard_rows() -> list[dict[str, str]]:
    rows = [dict(row, region="", email=f"{row['id'].lower()}@example.org") for row in HARD]
    return [*rows, dict(rows[-1], id="H7", email="h7@example.org")]


@pytest.mark.parametrize("layout", ["help-me", "onboarding", "wedding"])
def test_scripts_wrapped_and_multi_line_addresses_are_found(
    build_kit: Callable[..., Built], tmp_path: Path, layout: str
) -> None:
    rows = [dict(r, member_since="January 2027", guest=r["first_name"]) for r in hard_rows()]
    built = build_from(build_kit, layout, rows, tmp=tmp_path)
    built_ids = [r["record_id"] for r in built.manifest if r["status"] == "built"]
    assert {"H1", "H3", "H7"} <= set(built_ids)
    report = verify(built.outdir)
    assert report.ok, format_report(report)
    assert report.addresses_expected == report.addresses_found == len(built_ids)
    h6, h7 = (built.row(i)["address"] for i in ("H6", "H7"))
    assert h6 == h7


# --- swapped, blank, changed, missing, repeated ------------------------------------------------------


def test_swapped_outer_envelopes_fail_naming_both_records(help_me: Built, tmp_path: Path) -> None:
    out = copy_build(help_me, tmp_path / "out")
    pdf = out / "kits-00001.pdf"
    r1, r2 = help_me.first_page("R0001"), help_me.first_page("R0002")  # pages 1 and 9
    rewrite(pdf, swapped(page_count(pdf), r1, r2))
    report = verify(out)
    assert not report.ok
    assert (report.expected, report.matched) == (20, 20)  # the codes alone would pass
    found = errors(report)
    assert len(found) == 2, found
    assert "page 1, record R0001: the address of record R0002 (outer, kits-00001.pdf pages 9-16)" in found[0]
    assert "page 9, record R0002: the address of record R0001 (outer, kits-00001.pdf pages 1-8)" in found[1]
    assert report.addresses_found == 8


def test_a_blank_outer_envelope_fails(help_me: Built, tmp_path: Path) -> None:
    out = copy_build(help_me, tmp_path / "out")
    pdf = out / "kits-00001.pdf"
    first = pypdf.PdfReader(pdf).pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    order: list[Any] = list(range(page_count(pdf)))
    order[0] = lambda w: w.add_blank_page(width, height)
    rewrite(pdf, order)
    report = verify(out)
    assert not report.ok
    (error,) = errors(report)
    assert "record R0001: outer address not found on the record's pages 1-8" in error
    assert "missing, blank or changed" in error


def test_an_outer_envelope_from_another_build_fails(
    build_kit: Callable[..., Built], help_me: Built, tmp_path: Path
) -> None:
    """R0001's envelope printed from a records file where its street was corrected."""
    rows = sample_rows()
    rows[0]["street"] = "13 St James's Square"
    other = build_from(build_kit, "help-me", rows[:1], name="other", tmp=tmp_path)
    out = copy_build(help_me, tmp_path / "out")
    pdf = out / "kits-00001.pdf"
    reader, donor = pypdf.PdfReader(pdf), pypdf.PdfReader(other.pdf)
    writer = pypdf.PdfWriter()
    writer.add_page(donor.pages[0])
    for page in reader.pages[1:]:
        writer.add_page(page)
    with open(pdf, "wb") as f:
        writer.write(f)
    report = verify(out)
    (error,) = errors(report)
    assert "record R0001: outer address not found" in error


def test_an_outer_envelope_left_out_and_one_printed_twice(help_me: Built, tmp_path: Path) -> None:
    out = copy_build(help_me, tmp_path / "out")
    pdf = out / "kits-00001.pdf"
    n = page_count(pdf)
    last = help_me.first_page("R0010")
    rewrite(pdf, [*range(n), last])  # R0010's envelope once more, on a page no record owns
    report = verify(out)
    wanted = f"page {n + 1}: the address of record R0010 (outer, kits-00001.pdf pages 73-80) is on a page"
    assert any(f"{wanted} no record owns" in e for e in errors(report)), errors(report)


def test_an_old_manifest_without_addresses_is_a_warning(help_me: Built, tmp_path: Path) -> None:
    out = copy_build(help_me, tmp_path / "out")
    manifest = out / "manifest.csv"
    with open(manifest, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in rows[0] if c != "address"]
    with open(manifest, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    pdf = out / "kits-00001.pdf"
    rewrite(pdf, swapped(page_count(pdf), 0, 8))  # not caught: nothing to check it against
    report = verify(out)
    assert report.ok and report.warnings == 1 and report.addresses_expected is None
    assert "no address column (an older build): addresses were not checked" in str(report.findings[0])
    assert "addresses not checked" in format_report(report)


def test_a_damaged_address_cell_is_an_error(help_me: Built, tmp_path: Path) -> None:
    out = copy_build(help_me, tmp_path / "out")
    manifest = out / "manifest.csv"
    text = manifest.read_text(encoding="utf-8")
    cell = help_me.row("R0003")["address"]
    manifest.write_text(text.replace(cell, "outer:many:lines"), encoding="utf-8")
    report = verify(out)
    (error,) = errors(report)
    assert "record R0003: manifest line 4: address 'outer:many:lines' is not" in error


def test_one_pdf_with_its_manifest_checks_addresses_too(help_me: Built, tmp_path: Path) -> None:
    out = copy_build(help_me, tmp_path / "out")
    pdf = out / "kits-00001.pdf"
    assert verify(pdf, manifest=out / "manifest.csv").addresses_found == 10
    rewrite(pdf, swapped(page_count(pdf), 0, 8))
    assert len(errors(verify(pdf, manifest=out / "manifest.csv"))) == 2
    assert verify(pdf).addresses_expected is None  # no manifest: nothing to check against


# --- right-to-left, Indic and Thai addresses ---------------------------------------------------------

SCRIPTS = [
    {  # Arabic, a house number inside
        "id": "S1",
        "first_name": "فاطمة",
        "last_name": "الزهراء",
        "organisation": "",
        "street": "شارع الملك فهد 12",
        "city": "الرياض",
        "postal_code": "12271",
        "country": "SA",
    },
    {  # a mixed name and a mixed street: the line's words extract in another order
        "id": "S2",
        "first_name": "Fatima",
        "last_name": "الزهراء",
        "organisation": "",
        "street": "Flat 2, شارع التحلية 45",
        "city": "جدة",
        "postal_code": "23423",
        "country": "SA",
    },
    {  # Hebrew with a Latin city name in the street line
        "id": "S3",
        "first_name": "שרה",
        "last_name": "כהן",
        "organisation": "",
        "street": "רחוב הרצל 12, Tel Aviv",
        "city": "תל אביב",
        "postal_code": "6100000",
        "country": "IL",
    },
    {
        "id": "S4",
        "first_name": "किरण",
        "last_name": "शर्मा",
        "organisation": "",
        "street": "12 महात्मा गांधी मार्ग",
        "city": "नई दिल्ली",
        "postal_code": "110001",
        "country": "IN",
    },
    {  # Thai, a street long enough to wrap at its dictionary word boundaries
        "id": "S5",
        "first_name": "สมชาย",
        "last_name": "ใจดี",
        "organisation": "",
        "street": "123/45 ถนนสุขุมวิทแขวงคลองเตยเหนือ เขตวัฒนา",
        "city": "กรุงเทพมหานคร",
        "postal_code": "10110",
        "country": "TH",
    },
    {  # brackets in a right-to-left run of a left-to-right line: extractors turn them round
        "id": "S6",
        "first_name": "David",
        "last_name": "לוי",
        "organisation": 'Acme (ישראל) בע"מ',
        "street": "Herzl St 5",
        "city": "Haifa",
        "postal_code": "3303101",
        "country": "IL",
    },
]


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory, demo_key: bytes) -> Built:
    from conftest import _build

    from envelopekit.layouts import load_layout
    from envelopekit.records import read_records

    out = tmp_path_factory.mktemp("scripts")
    rows = [dict(row, region="", email=f"{row['id'].lower()}@example.org") for row in SCRIPTS]
    spec = load_layout("help-me")
    with read_records(write_records(out.parent / f"{out.name}.csv", rows), id_field=spec.id_field) as records:
        return _build(spec, records, out, demo_key, group="record")  # kit by kit: one file


def test_comparable_lines_with_right_to_left_letters_in_any_order() -> None:
    line = normalise("רחוב הרצל 12, Tel Aviv")
    assert comparable(line) == comparable(normalise("Tel Aviv ,12 הרצל רחוב"))
    assert comparable(normalise('Acme (ישראל) בע"מ')) == comparable(normalise('ישראל)בע"מ( Acme'))
    assert len(comparable(line)) == len(line)
    assert comparable(line) != comparable(normalise("רחוב הרצל 13, Tel Aviv"))  # another house
    for other in ("Königsallee 27", "12 महात्मा गांधी मार्ग", "山田太郎"):
        assert comparable(normalise(other)) == normalise(other)  # their order is kept
    # Thai's stacked vowel and tone marks are read out of place by extractors: any order
    assert comparable(normalise("ชั้น 12")) == comparable(normalise("ชน ั้ 12"))


def test_right_to_left_indic_and_thai_addresses_are_found(scripts: Built) -> None:
    assert [r["status"] for r in scripts.manifest] == ["built"] * len(SCRIPTS)
    report = verify(scripts.outdir)
    assert report.ok and not errors(report), format_report(report)
    assert report.addresses_expected == report.addresses_found == len(SCRIPTS)


def test_the_mixed_lines_do_not_extract_in_logical_order(scripts: Built) -> None:
    """Why the lines are compared unordered: pdfium reads them back in another order."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(scripts.pdf))
    try:
        lines = page_lines(document[scripts.first_page("S3")].get_textpage())
    finally:
        document.close()
    street = normalise("רחוב הרצל 12, Tel Aviv")
    assert street not in lines, "pdfium reads this line in logical order now: see verify_addresses.comparable"
    assert comparable(street) in map(comparable, lines)


@pytest.mark.parametrize(("a", "b"), [("S2", "S3"), ("S1", "S6"), ("S4", "S5")])
def test_swapped_envelopes_of_any_script_fail_naming_both_records(
    scripts: Built, tmp_path: Path, a: str, b: str
) -> None:
    out = copy_build(scripts, tmp_path / "out")
    pdf = out / "kits-00001.pdf"
    pa, pb = scripts.first_page(a), scripts.first_page(b)
    rewrite(pdf, swapped(page_count(pdf), pa, pb))
    report = verify(out)
    found = errors(report)
    assert len(found) == 2, found
    assert f"page {pa + 1}, record {a}: the address of record {b} (outer" in found[0]
    assert f"page {pb + 1}, record {b}: the address of record {a} (outer" in found[1]
    assert report.addresses_found == len(SCRIPTS) - 2


def test_a_manifest_from_before_unordered_lines_still_matches(scripts: Built, tmp_path: Path) -> None:
    """Marks of right-to-left addresses that extracted in order were digests of the
    ordered lines: those lines are still hashed as extracted too."""
    from envelopekit.verify_addresses import _mark

    out = copy_build(scripts, tmp_path / "out")
    manifest = out / "manifest.csv"
    printed = ["فاطمة الزهراء", "شارع الملك فهد 12", "الرياض 12271", "SAUDI ARABIA"]
    new = _mark("outer", printed)
    lines = [normalise(line) for line in printed]
    old = AddressMark("outer", 4, len("".join(lines)), address_digest("".join(lines)))
    assert new is not None and new.digest != old.digest
    text = manifest.read_text(encoding="utf-8")
    assert str(new) in text  # the build wrote the printed lines this test assumes
    manifest.write_text(text.replace(str(new), str(old)), encoding="utf-8")
    report = verify(out)
    assert report.ok and report.addresses_found == len(SCRIPTS), format_report(report)


# --- imposed output ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cut_and_stack(tmp_path_factory: pytest.TempPathFactory, demo_key: bytes) -> Path:
    from envelopekit.batch import Imposition, build
    from envelopekit.catalog import lookup_sheet
    from envelopekit.layouts import load_layout
    from envelopekit.records import read_records

    out = tmp_path_factory.mktemp("cut-and-stack")
    with read_records(ROOT / "samples" / "recipients.csv") as records:
        sheet = Imposition(lookup_sheet("SRA3"), "cut-and-stack")
        build(load_layout("help-me"), records, out, key=demo_key, impose=sheet)
    return out


def test_imposed_output_passes_and_knows_the_envelopes_sheet(cut_and_stack: Path) -> None:
    report = verify(cut_and_stack)
    assert report.ok and report.findings == (), format_report(report)
    assert report.addresses_expected == report.addresses_found == 10
    records, _ = read_manifest(cut_and_stack / "manifest.csv")
    assert ("outer", 1) in records[0].placed and records[0].pages == "1 11 21"


def test_swapped_sheets_fail_naming_both_records(cut_and_stack: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(cut_and_stack, out, ignore=shutil.ignore_patterns(".envelopekit"))
    pdf = out / "sheets-00001-envelope-100.pdf"
    rewrite(pdf, swapped(page_count(pdf), 0, 1))  # sheets 1 and 2: R0001's and R0002's outers
    report = verify(out)
    found = errors(report)
    assert len(found) == 2, found
    name = "sheets-00001-envelope-100.pdf"
    assert f"page 1, record R0001: the address of record R0002 (outer, {name} page 2)" in found[0]
    assert f"page 2, record R0002: the address of record R0001 (outer, {name} page 1)" in found[1]


def test_an_envelope_moved_to_another_sheet_of_its_own_record_fails(
    cut_and_stack: Path, tmp_path: Path
) -> None:
    """On imposed output the address must be on the sheet its placement names."""
    out = tmp_path / "out"
    shutil.copytree(cut_and_stack, out, ignore=shutil.ignore_patterns(".envelopekit"))
    pdf = out / "sheets-00001-envelope-100.pdf"
    rewrite(pdf, swapped(page_count(pdf), 0, 10))  # R0001's sheets 1 and 11
    found = errors(verify(out))
    assert any(
        "record R0001: outer address not found on the record's page 1: it is on its page 11" in e
        for e in found
    )


# --- a file per stock ---------------------------------------------------------------------------


def test_one_stock_file_is_checked_for_the_addresses_its_pieces_carry(
    build_kit: Callable[..., Built], tmp_path: Path
) -> None:
    """A window envelope's address is on the letter: the letter's file, verified alone,
    finds every address; the envelopes' file holds none and is not faulted for it; the
    whole folder catches two records' letters swapped."""
    built = build_from(
        build_kit, "window-letter", sample_rows("window-letter.csv"), tmp=tmp_path, group="stock"
    )
    out = built.outdir
    letters, envelopes = out / "kits-00001-text-80.pdf", out / "kits-00001-envelope-90.pdf"
    manifest = out / "manifest.csv"
    alone = verify(letters, manifest=manifest)
    assert not errors(alone) and alone.addresses_found == alone.addresses_expected > 0
    alone = verify(envelopes, manifest=manifest)
    assert not errors(alone) and alone.addresses_expected == 0
    assert verify(out).ok
    n = page_count(letters)
    rewrite(letters, [2, 3, 0, 1, *range(4, n)])  # the letters (two sides each) of records 1 and 2
    problems = errors(verify(out))
    assert problems and any("address" in p for p in problems), problems


@pytest.mark.parametrize("duplex", [None, "turn", "tumble"])
def test_an_imposed_window_letters_address_is_found_however_its_back_is_turned(
    tmp_path: Path, demo_key: bytes, duplex: str | None
) -> None:
    """The address is on the letter's side B: in a sheetwise back file, or on duplex backs
    turned so that extractors read its lines bottom first and run two together."""
    import envelopekit
    from envelopekit.catalog import lookup_sheet
    from envelopekit.impose.adapter import Imposition
    from envelopekit.layouts import load_layout

    out = tmp_path / "out"
    imposition = Imposition(lookup_sheet("SRA3"), "gang", duplex, None, "2026-12-01")
    rows = sample_rows("window-letter.csv")
    envelopekit.build(load_layout("window-letter"), rows, out, key=demo_key, impose=imposition, workers=1)
    report = verify(out)
    assert not errors(report) and report.addresses_found == report.addresses_expected == len(rows)


def test_thai_stacked_marks_read_out_of_place_still_match(
    build_kit: Callable[..., Built], tmp_path: Path
) -> None:
    rows = [dict(sample_rows()[0], id="T1", street="ชั้น 12 ถนนสุขุมวิท", city="Bangkok", country="TH")]
    built = build_from(build_kit, "help-me", rows, tmp=tmp_path)
    report = verify(built.outdir)
    assert not errors(report) and report.addresses_found == report.addresses_expected == 1


def test_marks_without_a_letters_digest_still_parse() -> None:
    (old,) = parse_address_column("outer:3:41:41ee5675f697693e") or ()
    (new,) = parse_address_column("outer:3:41:41ee5675f697693e:0123456789abcdef") or ()
    assert (old.letters, new.letters) == ("", "0123456789abcdef") and old.digest == new.digest
    assert str(new) == "outer:3:41:41ee5675f697693e:0123456789abcdef"
