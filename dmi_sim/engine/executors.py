"""Executors the runner can use: in-process, a local process pool, or Dask.

All three are ``concurrent.futures.Executor`` objects, so the runner has one code path.
Dask is an optional extra: it is imported only when asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from dmi_sim.engine.lifeline import exit_when_closed

DASK_MISSING = "Dask is not installed; install the optional extra with: pip install 'dmi_sim[dask]'"


#: Seconds to reach a Dask scheduler before giving up (a refused port, a silent service).
DASK_CONNECT_TIMEOUT_S = 5.0


class DaskUnavailable(RuntimeError):
    """Dask was asked for but is not installed, or no scheduler answers at the address."""


#: Thread counts of the numerical libraries in pool workers, set before the workers (and
#: the fork server they come from) load numpy: one each. A run is single-threaded work on
#: small arrays; with OpenBLAS's default threads, two workers on two busy cores
#: oversubscribe them (a 160x160 matrix product cost 30x its single-thread time, issue 13).
#: Dask's nanny sets the same variables for its workers by default.
WORKER_THREADS_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}


def worker_threads_env() -> dict[str, str | None]:
    """This process's values of ``WORKER_THREADS_ENV``'s variables (a pool worker reports
    its own: tests/test_engine_executors.py)."""
    return {name: os.environ.get(name) for name in WORKER_THREADS_ENV}


@contextmanager
def _single_threaded_children() -> Iterator[None]:
    """Processes started in the block inherit ``WORKER_THREADS_ENV``; this process's own
    environment is as it was afterwards (its numpy is loaded already)."""
    saved = worker_threads_env()
    os.environ.update(WORKER_THREADS_ENV)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class InlineExecutor(Executor):
    """Runs each call at submission, in this process: the sequential reference path."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


class PoolError(RuntimeError):
    """The process pool cannot run here: one line saying why and what to do instead."""


#: What workers that died while starting most likely mean.
POOL_START_FAILED = (
    "the process pool's workers stopped while starting: a script that runs a pool must do "
    'so under `if __name__ == "__main__":` (each worker imports the script again); or '
    "run in this process with workers=1"
)
#: Seconds to wait for a stopped worker to be gone.
STOP_TIMEOUT_S = 10.0


def _start_worker(lifeline: Connection) -> None:
    """Pool worker set-up: leave Ctrl-C to the driver, and end with the driver (when a
    worker dies, so do the fork server and the resource tracker, which live as long as any
    worker does)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_when_closed(lifeline.recv_bytes)


def _ready() -> int:
    """A worker's answer at start-up: it has imported what it needs."""
    return os.getpid()


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the block runs, then deliver them.

    A signal that lands while a worker is being started leaves that worker half made: it
    outlives the driver or prints a traceback on its terminal. Held, the signal arrives
    once every worker is known, and stopping the pool stops them all.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda signum, _: caught.append(signum)) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])


def _check_main_importable() -> None:
    """Refuse a pool whose workers could not import the main script (code read from stdin:
    every worker would die looking for a file called '<stdin>')."""
    main_file = getattr(sys.modules["__main__"], "__file__", None)
    if main_file is not None and not os.path.isfile(main_file):
        raise PoolError(
            f"a process pool cannot start from code that is not in a file (here: {main_file}): "
            "its workers import the main script again; save the code as a .py file, or run "
            "in this process with workers=1"
        )


def leave_if_starting_a_worker() -> None:
    """End this process quietly if it is a pool worker still importing the main script.

    Then a script without an ``if __name__ == "__main__":`` guard, run again by the worker
    as it starts, has reached the engine: the worker must neither run nor write anything
    (SystemExit ends it without a traceback), and the driver says why in one line
    (``POOL_START_FAILED``). ``_inheriting`` is what ``multiprocessing`` itself checks
    before refusing to start processes then.
    """
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise SystemExit(1)


class WorkerPool(ProcessPoolExecutor):
    """A ``forkserver`` process pool that starts all its workers at once and never leaves
    one behind.

    Workers start with ``forkserver``: forking a driver that already runs threads (the
    progress bar, a Dask client) can deadlock. The fork server imports the model once, so
    each worker starts with it loaded. Every worker is started (with signals held) before
    the pool is handed out, and exits when the driver does. Workers and the fork server
    start with one thread per numerical library (``WORKER_THREADS_ENV``), so two workers
    on two cores do not fight over BLAS threads. ``shutdown(wait=False)`` stops
    the workers at once instead of letting them finish their runs: it is what an
    interrupted sweep calls.
    """

    def __init__(self, workers: int) -> None:
        leave_if_starting_a_worker()
        _check_main_importable()
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["dmi_sim.api", "dmi_sim.engine.tasks"])
        # The read end goes to every worker the pool starts; the write end stays here.
        self._lifeline = context.Pipe(duplex=False)
        super().__init__(
            workers, mp_context=context, initializer=_start_worker, initargs=(self._lifeline[0],)
        )
        try:
            with _signals_held(), _single_threaded_children():
                # One call per worker, submitted at once: each starts a worker.
                for started in [self.submit(_ready) for _ in range(workers)]:
                    started.result()
        except BrokenProcessPool:
            self.shutdown(wait=False)
            raise PoolError(POOL_START_FAILED) from None
        except BaseException:
            self.shutdown(wait=False)
            raise

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut down; without ``wait``, stop every worker now and wait until it is gone,
        so none outlives the driver or writes to its terminal (Python 3.14 has
        ``terminate_workers`` for this; 3.12 keeps the workers in ``_processes``)."""
        workers = [] if wait else list((self._processes or {}).values())
        super().shutdown(wait=wait, cancel_futures=cancel_futures or not wait)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(STOP_TIMEOUT_S)
        for end in self._lifeline:
            end.close()


def default_workers() -> int:
    """All cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def process_pool(workers: int | None = None) -> tuple[Executor, int]:
    """A pool of ``workers`` processes (all cores by default); one worker runs in-process."""
    n = workers or default_workers()
    if n < 1:
        raise ValueError(f"workers must be >= 1, got {n}")
    if n == 1:
        return InlineExecutor(), 1
    return WorkerPool(n), n


def _probe_scheduler(address: str) -> None:
    """Fail fast where Dask's client would wait for minutes: no port, a closed port, a host
    that does not answer, or a service that is not a Dask scheduler. A scheduler speaks
    first (its handshake), so a TCP peer that says nothing within the timeout is not one."""
    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(address)
    host, port = parse_host_port(location)  # ValueError: missing port number
    if scheme != "tcp":
        return  # tls:// and the like: left to the client's own timeout
    with socket.create_connection((host, port), timeout=DASK_CONNECT_TIMEOUT_S) as sock:
        try:
            first = sock.recv(8)
        except TimeoutError:
            first = b""
    if not first:
        raise OSError(
            f"it said nothing within {DASK_CONNECT_TIMEOUT_S:.0f} s, so it is not a Dask scheduler"
        )


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
        try:
            _probe_scheduler(address)
            client = Client(address, timeout=DASK_CONNECT_TIMEOUT_S)
        except (OSError, ValueError) as exc:  # refused, timed out, no port, not a scheduler
            raise DaskUnavailable(
                f"cannot reach a Dask scheduler at {address!r} ({exc}); allowed: 'local', or "
                "the address of a running scheduler, tcp://HOST:PORT"
            ) from None
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
    except BaseException:  # interrupted, or failed: stop the workers now
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True, cancel_futures=True)
