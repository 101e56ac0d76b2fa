"""A discovery design: where it comes from, how it runs, how it is read back.

A new design is a Latin hypercube over the factors of a parameter space (the file the
sensitivity study reads, ``experiments/parameter_space.toml``) plus its dummy factor.
Every point runs the DMI and a crackdown on the same ``replications`` seeds; the seeds
are keyed on the dummy's value (``engine.seeds.dummy_seeds``), so each point has its own
seeds and the dummy, which the model never reads, carries nothing but seed noise. The runs
go through the engine into ``<folder>/runs`` (streamed, resumable), the points into
``<folder>/design.csv``.

A design folder is read back the same way whether ``discover`` or ``sensitivity`` wrote
it: ``design.csv`` has a ``point`` column and one column per factor, the runs' manifest
names the factors (the dummy last), and the runs carry ``point``, ``replication`` and
``scenario`` labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from dmi_sim.engine import load_results, run_tasks
from dmi_sim.engine.designs import Factor, latin_hypercube
from dmi_sim.engine.experiment import paired_tasks
from dmi_sim.engine.provenance import start_manifest, write_atomic
from dmi_sim.engine.runner import RunReport
from dmi_sim.engine.seeds import dummy_seeds
from dmi_sim.engine.store import ResultStore, StoreError
from dmi_sim.engine.tasks import RunFn, RunTask
from dmi_sim.studies.discovery.advantage import SCENARIOS

DESIGN_FILE = "design.csv"
RUNS_DIR = "runs"


class DiscoveryError(ValueError):
    """Bad input to a discovery: one line naming the file or option, the value, and what
    is allowed."""


class Space(Protocol):
    """What a discovery design needs of a parameter space (the sensitivity study's
    ``ParameterSpace`` is one, read and checked by its ``load_space``)."""

    path: Path
    seed: int
    replications: int
    dummy: str
    factors: tuple[Factor, ...]
    overrides: dict[str, Any]

    @property
    def names(self) -> list[str]:
        """Factor keys in design order, the dummy last."""
        ...


def latin_points(space: Space, n_points: int) -> pd.DataFrame:
    """``n_points`` of a Latin hypercube over the space's factors and its dummy (a value in
    [0, 1]), reproducible from the space's seed; one row per point, one column per name."""
    dummy = Factor(space.dummy, low=0.0, high=1.0)
    points = latin_hypercube([*space.factors, dummy], n_points, space.seed)
    return pd.DataFrame(points, columns=space.names).rename_axis("point")


def design_tasks(space: Space, points: pd.DataFrame) -> list[RunTask]:
    """One run per (point, replication, scenario); run ids sort in design order.

    Every point's parameters are resolved first, so a combination the model refuses stops
    the command before any run.
    """
    seeds = dummy_seeds(space.seed, points[space.dummy].to_numpy(), space.replications)
    return paired_tasks(
        space.path,
        SCENARIOS,
        space.overrides,
        points.drop(columns=space.dummy).to_dict("records"),
        seeds,
        "a discovery design point",
    )


def write_points(points: pd.DataFrame, folder: Path) -> None:
    """The design's points as ``design.csv`` (the reader's format), written atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    data = points.reset_index().to_csv(index=False).encode()
    write_atomic(folder / DESIGN_FILE, lambda fh: fh.write(data))


def run_design(
    space: Space,
    n_points: int,
    folder: Path,
    *,
    argv: Sequence[str] = (),
    workers: int = 1,
    executor: Executor | None = None,
    progress: bool = True,
    run_fn: RunFn | None = None,
) -> RunReport:
    """Run (or resume) a Latin hypercube of ``n_points`` over ``space`` into ``folder``."""
    points = latin_points(space, n_points)
    tasks = design_tasks(space, points)
    write_points(points, folder)
    meta = {
        "study": "discovery",
        "space": str(space.path),
        "factors": space.names,
        "points": n_points,
        "replications": space.replications,
        "scenarios": list(SCENARIOS),
        "provenance": start_manifest("discovery", list(argv)),
    }
    return run_tasks(
        tasks,
        folder / RUNS_DIR,
        workers=workers,
        executor=executor,
        progress=progress,
        run_fn=run_fn,
        save_timeseries=False,
        meta=meta,
    )


@dataclass(frozen=True)
class Source:
    """Where the runs came from and what they cost (for the report's first lines)."""

    folder: Path
    command: str
    runs_made: int  # runs this call made (0: the design was read back)
    elapsed_s: float
    workers: int


@dataclass(frozen=True)
class DesignRuns:
    """A design read back: its points' factor values, its runs, and which factor is the
    dummy."""

    folder: Path
    x: pd.DataFrame  # one row per point (index ``point``), one column per factor
    summary: pd.DataFrame  # every stored run
    dummy: str

    @property
    def replications(self) -> int:
        return int(self.summary["replication"].nunique())


def read_design(folder: Path) -> DesignRuns:
    """A design folder (``discover`` or ``sensitivity``), checked before it is analysed."""
    folder = Path(folder)
    points_file = folder / DESIGN_FILE
    allowed = "a folder written by 'run.py discover' or 'run.py sensitivity' (design.csv and runs/)"
    if not points_file.is_file() or not (folder / RUNS_DIR).is_dir():
        raise DiscoveryError(
            f"--design {folder}: no {DESIGN_FILE} and {RUNS_DIR}/; allowed: {allowed}"
        )
    try:
        factors = ResultStore(folder / RUNS_DIR).read_manifest()["meta"]["factors"]
        summary, _ = load_results(folder / RUNS_DIR, timeseries=False)
    except (StoreError, KeyError, OSError) as err:
        raise DiscoveryError(
            f"--design {folder}: runs unreadable ({err}); allowed: {allowed}"
        ) from None
    x = pd.read_csv(points_file, index_col="point")
    missing = [f for f in factors if f not in x.columns]
    if missing:
        raise DiscoveryError(f"{points_file}: no column for factors {missing}; allowed: {allowed}")
    absent = [s for s in SCENARIOS if s not in set(summary["scenario"])]
    if absent:
        raise DiscoveryError(
            f"--design {folder}: no {' or '.join(absent)} runs; allowed: a design whose "
            f"points each run {' and '.join(SCENARIOS)} (discover, or sensitivity with the "
            "DMI's advantage outcomes)"
        )
    runs = DesignRuns(folder, x[list(factors)], summary, dummy=factors[-1])
    counts = summary[summary["scenario"].isin(SCENARIOS)].groupby("point").size()
    complete = counts[counts == runs.replications * len(SCENARIOS)].index
    unfinished = x.index.difference(complete)
    if len(unfinished):
        raise DiscoveryError(
            f"--design {folder}: {len(unfinished)} of {len(x)} points lack runs; allowed: a "
            "finished design (run the command that wrote it again to resume)"
        )
    if runs.replications < 2:
        raise DiscoveryError(
            f"--design {folder}: {runs.replications} replication per point; allowed: at "
            "least 2 (the stability check re-finds each box on other seeds)"
        )
    return runs
