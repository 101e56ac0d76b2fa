"""dmi_sim: an agent-based model of an open-air drug market, crackdowns and the DMI.

One run: ``simulate``. Many (a sweep): ``experiment_from_dict`` or ``load_experiment``, then
``run_experiment`` on any executor, with the results as DataFrames.
"""

from dmi_sim.api import Result, simulate
from dmi_sim.engine import (
    Experiment,
    Factor,
    Sweep,
    experiment_from_dict,
    load_experiment,
    run_experiment,
)
from dmi_sim.params import ParameterError, load_params, scenario_names

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
