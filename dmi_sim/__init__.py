"""dmi_sim: an agent-based model of an open-air drug market, crackdowns and the DMI."""

from dmi_sim.api import Result, simulate
from dmi_sim.params import ParameterError, load_params, scenario_names

__all__ = ["ParameterError", "Result", "load_params", "scenario_names", "simulate"]
__version__ = "0.1.0"
