"""--pdfx x4 | none: PDF/X-4 with an embedded output profile and XMP, ISO 19593-1 die-line
layers, PDF/VT record parts; plain PDF; the PDF/X-1a default unchanged. Everything is read
back from the written files with pikepdf (qpdf), and qpdf --check runs where installed."""

from __future__ import annotations

import glob
import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from conftest import RECIPIENTS, read_manifest

from envelopekit import cli
from envelopekit.batch import BuildError, build, build_files
from envelopekit.catalog import lookup_sheet
from envelopekit.errors import EnvelopekitError
from envelopekit.impose.adapter import Imposition
from envelopekit.layouts import load_layout
from envelopekit.records import FieldMap, Record
from envelopekit.render import x4

DIE_INKS = {"/CutContour": "/Cutting", "/Crease": "/Creasing", "/Glue": "/Gluing"}
EPOCH = "1798761600"  # 2027-01-01
STEP_TYPES = {"Cutting": "/Cutting", "Creasing": "/Creasing", "Gluing": "/Gluing"}


def _profile_file() -> Path | None:
    """A CMYK output profile on this machine other than the bundled one (Ghostscript's)."""
    found = sorted(glob.glob("/usr/share/ghostscript/*/iccprofiles/ps_cmyk.icc"))
    return Path(found[0]) if found else None


@pytest.fixture(scope="module")
def profile() -> tuple[Path | None, bytes]:
    """The --output-profile to build with (None: the bundled one) and its bytes."""
    if x4.bundled_profile() is not None:
        return None, x4.read_profile(None)
    path = _profile_file()
    if path is None:
        pytest.skip("no CMYK profile bundled and none installed")
    return path, path.read_bytes()


@pytest.fixture(scope="module")
def x4_build(tmp_path_factory: pytest.TempPathFactory, demo_key_file: Path, profile: Any) -> Path:
    out = tmp_path_factory.mktemp("x4") / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)  # a fixed CreationDate: a rebuild gives the same bytes
        result = build_files(
            "help-me", RECIPIENTS, out, key_file=demo_key_file, chunk=4, pdfx="x4", output_profile=profile[0]
        )
    assert result.built == 10 and len(result.files) == 9  # three chunks, a file per stock in each
    return out


def _pdfs(folder: Path, stock: str = "") -> list[Path]:
    """A build's PDFs, or those of one stock (``envelope-100``: the nets, with die lines)."""
    return sorted(folder.glob(f"kits-*{'-' + stock if stock else ''}.pdf"))


def _forms(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    seen: set[tuple[int, int]] = set()
    todo = [page.obj.get("/Resources", pikepdf.Dictionary()) for page in pdf.pages]
    while todo:
        res = todo.pop()
        for xobj in res.get("/XObject", pikepdf.Dictionary()).values():
            if xobj.get("/Subtype") == "/Form" and xobj.objgen not in seen:
                seen.add(xobj.objgen)
                yield xobj
                todo.append(xobj.get("/Resources", pikepdf.Dictionary()))


def _strokes(stream: Any) -> list[tuple[str, str | None]]:
    """(stroke colour space, marked-content tag or None) of every stroke (S) in ``stream``."""
    out: list[tuple[str, str | None]] = []
    colour = ["?"]
    tags: list[str] = []
    for operands, op in pikepdf.parse_content_stream(stream):
        name = str(op)
        if name == "q":
            colour.append(colour[-1])
        elif name == "Q":
            colour.pop()
        elif name == "CS":
            colour[-1] = str(operands[0])
        elif name in ("RG", "K", "G"):
            colour[-1] = "/Device"
        elif name == "BDC":
            assert str(operands[0]) == "/OC", operands
            tags.append(str(operands[1]))
        elif name in ("BMC",):
            tags.append("")
        elif name == "EMC":
            tags.pop()
        elif name in ("S", "s"):
            out.append((colour[-1], tags[-1] if tags else None))
    assert not tags, "marked content left open"
    return out


# --- PDF/X-4 ----------------------------------------------------------------------------------


def test_x4_files_are_pdf_1_6_with_object_streams_and_the_profile_embedded(
    x4_build: Path, profile: Any
) -> None:
    for path in _pdfs(x4_build):
        data = path.read_bytes()
        assert data.startswith(b"%PDF-1.6")
        with pikepdf.open(path) as pdf:
            assert pdf.pdf_version == "1.6"
            assert any(o.get("/Type") == "/ObjStm" for o in pdf.objects if isinstance(o, pikepdf.Stream))
            (intent,) = pdf.Root.OutputIntents
            assert intent.S == "/GTS_PDFX" and str(intent.OutputConditionIdentifier)
            icc = intent.DestOutputProfile
            assert icc.N == 4 and icc.read_bytes() == profile[1]
            assert pdf.docinfo.GTS_PDFXVersion == "PDF/X-4" and pdf.docinfo.Trapped == "/False"
            assert len(pdf.trailer.ID) == 2


def test_x4_xmp_identifies_pdf_x4_and_pdf_vt(x4_build: Path) -> None:
    with pikepdf.open(_pdfs(x4_build, "envelope-100")[0]) as pdf:
        meta = pdf.Root.Metadata
        assert meta.Type == "/Metadata" and meta.Subtype == "/XML"
        xml = meta.read_bytes().decode("utf-8")
        with pdf.open_metadata() as xmp:
            assert xmp["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
            assert xmp["dc:title"] == str(pdf.docinfo.Title)
            assert xmp["xmpMM:DocumentID"].startswith("uuid:")
            assert xmp["xmpMM:RenditionClass"] == "default" and xmp["xmpMM:VersionID"]
            assert xmp["pdf:Trapped"] == "False"
        assert "<pdfvtid:GTS_PDFVTVersion>PDF/VT-1</pdfvtid:GTS_PDFVTVersion>" in xml


def test_x4_die_lines_are_on_iso_19593_processing_step_layers(x4_build: Path) -> None:
    with pikepdf.open(_pdfs(x4_build, "envelope-100")[0]) as pdf:
        props = pdf.Root.OCProperties
        groups = {str(g.Name): g for g in props.OCGs}
        assert list(groups) == ["Cutting", "Creasing", "Gluing"]
        for name, g in groups.items():
            assert g.Type == "/OCG"
            meta = g.GTS_Metadata
            assert meta.GTS_ProcStepsGroup == "/Structural"
            assert meta.GTS_ProcStepsType == STEP_TYPES[name]
            ink = {"Cutting": "/CutContour", "Creasing": "/Crease", "Gluing": "/Glue"}[name]
            assert list(meta.GTS_ProcStepsColorants) == [pikepdf.Name(ink)]
            assert g.Usage.Print.PrintState == "/OFF" and g.Usage.View.ViewState == "/ON"
        # PDF/X-4 allows no /AS: the default configuration shows the layers (screen, and
        # their own technical separations, as in X-1a); an alternate hides them.
        d = props.D
        assert "/AS" not in d and str(d.Name)
        assert {o.objgen for o in d.ON} == {g.objgen for g in groups.values()} and len(d.OFF) == 0
        assert {o.objgen for o in d.Order} == {g.objgen for g in groups.values()}
        (alt,) = props.Configs
        assert "/AS" not in alt and {o.objgen for o in alt.OFF} == {g.objgen for g in groups.values()}
        # Every resource dictionary names the layers, so /OC /Cutting resolves in pages and forms.
        for page in pdf.pages:
            assert {k: v.objgen for k, v in page.obj.Resources.Properties.items()} == {
                f"/{n}": g.objgen for n, g in groups.items()
            }
        forms = list(_forms(pdf))
        assert forms
        for form in forms:
            assert set(form.Resources.Properties.keys()) == {"/Cutting", "/Creasing", "/Gluing"}


def test_x4_every_die_line_stroke_and_nothing_else_is_in_its_layer(x4_build: Path) -> None:
    counts: dict[str, int] = {}
    with pikepdf.open(_pdfs(x4_build, "envelope-100")[0]) as pdf:
        streams: list[Any] = [*_forms(pdf), *pdf.pages]
        for stream in streams:
            for colour, tag in _strokes(stream):
                if colour in DIE_INKS:
                    assert tag == DIE_INKS[colour], (colour, tag)
                    counts[tag] = counts.get(tag, 0) + 1
                else:
                    assert tag is None, (colour, tag)  # marks, artwork: on no layer
    assert counts.get("/Cutting", 0) >= 4 and counts.get("/Creasing", 0) >= 4 and counts.get("/Gluing")


def test_x4_die_lines_still_overprint_in_their_spot_colours(x4_build: Path) -> None:
    with pikepdf.open(_pdfs(x4_build, "envelope-100")[0]) as pdf:
        form = next(f for f in _forms(pdf) if "/CutContour" in f.Resources.get("/ColorSpace", {}))
        ops = [(str(op), list(operands)) for operands, op in pikepdf.parse_content_stream(form)]
        at = next(i for i, (op, args) in enumerate(ops) if op == "BDC" and args[1] == "/Cutting")
        gs = [args[0] for op, args in ops[:at] if op == "gs"]
        assert gs, "an overprint graphics state before the cut line"
        states = [form.Resources.ExtGState[str(name)] for name in gs]
        assert any(st.get("/OP") is True for st in states) and any(st.get("/OPM") == 1 for st in states)
        space = form.Resources.ColorSpace.CutContour
        assert space[0] == "/Separation" and space[1] == "/CutContour"


def test_x4_record_parts_match_the_manifest(x4_build: Path) -> None:
    from kitpages import record_pages

    rows = read_manifest(x4_build)
    for path in _pdfs(x4_build):  # a record has a part in each of its files (one per stock)
        mine = [
            (r, f"{first}-{last}") for r in rows for name, first, last in record_pages(r) if name == path.name
        ]
        with pikepdf.open(path) as pdf:
            root = pdf.Root.DPartRoot
            assert root.Type == "/DPartRoot" and root.RecordLevel == 1
            assert list(root.NodeNameList) == [pikepdf.Name.Job, pikepdf.Name.Record]
            node = root.DPartRootNode
            (leaves,) = node.DParts
            assert len(leaves) == len(mine)
            index = {p.objgen: i + 1 for i, p in enumerate(pdf.pages)}
            for leaf, (row, pages) in zip(leaves, mine, strict=True):
                assert leaf.Type == "/DPart" and leaf.Parent.objgen == node.objgen
                assert str(leaf.DPM.RecordID) == row["record_id"] and int(leaf.DPM.Row) == int(row["row"])
                first, last = index[leaf.Start.objgen], index[leaf.End.objgen]
                assert f"{first}-{last}" == pages
                for n in range(first, last + 1):
                    assert pdf.pages[n - 1].obj.DPart.objgen == leaf.objgen
            if "/Outlines" in pdf.Root:  # bookmarks, where the renderer writes them, stay
                assert pdf.Root.Outlines.get("/First") is not None


def test_x4_output_is_deterministic(
    tmp_path: Path, demo_key_file: Path, x4_build: Path, profile: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    again = build_files(
        "help-me",
        RECIPIENTS,
        tmp_path / "again",
        key_file=demo_key_file,
        chunk=4,
        pdfx="x4",
        output_profile=profile[0],
    )
    assert sorted(f.name for f in again.files) == [p.name for p in _pdfs(x4_build)]
    for path in _pdfs(x4_build):
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")
def test_x4_and_plain_files_pass_qpdf_check(x4_build: Path, tmp_path: Path, demo_key_file: Path) -> None:
    build_files("help-me", None, tmp_path / "none", key_file=demo_key_file, pdfx="none")
    for path in [*_pdfs(x4_build), *_pdfs(tmp_path / "none")]:
        done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "No syntax or stream encoding errors" in done.stdout


def test_x4_pages_render_with_the_die_lines_visible(
    x4_build: Path, tmp_path: Path, demo_key_file: Path
) -> None:
    """On screen an X-4 page looks exactly like the X-1a page: the layers are on."""
    import pypdfium2 as pdfium
    from PIL import ImageChops

    build_files("help-me", RECIPIENTS, tmp_path / "x1a", key_file=demo_key_file, chunk=4)
    a = pdfium.PdfDocument(str(_pdfs(tmp_path / "x1a", "envelope-100")[0]))[0].render(scale=0.4).to_pil()
    b = pdfium.PdfDocument(str(_pdfs(x4_build, "envelope-100")[0]))[0].render(scale=0.4).to_pil()
    assert ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None
    # and the cut line is there: magenta-ish pixels (CutContour's alternate) near the edge
    px = b.convert("RGB").tobytes()
    assert any(px[i] > 180 and px[i + 1] < 120 and px[i + 2] > 120 for i in range(0, len(px), 3))


# --- plain PDF and the X-1a default -----------------------------------------------------------


def test_pdfx_none_has_no_pdfx_identification(tmp_path: Path, demo_key_file: Path) -> None:
    build_files("help-me", None, tmp_path, key_file=demo_key_file, pdfx="none")
    pages = 0
    for path in _pdfs(tmp_path):
        with pikepdf.open(path) as pdf:
            assert "/OutputIntents" not in pdf.Root and "/OCProperties" not in pdf.Root
            assert "/GTS_PDFXVersion" not in pdf.docinfo and "/DPartRoot" not in pdf.Root
            assert all(tag is None for form in _forms(pdf) for _, tag in _strokes(form))
            pages += len(pdf.pages)
    assert pages == 8


def test_x1a_stays_the_default_and_unchanged(
    tmp_path: Path, demo_key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build_files("help-me", None, tmp_path / "a", key_file=demo_key_file)
    build_files("help-me", None, tmp_path / "b", key_file=demo_key_file, pdfx="x1a")
    first = _pdfs(tmp_path / "a", "envelope-100")[0]
    data = first.read_bytes()
    assert [p.read_bytes() for p in _pdfs(tmp_path / "a")] == [p.read_bytes() for p in _pdfs(tmp_path / "b")]
    assert data.startswith(b"%PDF-1.4") and b"BDC" not in data
    with pikepdf.open(first) as pdf:
        assert pdf.docinfo.GTS_PDFXVersion == "PDF/X-1a:2003"
        (intent,) = pdf.Root.OutputIntents
        assert "/DestOutputProfile" not in intent
        assert "/OCProperties" not in pdf.Root and "/Metadata" not in pdf.Root
        assert all(tag is None for form in _forms(pdf) for _, tag in _strokes(form))


def test_proofs_are_never_pdfx_whatever_is_asked(tmp_path: Path, demo_key_file: Path) -> None:
    build_files("help-me", None, tmp_path, key_file=demo_key_file, proof=True, pdfx="x4")
    with pikepdf.open(tmp_path / "kits-00001.pdf") as pdf:
        assert "/OutputIntents" not in pdf.Root and "/OCProperties" not in pdf.Root


def test_x4_imposed_sheets_get_layers_but_no_record_parts(tmp_path: Path, demo_key_file: Path) -> None:
    """On imposed sheets records share pages, so no record owns a page: no DPart tree."""
    spec = load_layout("help-me")
    result = build(
        spec,
        None,
        tmp_path,
        key=hashlib.sha256(demo_key_file.read_bytes()).digest(),
        impose=Imposition(lookup_sheet("SRA3"), "gang"),
        pdfx="x4",
        output_profile=_profile_file() if x4.bundled_profile() is None else None,
    )
    assert result.built == 1
    tags: set[str | None] = set()
    files = sorted(tmp_path.glob("sheets-*.pdf"))
    assert files
    for path in files:
        with pikepdf.open(path) as pdf:
            assert "/OCProperties" in pdf.Root and "/DPartRoot" not in pdf.Root
            tags |= {tag for form in _forms(pdf) for _, tag in _strokes(form)}
    assert {"/Cutting", "/Creasing"} <= tags


# --- the output profile and the options -------------------------------------------------------


def test_an_explicit_output_profile_is_embedded(tmp_path: Path, demo_key_file: Path) -> None:
    path = _profile_file()
    if path is None:
        pytest.skip("no Ghostscript CMYK profile installed")
    build_files("help-me", None, tmp_path, key_file=demo_key_file, pdfx="x4", output_profile=path)
    with pikepdf.open(_pdfs(tmp_path)[0]) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.DestOutputProfile.read_bytes() == path.read_bytes()
        assert str(intent.OutputConditionIdentifier) == "Custom" and str(intent.Info)


def test_an_rgb_or_missing_profile_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import ImageCms

    rgb = tmp_path / "srgb.icc"
    rgb.write_bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    with pytest.raises(EnvelopekitError, match="CMYK output"):
        x4.read_profile(rgb)
    with pytest.raises(EnvelopekitError, match="not an ICC profile"):
        x4.read_profile(RECIPIENTS)
    with pytest.raises(EnvelopekitError, match="cannot read"):
        x4.read_profile(tmp_path / "missing.icc")
    monkeypatch.setattr(x4, "bundled_profile", lambda: None)
    with pytest.raises(EnvelopekitError, match="no CMYK profile is bundled"):
        x4.read_profile(None)


def test_resume_with_another_pdfx_is_refused(tmp_path: Path, demo_key: bytes) -> None:
    spec = load_layout("help-me")

    def interrupt(progress: Any) -> None:
        if progress.chunks:
            raise KeyboardInterrupt

    def records() -> Iterator[Record]:
        for i in range(4):
            yield Record(i + 2, f"P{i:04d}", FieldMap({**spec.sample, "id": f"P{i:04d}"}))

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        build(spec, records(), out, key=demo_key, chunk=2, progress=interrupt)
    with pytest.raises(BuildError, match="options changed"):
        build(spec, records(), out, key=demo_key, chunk=2, resume=True, pdfx="none")


def test_cli_pdfx_and_output_profile(
    tmp_path: Path, demo_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["build", "help-me", "--token-key-file", str(demo_key_file), "-q"]
    assert cli.main([*base, "-o", str(tmp_path / "none"), "--pdfx", "none"]) == 0
    with pikepdf.open(_pdfs(tmp_path / "none")[0]) as pdf:
        assert "/OutputIntents" not in pdf.Root
    assert cli.main([*base, "-o", str(tmp_path / "bad"), "--output-profile", str(RECIPIENTS)]) != 0
    assert "--output-profile is for --pdfx x4" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main([*base, "-o", str(tmp_path / "bad2"), "--pdfx", "x3"])
