"""The trainer's fork: from the day on screen, "sweep now" against "DMI now".

Each branch is a deep copy of the paused run (its people, places, police, courts and the
state of its random number generators), so both start from exactly the same neighbourhood
on the same day, and the same random draws are waiting for both. From that day each runs
its own policy in place of whatever the run had: a crackdown whose first sweep is today,
or a DMI whose investigation starts today, with the trainer's controls (officers, sweep
length, DMI fidelity...). The run itself goes on beside them as it was going, grey in the
plots. Nothing in the model changes: a branch is the model's own policy object,
started on the fork day, the way the model makes one at day 0.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pandas as pd

from dmi_sim.model.agents.police import Officer
from dmi_sim.model.policies import make_policy
from dmi_sim.studies.kit.plots import OKABE_ITO
from dmi_sim.viz.trainer_model import TrainerModel

#: The branches: strategy -> (title, colour in the plots).
BRANCHES = {
    "crackdown": ("Sweep now", OKABE_ITO["vermillion"]),
    "dmi": ("DMI now", OKABE_ITO["blue"]),
}
AS_IT_WAS = "as it was going"
AS_IT_WAS_COLOUR = "#777777"


def branch(model: TrainerModel, strategy: str) -> TrainerModel:
    """A copy of ``model`` on its day, with ``strategy`` starting that day.

    The copy has no baseline ghost of its own (the fork compares branches). The policy's
    own units (a crackdown's surge officers, the DMI team) join the police force as they
    would at the start of a run; officers already on the force stay.
    """
    ghost, model.ghost = model.ghost, None
    try:
        twin = copy.deepcopy(model)
    finally:
        model.ghost = ghost
    twin.settings = replace(
        model.settings, strategy=strategy, policy_start=model.day, show_baseline=False
    )
    twin.params = twin.settings.params()
    twin.policy = make_policy(twin, twin.params)
    units = [officer.unit for officer in twin.police.officers]
    for unit, n in twin.policy.extra_officers().items():
        twin.police.officers += [
            Officer(twin, unit, twin.police.hours) for _ in range(n - units.count(unit))
        ]
    return twin


class Fork:
    """The run and its two branches from ``run.day``, stepped together."""

    def __init__(self, run: TrainerModel) -> None:
        self.day = run.day
        self.run = run
        self.branches = {strategy: branch(run, strategy) for strategy in BRANCHES}

    @property
    def running(self) -> bool:
        return any(model.running for model in self.models())

    def models(self) -> list[TrainerModel]:
        return [self.run, *self.branches.values()]

    def step(self) -> None:
        """One day of the run and of each branch."""
        for model in self.models():
            if model.running:
                model.step()

    def frames(self) -> dict[str, pd.DataFrame]:
        """Daily series by plot label: the run as it was going (its history included)
        first, then the branches from the fork on (before it they are the run)."""
        frames = {AS_IT_WAS: self.run.observer.frame()}
        for strategy, model in self.branches.items():
            frame = model.observer.frame()
            frames[BRANCHES[strategy][0]] = frame[frame["day"] >= self.day - 1]
        return frames

    def colours(self) -> dict[str, str]:
        """Plot colour by label, in the order of ``frames``."""
        return {AS_IT_WAS: AS_IT_WAS_COLOUR} | {
            title: colour for title, colour in BRANCHES.values()
        }
