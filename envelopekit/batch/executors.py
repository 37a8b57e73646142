"""Where chunks are built: this process, a process pool, or a Dask cluster.

Each executor maps :func:`~.chunk.build_chunk` over a stream of chunks and yields the
results **in chunk order**, keeping only a few chunks in flight so memory stays flat
however long the batch. A chunk whose worker dies is built again (it is pure, so the
retry gives the same bytes); the runner writes each result once, in order.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from typing import Any, Protocol

from ..errors import EnvelopekitError
from .chunk import Chunk, ChunkResult, Job, build_chunk

__all__ = ["DaskExecutor", "Executor", "PoolExecutor", "SerialExecutor", "make_executor"]

RETRIES = 2  # a chunk is tried at most 1 + RETRIES times when its worker dies


class Executor(Protocol):
    workers: int

    def run(self, job: Job, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Chunks built one after the other in this process."""

    workers = 1

    def run(self, job: Job, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        for chunk in chunks:
            yield build_chunk(job, chunk)

    def close(self) -> None:
        pass


class PoolExecutor:
    """Chunks built on a pool of worker processes (``forkserver``: workers start clean,
    without the parent's threads). A pool broken by a dying worker is replaced and the
    chunks in flight are submitted again."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: Any = None
        self._idle = True  # no chunk in flight: close() may let the workers finish cleanly

    def _new_pool(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            # Workers fork from a server that has imported the drawing code once.
            context.set_forkserver_preload(["envelopekit.batch.chunk", "envelopekit.render.painter"])
        return ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
        )

    def run(self, job: Job, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        from concurrent.futures.process import BrokenProcessPool

        source = iter(chunks)
        first, second = next(source, None), None
        if first is not None:
            second = next(source, None)
        if first is None or second is None:  # one chunk: no pool to start
            yield from (build_chunk(job, c) for c in (first,) if c is not None)
            return
        source = itertools.chain((first, second), source)
        if self._pool is None:
            self._pool = self._new_pool()
        flight: deque[tuple[Chunk, Future[ChunkResult], int]] = deque()
        feed = _Feed(source, self.workers * 2)
        self._idle = False
        while True:
            while (chunk := feed.next(len(flight))) is not None:
                flight.append((chunk, self._pool.submit(build_chunk, job, chunk), 0))
            if not flight:
                self._idle = True
                feed.raise_pending()
                return
            chunk, future, tries = flight[0]
            try:
                result = future.result()
            except BrokenProcessPool:
                if tries >= RETRIES:
                    raise _died(chunk, tries + 1) from None
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                waiting = [(c, t + (1 if c is chunk else 0)) for c, _, t in flight]
                flight.clear()
                for c, t in waiting:
                    flight.append((c, self._pool.submit(build_chunk, job, c), t))
                continue
            flight.popleft()
            yield result

    def close(self) -> None:
        """Stop the workers. After a finished run none is busy; after Ctrl-C or an error
        the chunks still building are dropped (the runner wrote nothing of them)."""
        if self._pool is None:
            return
        if self._idle:  # the workers wait for work: let them exit (terminating them races the feeder)
            self._pool.shutdown(wait=True)
        else:
            processes = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
        self._pool = None


def _worker_init(parent: int) -> None:
    """Workers leave Ctrl-C and SIGTERM to the parent, which stops them cleanly, and end
    by themselves when the parent is gone (killed with SIGKILL, it can stop nothing)."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_outlive_not, args=(parent,), name="envelopekit-parent", daemon=True).start()


def _outlive_not(parent: int, every: float = 1.0) -> None:
    """Exit this worker as soon as process ``parent`` no longer exists."""
    import os
    import time

    while True:
        time.sleep(every)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(70)  # the build is gone: nothing to send the result to
        except PermissionError:  # a process of another user took its number: gone too
            os._exit(70)


class DaskExecutor:
    """Chunks built on a ``dask.distributed`` cluster (a ``LocalCluster`` without an
    address). The job is scattered to the workers once; each chunk is a task keyed by
    its job, index and input digest (``pure``), so a retried chunk is the same task.
    Results travel back to this process, which writes them."""

    def __init__(self, address: str | None = None, workers: int | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise EnvelopekitError(
                "--executor dask needs dask.distributed",
                hint="pip install 'envelopekit[dask]'",
            ) from None
        self._cluster = None
        if address:
            self._client = Client(address)
        else:
            n = workers or os.cpu_count() or 1
            self._cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._client = Client(self._cluster)
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})) or (workers or 1))

    def run(self, job: Job, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        client = self._client
        remote_job = client.scatter(job, broadcast=True, hash=True)
        flight: deque[Any] = deque()
        feed = _Feed(iter(chunks), self.workers * 2)
        while True:
            while (chunk := feed.next(len(flight))) is not None:
                key = f"envelopekit-chunk-{job.fingerprint[:16]}-{chunk.index}-{chunk.digest[:16]}"
                flight.append(
                    client.submit(build_chunk, remote_job, chunk, key=key, pure=True, retries=RETRIES)
                )
            if not flight:
                feed.raise_pending()
                return
            future = flight.popleft()
            result = future.result()
            future.release()
            yield result

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


class _Feed:
    """Chunks to submit, at most ``depth`` in flight. An error from the source (a records
    file torn part-way) is held until the chunks in flight are done and written."""

    def __init__(self, source: Iterator[Chunk], depth: int):
        self.source = source
        self.depth = depth
        self.error: BaseException | None = None

    def next(self, in_flight: int) -> Chunk | None:
        if self.error is not None or in_flight >= self.depth:
            return None
        try:
            return next(self.source, None)
        except EnvelopekitError as exc:
            self.error = exc
            return None

    def raise_pending(self) -> None:
        if self.error is not None:
            raise self.error


def _died(chunk: Chunk, tries: int) -> EnvelopekitError:
    rows = [getattr(i, "row", None) for i in chunk.items]
    span = f"rows {rows[0]}-{rows[-1]}" if rows and rows[0] is not None else f"chunk {chunk.index}"
    return EnvelopekitError(
        f"a worker process died {tries} times building chunk {chunk.index} ({span})",
        hint="the machine may be out of memory: try --workers 1 or a smaller --chunk, then --resume",
    )


def make_executor(kind: str = "pool", *, workers: int | None = None, address: str | None = None) -> Executor:
    """``kind`` is "serial", "pool" or "dask"; a pool of one worker is serial."""
    n = workers or os.cpu_count() or 1
    if kind == "dask":
        return DaskExecutor(address, workers)
    if kind == "serial" or n == 1:
        return SerialExecutor()
    if kind == "pool":
        return PoolExecutor(n)
    raise EnvelopekitError(f"unknown executor {kind!r}", hint="choose serial, pool or dask")
