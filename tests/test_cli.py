"""The command line: listings, net geometry as JSON, one-line errors, a sample build.

Commands run in-process through ``cli.main`` (fast, and stderr is captured); one
test runs the installed ``envelopekit`` entry point as a subprocess to check that
a real failure prints no traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, read_manifest
from pypdf import PdfReader

from envelopekit import __version__, cli
from envelopekit.catalog import ENVELOPES, lookup
from envelopekit.nets import build_net, load_styles
from envelopekit.units import mm

TOL = 0.01


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``envelopekit ARGV``, argparse exits included."""
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, f"one line on stderr, got {err!r}"
    assert "Traceback" not in err
    assert err.startswith("envelopekit")
    return err.strip()


# --- listings ---------------------------------------------------------------------------------


def test_styles_lists_one_line_per_style_name_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["styles"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    styles = load_styles()
    assert [line.split()[0] for line in lines] == sorted(styles)
    assert {"pocket", "banker", "baronial", "wallet", "diamond"} <= set(styles)
    for line in lines:
        name, _, summary = line.partition(" ")
        assert summary.strip() == styles[name].summary and summary.strip()


def test_sizes_lists_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["sizes"], capsys)
    assert code == 0
    for heading in ("Envelopes", "Papers and cards", "Press and desktop sheets", "Stocks"):
        assert any(line.startswith(heading) for line in out.splitlines()), heading
    c6 = next(line for line in out.splitlines() if line.split()[:1] == ["C6"])
    assert "162.0 x  114.0 mm" in c6 and "iso-c" in c6
    names = [s.name for s in ENVELOPES]
    listed = [line for line in out.splitlines() if line.startswith("  ")]
    assert all(any(line.strip().startswith(n) for line in listed) for n in names)


def test_sizes_of_one_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["sizes", "stocks"], capsys)
    assert code == 0
    assert out.splitlines()[0] == "Stocks"
    assert "Envelopes" not in out
    assert any("card-300" in line and "300 gsm" in line and "0.35 mm" in line for line in out.splitlines())


def test_sizes_of_an_unknown_kind_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["sizes", "envelopez"], capsys)
    assert code == 1 and out == ""
    assert "envelopez" in one_line_error(err) and "envelopes" in err


def test_version_and_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"envelopekit {__version__}"
    code, out, _ = run([], capsys)
    assert code == 1 and "usage" in out.lower()


# --- net --------------------------------------------------------------------------------------


def test_net_json_schema_and_counts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["net", "pocket", "C6", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"style", "size", "outline", "folds", "glue", "panels"}
    size = lookup("C6", kind="envelope")
    net = build_net("pocket", size.width, size.height)
    assert data["style"] == "pocket"
    assert data["size"] == pytest.approx([162 * mm, 114 * mm], abs=0.001)
    assert len(data["folds"]) == len(net.folds) == 4  # one hinge per flap
    assert len(data["panels"]) == len(net.panels) == 5  # front and four flaps
    assert len(data["glue"]) == len(net.glue) > 0
    assert len(data["outline"]) >= 8
    assert all(len(p) == 2 and all(isinstance(v, float | int) for v in p) for p in data["outline"])
    for fold in data["folds"]:
        assert set(fold) == {"from", "to", "kind"} and fold["kind"] in ("valley", "mountain")
    for panel in data["panels"]:
        assert set(panel) == {"name", "face", "order", "polygon"}
    front = next(p for p in data["panels"] if p["name"] == "front")
    assert front["face"] == "front" and front["order"] == 0
    xs, ys = [p[0] for p in front["polygon"]], [p[1] for p in front["polygon"]]
    assert (max(xs) - min(xs), max(ys) - min(ys)) == pytest.approx((162 * mm, 114 * mm), abs=0.002)
    assert sorted(p["face"] for p in data["panels"]).count("back") == 4
    assert not list(tmp_path.iterdir()), "--json alone writes no PDF"


def test_net_json_compact_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["net", "banker", "#10", "--json", "--compact"], capsys)
    assert code == 0 and out.count("\n") == 1
    assert json.loads(out)["size"] == pytest.approx([241.3 * mm, 104.775 * mm], abs=0.01)


def test_net_pdf(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_pdf = tmp_path / "pocket.pdf"
    code, _, err = run(["net", "pocket", "C6", "-o", str(out_pdf)], capsys)
    assert code == 0 and f"wrote {out_pdf}" in err
    (page,) = PdfReader(out_pdf).pages
    size = lookup("C6", kind="envelope")
    net = build_net("pocket", size.width, size.height)
    trim = [float(v) for v in page["/TrimBox"]]
    bleed = [float(v) for v in page["/BleedBox"]]
    assert (trim[2] - trim[0], trim[3] - trim[1]) == pytest.approx(net.bbox.size, abs=TOL)
    assert bleed == pytest.approx(
        [trim[0] - 3 * mm, trim[1] - 3 * mm, trim[2] + 3 * mm, trim[3] + 3 * mm], abs=TOL
    )
    spaces = page["/Resources"]["/ColorSpace"]
    assert {"/CutContour", "/Crease", "/Glue", "/All"} <= set(spaces)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["net", "pocket", "C6", "--param", "side_flapp=15mm"], "did you mean 'side_flap'"),
        (["net", "pocket", "C6", "--param", "side_flap=15"], "no unit"),
        (["net", "pocket", "C6", "--param", "side_flap=999mm"], "side_flap"),
        (["net", "pocket", "C6", "--param", "side_flap"], "NAME=VALUE"),
        (["net", "pockt", "C6"], "did you mean 'pocket'"),
        (["net", "pocket", "C66"], "C66"),
        (["net", "pocket", "C6", "--bleed", "3"], "no unit"),
    ],
)
def test_net_with_a_bad_argument_is_one_line_and_exit_1(
    argv: list[str],
    says: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(argv, capsys)
    assert code == 1
    assert out == ""
    assert says in one_line_error(err)
    assert not list(tmp_path.iterdir()), "nothing written"


def test_a_real_failure_prints_no_traceback(tmp_path: Path) -> None:
    exe = shutil.which("envelopekit")
    argv = [exe] if exe else [sys.executable, "-m", "envelopekit.cli"]
    proc = subprocess.run(
        [*argv, "net", "pocket", "C6", "--param", "side_flap=-4mm"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert one_line_error(proc.stderr).startswith("envelopekit: error: pocket parameter side_flap")


# --- build ------------------------------------------------------------------------------------


def test_build_without_data_builds_the_layout_sample(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_key_file: Path
) -> None:
    out = tmp_path / "out"
    argv = ["build", "help-me", "-o", str(out), "--token-key-file", str(demo_key_file)]
    code, stdout, err = run(argv, capsys)
    assert code == 0, err
    assert stdout == ""
    assert "built 1 kit (8 pages)" in err
    (row,) = read_manifest(out)
    assert row["record_id"] == "SAMPLE-1" and row["status"] == "built"
    envelopes, letters, cards = (
        "kits-00001-envelope-100.pdf",
        "kits-00001-text-120.pdf",
        "kits-00001-card-300.pdf",
    )
    assert row["file"].split() == [envelopes, letters, cards]  # a file per paper stock
    assert row["pages"].split() == ["1-4", "1-1", "1-3"]
    assert sorted(p.name for p in out.glob("kits-*.pdf")) == sorted(row["file"].split())
    reader = PdfReader(out / envelopes)
    assert len(reader.pages) == 4
    text = reader.pages[0].extract_text()
    assert "Ada Lovelace" in text and "London\nSW1Y 4JH" in text  # a UK address: town, then postcode
    assert "Dear Ada," in PdfReader(out / letters).pages[0].extract_text()
    out = tmp_path / "record"
    code, _, err = run([*argv[:3], str(out), *argv[4:], "--group", "record"], capsys)
    assert code == 0, err
    (row,) = read_manifest(out)
    assert (row["file"], row["pages"]) == ("kits-00001.pdf", "1-8")
    reader = PdfReader(out / "kits-00001.pdf")
    assert len(reader.pages) == 8 and "Dear Ada," in reader.pages[1].extract_text()  # kit by kit


def test_build_reads_the_key_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVELOPEKIT_TOKEN_KEY", demo_key.decode())
    code, _, err = run(["build", "wedding", "-o", str(tmp_path)], capsys)
    assert code == 0, err
    (row,) = read_manifest(tmp_path)
    assert row["record_id"] == "G-001" and row["token"]


def test_build_of_a_broken_layout_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    layout = tmp_path / "broken.toml"
    layout.write_text(
        '[kit]\nname = "x"\n\n[[envelope]]\nname = "outer"\nstyle = "pockt"\n', encoding="utf-8"
    )
    code, _, err = run(["build", str(layout), "-o", str(tmp_path / "out")], capsys)
    assert code == 1
    line = one_line_error(err)
    assert f"{layout}:6:" in line and "did you mean 'pocket'" in line
    assert not (tmp_path / "out").exists()


def test_build_of_a_missing_records_file_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["build", "help-me", "--data", str(tmp_path / "nobody.csv"), "-o", str(tmp_path / "o")]
    code, _, err = run(argv, capsys)
    assert code == 1 and "nobody.csv" in one_line_error(err)


def test_options_that_would_be_ignored_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(ROOT / "samples" / "recipients.csv")
    out = str(tmp_path / "out")
    assert cli.main(["build", "help-me", "--data", data, "-o", out, "--map", "postcode=ZIP"]) != 0
    assert "--map postcode=ZIP: the layout uses no field 'postcode' (did you mean 'postal_code'?)" in (
        capsys.readouterr().err
    )
    assert cli.main(["build", "help-me", "--data", data, "-o", out, "--duplex", "turn"]) != 0
    assert "--duplex is for --impose SHEET" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
