"""The sweep engine: every multi-run command (compare, sweep, sensitivity) goes through it.

Tasks are fixed (with their seeds) before any executor sees them; ``run_tasks`` runs them
on a process pool, in-process, or on Dask, streams results to a folder and resumes there.
"""

from dmi_sim.lazy import lazy_attributes

#: Public name -> the module that defines it, imported on first use (PEP 562): the
#: command line reaches ``engine.executors`` and ``engine.provenance`` without loading the
#: designs (scipy), the store (pandas) or the model.
_LAZY = {
    "Factor": "dmi_sim.engine.designs",
    "Experiment": "dmi_sim.engine.experiment",
    "ExperimentError": "dmi_sim.engine.experiment",
    "experiment_from_dict": "dmi_sim.engine.experiment",
    "load_experiment": "dmi_sim.engine.experiment",
    "load_failures": "dmi_sim.engine.results",
    "load_maps": "dmi_sim.engine.results",
    "load_results": "dmi_sim.engine.results",
    "to_ema": "dmi_sim.engine.results",
    "Interrupted": "dmi_sim.engine.runner",
    "Posterior": "dmi_sim.engine.posterior",
    "PosteriorError": "dmi_sim.engine.posterior",
    "draw_particles": "dmi_sim.engine.posterior",
    "load_posterior": "dmi_sim.engine.posterior",
    "RunReport": "dmi_sim.engine.runner",
    "run_tasks": "dmi_sim.engine.runner",
    "StoreError": "dmi_sim.engine.store",
    "Sweep": "dmi_sim.engine.sweep",
    "run_experiment": "dmi_sim.engine.sweep",
    "RunTask": "dmi_sim.engine.tasks",
}

__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "Experiment",
    "ExperimentError",
    "Factor",
    "Interrupted",
    "Posterior",
    "PosteriorError",
    "RunReport",
    "RunTask",
    "StoreError",
    "Sweep",
    "draw_particles",
    "experiment_from_dict",
    "load_experiment",
    "load_failures",
    "load_maps",
    "load_posterior",
    "load_results",
    "run_experiment",
    "run_tasks",
    "to_ema",
]
