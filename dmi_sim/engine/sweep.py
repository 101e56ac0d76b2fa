"""Experiments from Python: define one from a dict or ``Factor`` objects, run it on any
executor, get DataFrames back.

    from dmi_sim import experiment_from_dict, run_experiment
    officers = experiment_from_dict({
        "scenario": "crackdown", "replications": 4, "days": 730,
        "outcomes": ["cost_total", "post_active_sellers"],
        "factors": {"police.officers": {"levels": [2, 4, 8]}},
    }, name="officers")
    sweep = run_experiment(officers, "results/sweeps/officers", workers=2)
    sweep.summary        # one row per run: run_id, seed, labels, every summary key
    sweep.timeseries     # long format, or None when the experiment saves no series

The store in the folder is the record, exactly as ``run.py sweep`` writes it: the
definition, the command or API call, the commit and the package versions in its manifest;
calling again with the same folder resumes. Any ``concurrent.futures.Executor`` runs it,
e.g. a Dask client's ``get_executor(pure=False)``.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from dmi_sim.engine.experiment import Experiment
from dmi_sim.engine.provenance import start_manifest
from dmi_sim.engine.results import load_results
from dmi_sim.engine.runner import RunReport, run_tasks


@dataclass
class Sweep:
    """A finished (or partly finished) run of an experiment, read back from its store."""

    experiment: Experiment
    out: Path
    report: RunReport

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per stored run: run_id, seed, every label, every summary key."""
        return load_results(self.out, timeseries=False)[0]

    @cached_property
    def timeseries(self) -> pd.DataFrame | None:
        """Every stored run's daily series, long format; None when none were saved."""
        return load_results(self.out)[1]


def run_experiment(
    experiment: Experiment,
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    argv: list[str] | None = None,
) -> Sweep:
    """Run every run of ``experiment`` not yet stored in ``out``; return the sweep.

    Args:
        experiment: from ``load_experiment`` (a file) or ``experiment_from_dict``.
        out: the sweep folder (created; resumed if it holds this same experiment).
        workers: processes when no executor is given (default all cores; 1 in-process);
            with an executor, the runs it can run at once.
        executor: any ``concurrent.futures.Executor``, left running for the caller.
        progress: a progress bar on stderr.
        argv: the command line's arguments when called by ``run.py sweep``; None from Python.
    """
    provenance = start_manifest("sweep", argv, api="dmi_sim.run_experiment")
    report = run_tasks(
        experiment.tasks(),
        out,
        workers=workers,
        executor=executor,
        progress=progress,
        save_timeseries=experiment.save_timeseries,
        meta={**experiment.meta(), "provenance": provenance},
    )
    return Sweep(experiment, Path(out), report)
