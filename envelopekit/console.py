"""What the operator sees while a batch runs: a progress bar on a terminal, a plain
line per chunk otherwise, nothing with ``--quiet``. Diagnostics go to stderr; the
results (and ``--json``) to stdout."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from .batch.runner import Progress

__all__ = ["ProgressDisplay"]


def _eta(p: Progress) -> str:
    if not p.total or not p.records or p.records >= p.total:
        return ""
    seconds = int(p.elapsed / p.records * (p.total - p.records))
    return f", ETA {seconds // 60}:{seconds % 60:02d}"


class ProgressDisplay:
    """A progress callback for :func:`envelopekit.batch.build`; use as a context manager."""

    def __init__(self, *, stream: TextIO | None = None, quiet: bool = False, bar: bool | None = None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.bar_wanted = (not quiet) and (self.stream.isatty() if bar is None else bar)
        self._bar: Any = None

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, p: Progress) -> None:
        if self.quiet:
            return
        if self.bar_wanted:
            self._draw(p)
            return
        if p.chunks == 0:
            return  # the start: nothing to say yet
        rate = p.records / p.elapsed if p.elapsed > 0 else 0.0
        of = f"/{p.total}" if p.total else ""
        file = f" {p.file}" if p.file else ""
        print(
            f"  chunk {p.chunks}{file}: {p.records}{of} records, {p.built} built, {p.rejected} rejected, "
            f"{rate:.1f} records/s{_eta(p)}",
            file=self.stream,
            flush=True,
        )

    def _draw(self, p: Progress) -> None:
        if self._bar is None:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: the process pool forks workers
            self._bar = tqdm(
                total=p.total,
                initial=p.records,
                unit="kit",
                file=self.stream,
                dynamic_ncols=True,
                smoothing=0.1,
            )
        self._bar.n = p.records
        self._bar.set_postfix_str(f"rejected {p.rejected}", refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
