"""Batches: a layout and a stream of records in, an output folder of PDFs out.

- :mod:`.chunk`: the pure chunk function (records in, PDF bytes and manifest rows out);
- :mod:`.stream`: records checked against the whole batch and cut into chunks;
- :mod:`.inputs`: the layout checked, the signing key, the inputs' fingerprint;
- :mod:`.executors`: where chunks run (this process, a process pool, Dask);
- :mod:`.folder`: the output folder as a transaction (lock, journal, resume);
- :mod:`.runner`: the loop that ties them together;
- :mod:`.api`: the common calls on plain objects (``build``, ``render``).

Files written (see README "Output"): per chunk a PDF per paper stock (and sides
printed), ``kits-00001-card-300.pdf`` (imposed: ``sheets-…``), or with ``group="record"``
and for proofs one file kit by kit, ``kits-00001.pdf``; ``manifest.csv``/``manifest.json``
with one row per record naming its files and pages, ``errors.csv`` for the rejected,
``job.json`` and ``job-sheet.pdf`` for the print shop.
"""

from __future__ import annotations

from ..impose.adapter import Imposition
from ..links import Links, qr_blocks
from .api import build_files, render_kit
from .chunk import Chunk, ChunkResult, Job, build_chunk, required_fields, sample_records
from .executors import DaskExecutor, PoolExecutor, SerialExecutor, make_executor
from .folder import BuildError
from .runner import BuildResult, Progress, build

__all__ = [
    "BuildError",
    "BuildResult",
    "Chunk",
    "ChunkResult",
    "DaskExecutor",
    "Imposition",
    "Job",
    "Links",
    "PoolExecutor",
    "Progress",
    "SerialExecutor",
    "build",
    "build_chunk",
    "build_files",
    "make_executor",
    "qr_blocks",
    "render_kit",
    "required_fields",
    "sample_records",
]
