"""One runner over any ``concurrent.futures.Executor``: stream, bound, resume, report.

At most ``max_in_flight`` runs are submitted at a time and finished runs are written in
small batches, so the driver's memory stays flat however many runs a sweep has.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from dmi_sim.engine.executors import leave_if_starting_a_worker, process_pool
from dmi_sim.engine.store import ResultStore
from dmi_sim.engine.tasks import RunFn, RunOutcome, RunTask, check_unique, execute_task


class Interrupted(KeyboardInterrupt):
    """Work stopped by Ctrl-C or SIGTERM; ``str()`` says what was kept and how to go on."""


@dataclass(frozen=True)
class RunReport:
    """What a call to ``run_tasks`` did."""

    out_dir: Path
    n_tasks: int
    n_skipped: int  # already stored before this call
    n_done: int  # stored now, including the skipped ones
    n_failed: int
    failures_path: Path | None
    elapsed_s: float

    def describe(self) -> str:
        """One line for people: what is stored, what failed, and where failures are listed."""
        text = f"{self.n_done}/{self.n_tasks} runs stored in {self.out_dir}"
        if self.n_skipped:
            text += f" ({self.n_skipped} were already stored)"
        if self.n_failed:
            text += f"; {self.n_failed} failed, listed in {self.failures_path}"
        return text


def _outcome(future: Future[RunOutcome], task: RunTask) -> RunOutcome:
    """The worker's outcome, or a failure if the executor itself lost the run."""
    try:
        return future.result()
    except Exception as exc:  # e.g. a worker process died; the task code never raises
        error = {"error_type": type(exc).__name__, "error": str(exc), "traceback": ""}
        return RunOutcome(task.run_id, None, None, error)


class _Batches:
    """Finished runs gathered into batches for the store: a batch is written when it holds
    ``size`` runs, or when its oldest run has waited ``flush_seconds``."""

    def __init__(self, store: ResultStore, bar: Any, size: int, flush_seconds: float) -> None:
        self.store, self.bar, self.size, self.flush_seconds = store, bar, size, flush_seconds
        self.batch: list[tuple[RunTask, RunOutcome]] = []
        self.started = 0.0
        self.n_failed = 0

    def seconds_left(self) -> float:
        """How long to wait for runs before the open batch is due."""
        if not self.batch:
            return self.flush_seconds
        return max(self.started + self.flush_seconds - time.monotonic(), 0.0)

    def add(self, task: RunTask, outcome: RunOutcome) -> None:
        """One finished run (or failure) into the open batch; the bar moves on."""
        self.n_failed += outcome.failed
        if not self.batch:
            self.started = time.monotonic()
        self.batch.append((task, outcome))
        self.bar.update()
        if outcome.failed:
            self.bar.set_postfix(failed=self.n_failed, refresh=False)

    def write_if_due(self) -> None:
        """Write the open batch when it is full or old enough."""
        if self.batch and (
            len(self.batch) >= self.size or time.monotonic() - self.started >= self.flush_seconds
        ):
            self.write()

    def write(self) -> None:
        """Write the open batch, whatever its size."""
        self.store.write_batch(self.batch)
        self.batch = []

    def keep_finished(self, in_flight: dict[Future[RunOutcome], RunTask]) -> None:
        """Store the runs that finished, cancel the rest, write what is open."""
        for future, task in in_flight.items():
            if future.done() and not future.cancelled():
                self.batch.append((task, _outcome(future, task)))
            else:
                future.cancel()
        self.write()


def run_tasks(
    tasks: Iterable[RunTask],
    out_dir: str | os.PathLike[str],
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = True,
    *,
    run_fn: RunFn | None = None,
    save_timeseries: bool = True,
    max_in_flight: int | None = None,
    batch_size: int = 64,
    flush_seconds: float = 30.0,
    meta: dict[str, Any] | None = None,
    planned: Iterable[RunTask] | None = None,
) -> RunReport:
    """Run every task not yet stored in ``out_dir`` and stream the results there.

    Args:
        tasks: the runs; ``run_id`` must be unique.
        out_dir: the sweep folder (created; resumed if it holds this same task list).
        workers: pool size when no executor is given (default all cores; 1 runs in-process).
        executor: any ``concurrent.futures.Executor``, e.g. a Dask client's
            ``get_executor(pure=False)``; left running for the caller to close.
        progress: show a progress bar with an ETA on stderr.
        run_fn: replaces ``dmi_sim.simulate`` (a picklable top-level function).
        save_timeseries: store each run's daily series as well as its summary.
        max_in_flight: runs submitted but not finished (default twice the workers).
        batch_size, flush_seconds: a batch is written when it has this many runs, or when
            its oldest run has waited this long.
        meta: recorded in the manifest (e.g. the experiment definition).
        planned: the whole task list ``out_dir`` is for, when ``tasks`` is the part of it
            to run now (a study adding replications batch by batch); default ``tasks``.
    """
    leave_if_starting_a_worker()  # before anything is written
    started = time.perf_counter()
    tasks = list(tasks)
    check_unique(tasks)
    store = ResultStore(out_dir)
    done = store.open(
        tasks,
        save_timeseries=save_timeseries,
        meta=meta,
        planned=None if planned is None else list(planned),
    )
    pending = deque(t for t in tasks if t.run_id not in done)
    own_executor = executor is None
    if executor is None:
        executor, workers = process_pool(workers)
    limit = max_in_flight or 2 * (workers or os.cpu_count() or 1)
    in_flight: dict[Future[RunOutcome], RunTask] = {}
    bar = tqdm(
        total=len(tasks),
        initial=len(done),
        unit="run",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    )
    batches = _Batches(store, bar, batch_size, flush_seconds)
    interrupted = False
    try:
        while pending or in_flight:
            while pending and len(in_flight) < limit:
                task = pending.popleft()
                in_flight[executor.submit(execute_task, task, run_fn, save_timeseries)] = task
            finished, _ = wait(
                in_flight, timeout=batches.seconds_left(), return_when=FIRST_COMPLETED
            )
            for future in finished:
                task = in_flight.pop(future)
                batches.add(task, _outcome(future, task))
            batches.write_if_due()
    except BaseException:
        interrupted = True
        raise
    finally:
        batches.keep_finished(in_flight)  # every finished run, even on Ctrl-C
        bar.close()
        if own_executor:
            executor.shutdown(wait=not interrupted, cancel_futures=True)
        n_failed_total, failures_path = store.finish()
    return RunReport(
        out_dir=store.root,
        n_tasks=len(tasks),
        n_skipped=len(done),
        n_done=store.n_done,
        n_failed=n_failed_total,
        failures_path=failures_path,
        elapsed_s=time.perf_counter() - started,
    )
