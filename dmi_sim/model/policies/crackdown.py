"""Crackdown cycles: every P days a surge of K officers sweeps the market area for D days."""

from __future__ import annotations

from dmi_sim.model.agents.police import DailyPlan
from dmi_sim.model.policies.base import Policy


class CrackdownPolicy(Policy):
    """Sweep-and-withdraw: sweeping on days start + n P ... start + n P + D - 1."""

    name = "crackdown"

    def __init__(self, model, params, start=None, end: int | None = None) -> None:
        super().__init__(model, params, start)
        c = params.section("crackdown")
        self.period, self.duration, self.officers = (
            c["period_days"],
            c["duration_days"],
            c["officers"],
        )
        self.arrest_share = c["arrest_share"]
        self.end = end

    def extra_officers(self) -> dict[str, int]:
        return {"surge": self.officers}

    def sweeping(self, day: int) -> bool:
        """True on sweep days."""
        if day < self.start or (self.end is not None and day >= self.end):
            return False
        return (day - self.start) % self.period < self.duration

    def plan(self, day: int) -> DailyPlan:
        if not self.sweeping(day):
            return super().plan(day)
        hours, budget = self.market_hours(self.officers, follow_dealing=True)
        return DailyPlan(
            hours, directed_budget=budget, arrest_share=self.arrest_share, events=["sweep"]
        )
