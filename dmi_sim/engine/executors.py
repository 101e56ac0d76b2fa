"""Executors the runner can use: in-process, a local process pool, or Dask.

All three are ``concurrent.futures.Executor`` objects, so the runner has one code path.
Dask is an optional extra: it is imported only when asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

DASK_MISSING = (
    "Dask is not installed; install the optional extra with: pip install 'dmi_sim[dask]'"
)


class DaskUnavailable(RuntimeError):
    """Dask was asked for but is not installed."""


class InlineExecutor(Executor):
    """Runs each call at submission, in this process: the sequential reference path."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the driver, which stores what finished and stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_workers() -> int:
    """All cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def process_pool(workers: int | None = None) -> tuple[Executor, int]:
    """A pool of ``workers`` processes (all cores by default); one worker runs in-process.

    Workers start with ``forkserver``: forking a driver that already runs threads (the
    progress bar, a Dask client) can deadlock. The fork server imports the model once, so
    each worker starts with it loaded instead of importing it again.
    """
    n = workers or default_workers()
    if n < 1:
        raise ValueError(f"workers must be >= 1, got {n}")
    if n == 1:
        return InlineExecutor(), 1
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", "dmi_sim", "dmi_sim.engine.tasks"])
    return ProcessPoolExecutor(n, mp_context=context, initializer=_ignore_sigint), n


@contextmanager
def dask_executor(address: str, workers: int | None = None) -> Iterator[tuple[Executor, int]]:
    """A Dask executor on the cluster at ``address``, or on a new LocalCluster for "local".

    ``pure=False`` because Dask would otherwise merge identical submissions. Yields the
    executor and the number of worker threads, which bounds the runs kept in flight.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise DaskUnavailable(DASK_MISSING) from exc
    cluster = None
    if address == "local":
        cluster = LocalCluster(
            n_workers=workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        threads = sum(client.nthreads().values()) or 1
        yield client.get_executor(pure=False), threads
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def make_executor(
    workers: int | None = None, dask: str | None = None
) -> Iterator[tuple[Executor, int]]:
    """The executor the command line asked for, shut down when the block ends."""
    if dask:
        with dask_executor(dask, workers) as pair:
            yield pair
        return
    executor, n = process_pool(workers)
    try:
        yield executor, n
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
