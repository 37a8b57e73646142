"""The batch runner: executors give the same bytes, the output folder is a transaction,
interrupted builds resume byte for byte, and every record is accounted for."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RECIPIENTS, ROOT, read_errors, read_manifest, read_manifest_json

from envelopekit import cli
from envelopekit.batch import (
    BuildError,
    Chunk,
    Job,
    PoolExecutor,
    build,
    build_chunk,
    build_files,
    render_kit,
)
from envelopekit.errors import RecordError, RecordsError
from envelopekit.layouts import load_layout
from envelopekit.records import FieldMap, Record, read_records

STOCKS = ("envelope-100", "text-120", "card-300")  # help-me's stock files in each chunk, in kit order


def kits_files(*chunks: int) -> list[str]:
    """The files of help-me chunks built by stock (the default): a file per stock per chunk."""
    return [f"kits-{c:05d}-{stock}.pdf" for c in chunks for stock in STOCKS]


def people(n: int, *, prefix: str = "P") -> list[dict[str, str]]:
    spec = load_layout("help-me")
    return [{**spec.sample, "id": f"{prefix}{i:04d}", "first_name": f"Name{i}"} for i in range(n)]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """The deliverable files of a build folder (not its state folder)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_consistent(folder: Path, *, killed: bool = False) -> None:
    """The manifest lists exactly the PDFs beside it. A process killed between writing
    the manifest and renaming the chunk's PDFs (one per stock) may leave listed PDFs of
    that one chunk missing (never an unlisted one), and temporary files for the next
    build to sweep."""
    rows = read_manifest(folder)
    listed = {name for r in rows for name in r["file"].split()}
    present = {p.name for p in folder.glob("kits-*.pdf")} | {p.name for p in folder.glob("sheets-*.pdf")}
    if killed:
        assert present <= listed and len({name[:10] for name in listed - present}) <= 1  # kits-00003
        return
    assert listed == present
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# --- executors ------------------------------------------------------------------------------


def test_a_process_pool_writes_the_same_bytes_as_one_process(tmp_path: Path, demo_key_file: Path) -> None:
    one = build_files("help-me", RECIPIENTS, tmp_path / "one", key_file=demo_key_file, chunk=3, workers=1)
    two = build_files("help-me", RECIPIENTS, tmp_path / "two", key_file=demo_key_file, chunk=3, workers=2)
    assert [f.name for f in one.files] == kits_files(1, 2, 3, 4)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    assert (one.built, one.rejected, one.pages) == (two.built, two.rejected, two.pages) == (10, 0, 80)


def test_a_dask_local_cluster_writes_the_same_bytes(tmp_path: Path, demo_key_file: Path) -> None:
    pytest.importorskip("dask.distributed")
    serial = build_files(
        "help-me", RECIPIENTS, tmp_path / "serial", key_file=demo_key_file, chunk=4, workers=1
    )
    dask = build_files(
        "help-me", RECIPIENTS, tmp_path / "dask", key_file=demo_key_file, chunk=4, workers=2, executor="dask"
    )
    assert dask.built == serial.built == 10
    assert snapshot(tmp_path / "serial") == snapshot(tmp_path / "dask")


def test_the_chunk_function_is_pure_and_pickles(demo_key: bytes) -> None:
    import pickle

    spec = load_layout("help-me")
    records = tuple(Record(i + 2, p["id"], FieldMap(p)) for i, p in enumerate(people(3)))
    job = Job(spec, "test", demo_key, group="stock")
    chunk = Chunk(1, records)
    first = build_chunk(*pickle.loads(pickle.dumps((job, chunk))))
    again = build_chunk(job, chunk)
    assert first == again and [f.name for f in first.files] == kits_files(1) and first.built == 3
    assert [f.stock for f in first.files] == list(STOCKS) and {f.side for f in first.files} == {"simplex"}
    assert [f.pages for f in first.files] == [12, 3, 9] and first.pages == 24
    kit_by_kit = build_chunk(Job(spec, "test", demo_key, group="record"), chunk)
    assert [(f.name, f.pages, f.stock) for f in kit_by_kit.files] == [("kits-00001.pdf", 24, None)]
    assert [r["record_id"] for r in first.rows] == ["P0000", "P0001", "P0002"]


def _explode_once(marker: str, data: dict[str, str]) -> FieldMap:
    """Unpickled in a worker: kills it the first time (as the OOM killer would)."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(9)
    return FieldMap(data)


class _Bomb(FieldMap):
    """Fields that kill the worker process that receives them, once."""

    marker = ""

    def __reduce__(self) -> Any:
        return _explode_once, (self.marker, dict(self))


def test_a_worker_that_dies_has_its_chunk_built_again(tmp_path: Path, demo_key: bytes) -> None:
    spec = load_layout("help-me")
    marker = str(tmp_path / "died")
    _Bomb.marker = marker
    records = list(_records(people(8)))
    records[3] = Record(records[3].row, records[3].id, _Bomb(records[3].fields))  # in chunk 2
    pool = PoolExecutor(2)
    try:
        result = build(spec, records, tmp_path / "out", key=demo_key, chunk=2, executor=pool)
    finally:
        pool.close()
    assert os.path.exists(marker)  # a worker did die
    assert result.built == 8 and [f.name for f in result.files] == kits_files(1, 2, 3, 4)
    serial = build(spec, _records(people(8)), tmp_path / "serial", key=demo_key, chunk=2)
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "serial") and serial.built == 8


def _records(rows: list[dict[str, str]]) -> Iterator[Record]:
    for i, row in enumerate(rows):
        yield Record(i + 2, row["id"], FieldMap(row))


# --- the output folder as a transaction --------------------------------------------------------


def test_ctrl_c_leaves_a_manifest_that_matches_the_pdfs(tmp_path: Path, demo_key: bytes) -> None:
    from envelopekit.verify import verify

    def interrupt(progress: Any) -> None:
        if progress.chunks == 2:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt) as stopped:
        build(load_layout("help-me"), _records(people(10)), out, key=demo_key, chunk=2, progress=interrupt)
    assert "--resume" in stopped.value.__notes__[0]
    assert_consistent(out)
    rows = read_manifest(out)
    assert [r["record_id"] for r in rows] == ["P0000", "P0001", "P0002", "P0003"]
    assert verify(out).ok
    journal = json.loads((out / ".envelopekit" / "journal.json").read_text())
    assert journal["state"] == "interrupted" and len(journal["chunks"]) == 2
    ticket = json.loads((out / "job.json").read_text())
    assert ticket["state"] == "interrupted" and [f["file"] for f in ticket["files"]] == kits_files(1, 2)


def test_resume_finishes_byte_identical_to_an_uninterrupted_build(tmp_path: Path, demo_key: bytes) -> None:
    spec = load_layout("help-me")
    build(spec, _records(people(9)), tmp_path / "whole", key=demo_key, chunk=2)

    def interrupt(progress: Any) -> None:
        if progress.chunks == 3:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        build(spec, _records(people(9)), out, key=demo_key, chunk=2, progress=interrupt)
    done = {p.name: p.stat().st_mtime_ns for p in out.glob("kits-*.pdf")}
    result = build(spec, _records(people(9)), out, key=demo_key, chunk=2, resume=True)
    assert any("resuming: 3 finished chunk(s) kept" in n for n in result.notes)
    assert result.built == 9 and result.pages == 72
    assert {n: (out / n).stat().st_mtime_ns for n in done} == done  # finished chunks not redone
    assert snapshot(out) == snapshot(tmp_path / "whole")


def test_resume_with_other_inputs_is_refused_naming_what_changed(tmp_path: Path, demo_key: bytes) -> None:
    spec = load_layout("help-me")

    def interrupt(progress: Any) -> None:
        if progress.chunks:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        build(spec, _records(people(4)), out, key=demo_key, chunk=2, progress=interrupt)
    with pytest.raises(BuildError, match="options changed"):
        build(spec, _records(people(4)), out, key=demo_key, chunk=3, resume=True)
    with pytest.raises(BuildError, match="signing key changed"):
        build(spec, _records(people(4)), out, key=b"another key of at least 32 bytes!!", chunk=2, resume=True)
    changed = [{**p, "first_name": "Changed"} for p in people(4)]
    with pytest.raises(BuildError, match="records of chunk 1 differ"):
        build(spec, _records(changed), out, key=demo_key, chunk=2, resume=True)


def test_a_failed_rebuild_keeps_the_previous_build(tmp_path: Path, demo_key: bytes) -> None:
    spec = load_layout("help-me")
    out = tmp_path / "out"
    build(spec, _records(people(5)), out, key=demo_key, chunk=2)
    before = snapshot(out)
    no_city = [{k: v for k, v in p.items() if k != "city"} for p in people(3)]
    with pytest.raises(RecordError, match="no column 'city'"):
        build(spec, _records(no_city), out, key=demo_key, chunk=2)
    assert snapshot(out) == before

    def torn() -> Iterator[Record]:
        yield from _records(people(3, prefix="N"))
        raise RecordsError("the records file went away", file="people.csv", line=5)

    with pytest.raises(RecordsError, match="went away") as failed:
        build(spec, torn(), out, key=demo_key, chunk=2)
    assert "previous build is untouched" in str(failed.value)
    assert snapshot(out) == before
    assert_consistent(out)


def test_a_rebuild_replaces_the_previous_build_only_when_complete(tmp_path: Path, demo_key: bytes) -> None:
    spec = load_layout("help-me")
    out = tmp_path / "out"
    build(spec, _records(people(7)), out, key=demo_key, chunk=2)
    assert len(list(out.glob("kits-*.pdf"))) == 4 * len(STOCKS)
    result = build(spec, _records(people(3, prefix="Q")), out, key=demo_key, chunk=2)
    assert [f.name for f in result.files] == kits_files(1, 2)
    assert sorted(p.name for p in out.glob("kits-*.pdf")) == sorted(kits_files(1, 2))
    assert [r["record_id"] for r in read_manifest(out)] == ["Q0000", "Q0001", "Q0002"]
    assert not (out / ".envelopekit" / "next").exists()
    assert_consistent(out)


def test_a_second_build_into_a_folder_in_use_is_refused(tmp_path: Path, demo_key: bytes) -> None:
    from envelopekit.batch.folder import Transaction

    out = tmp_path / "out"
    holder = Transaction(out)
    try:
        with pytest.raises(BuildError, match=r"another build .* is writing into this folder"):
            build(load_layout("help-me"), _records(people(1)), out, key=demo_key)
    finally:
        holder.close()
    assert build(load_layout("help-me"), _records(people(1)), out, key=demo_key).built == 1


def test_an_input_inside_the_output_folder_is_never_overwritten(
    tmp_path: Path, demo_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    data = write_csv(out / "manifest.csv", people(2))
    before = data.read_bytes()
    code = cli.main(
        ["build", "help-me", "--data", str(data), "-o", str(out), "--key-file", str(demo_key_file)]
    )
    err = capsys.readouterr().err
    assert code == 1 and "inside the output folder" in err and "manifest.csv" in err
    assert data.read_bytes() == before
    other = write_csv(out / "people.csv", people(2))  # inside, but not a name the build writes: fine
    code = cli.main(
        ["build", "help-me", "--data", str(other), "-o", str(out), "--key-file", str(demo_key_file)]
    )
    assert code == 0 and other.exists()


_CRASH = """
import os, sys
real = os.replace
count = [0]
def replace(a, b, *args, **kw):
    count[0] += 1
    if count[0] == int(sys.argv[1]):
        os._exit(137)  # as kill -9 would: no handler, no cleanup
    return real(a, b, *args, **kw)
os.replace = replace
from envelopekit.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _cli(args: list[str], crash_at: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", _CRASH, str(crash_at), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize("crash_at", [3, 7, 12])
def test_kill_9_at_any_rename_then_resume_is_byte_identical(tmp_path: Path, crash_at: int) -> None:
    data = write_csv(tmp_path / "people.csv", people(9))
    base = ["build", "help-me", "--data", str(data), "--chunk", "2", "--workers", "1", "-q"]
    whole = tmp_path / "whole"
    assert _cli([*base, "-o", str(whole)]).returncode == 0
    key = ["--token-key-file", str(whole / ".envelopekit" / "token.key")]
    out = tmp_path / "out"
    crashed = _cli([*base, *key, "-o", str(out)], crash_at)
    assert crashed.returncode == 137
    if (out / "manifest.csv").exists():
        assert_consistent(out, killed=True)
    resumed = _cli([*base, *key, "-o", str(out), "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    assert snapshot(out) == snapshot(whole)


def test_kill_9_while_replacing_a_previous_build_keeps_one_whole_build(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "first.csv", people(5))
    second = write_csv(tmp_path / "second.csv", people(3, prefix="S"))
    out = tmp_path / "out"
    base = ["build", "help-me", "--chunk", "2", "--workers", "1", "-q", "-o", str(out)]
    assert _cli([*base, "--data", str(first)]).returncode == 0
    before = snapshot(out)
    for crash_at in range(1, 40):
        crashed = _cli([*base, "--data", str(second)], crash_at)
        if crashed.returncode == 0:
            break
        now = snapshot(out)
        if "manifest.csv" in now:
            assert_consistent(out, killed=True)
        if now == before:
            continue
        # the crash came during the move into place: the next build finishes it first
        again = _cli([*base, "--data", str(first)])
        assert again.returncode == 0, again.stderr
        assert "finished moving the previous build into place" in again.stderr or snapshot(out) == before
        assert snapshot(out) == before
    assert [r["record_id"] for r in read_manifest(out)] == ["S0000", "S0001", "S0002"]


@pytest.mark.slow
def test_a_real_kill_9_mid_batch_then_resume(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "people.csv", people(120))
    base = ["build", "help-me", "--data", str(data), "--chunk", "10", "--workers", "2", "-q"]
    whole = tmp_path / "whole"
    assert _cli([*base, "-o", str(whole)]).returncode == 0
    key = ["--token-key-file", str(whole / ".envelopekit" / "token.key")]
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "envelopekit.cli", *base, *key, "-o", str(out)],
        env=env,
        start_new_session=True,
    )
    for _ in range(12_000):  # poll until three chunks are out (bounded by count, not by the clock)
        if len(list(out.glob("kits-*.pdf"))) >= 3 * len(STOCKS) or proc.poll() is not None:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert_consistent(out, killed=True)
    assert _cli([*base, *key, "-o", str(out), "--resume"]).returncode == 0
    assert snapshot(out) == snapshot(whole)


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc: the forkserver, its workers)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        here = todo.pop()
        kids = {c for c, p in parents.items() if p == here and c not in found}
        found |= kids
        todo += kids
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_end_when_the_build_is_killed_alone(tmp_path: Path) -> None:
    """kill -9 of the build process only (not its group): the pool's processes end by
    themselves instead of building on for nobody."""
    data = write_csv(tmp_path / "people.csv", people(400))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["build", "help-me", "--data", str(data), "--chunk", "10", "--workers", "2", "-q"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "envelopekit.cli", *args, "-o", str(tmp_path / "out")],
        env=env,
        start_new_session=True,
    )
    below: set[int] = set()
    for _ in range(12_000):  # until the pool's workers are up (bounded by count, not by the clock)
        below = _descendants(proc.pid)
        if len(below) >= 3 or proc.poll() is not None:
            break
        time.sleep(0.01)
    assert len(below) >= 3, "a forkserver and two workers"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(1_000):
        alive = {pid for pid in below if Path(f"/proc/{pid}").exists() and _running(pid)}
        if not alive:
            break
        time.sleep(0.01)
    if alive:
        os.killpg(proc.pid, signal.SIGKILL)  # tidy up before failing
    assert not alive, f"left running: {sorted(alive)}"


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --- records and rows ---------------------------------------------------------------------------


def test_built_plus_rejected_is_every_row_on_every_path(tmp_path: Path, demo_key: bytes) -> None:
    rows = people(7)
    rows[1]["city"] = ""  # required: rejected
    rows[4]["id"] = rows[3]["id"]  # duplicate id: rejected
    rows[5]["first_name"] = "x" * 3000  # too long to fit: rejected by personalise
    out = tmp_path / "out"
    result = build(load_layout("help-me"), _records(rows), out, key=demo_key, chunk=3)
    manifest = read_manifest(out)
    assert result.built + result.rejected == len(rows) == len(manifest) == len(read_manifest_json(out))
    assert result.rejected == 3 == len(read_errors(out))
    assert [r["record_id"] for r in manifest] == [r["id"] for r in rows]  # input order kept
    ticket = json.loads((out / "job.json").read_text())
    assert ticket["counts"] == {"records": 7, "built": 4, "rejected": 3, "pages": 32}
    assert [f["file"] for f in ticket["files"]] == kits_files(1, 2, 3)


def test_every_empty_required_field_is_reported_at_once(tmp_path: Path, demo_key: bytes) -> None:
    row = {**people(1)[0], "city": "", "street": " "}
    build(load_layout("help-me"), _records([row]), tmp_path, key=demo_key)
    (error,) = read_errors(tmp_path)
    assert "street is empty" in error["reason"] and "city is empty" in error["reason"]


def test_a_record_id_with_a_slash_imposes_correctly(tmp_path: Path, demo_key: bytes) -> None:
    from envelopekit.catalog import lookup_sheet
    from envelopekit.impose.adapter import Imposition

    rows = people(3)
    for row, rid in zip(rows, ["A/1", "B/2/x", "C"], strict=True):
        row["id"] = rid
    imposition = Imposition(lookup_sheet("SRA3"), "cut-and-stack")
    build(load_layout("help-me"), _records(rows), tmp_path, key=demo_key, impose=imposition)
    manifest = {r["record_id"]: r for r in read_manifest(tmp_path)}
    assert set(manifest) == {"A/1", "B/2/x", "C"}
    for row in manifest.values():
        assert row["pages"] and row["sheets"] and row["placements"].count("@") == 8


def test_dry_run_checks_every_record_and_draws_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = people(4)
    rows[2]["city"] = ""
    data = write_csv(tmp_path / "people.csv", rows)
    out = tmp_path / "out"
    code = cli.main(["build", "help-me", "--data", str(data), "-o", str(out), "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2 and "4 records: 3 valid, 1 rejected; nothing drawn" in err
    assert not list(out.glob("*.pdf")) and not (out / "manifest.csv").exists()
    with open(out / "dry-run-errors.csv", encoding="utf-8") as f:
        (error,) = list(csv.DictReader(f))
    assert error["record_id"] == "P0002" and error["field"] == "city"


def test_map_reads_a_field_from_another_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{("Town" if k == "city" else k): v for k, v in p.items()} for p in people(2)]
    data = write_csv(tmp_path / "people.csv", rows)
    out = tmp_path / "out"
    code = cli.main(["build", "help-me", "--data", str(data), "-o", str(out), "--map", "city=Town", "-q"])
    assert code == 0, capsys.readouterr().err
    assert [r["status"] for r in read_manifest(out)] == ["built", "built"]


def test_json_summary_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = cli.main(["build", "help-me", "-o", str(out), "--json"])
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert code == 0 and summary["built"] == 1 and summary["files"] == [str(out / n) for n in kits_files(1)]
    assert "chunk 1" not in captured.err  # --json implies no progress lines


# --- the Python developer -------------------------------------------------------------------------


def test_build_takes_a_list_of_dicts(tmp_path: Path, demo_key: bytes) -> None:
    rows: list[Any] = people(2)
    rows.append(
        {
            "First Name": "Lin",
            "Last Name": "Wu",
            "id": 7,
            "street": "1 Road",
            "city": "Oslo",
            "country": "NO",
            "postal_code": "0154",
        }
    )
    rows.append(["not", "a", "mapping"])
    result = build_files("help-me", rows, tmp_path / "out", key=demo_key)
    assert (result.built, result.rejected) == (3, 1)
    assert [r["record_id"] for r in read_manifest(tmp_path / "out")][:3] == ["P0000", "P0001", "7"]


def test_render_gives_one_kit_as_pdf_bytes(demo_key: bytes) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    data = render_kit("help-me", people(1)[0], key=demo_key)
    assert data.startswith(b"%PDF") and len(PdfReader(BytesIO(data)).pages) == 8
    with pytest.raises(RecordError, match="no id"):
        render_kit("help-me", {"first_name": "Ada"}, key=demo_key)


def test_a_progress_callback_hears_of_every_chunk(tmp_path: Path, demo_key: bytes) -> None:
    heard: list[Any] = []
    build_files("help-me", RECIPIENTS, tmp_path / "out", key=demo_key, chunk=4, progress=heard.append)
    assert [p.records for p in heard] == [0, 4, 8, 10] and heard[-1].total == 10 and heard[-1].built == 10


def test_the_journal_manifest_json_stays_valid_across_chunks(tmp_path: Path, demo_key: bytes) -> None:
    with read_records(RECIPIENTS, id_field="id") as records:
        build(load_layout("help-me"), records, tmp_path, key=demo_key, chunk=3)
    rows = read_manifest_json(tmp_path)
    assert [r["record_id"] for r in rows] == [r["record_id"] for r in read_manifest(tmp_path)]


def test_emoji_are_dropped_with_a_warning_or_reject_the_record(tmp_path: Path, demo_key: bytes) -> None:
    from dataclasses import replace as with_

    spec = load_layout("help-me")
    rows = people(2)
    rows[0]["first_name"] = "Ada \U0001f389\U0001f44d\U0001f3fd"  # party popper, thumbs up with a skin tone
    build(spec, _records(rows), tmp_path / "drop", key=demo_key)
    first = read_manifest(tmp_path / "drop")[0]
    assert first["status"] == "built" and "first_name: emoji dropped" in first["warnings"]
    build(with_(spec, emoji="reject"), _records(rows), tmp_path / "reject", key=demo_key)
    (error,) = read_errors(tmp_path / "reject")
    assert error["record_id"] == "P0000" and error["field"] == "first_name"
