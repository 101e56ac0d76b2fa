"""dmi_sim: an agent-based model of an open-air drug market, crackdowns and the DMI.

One run: ``simulate``. Many (a sweep): ``experiment_from_dict`` or ``load_experiment``, then
``run_experiment`` on any executor, with the results as DataFrames.
"""

from dmi_sim.lazy import lazy_attributes

#: Public name -> the module that defines it, imported on first use (PEP 562), so that
#: ``import dmi_sim`` (the command line's ``--help``, a pool's fork server) loads no
#: model, engine or plotting library until it is asked for one.
_LAZY = {
    "Result": "dmi_sim.api",
    "simulate": "dmi_sim.api",
    "Experiment": "dmi_sim.engine",
    "Factor": "dmi_sim.engine",
    "Sweep": "dmi_sim.engine",
    "experiment_from_dict": "dmi_sim.engine",
    "load_experiment": "dmi_sim.engine",
    "run_experiment": "dmi_sim.engine",
    "ParameterError": "dmi_sim.params",
    "load_params": "dmi_sim.params",
    "scenario_names": "dmi_sim.params",
}

__getattr__ = lazy_attributes(__name__, _LAZY)


__version__ = "0.1.0"

__all__ = [
    "Experiment",
    "Factor",
    "ParameterError",
    "Result",
    "Sweep",
    "experiment_from_dict",
    "load_experiment",
    "load_params",
    "run_experiment",
    "scenario_names",
    "simulate",
]
