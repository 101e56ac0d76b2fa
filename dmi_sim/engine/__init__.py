"""The sweep engine: every multi-run command (compare, sweep, sensitivity) goes through it.

Tasks are fixed (with their seeds) before any executor sees them; ``run_tasks`` runs them
on a process pool, in-process, or on Dask, streams results to a folder and resumes there.
"""

from dmi_sim.engine.designs import Factor
from dmi_sim.engine.experiment import (
    Experiment,
    ExperimentError,
    experiment_from_dict,
    load_experiment,
)
from dmi_sim.engine.results import load_failures, load_maps, load_results, to_ema
from dmi_sim.engine.runner import Interrupted, RunReport, run_tasks
from dmi_sim.engine.store import StoreError
from dmi_sim.engine.sweep import Sweep, run_experiment
from dmi_sim.engine.tasks import RunTask

__all__ = [
    "Experiment",
    "ExperimentError",
    "Factor",
    "Interrupted",
    "RunReport",
    "RunTask",
    "StoreError",
    "Sweep",
    "experiment_from_dict",
    "load_experiment",
    "load_failures",
    "load_maps",
    "load_results",
    "run_experiment",
    "run_tasks",
    "to_ema",
]
