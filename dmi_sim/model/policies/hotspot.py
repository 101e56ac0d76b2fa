"""Hot-spot policing: sustained directed patrol of the market area from the start day.
Its officers are there to be seen: a small share of their hours goes to arrest work."""

from __future__ import annotations

from dmi_sim.model.agents.police import DailyPlan
from dmi_sim.model.policies.base import Policy


class HotspotPolicy(Policy):
    """``hotspot.officers`` full shifts in the market area every day from the start."""

    name = "hotspot"

    def extra_officers(self) -> dict[str, int]:
        return {"hotspot": self.params["hotspot.officers"]}

    def plan(self, day: int) -> DailyPlan:
        if day < self.start:
            return super().plan(day)
        hours, budget = self.market_hours(self.params["hotspot.officers"])
        return DailyPlan(
            hours,
            directed_budget=budget,
            arrest_share=self.params["hotspot.arrest_share"],
            events=["hotspot"],
        )
