"""The units a sweep shows its outcomes in: one unit per outcome, the same in ``report.md``,
the figures and the tables beside them.

A ``post_`` outcome is a mean over the policy year's days (``model.observe.summarise``). A
mean of a daily count (``incidents per day``) is shown as what a planner counts, the total
over that window: the mean times the window's days (``kit.outcomes.absolute_unit``, as
``compare`` does: ``incidents a run``). A mean of a level (sellers, a share) stays a mean
and says over which days. The tables name a rescaled outcome's columns ``<key>_a_run`` so
they are not read as the summary's per-day key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from dmi_sim.engine.experiment import Experiment
from dmi_sim.params import load_params
from dmi_sim.studies.kit import outcomes as catalogue
from dmi_sim.studies.kit.stats import WINDOW_DAYS

POST = "post_"
#: The suffix of a table column holding a daily count's total over the window.
A_RUN = "_a_run"


def policy_window(experiment: Experiment) -> tuple[int, int]:
    """(policy start, days of a run) as every run of the experiment has them."""
    params = load_params(experiment.scenario, experiment.overrides)
    return int(params["run.intervention_start"]), int(experiment.days or params["run.days"])


@dataclass(frozen=True)
class Window:
    """The days a ``post_`` mean is over: ``first`` to ``last``, both included."""

    first: int
    last: int

    @property
    def days(self) -> int:
        return self.last - self.first + 1

    @property
    def span(self) -> str:
        return f"days {self.first}-{self.last}"


def post_window(experiment: Experiment) -> Window:
    """The policy year as the run summary's ``post_`` means take it: from the policy start,
    ``WINDOW_DAYS`` days, cut at the last simulated day."""
    start, days = policy_window(experiment)
    return Window(start, min(start + WINDOW_DAYS, days) - 1)


def scale(key: str, window: Window) -> float:
    """What a summary value of ``key`` is multiplied by to be shown: the window's days for
    a ``post_`` mean of a daily count, else 1."""
    found = catalogue.lookup(key)
    if found is None or not key.startswith(POST):
        return 1.0
    return catalogue.absolute_unit(found.unit, window.days)[0]


def label(key: str, window: Window) -> str:
    """'Label (unit)' as the sweep shows ``key``: 'Violent incidents (incidents a run, days
    365-729)', 'Active sellers (sellers, mean over days 365-729)'; a ``pre_`` daily rate
    says it is a day's mean before the start."""
    found = catalogue.lookup(key)
    if found is None:
        return catalogue.label(key)
    series = catalogue.lookup(key.removeprefix(POST))
    if key.startswith(POST) and series is not None:
        factor, unit = catalogue.absolute_unit(found.unit, window.days)
        over = window.span if factor != 1 else f"mean over {window.span}"
        return f"{series.label} ({unit}, {over})"
    if key.startswith("pre_") and found.unit.endswith(" per day"):
        return f"{found.label} ({found.unit}, mean over the days before the start)"
    return catalogue.label(key)


def name(key: str) -> str:
    """What ``key`` measures, without its unit or window: 'Violent incidents'."""
    found = catalogue.lookup(key.removeprefix(POST)) or catalogue.lookup(key)
    return found.label if found else key.replace("_", " ")


def column(key: str, window: Window) -> str:
    """The name of ``key``'s column in a table the sweep writes."""
    return f"{key}{A_RUN}" if scale(key, window) != 1 else key


def in_shown_units(summary: pd.DataFrame, outcomes: Sequence[str], window: Window) -> pd.DataFrame:
    """``summary`` with each outcome in the unit the sweep shows it in (a copy)."""
    shown = summary.copy()
    for key in outcomes:
        factor = scale(key, window)
        if factor != 1:
            shown[key] = shown[key].astype(float) * factor
    return shown
