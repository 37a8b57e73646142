"""Manifest cells: formula escaping for spreadsheets, deterministic CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envelopekit.errors import RecordError
from envelopekit.manifest import FORMULA_TRIGGERS, escape_cell, write_csv, write_json


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("https://evil.example","click")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
        "=",
        "-",
    ],
)
def test_formula_triggers_are_escaped(value: str) -> None:
    assert escape_cell(value) == "'" + value


def test_each_trigger_character() -> None:
    assert {"=", "+", "-", "@", "\t", "\r"} == FORMULA_TRIGGERS
    for ch in FORMULA_TRIGGERS:
        assert escape_cell(ch + "cmd") == "'" + ch + "cmd"


@pytest.mark.parametrize(
    "value",
    ["", "Zoë Müller", "Иванова", "a=b", "x+y", "name@example.org", " =1", "'=1", "12", "1-2", "\n=1"],
)
def test_safe_values_unchanged(value: str) -> None:
    assert escape_cell(value) == value


@given(st.text())
def test_escape_is_prefix_only(value: str) -> None:
    escaped = escape_cell(value)
    assert escaped in (value, "'" + value)
    assert escape_cell(escaped)[:1] not in FORMULA_TRIGGERS


ROWS: list[dict[str, object]] = [
    {"record_id": "r1", "token": "7K3M9QXT2B4R", "name": "=cmd|' /C calc'!A0", "count": -5},
    {"record_id": "r2", "token": "ABCDEFGHJKMN", "name": 'Zoë, "Z"\nline 2', "count": 2.5},
    {"record_id": "r3", "token": "0123456789AB", "name": None, "count": True},
]
FIELDS = ["record_id", "token", "name", "count"]


def test_write_csv_escapes_and_keeps_order() -> None:
    out = io.StringIO()
    assert write_csv(ROWS, FIELDS, out) == 3
    text = out.getvalue()
    assert "\r" not in text
    assert text.startswith("record_id,token,name,count\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == FIELDS
    assert rows[1] == ["r1", "7K3M9QXT2B4R", "'=cmd|' /C calc'!A0", "-5"]
    assert rows[2] == ["r2", "ABCDEFGHJKMN", 'Zoë, "Z"\nline 2', "2.5"]
    assert rows[3] == ["r3", "0123456789AB", "", "true"]


def test_write_csv_is_deterministic() -> None:
    a, b = io.StringIO(), io.StringIO()
    write_csv(ROWS, FIELDS, a)
    write_csv([dict(reversed(list(r.items()))) for r in ROWS], FIELDS, b)
    assert a.getvalue() == b.getvalue()


def test_write_csv_columns() -> None:
    out = io.StringIO()
    write_csv([{"token": "T"}], ["record_id", "token"], out)
    assert out.getvalue() == "record_id,token\n,T\n"
    with pytest.raises(RecordError, match="not a manifest column") as info:
        write_csv([{"record_id": "r9", "email": "x"}], ["record_id"], io.StringIO())
    assert info.value.record_id == "r9" and info.value.field == "email"
    out = io.StringIO()
    write_csv([{"record_id": "r9", "email": "x"}], ["record_id"], out, extra="ignore")
    assert out.getvalue() == "record_id\nr9\n"
    with pytest.raises(RecordError, match="distinct"):
        write_csv([], ["a", "a"], io.StringIO())
    header = io.StringIO()
    write_csv([], ["=evil"], header)
    assert header.getvalue() == "'=evil\n"


def test_write_csv_rejects_odd_values() -> None:
    with pytest.raises(RecordError, match="finite"):
        write_csv([{"a": float("nan")}], ["a"], io.StringIO())
    with pytest.raises(RecordError, match="cannot write a list") as info:
        write_csv([{"id": "x", "a": [1]}], ["id", "a"], io.StringIO())
    assert info.value.record_id == "x"


def test_write_json_is_unescaped_data() -> None:
    out = io.StringIO()
    assert write_json(ROWS, out) == 3
    text = out.getvalue()
    assert json.loads(text) == ROWS
    assert "=cmd" in text and "'=cmd" not in text
    assert "Zoë" in text  # readable UTF-8, not \u escapes
    assert text.startswith("[\n{") and text.endswith("}\n]\n")
    assert len(text.splitlines()) == 2 + len(ROWS)


def test_write_json_lines_and_fieldnames() -> None:
    out = io.StringIO()
    write_json(ROWS, out, fieldnames=["token", "record_id", "missing"], lines=True)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(ROWS)
    assert json.loads(lines[0]) == {
        "token": "7K3M9QXT2B4R",
        "record_id": "r1",
        "missing": None,
    }
    assert lines[0].startswith('{"token"')
    empty = io.StringIO()
    assert write_json([], empty) == 0
    assert json.loads(empty.getvalue()) == []


def test_write_json_rejects_odd_values() -> None:
    with pytest.raises(RecordError, match="JSON") as info:
        write_json([{"record_id": "r1", "a": float("inf")}], io.StringIO())
    assert info.value.record_id == "r1"
    with pytest.raises(RecordError, match="manifest row 2"):
        write_json([{"a": 1}, {"a": object()}], io.StringIO())
