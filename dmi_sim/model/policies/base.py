"""What every policy shares: reactive policing by the beat officers, and nothing else."""

from __future__ import annotations

import numpy as np

from dmi_sim.model.agents.police import DailyPlan
from dmi_sim.model.space import box_sum
from dmi_sim.params import Params


class Policy:
    """Baseline: reactive policing only. Subclasses add directed work from ``start``.

    ``plan(day)`` says where directed officer-hours go today; ``act(day)`` carries out
    the policy's own steps (undercover buys, call-in, follow-up) after sellers have chosen.
    """

    name = "baseline"

    def __init__(self, model, params: Params, start: int | None = None) -> None:
        self.model = model
        self.params = params
        self.start = params["run.intervention_start"] if start is None else start
        self.hours = params["police.hours_per_officer"]
        self.trust_gain = 0.0
        self._no_directed_work = np.zeros((model.space.width, model.space.height))  # never written

    def extra_officers(self) -> dict[str, int]:
        """Officers of the policy's own units, created with the police force."""
        return {}

    def plan(self, day: int) -> DailyPlan:
        """No directed work."""
        return DailyPlan(self._no_directed_work)

    def act(self, day: int) -> None:
        """Nothing beyond ordinary policing."""

    def market_hours(self, officers: int, follow_dealing: bool = False) -> tuple[np.ndarray, float]:
        """``officers`` full shifts spread evenly over the market area and the cells next to it
        (where its sellers stand when they step aside); with ``follow_dealing``, also over
        every cell where trade happened yesterday and its neighbours (a sweep chases the
        sellers instead of guarding the corner)."""
        space = self.model.space
        target = space.market | (space.field("dealing") > 0) if follow_dealing else space.market
        area = box_sum(target, 1) > 0
        hours = np.zeros((space.width, space.height))
        budget = officers * self.hours
        hours[area] = budget / area.sum()
        return hours, budget
