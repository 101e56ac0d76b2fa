"""What one run is (``RunTask``), what it gives back (``RunOutcome``), and the worker.

The worker is a top-level function so process pools and Dask can pickle it by reference.
It never raises: a failing run comes back as an outcome carrying the error, so one bad
parameter combination cannot stop a sweep of thousands.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dmi_sim.engine.derived import DERIVED

#: ``run_fn(scenario, seed=, days=, overrides=)`` -> object with ``.summary`` and ``.timeseries``.
RunFn = Callable[..., Any]


@dataclass(frozen=True)
class RunTask:
    """One model run, fully specified before any executor sees it."""

    run_id: str
    scenario: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    days: int | None = None
    labels: Mapping[str, Any] = field(default_factory=dict)
    derived: tuple[str, ...] = ()  # outcomes from ``engine.derived`` to add to the summary
    keep_maps: bool = False  # store the run's before/after maps (``load_maps``)


@dataclass
class RunOutcome:
    """What a worker sends back: a summary and time series, or the error that stopped it."""

    run_id: str
    summary: dict[str, Any] | None
    timeseries: pd.DataFrame | None
    error: dict[str, str] | None
    maps: dict[str, dict[str, np.ndarray]] | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def _plain(value: Any) -> Any:
    """Numpy scalars to Python ones, so rows from every run share one Parquet schema."""
    return value.item() if isinstance(value, np.generic) else value


def execute_task(
    task: RunTask, run_fn: RunFn | None = None, keep_timeseries: bool = True
) -> RunOutcome:
    """Run one task; return its outcome, or the error with its traceback if it raised."""
    try:
        if run_fn is None:
            from dmi_sim.api import simulate as run_fn
        result = run_fn(
            task.scenario, seed=task.seed, days=task.days, overrides=dict(task.overrides)
        )
        summary = {str(k): _plain(v) for k, v in result.summary.items()}
        for name in task.derived:
            summary.update(DERIVED[name](result))
        timeseries = result.timeseries if keep_timeseries else None
        maps = dict(result.maps) if task.keep_maps else None
        return RunOutcome(task.run_id, summary, timeseries, None, maps)
    except Exception as exc:  # a failing run is data, not a crash of the sweep
        error = {
            "error_type": type(exc).__name__,
            "error": str(exc),
            "traceback": traceback.format_exc(),
        }
        return RunOutcome(task.run_id, None, None, error)


def check_unique(tasks: Sequence[RunTask]) -> None:
    """Refuse duplicate run ids: the store and resume key everything on them."""
    seen: set[str] = set()
    for task in tasks:
        if task.run_id in seen:
            raise ValueError(f"duplicate run_id {task.run_id!r} in the task list")
        seen.add(task.run_id)


def check_part_of(tasks: Sequence[RunTask], planned: Sequence[RunTask]) -> None:
    """Refuse a task that is not, exactly as given, in ``planned``: a store named after
    ``planned`` must hold only its runs."""
    by_id = {task.run_id: task for task in planned}
    for task in tasks:
        if by_id.get(task.run_id) != task:
            raise ValueError(f"task {task.run_id!r} is not one of the planned tasks")


def fingerprint(tasks: Sequence[RunTask]) -> str:
    """Hash of everything that determines the results, to refuse resuming a different sweep."""
    digest = hashlib.sha256()
    for task in sorted(tasks, key=lambda t: t.run_id):
        record = [
            task.run_id,
            task.scenario,
            dict(task.overrides),
            task.seed,
            task.days,
            dict(task.labels),
            list(task.derived),
        ] + ([True] if task.keep_maps else [])  # stores made before maps keep their name
        digest.update(json.dumps(record, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]
