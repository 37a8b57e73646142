"""The output folder as a transaction.

A build owns ``OUT/.envelopekit/``: a lock, the signing key it made (if any), and a
journal per build in progress. Rules, in the order a build meets them:

- **One build at a time.** ``lock`` is held with ``flock`` for the whole build; a
  second build into the same folder is refused. The kernel drops the lock when the
  process dies, even by ``kill -9``, so a crashed build never blocks the next one.
- **A complete build is never touched until its replacement is complete.** When the
  folder holds one, the new build is written into ``OUT/.envelopekit/next/`` and
  moved into place only when it is finished (:meth:`Transaction.commit`); a build
  that fails or is interrupted leaves the previous one as it was.
- **The manifest always matches the PDFs beside it.** After each chunk the manifest
  and errors are rewritten with its rows, then its PDF is renamed into place, then the
  journal (each file atomically). Every PDF in the folder is in the manifest; only a
  process killed between those two renames leaves one listed file missing, which the
  next ``--resume`` rebuilds.
- **Resume is exact.** The journal holds the inputs' fingerprint and each finished
  chunk (file, SHA-256, the digest of its records, its manifest rows); ``--resume``
  keeps the finished chunks whose files are intact and redoes the rest.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from ..errors import EnvelopekitError
from ..files import write_atomic, write_bytes_atomic
from ..manifest import write_csv, write_json

__all__ = ["BuildError", "Journal", "Transaction", "file_sha256"]

STATE = ".envelopekit"
STAGING = "next"
PDF_GLOBS = ("kits-*.pdf", "sheets-*.pdf")
# The order they are moved in (and removed in reverse): manifest.csv last, as it names the PDFs.
REPORTS = ("job-sheet.pdf", "job.json", "errors.csv", "manifest.json", "manifest.csv")
ERROR_COLUMNS = ("row", "record_id", "field", "reason")
JOURNAL_VERSION = 2  # 2: a chunk may make several files


class BuildError(EnvelopekitError):
    """The output folder cannot take this build (in use, inputs inside it, nothing to resume)."""


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(slots=True)
class Journal:
    """The state of one build, as written to ``journal.json``."""

    fingerprint: dict[str, str]
    columns: list[str]
    chunk: int
    state: str = "running"  # running | interrupted | committing | complete
    chunks: list[dict[str, Any]] | None = None
    extra: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": JOURNAL_VERSION,
            "state": self.state,
            "fingerprint": self.fingerprint,
            "columns": self.columns,
            "chunk": self.chunk,
            "chunks": self.chunks or [],
            "extra": self.extra or {},
        }

    @classmethod
    def read(cls, path: Path) -> Journal | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != JOURNAL_VERSION:
                return None
            return cls(
                dict(data["fingerprint"]),
                list(data["columns"]),
                int(data["chunk"]),
                str(data["state"]),
                list(data["chunks"]),
                dict(data.get("extra") or {}),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _lock(state: Path) -> int:
    state.mkdir(parents=True, exist_ok=True)
    fd = os.open(state / "lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        other = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
        os.close(fd)
        raise BuildError(
            f"another build{f' (process {other})' if other else ''} is writing into this folder",
            where=str(state.parent),
            hint="wait for it to finish, or choose another output folder with -o",
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def _pdfs(folder: Path) -> list[Path]:
    return sorted(p for pattern in PDF_GLOBS for p in folder.glob(pattern))


def _has_output(folder: Path) -> bool:
    return bool(_pdfs(folder)) or (folder / "manifest.csv").exists()


def _file_names(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    return {f["file"] for e in entries for f in e.get("files", ())}


def _chunk_rows_name(index: int) -> str:
    return f"chunk-{index:05d}.json"


class Transaction:
    """One build's hold on an output folder; see the module docstring."""

    def __init__(self, out: Path, *, inputs: Iterable[Path] = ()):
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.state = out / STATE
        self._check_inputs(inputs)
        self._fd: int | None = _lock(self.state)
        self.workdir = out
        self.journal: Journal | None = None
        self.notes: list[str] = []
        self._sweep()
        self._roll_forward()

    # --- opening ------------------------------------------------------------------------
    def _check_inputs(self, inputs: Iterable[Path]) -> None:
        """Refuse an input file that this build would overwrite or delete."""
        out = self.out.resolve()
        for path in inputs:
            real = path.resolve()
            if real.parent == out and (real.name in REPORTS or any(real.match(g) for g in PDF_GLOBS)):
                raise BuildError(
                    f"the input file {path} is inside the output folder, and the build writes {real.name}",
                    where=str(path),
                    hint="move or copy the input out of the folder, or choose another folder with -o",
                )
            if self.state.resolve() in real.parents:
                raise BuildError("the input file is inside the build's own state folder", where=str(path))

    def _sweep(self) -> None:
        """Remove temporary files a killed build left (``.NAME.XXXX.tmp``, see
        :func:`~envelopekit.files.write_atomic`): with the lock held, none is in use."""
        for folder in (
            self.out,
            self.state,
            self.state / "chunks",
            self._staging_dir(),
            self._staging_dir() / STATE,
            self._staging_dir() / STATE / "chunks",
        ):
            for tmp in folder.glob(".*.tmp") if folder.is_dir() else ():
                if tmp.is_file() and not tmp.is_symlink():
                    tmp.unlink()

    def _staging_dir(self) -> Path:
        return self.state / STAGING

    def _journal_path(self, workdir: Path) -> Path:
        return workdir / STATE / "journal.json"

    def _roll_forward(self) -> None:
        """Finish a commit that a crash interrupted: the staged build is complete."""
        staged = Journal.read(self._journal_path(self._staging_dir()))
        if staged is not None and staged.state == "committing":
            self.workdir, self.journal = self._staging_dir(), staged
            self.commit()
            self.notes.append("finished moving the previous build into place (it was interrupted)")

    def begin(self, journal: Journal, *, resume: bool) -> list[dict[str, Any]]:
        """Start (or resume) the build described by ``journal``; returns the finished
        chunks kept from an interrupted build with the same inputs."""
        kept: list[dict[str, Any]] = []
        if resume:
            kept = self._resume(journal)
            if kept or self.journal is not None:
                return kept
        shutil.rmtree(self._staging_dir(), ignore_errors=True)
        if _has_output(self.out) and self._complete_here():
            self.workdir = self._staging_dir()
        else:
            self.workdir = self.out
            self._clear_unfinished()
        (self.workdir / STATE / "chunks").mkdir(parents=True, exist_ok=True)
        self.journal = journal
        self._write_journal()
        return kept

    def _complete_here(self) -> bool:
        """Does ``out`` hold a complete build? (Output without a journal counts as one:
        it may be an earlier version's, or copied in by hand.)"""
        here = Journal.read(self._journal_path(self.out))
        return here is None or here.state == "complete"

    def _clear_unfinished(self) -> None:
        """Remove an unfinished build's files from ``out`` before starting over."""
        here = Journal.read(self._journal_path(self.out))
        if here is not None and here.state != "complete" and here.chunks:
            self.notes.append(
                f"started over: the unfinished build here had {len(here.chunks)} chunk(s) done "
                "(--resume continues an interrupted build instead)"
            )
        for path in [*_pdfs(self.out), *(self.out / r for r in REPORTS)]:
            path.unlink(missing_ok=True)
        shutil.rmtree(self.out / STATE / "chunks", ignore_errors=True)
        self._journal_path(self.out).unlink(missing_ok=True)

    def _resume(self, journal: Journal) -> list[dict[str, Any]]:
        for workdir in (self._staging_dir(), self.out):
            old = Journal.read(self._journal_path(workdir))
            if old is None:
                continue
            changed = sorted(
                k
                for k in {*old.fingerprint, *journal.fingerprint}
                if old.fingerprint.get(k) != journal.fingerprint.get(k)
            )
            if changed:
                raise BuildError(
                    f"cannot resume: {', '.join(changed)} changed since the interrupted build",
                    where=str(self.out),
                    hint="run with the same inputs and options, or build again without --resume",
                )
            self.workdir = workdir
            if old.state == "complete":
                self.journal = old
                self.notes.append("the build here is already complete: nothing to resume")
                return list(old.chunks or [])
            (workdir / STATE / "chunks").mkdir(parents=True, exist_ok=True)
            kept = self._intact_prefix(old)
            journal.chunks = kept
            journal.extra = old.extra
            self.journal = journal
            self._rewrite_reports(kept)
            self._write_journal()
            self.notes.append(f"resuming: {len(kept)} finished chunk(s) kept")
            return kept
        self.notes.append("nothing to resume here: building from the start")
        return []

    def _intact_prefix(self, old: Journal) -> list[dict[str, Any]]:
        """The finished chunks, in order, up to the first whose rows or files are not
        all there as the journal recorded them; PDFs of later chunks are removed."""
        kept: list[dict[str, Any]] = []
        for entry in old.chunks or []:
            rows = self.workdir / STATE / "chunks" / _chunk_rows_name(entry["index"])
            intact = rows.exists() and all(
                (self.workdir / f["file"]).exists() and file_sha256(self.workdir / f["file"]) == f["sha256"]
                for f in entry.get("files", ())
            )
            if not intact:
                break
            kept.append(entry)
        names = _file_names(kept)
        for path in _pdfs(self.workdir):
            if path.name not in names:
                path.unlink()
        return kept

    # --- writing ------------------------------------------------------------------------
    def _write_journal(self) -> None:
        assert self.journal is not None
        data = json.dumps(self.journal.to_json(), indent=1, ensure_ascii=False) + "\n"
        write_atomic(self._journal_path(self.workdir), lambda f: f.write(data), text=True)

    def add_chunk(
        self,
        entry: dict[str, Any],
        data: Mapping[str, bytes],
        rows: Sequence[Mapping[str, Any]],
        errors: Sequence[Mapping[str, Any]],
    ) -> None:
        """Put a finished chunk in place: its rows appended to the reports, its PDFs, the journal."""
        assert self.journal is not None
        state = self.workdir / STATE / "chunks"
        record = {"rows": list(rows), "errors": list(errors)}
        text = json.dumps(record, ensure_ascii=False)
        write_atomic(state / _chunk_rows_name(entry["index"]), lambda f: f.write(text), text=True)
        # The reports first, then the PDF: should the process die between the two, the
        # manifest lists a file that is not there (no kit printed, no harm), never a
        # printed kit that no manifest row accounts for. The journal comes last.
        self._append_reports(rows, errors)
        for name, content in data.items():
            write_bytes_atomic(self.workdir / name, content)
        self.journal.chunks = [*(self.journal.chunks or []), entry]
        self._write_journal()

    def _append_reports(self, rows: Sequence[Mapping[str, Any]], errors: Sequence[Mapping[str, Any]]) -> None:
        assert self.journal is not None
        columns = self.journal.columns
        _append(self.workdir / "manifest.csv", lambda f, head: write_csv(rows, columns, f, header=head))
        _append_json(self.workdir / "manifest.json", rows, columns)
        if errors:
            _append(
                self.workdir / "errors.csv", lambda f, head: write_csv(errors, ERROR_COLUMNS, f, header=head)
            )

    def _rewrite_reports(self, kept: Sequence[Mapping[str, Any]]) -> None:
        for name in REPORTS:
            (self.workdir / name).unlink(missing_ok=True)
        for entry in kept:
            path = self.workdir / STATE / "chunks" / _chunk_rows_name(entry["index"])
            record = json.loads(path.read_text(encoding="utf-8"))
            self._append_reports(record["rows"], record["errors"])
        if not kept:
            self._append_reports([], [])

    def chunk_rows(self, index: int) -> list[dict[str, Any]]:
        """The manifest rows of a finished chunk, as the journal keeps them."""
        path = self.workdir / STATE / "chunks" / _chunk_rows_name(index)
        return list(json.loads(path.read_text(encoding="utf-8"))["rows"])

    def set_state(self, state: str, **extra: Any) -> None:
        assert self.journal is not None
        self.journal.state = state
        self.journal.extra = {**(self.journal.extra or {}), **extra}
        self._write_journal()

    def write_report(self, name: str, text: str) -> None:
        write_atomic(self.workdir / name, lambda f: f.write(text), text=True)

    def write_report_bytes(self, name: str, data: bytes) -> None:
        write_bytes_atomic(self.workdir / name, data)

    # --- finishing ----------------------------------------------------------------------
    def commit(self) -> None:
        """Make the finished build the folder's build. In ``out`` already: mark it complete.
        Staged: replace the previous build's files (reports first, manifest.csv last),
        then move the state across; a crash part-way is finished by the next build."""
        assert self.journal is not None
        if self.workdir == self.out:
            self.set_state("complete")
            return
        staged = self.workdir
        new = _file_names(self.journal.chunks or [])
        for name in sorted(new | set(REPORTS)):
            target = self.out / name
            if target.is_dir() and not target.is_symlink():
                raise BuildError(
                    "is a folder, where the build must put a file",
                    where=str(target),
                    hint=f"move it away, then run again with --resume (the build waits in {staged})",
                )
        self.set_state("committing")
        # Each step below may be repeated by a roll-forward after a crash: all are idempotent.
        for name in reversed(REPORTS):  # manifest.csv goes first: never describes the wrong PDFs
            if (staged / name).exists():
                (self.out / name).unlink(missing_ok=True)
        for path in _pdfs(self.out):
            if path.name not in new:
                path.unlink()
        for name in sorted(new):
            if (staged / name).exists():
                os.replace(staged / name, self.out / name)
        for name in REPORTS:
            if (staged / name).exists():
                os.replace(staged / name, self.out / name)
        if (staged / STATE / "chunks").exists():
            shutil.rmtree(self.out / STATE / "chunks", ignore_errors=True)
            os.replace(staged / STATE / "chunks", self.out / STATE / "chunks")
        self.workdir = self.out
        self.set_state("complete")
        shutil.rmtree(staged, ignore_errors=True)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _append(path: Path, write: Any) -> None:
    """Rewrite ``path`` atomically as its old bytes plus what ``write(f, header)`` adds."""

    def fill(f: TextIO) -> None:
        if path.exists():
            with open(path, encoding="utf-8", newline="") as old:
                shutil.copyfileobj(old, f, 1 << 20)
            write(f, False)
        else:
            write(f, True)

    write_atomic(path, fill, text=True)


def _append_json(path: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """The JSON manifest is an array, one row a line: copy it up to its closing
    bracket (the last three bytes, ``\\n]\\n``), then add the new rows."""
    buf = io.StringIO()
    write_json(rows, buf, fieldnames=columns)
    new = buf.getvalue().encode("utf-8")  # b"[\n{...},\n{...}\n]\n", or b"[]\n" for no rows

    def fill(f: BinaryIO) -> None:
        if not path.exists():
            f.write(new)
            return
        with open(path, "rb") as old:
            remaining = os.fstat(old.fileno()).st_size - 3
            if remaining <= 0 or not rows:
                f.write(new if remaining <= 0 else old.read())
                return
            while remaining > 0:
                part = old.read(min(remaining, 1 << 20))
                f.write(part)
                remaining -= len(part)
        f.write(b",\n" + new[2:-3] + b"\n]\n")

    write_atomic(path, fill)
