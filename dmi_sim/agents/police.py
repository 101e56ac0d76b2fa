"""Police: officers with a daily time budget spent on response, patrol, arrests and the
policy's directed work (sweeps, hot-spot patrol, the DMI team's buys and call-in).

Deployment produces a field of officer-hours per cell; a seller's daily arrest hazard is
``1 - exp(-detect_rate x officer-hours within one cell)``. Every arrest costs officer time,
so arrests a day are capped by the hours left: enforcement capacity is finite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from mesa import Agent

from dmi_sim.params import Params
from dmi_sim.space import box_sum


class Officer(Agent):
    """An officer of a unit: ``beat`` (the neighbourhood's own), ``surge`` (crackdowns),
    ``hotspot`` (directed patrol) or ``dmi`` (the DMI team)."""

    def __init__(self, model, unit: str, hours: float) -> None:
        super().__init__(model)
        self.unit = unit
        self.hours = hours


@dataclass
class DailyPlan:
    """What the policy asks of the police today."""

    directed_hours: np.ndarray  # officer-hours per cell of surge / hot-spot work
    directed_budget: float = 0.0  # officer-hours of the units doing that work
    team_budget: float = 0.0  # officer-hours the DMI team has today
    events: list[str] = field(default_factory=list)


class PoliceForce:
    """All officers; ``deploy`` and ``enforce`` are the daily submodels."""

    def __init__(self, model, params: Params, units: dict[str, int]) -> None:
        self.model = model
        self.p = params.section("police")
        self.hours = self.p["hours_per_officer"]
        self.officers = [
            Officer(model, unit, self.hours)
            for unit, n in {"beat": self.p["officers"], **units}.items()
            for _ in range(n)
        ]
        self.beat_budget = self.p["officers"] * self.hours
        shape = (model.space.width, model.space.height)
        self.field = np.zeros(shape)
        self.directed_seen = np.zeros(shape)
        self.hot = np.zeros(shape)
        self.plan = DailyPlan(np.zeros(shape))
        self.reports_yesterday = np.zeros(shape)
        self.response_hours = 0.0
        self.team_hours = 0.0  # DMI team hours used today (buys, call-in, follow-up)
        self.arrest_capacity = 0

    def budget(self) -> float:
        """Officer-hours available today."""
        return self.beat_budget + self.plan.directed_budget + self.plan.team_budget

    def hours_used(self) -> float:
        """Beat and directed units are on duty all day; the DMI team counts what it did."""
        return self.beat_budget + self.plan.directed_budget + self.team_hours

    def team_can_spend(self, hours: float) -> bool:
        """Charge DMI team time if the team still has it today."""
        if self.team_hours + hours > self.plan.team_budget + 1e-9:
            return False
        self.team_hours += hours
        return True

    def deploy(self, plan: DailyPlan) -> None:
        """Respond to yesterday's reports, patrol with the rest, add the policy's directed work.

        Response puts response_hours per report on the cells the reporter can see; patrol
        splits the remaining beat hours between hot spots (recent reports and disorder) and
        random cells.
        """
        space = self.model.space
        self.plan, self.team_hours = plan, 0.0
        sight = self.model.params["residents.sight_radius"]
        reports = self.reports_yesterday
        n_reports = reports.sum()
        self.response_hours = min(self.beat_budget, n_reports * self.p["response_hours"])
        response = np.zeros_like(self.field)
        if n_reports > 0:
            spread = box_sum(reports, sight)
            response = self.response_hours * spread / spread.sum()
        patrol = self.beat_budget - self.response_hours
        self.hot = 0.9 * self.hot + reports + space.field("disorder")
        hot = self.hot / self.hot.sum() if self.hot.sum() > 0 else 1.0 / self.hot.size
        share = self.p["hotspot_share"]
        self.field[:] = response + patrol * (share * hot + (1 - share) / self.field.size)
        self.field += plan.directed_hours
        space.field("police")[:] = self.field
        space.police_seen = box_sum(self.field, 1)
        self.directed_seen = box_sum(plan.directed_hours, 1)
        spare = self.beat_budget + plan.directed_budget - self.response_hours
        self.arrest_capacity = int(spare // self.p["arrest_hours"])

    def police_at_market(self) -> float:
        """Officer-hours per cell over the market area today (what buyers see)."""
        return float(self.field[self.model.space.market].mean())

    def enforce(self, buyer_rate: float) -> None:
        """Arrests of sellers, then of buyers, until the day's arrest capacity is used.

        Seller hazard 1 - exp(-detect_rate x officer-hours within one cell - directed_detect_rate
        x directed officer-hours within one cell); buyers are only
        arrested by directed operations: 1 - exp(-buyer_rate x directed officer-hours).
        """
        model, rng = self.model, self.model.rng
        sellers, buyers = model.sellers, model.buyers
        seen = model.space.police_seen
        idx = np.flatnonzero(sellers.active)
        xs, ys = sellers.x[idx], sellers.y[idx]
        hazard = 1.0 - np.exp(-self.p["detect_rate"] * seen[xs, ys]
                              - self.p["directed_detect_rate"] * self.directed_seen[xs, ys])
        caught = rng.permutation(idx[rng.random(idx.size) < hazard])[: self.arrest_capacity]
        self.arrest_capacity -= caught.size
        for j in caught:
            model.justice.arrest(int(j))
        visiting = np.flatnonzero(buyers.visited)
        b_hazard = 1.0 - np.exp(-buyer_rate * self.directed_seen[buyers.x[visiting],
                                                                 buyers.y[visiting]])
        b_caught = rng.permutation(visiting[rng.random(visiting.size) < b_hazard])
        b_caught = b_caught[: max(self.arrest_capacity, 0)]
        self.arrest_capacity -= b_caught.size
        buyers.deter(b_caught)
        model.tally["arrests_buyers"] += int(b_caught.size)
        model.record_arrests(buyers.x[b_caught], buyers.y[b_caught])
