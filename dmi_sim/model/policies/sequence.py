"""Crackdown cycles first, then the DMI from ``sequence.dmi_start``."""

from __future__ import annotations

from dmi_sim.model.agents.police import DailyPlan
from dmi_sim.model.policies.base import Policy
from dmi_sim.model.policies.crackdown import CrackdownPolicy
from dmi_sim.model.policies.dmi import DMIPolicy


class CrackdownThenDMI(Policy):
    """A planner's combination: sweeps until the DMI takes over."""

    name = "crackdown_then_dmi"

    def __init__(self, model, params, start=None) -> None:
        super().__init__(model, params, start)
        switch = max(params["sequence.dmi_start"], self.start)
        self.crackdown = CrackdownPolicy(model, params, self.start, end=switch)
        self.dmi = DMIPolicy(model, params, start=switch)

    def extra_officers(self) -> dict[str, int]:
        return {**self.crackdown.extra_officers(), **self.dmi.extra_officers()}

    def plan(self, day: int) -> DailyPlan:
        if day < self.dmi.start:
            return self.crackdown.plan(day)
        return self.dmi.plan(day)

    def act(self, day: int) -> None:
        self.dmi.act(day)
        self.trust_gain = self.dmi.trust_gain
