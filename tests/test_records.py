"""Records files: encodings, delimiters, quoting, header aliases, rejections, JSON, XLSX, streaming."""

from __future__ import annotations

import codecs
import csv
import io
import json
import pickle
import tracemalloc
from collections.abc import Iterator
from dataclasses import FrozenInstanceError
from itertools import chain
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envelopekit.errors import EnvelopekitError, RecordError
from envelopekit.records import (
    MAX_CELL,
    SNIFF_BYTES,
    FieldMap,
    Record,
    RecordsError,
    Rejected,
    detect_delimiter,
    detect_encoding,
    normalise_header,
    read_records,
    read_records_from_stream,
    read_records_from_text,
)

HEADER = "id,first_name,last_name,organisation,street,city,region,postal_code,country,email"
ACCENTED = ("R1", "Zoë", "Ødegaard", "Straße 5", "€ Fund")


def write(tmp_path: Path, data: bytes | str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def records(stream: Iterator[Record | Rejected]) -> list[Record]:
    items = list(stream)
    assert all(isinstance(i, Record) for i in items), [i for i in items if isinstance(i, Rejected)]
    return [i for i in items if isinstance(i, Record)]


def split(stream: Iterator[Record | Rejected]) -> tuple[list[Record], list[Rejected]]:
    items = list(stream)
    return [i for i in items if isinstance(i, Record)], [i for i in items if isinstance(i, Rejected)]


# --- encodings ------------------------------------------------------------------------------------

ACCENTED_CSV = "id;first_name;last_name;street;organisation\r\n" + ";".join(ACCENTED) + "\r\n"


@pytest.mark.parametrize(
    ("raw", "detected"),
    [
        (ACCENTED_CSV.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + ACCENTED_CSV.encode("utf-8"), "utf-8-sig"),
        (ACCENTED_CSV.encode("cp1252"), "cp1252"),
        (codecs.BOM_UTF16_LE + ACCENTED_CSV.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + ACCENTED_CSV.encode("utf-16-be"), "utf-16"),
        (ACCENTED_CSV.encode("utf-16-le"), "utf-16-le"),  # no BOM: found by its NUL bytes
    ],
    ids=["utf-8", "utf-8-bom", "cp1252", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le-no-bom"],
)
def test_encodings_are_detected(tmp_path: Path, raw: bytes, detected: str) -> None:
    stream = read_records(write(tmp_path, raw))
    assert stream.info.encoding == detected
    assert stream.info.columns == ("id", "first_name", "last_name", "street", "organisation")
    [rec] = records(stream)
    assert (rec.row, rec.id) == (2, "R1")
    assert tuple(rec.fields.values()) == ACCENTED


def test_explicit_encoding_wins(tmp_path: Path) -> None:
    path = write(tmp_path, "id,name\nR1,Ærø\n".encode("latin-1"))
    [rec] = records(read_records(path, encoding="latin-1"))
    assert rec.fields["name"] == "Ærø"


def test_explicit_utf8_still_strips_a_bom_from_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, codecs.BOM_UTF8 + b"ID,name\nR1,x\n")
    [rec] = records(read_records(path, encoding="utf-8"))
    assert rec.id == "R1"


def test_bad_byte_after_the_sniffed_prefix_rejects_its_row_only(tmp_path: Path) -> None:
    good = "".join(f"R{i},Ada\n" for i in range(SNIFF_BYTES // 6))
    lines = 1 + good.count("\n")
    late = "R-late,Zoë\n".encode("cp1252") + "R-after,Zoë\n".encode()
    path = write(tmp_path, b"id,name\n" + good.encode() + late)
    stream = read_records(path)
    assert stream.info.encoding == "utf-8"
    got, bad = split(stream)
    assert len(got) == lines and got[-1].id == "R-after" and got[-1].fields["name"] == "Zoë"
    [rej] = bad
    assert (rej.row, rej.record_id, rej.field) == (lines + 1, "R-late", "name")
    assert rej.reason == "'name' holds byte 0xEB, which is not valid utf-8"
    assert "cp1252" in (rej.hint or "")
    assert str(rej.as_error()).startswith(f"line {lines + 1}, record R-late, field 'name': 'name' holds")


def test_undecodable_bytes_in_the_id_are_shown_as_replacement_characters() -> None:
    raw = b"id,name,city\nR1,Ada,London\nR\xe9,Zo\xeb,Paris\nR3,Grace,Oslo\n"
    got, [rej] = split(read_records_from_stream(io.BytesIO(raw), encoding="utf-8"))
    assert [r.id for r in got] == ["R1", "R3"]
    assert (rej.row, rej.record_id, rej.field) == (3, "R\ufffd", "id")
    assert (
        rej.reason
        == "'id' holds byte 0xE9, which is not valid utf-8; 'name' holds byte 0xEB, which is not valid utf-8"
    )
    str(rej.as_error()).encode("utf-8")  # reportable: no lone surrogates left


def test_a_header_with_an_undecodable_byte_stops_the_file() -> None:
    with pytest.raises(RecordsError, match="column 2 of the header holds byte 0xE9") as info:
        read_records_from_stream(io.BytesIO(b"id,n\xe9me\nR1,a\n"), encoding="utf-8")
    assert info.value.line == 1


def test_unknown_encoding_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="unknown encoding"):
        read_records(write(tmp_path, "id\nR1\n"), encoding="klingon")


def test_detect_encoding_directly() -> None:
    assert detect_encoding(b"") == "utf-8"
    assert detect_encoding("caf\u00e9".encode()) == "utf-8"
    assert detect_encoding("caf\u00e9".encode("cp1252")) == "cp1252"
    assert detect_encoding(codecs.BOM_UTF32_LE + "x".encode("utf-32-le")) == "utf-32"
    # a multi-byte character cut at the end of the prefix is still UTF-8
    assert detect_encoding("aé".encode()[:-1], final=False) == "utf-8"
    assert detect_encoding("aé".encode()[:-1]) == "cp1252"


# --- delimiters and quoting -----------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiter_is_detected_from_the_header(sep: str) -> None:
    text = sep.join(["id", "name", "street"]) + "\n" + sep.join(["R1", "Ada", "1 Main St"]) + "\n"
    stream = read_records_from_text(text)
    assert stream.info.delimiter == sep
    [rec] = records(stream)
    assert dict(rec.fields) == {"id": "R1", "name": "Ada", "street": "1 Main St"}


def test_delimiter_detection_ignores_quoted_text() -> None:
    assert detect_delimiter('"a;b;c;d",e,f\n') == ","
    assert detect_delimiter("id\n") == ","


@pytest.mark.parametrize("given", ["tab", "\t", "\\t"])
def test_explicit_delimiter_by_name(given: str) -> None:
    [rec] = records(read_records_from_text("id\tnote;a;b\nR1\tA;B\n", delimiter=given))
    assert rec.fields["note;a;b"] == "A;B"


def test_bad_delimiter_option() -> None:
    with pytest.raises(RecordsError, match="single character"):
        read_records_from_text("id\nR1\n", delimiter=";;")


def test_excel_sep_line() -> None:
    stream = read_records_from_text("sep=|\nid|name,x\nR1|A,B\n")
    assert stream.info.delimiter == "|"
    [rec] = records(stream)
    assert (rec.row, rec.fields["name,x"]) == (3, "A,B")


def test_quoted_delimiters_and_newlines_keep_line_numbers() -> None:
    text = (
        "id,name,street,city\r\n"
        'R1,"Lovelace, Ada","12 Main St\r\nFlat 3",London\r\n'
        'R2,"Said ""hi""","a\nb\nc",Paris\r\n'
        "R3,Hopper,Elm Ave,Boston\r\n"
    )
    got = records(read_records_from_text(text))
    assert [(r.row, r.id) for r in got] == [(2, "R1"), (4, "R2"), (7, "R3")]
    assert got[0].fields["name"] == "Lovelace, Ada"
    assert got[0].fields["street"] == "12 Main St\nFlat 3"  # one field, normalised line break
    assert got[1].fields["name"] == 'Said "hi"'
    assert got[1].fields["street"] == "a\nb\nc"


def test_blank_lines_and_empty_rows_are_skipped() -> None:
    text = "\n\nid,name,city\n\nR1,Ada,London\n,,\n   \n\nR2,Grace,Paris\n\n"
    got = records(read_records_from_text(text))
    assert [(r.row, r.id) for r in got] == [(5, "R1"), (9, "R2")]


def test_old_mac_line_endings() -> None:
    got = records(read_records_from_text("id,name\rR1,a\rR2,b\r"))
    assert [(r.row, r.id) for r in got] == [(2, "R1"), (3, "R2")]


def test_values_are_stripped_and_formulas_stay_data() -> None:
    text = 'id,a,b,c,d\n  R1 , =HYPERLINK("x") ,+1,-2+3,"  @SUM(A1)  "\n'
    [rec] = records(read_records_from_text(text))
    assert rec.id == "R1"
    assert dict(rec.fields) == {"id": "R1", "a": '=HYPERLINK("x")', "b": "+1", "c": "-2+3", "d": "@SUM(A1)"}


# --- rejections -----------------------------------------------------------------------------------


def test_short_and_long_rows_are_rejected_and_the_rest_comes_through() -> None:
    text = "id,name,city\nR1,Ada,London\nR2,Grace\nR3,Linus,Oslo,extra\nR4,Zoë,Paris\n"
    good, bad = split(read_records_from_text(text))
    assert [r.id for r in good] == ["R1", "R4"]
    assert [(b.row, b.record_id) for b in bad] == [(3, "R2"), (4, "R3")]
    assert "2 cells" in bad[0].reason and "has 3" in bad[0].reason
    assert "4 cells" in bad[1].reason and "quoted" in (bad[1].hint or "")
    err = bad[0].as_error()
    assert isinstance(err, RecordError)
    assert (err.row, err.record_id, err.field) == (3, "R2", None)
    assert str(err).startswith("line 3, record R2: has 2 cells")


def test_an_unclosed_quote_is_reported_with_its_span() -> None:
    text = 'id,name,street\nR1,a,b\nR2,"oops,c\nR3,d,e\nR4,f,g\n'
    good, bad = split(read_records_from_text(text))
    assert [r.id for r in good] == ["R1"]
    [rej] = bad
    assert rej.row == 3
    assert "line 3 to 5" in (rej.hint or "")


def test_duplicate_id_names_the_first_line() -> None:
    text = "id,name\nR1,Ada\nR2,Grace\nR1,Again\n"
    good, bad = split(read_records_from_text(text))
    assert [r.fields["name"] for r in good] == ["Ada", "Grace"]
    [dup] = bad
    assert (dup.row, dup.record_id, dup.field) == (4, "R1", "id")
    assert "line 2" in dup.reason


def test_missing_id_is_rejected() -> None:
    good, bad = split(read_records_from_text("id,name\nR1,Ada\n  ,Nobody\n"))
    assert [r.id for r in good] == ["R1"]
    assert [(b.row, b.record_id, b.field) for b in bad] == [(3, "", "id")]


def test_missing_required_field_is_rejected_by_name() -> None:
    text = "id,name,ZIP Code,city\nR1,Ada,123,London\nR2,Grace,,\nR3,Linus,,Oslo\n"
    good, bad = split(read_records_from_text(text, required=["Zip", "city"]))
    assert [r.id for r in good] == ["R1"]
    assert [(b.row, b.record_id, b.field) for b in bad] == [
        (3, "R2", "postal_code"),
        (4, "R3", "postal_code"),
    ]
    assert "'city'" in bad[0].reason  # both missing fields are named
    assert "field 'postal_code'" in str(bad[1].as_error())


def test_every_faulty_field_of_a_row_is_reported_at_once() -> None:
    long = "x" * (MAX_CELL + 1)
    raw = (
        b"id,first_name,street,city,postal_code,notes\n"
        b"R1,Ada,1 Main St,London,N1,ok\n"
        b"  ,Zo\xeb,,M\xfcnchen,," + long.encode() + b"\n"
        b"R3,Grace,2 Elm Ave,Oslo,0150,ok\n"
    )
    stream = read_records_from_stream(
        io.BytesIO(raw), encoding="utf-8", required=("street", "postal_code", "first_name")
    )
    got, [rej] = split(stream)
    assert [r.id for r in got] == ["R1", "R3"]
    assert (rej.row, rej.record_id, rej.field) == (3, "", "id")  # the leftmost faulty field
    assert rej.reason.split("; ") == [
        "'id' is empty",
        "'first_name' holds byte 0xEB, which is not valid utf-8",
        "required field 'street' is empty",
        "'city' holds byte 0xFC, which is not valid utf-8",
        "required field 'postal_code' is empty",
        f"'notes' is {MAX_CELL + 1:,} characters long, over the limit of {MAX_CELL:,}",
    ]
    assert "every record needs an id" in (rej.hint or "") and "cp1252" in (rej.hint or "")


def test_adjacent_empty_required_fields_are_one_clause_and_a_duplicate_is_one_more() -> None:
    text = "id,name,street,city\nR1,Ada,1 Main St,London\nR1,,,\n"
    _, [rej] = split(read_records_from_text(text, required=("city", "street", "name")))
    assert (rej.row, rej.record_id, rej.field) == (3, "R1", "id")
    assert (
        rej.reason == "duplicate id 'R1': line 2 has it already; required 'name', 'street', 'city' are empty"
    )
    assert rej.hint == "ids must be unique; fix or remove one"


def test_an_over_long_cell_rejects_its_row_only() -> None:
    long = "y" * (MAX_CELL + 10)
    text = f'id,name,notes\nR1,Ada,a\nR2,Grace,{long}\nR3,Linus,"{long}\n{long}"\nR4,Zoë,b\n'
    limit = csv.field_size_limit()
    got, bad = split(read_records_from_text(text))
    assert csv.field_size_limit() == limit  # the parser's process-wide limit is given back
    assert [r.id for r in got] == ["R1", "R4"]
    assert [(b.row, b.record_id, b.field) for b in bad] == [(3, "R2", "notes"), (4, "R3", "notes")]
    assert bad[0].reason == f"'notes' is {MAX_CELL + 10:,} characters long, over the limit of {MAX_CELL:,}"
    assert bad[0].hint is None
    assert "line 4 to 5: is a quote left open?" in (bad[1].hint or "")


def test_an_open_quote_that_swallows_megabytes_stops_the_file() -> None:
    rest = "".join(f"R{i},{'z' * 100}\n" for i in range(45_000))  # ~4.7 MB
    stream = read_records_from_text(f'id,notes\nR1,a\nR2,"open\n{rest}')
    with pytest.raises(RecordsError, match="runs on past 4 MB") as info:
        list(stream)
    assert info.value.line == 3
    assert "never closed" in (info.value.hint or "")


def test_required_column_missing_from_header_is_fatal() -> None:
    with pytest.raises(RecordsError, match="no 'email' column") as info:
        read_records_from_text("id,name\nR1,a\n", required=("email",))
    assert info.value.line == 1


def test_other_id_field() -> None:
    [rec] = records(read_records_from_text("Customer No,name\nC-7,Ada\n", id_field="customer_no"))
    assert rec.id == "C-7"
    with pytest.raises(RecordsError, match="no 'id' column"):
        read_records_from_text("customer,name\nC-7,Ada\n")


# --- headers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("First Name", "first_name"),
        ("firstname", "first_name"),
        ("given_name", "first_name"),
        ("Last Name", "last_name"),
        ("SURNAME", "last_name"),
        ("family-name", "last_name"),
        ("Zip", "postal_code"),
        ("ZIP code", "postal_code"),
        ("postcode", "postal_code"),
        ("Postal Code", "postal_code"),
        ("Company", "organisation"),
        ("organization", "organisation"),
        ("Address", "street"),
        ("address1", "street"),
        ("Street Address", "street"),
        ("State", "region"),
        ("province", "region"),
        ("County", "region"),
        ("Town", "city"),
        ("E-mail", "email"),
        ("Record ID", "id"),
        ("ID", "id"),
        ("\ufeff id ", "id"),
        ("  Favourite  Colour ", "favourite_colour"),
        ("", ""),
    ],
)
def test_header_aliases(header: str, name: str) -> None:
    assert normalise_header(header) == name


def test_alias_headers_in_a_file() -> None:
    text = "Record ID;First Name;Surname;Company;Address;Town;State;ZIP;Country;E-mail\n"
    text += "R1;Ada;Lovelace;;1 Main St;Springfield;IL;62701;US;ada@example.org\n"
    stream = read_records_from_text(text)
    assert stream.info.columns == tuple(HEADER.split(","))
    [rec] = records(stream)
    assert rec.fields["postal_code"] == "62701"
    assert rec.fields["organisation"] == ""


def test_rename_wins_over_aliases_and_is_checked() -> None:
    text = "ID,Nachname,Company,Organisation\nR1,Müller,Acme,Acme Ltd\n"
    rename = {"nachname": "last_name", "Company": "company name"}
    [rec] = records(read_records_from_text(text, rename=rename))
    assert rec.fields["last_name"] == "Müller"
    assert rec.fields["company_name"] == "Acme"
    assert rec.fields["organisation"] == "Acme Ltd"
    with pytest.raises(RecordsError, match="rename names no column: 'vorname'"):
        read_records_from_text(text, rename={"Vorname": "first_name", "Company": "company name"})


def test_two_columns_meaning_the_same_field_is_fatal(tmp_path: Path) -> None:
    path = write(tmp_path, "id,First Name,email,firstname\nR1,a,b,c\n")
    with pytest.raises(RecordsError) as info:
        read_records(path)
    err = info.value
    assert isinstance(err, EnvelopekitError) and not isinstance(err, RecordError)
    assert (err.file, err.line) == (str(path), 1)
    assert str(err).startswith(
        f"{path}:1: columns 2 ('First Name') and 4 ('firstname') both mean 'first_name'"
    )


def test_unnamed_columns_are_ignored() -> None:
    got = records(read_records_from_text("id,name,,\nR1,Ada,,note\nR2,Grace\n"))
    assert [dict(r.fields) for r in got] == [{"id": "R1", "name": "Ada"}, {"id": "R2", "name": "Grace"}]


# --- files that cannot be read --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\r\n\r\n   \n", "empty"),
        (codecs.BOM_UTF8, "empty"),
        (b"id,name\n\n,\n", "a header but no records"),
        (b"sep=;\n", "no header"),
    ],
)
def test_empty_files_are_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    with pytest.raises(RecordsError, match=message):
        read_records(write(tmp_path, content))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="no such file") as info:
        read_records(tmp_path / "nope.csv")
    assert str(tmp_path / "nope.csv") in str(info.value)
    assert not isinstance(info.value, OSError)
    with pytest.raises(RecordsError, match="is a folder"):
        read_records(tmp_path)


def test_legacy_spreadsheets_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match=r"\.xlsx or CSV"):
        read_records(write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1junk", "people.xls"))


# --- records as values ----------------------------------------------------------------------------


def test_record_is_frozen_hashable_and_picklable() -> None:
    [rec] = records(read_records_from_text("id,name\nR1,Ada\n"))
    with pytest.raises(FrozenInstanceError):
        rec.id = "R2"  # type: ignore[misc]
    with pytest.raises(TypeError):
        rec.fields["name"] = "Eve"  # type: ignore[index]
    assert pickle.loads(pickle.dumps(rec)) == rec
    assert hash(rec) == hash(Record(2, "R1", FieldMap({"id": "R1", "name": "Ada"})))
    assert rec.fields == {"id": "R1", "name": "Ada"}


def test_stream_from_text_io_is_not_closed() -> None:
    source = io.StringIO("id,name\nR1,Ada\n")
    with read_records_from_stream(source) as stream:
        assert [r.id for r in records(stream)] == ["R1"]
    assert not source.closed


# --- JSON -----------------------------------------------------------------------------------------

PEOPLE = [
    {"ID": "R1", "First Name": "Zoë", "zip": "02134", "score": 10.50, "vip": True, "note": None},
    {"ID": 2, "First Name": "José", "zip": 501},
]


@pytest.mark.parametrize("wrap", [False, True])
def test_json_list_and_wrapper(tmp_path: Path, wrap: bool) -> None:
    data = {"generated": {"by": "crm", "at": [1, 2]}, "records": PEOPLE} if wrap else PEOPLE
    stream = read_records(write(tmp_path, json.dumps(data, indent=2), "people.json"))
    assert stream.info.kind == "json"
    first, second = records(stream)
    assert (first.row, first.id, second.row, second.id) == (1, "R1", 2, "2")
    assert dict(first.fields) == {
        "id": "R1",
        "first_name": "Zoë",
        "postal_code": "02134",
        "score": "10.5",
        "vip": "true",
        "note": "",
    }
    assert second.fields["postal_code"] == "501"
    assert second.fields["score"] == ""  # keys of the first record are always present


def test_json_numbers_keep_their_text() -> None:
    [rec] = records(read_records_from_text('[{"id": 7, "amount": 10.50, "big": 1e21}]', kind="json"))
    assert (rec.id, rec.fields["amount"], rec.fields["big"]) == ("7", "10.50", "1e21")


def test_json_bad_items_are_rejected() -> None:
    text = json.dumps(
        [{"id": "R1", "tags": ["a"]}, "R2", {"id": "R3", "addr": {"x": 1}}, {"id": "R1"}, {"id": "R4"}]
    )
    good, bad = split(read_records_from_text(text, kind="json"))
    assert [(r.row, r.id) for r in good] == [(4, "R1"), (5, "R4")]  # the first R1 was rejected
    assert [(b.row, b.record_id, b.field) for b in bad] == [
        (1, "R1", "tags"),
        (2, "", None),
        (3, "R3", "addr"),
    ]


def test_json_item_faults_are_reported_together() -> None:
    text = json.dumps([{"id": "", "ID": "x", "tags": [1], "city": ""}, {"id": "R1", "city": "Oslo"}])
    good, [rej] = split(read_records_from_text(text, kind="json", required=["city"]))
    assert [r.id for r in good] == ["R1"]
    assert (rej.row, rej.record_id, rej.field) == (1, "x", "id")
    assert rej.reason.split("; ") == [
        "two keys mean 'id'",
        "'tags' is a list, not text or a number",
        "required field 'city' is empty",
    ]


def test_json_undecodable_bytes_and_over_long_values_reject_their_item_only() -> None:
    long = "w" * (MAX_CELL + 1)
    raw = b'[{"id": "R1", "name": "Ada"},\n{"id": "R2", "name": "Zo\xeb"},\n'
    raw += b'{"id": "R3", "name": "' + long.encode() + b'"},\n{"id": "R4", "name": "Grace"}]'
    good, bad = split(read_records_from_stream(io.BytesIO(raw), kind="json", encoding="utf-8"))
    assert [r.id for r in good] == ["R1", "R4"]
    assert [(b.row, b.record_id, b.field) for b in bad] == [(2, "R2", "name"), (3, "R3", "name")]
    assert bad[0].reason == "'name' holds byte 0xEB, which is not valid utf-8"
    assert "characters long" in bad[1].reason


def test_json_undecodable_byte_outside_a_string_stops_the_file() -> None:
    raw = b'[{"id": "R1"},\n{"id": "R2"} \xeb]'
    stream = read_records_from_stream(io.BytesIO(raw), kind="json", encoding="utf-8")
    with pytest.raises(RecordsError, match="found byte 0xEB, which is not valid utf-8") as info:
        list(stream)
    assert info.value.line == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "no records"),
        ('{"meta": 1}', 'no "records"'),
        ('{"records": {"a": 1}}', "expected a list"),
        ('"hello"', "expected a list"),
        ('[{"id": "R1"},\n {"id": "R2",}]', "invalid JSON"),
    ],
)
def test_json_file_errors(text: str, message: str) -> None:
    with pytest.raises(RecordsError, match=message):
        list(read_records_from_text(text, kind="json"))


def test_json_syntax_error_names_its_line() -> None:
    text = '[\n{"id": "R1"},\n{"id": "R2"},\n{"id": "R3" "x": 1}\n]'
    stream = read_records_from_text(text, kind="json")
    with pytest.raises(RecordsError) as info:
        list(stream)
    assert info.value.line == 4


class Dribble(io.TextIOBase):
    """A text stream that hands out a few characters per read, like a slow pipe."""

    def __init__(self, text: str):
        self._text, self._pos = text, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        step = 1 + self._pos % 5
        chunk = self._text[self._pos : self._pos + step]
        self._pos += len(chunk)
        return chunk


def test_json_values_split_across_reads() -> None:
    people = [{"id": f"R{i}", "n": i * 1001, "x": 1.5e-7, "s": 'é\n"q"'} for i in range(1500)]
    got = records(
        read_records_from_stream(Dribble(json.dumps({"a": [1, {"b": 2}], "records": people})), kind="json")
    )
    assert [(r.id, r.fields["n"], r.fields["x"]) for r in got] == [
        (f"R{i}", str(i * 1001), "1.5e-07") for i in range(1500)
    ]
    assert got[-1].fields["s"] == 'é\n"q"'


# --- XLSX -----------------------------------------------------------------------------------------


def test_xlsx(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append(["Record ID", "First Name", "Zip", "Joined", "Street", "Amount", None])
    sheet.append(["R1", "Zoë", 501, dt.datetime(2025, 12, 31), "1 Main St\nFlat 2", 12.0, "note"])
    sheet["C3"].number_format = "00000"
    sheet.append([])
    sheet.append([1002, "  Ada ", "SW1A 1AA", dt.date(2026, 1, 2), None, 0.1 + 0.2])
    sheet.append(["R1", "dup"])
    sheet.append([None, "no id"])
    path = tmp_path / "people.xlsx"
    book.save(path)

    stream = read_records(path)
    assert stream.info.columns == ("id", "first_name", "postal_code", "joined", "street", "amount")
    good, bad = split(stream)
    assert [(r.row, r.id) for r in good] == [(3, "R1"), (5, "1002")]
    assert dict(good[0].fields) == {
        "id": "R1",
        "first_name": "Zoë",
        "postal_code": "00501",
        "joined": "2025-12-31",
        "street": "1 Main St\nFlat 2",
        "amount": "12",
    }
    assert good[1].fields["joined"] == "2026-01-02"
    assert (good[1].fields["first_name"], good[1].fields["amount"]) == ("Ada", "0.3")
    assert [(b.row, b.field) for b in bad] == [(6, "id"), (7, "id")]


def test_xlsx_numbers_read_as_the_sheet_shows_them_keeping_leading_zeros(tmp_path: Path) -> None:
    """A postcode typed as a number in a "0000" column is 0154, not 154: what the cell shows."""
    openpyxl = pytest.importorskip("openpyxl")
    formats = {
        "oslo": (154, "0000"),
        "boston": (2108, "00000"),
        "zip4": (21081234, "00000-0000"),
        "special": (2108, "[<=99999]00000;00000-0000"),
        "quoted": (154, '"NO-"0000'),
        "escaped": (154, "\\N\\O\\-0000"),
        "locale": (154, "[$-414]0000"),
        "phone": (201234567, "00000000000"),
        "plain": (154, "General"),
        "thousands": (1234, "#,##0"),
        "decimal": (7, "0.00"),
    }
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", *formats])
    sheet.append(["R1", *(value for value, _ in formats.values())])
    for column, (_, fmt) in enumerate(formats.values(), 2):
        sheet.cell(row=2, column=column).number_format = fmt
    path = tmp_path / "people.xlsx"
    book.save(path)
    (record,) = records(read_records(path))
    assert {k: record.fields[k] for k in formats} == {
        "oslo": "0154",
        "boston": "02108",
        "zip4": "02108-1234",
        "special": "02108",
        "quoted": "NO-0154",
        "escaped": "NO-0154",
        "locale": "0154",
        "phone": "00201234567",
        "plain": "154",
        "thousands": "1234",  # only digit-and-literal formats are applied
        "decimal": "7",
    }


def test_xlsx_postcode_reaches_the_address_with_its_zero(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from envelopekit.content.address import address_lines, check_address

    book = openpyxl.Workbook()
    book.active.append(["id", "first_name", "street", "zip", "city", "country"])
    book.active.append(["R1", "Ada", "Karl Johans gate 1", 154, "Oslo", "Norway"])
    book.active["D2"].number_format = "0000"
    path = tmp_path / "people.xlsx"
    book.save(path)
    (record,) = records(read_records(path))
    checked = check_address(record.fields, home_country="GB")
    assert checked.problems == ()
    assert address_lines(checked.fields, home_country="GB")[-2:] == ["0154 Oslo", "NORWAY"]


def test_xlsx_is_found_by_its_signature(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["id"])
    book.active.append(["R1"])
    path = tmp_path / "export.dat"
    book.save(path)
    assert records(read_records(path))[0].id == "R1"


def test_xlsx_that_is_not_a_workbook(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    with pytest.raises(RecordsError, match="workbook"):
        read_records(write(tmp_path, b"PK\x03\x04 not really a zip", "people.xlsx"))


def test_xlsx_without_openpyxl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(RecordsError, match=r"envelopekit\[xlsx\]"):
        read_records(write(tmp_path, b"PK\x03\x04", "people.xlsx"))


# --- streaming ------------------------------------------------------------------------------------


class Generated(io.RawIOBase):
    """A records file made on demand, never whole, counting the bytes anyone asked for."""

    def __init__(self, rows: int):
        row = "R{0:07d},Ada,Lovelace,,{0} Main St,Springfield,IL,62701,US,p{0}@example.org\n"
        body = (row.format(i).encode() for i in range(rows))
        self._lines = chain([(HEADER + "\n").encode()], body)
        self._buf = bytearray()
        self.pulled = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while len(self._buf) < len(view) and (line := next(self._lines, None)) is not None:
            self._buf += line
        n = min(len(view), len(self._buf))
        view[:n] = self._buf[:n]
        del self._buf[:n]
        self.pulled += n
        return n


def test_a_200k_row_stream_is_read_lazily() -> None:
    source = Generated(200_000)
    stream = read_records_from_stream(source, name="generated.csv")
    first = next(stream)
    assert isinstance(first, Record) and (first.row, first.id) == (2, "R0000000")
    for _ in range(999):
        next(stream)
    assert source.pulled < 512 * 1024  # ~18 MB in all; only the first chunks were read


def test_a_200k_row_file_reads_every_record(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER.split(","))
        w.writerows(
            [f"R{i:07d}", "Zoë", "Ødegaard", "", f"{i} Main St", "Berlin", "", "10115", "DE", ""]
            for i in range(200_000)
        )
    count, last = 0, None
    with read_records(path, required=("street", "postal_code")) as stream:
        for item in stream:
            assert isinstance(item, Record), item
            count, last = count + 1, item
    assert count == 200_000
    assert last is not None and (last.row, last.id) == (200_001, "R0199999")
    assert (last.fields["last_name"], last.fields["street"]) == ("Ødegaard", "199999 Main St")


def test_reading_a_file_holds_one_record_at_a_time(tmp_path: Path) -> None:
    """Memory, not time: read whole, the records of this ~25 MB file would take ~55 MB;
    streamed, the peak is the read buffers plus the ids kept for duplicate checks (~7 MB)."""
    path = tmp_path / "wide.csv"
    note = "Lorem ipsum dolor sit amet, consectetur adipiscing elit; " * 8
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "first_name", "street", "city", "notes"])
        w.writerows([f"R{i:06d}", "Zoë", f"{i} Main St", "Berlin", note] for i in range(50_000))
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        with read_records(path) as stream:
            count = sum(1 for item in stream if isinstance(item, Record))
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        if started:
            tracemalloc.stop()
    assert count == 50_000
    assert peak < path.stat().st_size // 2, f"peak {peak / 1e6:.1f} MB"


# --- round trip (property) ------------------------------------------------------------------------

TEXT = st.text(alphabet="abcXYZ019 ,;\t|\"'\n=+-éøß€Zoë", max_size=12).map(str.strip)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=8),
    blanks=st.lists(st.integers(0, 2), min_size=9, max_size=9),
    sep=st.sampled_from(",;\t|"),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_csv_round_trip(rows: list[tuple[str, str, str]], blanks: list[int], sep: str, encoding: str) -> None:
    """Whatever a spreadsheet writes with csv quoting comes back cell for cell, on the right line."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    w.writerow(["id", "name", "street", "city"])
    expected = []
    for i, (name, street, city) in enumerate(rows):
        out.write("\r\n" * blanks[i])
        expected.append((out.getvalue().count("\n") + 1, f"R{i}", name, street, city))
        w.writerow([f"R{i}", name, street, city])
    raw = out.getvalue().encode(encoding)
    stream = read_records_from_stream(io.BytesIO(raw), encoding="cp1252" if encoding == "cp1252" else None)
    got = [(r.row, r.id, r.fields["name"], r.fields["street"], r.fields["city"]) for r in records(stream)]
    assert got == expected


# --- text safety ---------------------------------------------------------------------------------


def test_bidi_controls_reject_the_row_naming_each_field() -> None:
    from envelopekit.records import read_records_from_text

    text = "id,first_name,city\nR1,Ada\u202e,Lon\u2066don\nR2,Grace,Oslo\n"
    with read_records_from_text(text) as stream:
        items = list(stream)
    bad, good = items
    assert isinstance(bad, Rejected) and isinstance(good, Record)
    assert bad.field == "first_name" and "U+202E RIGHT-TO-LEFT OVERRIDE" in bad.reason
    assert "city" in bad.reason and "U+2066 LEFT-TO-RIGHT ISOLATE" in bad.reason


def test_unicode_line_separators_are_plain_line_breaks() -> None:
    from envelopekit.records import read_records_from_text

    text = 'id,street\nR1,"12 Main St\u2028Flat 2"\nR2,"3 Road\u2029Unit 4\r\nBack"\n'
    with read_records_from_text(text) as stream:
        first, second = list(stream)
    assert isinstance(first, Record) and first.fields["street"] == "12 Main St\nFlat 2"
    assert isinstance(second, Record) and second.fields["street"] == "3 Road\nUnit 4\nBack"


def test_blank_json_objects_are_skipped_like_blank_csv_rows() -> None:
    from envelopekit.records import read_records_from_text

    text = '[{"id": "R1", "city": "Oslo"}, {}, {"id": "", "city": null}, {"id": "R2", "city": "Rome"}]'
    with read_records_from_text(text, kind="json") as stream:
        items = list(stream)
    assert [(type(i).__name__, getattr(i, "id", "")) for i in items] == [("Record", "R1"), ("Record", "R2")]


@pytest.mark.parametrize("encoding", ["rot13", "hex", "base64", "idna", "no-such-codec"])
def test_an_encoding_that_cannot_read_text_is_a_clear_error(tmp_path: Path, encoding: str) -> None:
    from envelopekit.records import read_records

    data = tmp_path / "people.csv"
    data.write_text("id,city\nR1,Oslo\n", encoding="utf-8")
    with pytest.raises(RecordsError, match="encoding") as error:
        read_records(data, encoding=encoding)
    assert "people.csv" in str(error.value)


def test_a_utf16_reading_of_a_utf8_file_is_a_clear_error(tmp_path: Path) -> None:
    from envelopekit.records import read_records

    data = tmp_path / "people.csv"
    data.write_text("id,city\nR1,Oslo\n", encoding="utf-8")
    with pytest.raises(RecordsError, match="not valid utf-16"), read_records(data, encoding="utf-16") as s:
        list(s)


def test_a_utf8_file_with_one_cp1252_row_rejects_that_row_and_garbles_no_other(tmp_path: Path) -> None:
    """A row pasted from a cp1252 export into a UTF-8 file: the file stays UTF-8 (its
    Hebrew and Thai read right), the pasted row alone is rejected, saying what to do."""
    from envelopekit.records import Rejected, read_records

    rows = [
        b"id,name,street",
        "R1,Sarah Cohen,רחוב הרצל 12".encode(),
        "R2,Jörg Müller,Hauptstraße 1".encode("cp1252"),
        "R3,สมชาย,ถนนสุขุมวิท".encode(),
    ]
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\n".join(rows) + b"\n")
    with read_records(path) as records:
        items = list(records)
    built = {r.id: r for r in items if not isinstance(r, Rejected)}
    assert built["R1"].fields["street"] == "רחוב הרצל 12" and built["R3"].fields["name"] == "สมชาย"
    (bad,) = [r for r in items if isinstance(r, Rejected)]
    assert "0xF6" in bad.reason and "CSV UTF-8" in (bad.hint or "")


def test_a_cp1252_file_is_still_read_as_cp1252(tmp_path: Path) -> None:
    from envelopekit.records import read_records

    path = tmp_path / "win.csv"
    path.write_bytes("id,name\nR1,Jörg Müller\nR2,Zoë\n".encode("cp1252"))
    with read_records(path) as records:
        assert [r.fields["name"] for r in records] == ["Jörg Müller", "Zoë"]
