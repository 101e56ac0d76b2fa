"""Police: officers with a daily time budget spent on response, patrol, arrest work and the
policy's directed work (sweeps, hot-spot patrol, the DMI team's buys and call-in).

Presence and arrests are apart (docs/ODD.md, "Enforcement"):

- **Presence** is every visible officer-hour on a cell. It deters buyers, moves sellers'
  spots, damps disorder and, through ``Sellers.salience``, makes a surge look riskier than
  it is.
- **Arrests** come only from *arrest work*: a share of patrol (``police.beat_arrest_share``)
  and of each directed unit's hours (``DailyPlan.arrest_share``). Officers on arrest work
  find the people within one cell at a rate ``a`` per hour and spend ``h`` hours processing
  each arrest (Holling's disc equation): per person and day, officers at cell c arrest at the
  rate ``R_c = a W_c / (1 + a h L_c)``, where ``W_c`` is their arrest-work hours and ``L_c``
  the visible sellers and (weighted) buyers within their reach. A seller's hazard is the
  sum of ``R`` over the cells within one of him. When many share the officers' attention
  the processing time binds and each runs less risk (enforcement swamping, Kleiman 1993);
  as the market shrinks the same hours fall on fewer sellers.
- **Attention** to places has memory: beat patrol goes where reports, arrests and disorder
  have been over the last ``police.attention_days``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from mesa import Agent

from dmi_sim.model import kernels
from dmi_sim.model.space import box_sum
from dmi_sim.params import Params


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

    directed_hours: np.ndarray  # officer-hours per cell of surge / hot-spot work (visible)
    directed_budget: float = 0.0  # officer-hours of the units doing that work
    arrest_share: float = 0.0  # share of the directed hours spent on arrest work
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
        self.buyer_catchability = params["buyers.catchability"]
        shape = (model.space.width, model.space.height)
        self.field = np.zeros(shape)  # visible officer-hours per cell today (presence)
        self.arrest_work = np.zeros(shape)  # officer-hours of arrest work per cell today
        self.risk = np.zeros(shape)  # arrest hazard of one fully visible person per cell
        self.attention = self.p["initial_attention"] * model.space.market  # a known market
        self.plan = DailyPlan(np.zeros(shape))
        self.reports_yesterday = np.zeros(shape)
        self.response_hours = 0.0
        self.processing_hours = 0.0  # officer-hours spent processing today's arrests
        self.off_street = 0.0  # officer-hours off the street today, booking yesterday's arrests
        self.team_hours = 0.0  # DMI team hours used today (buys, call-in, follow-up)
        self.arrest_capacity = 0
        self._k_deploy = np.array(  # for kernels.police_deploy; [6] is today's plan's
            [
                self.beat_budget,
                self.p["response_hours"],
                1.0 - 1.0 / self.p["attention_days"],
                params["residents.sight_radius"],
                self.p["hotspot_share"],
                self.p["beat_arrest_share"],
                0.0,
                self.p["arrest_hours"],
            ],
            dtype=float,
        )

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

        Response puts response_hours per report on the cells the reporter can see. Patrol
        splits the remaining beat hours between the places police attention remembers
        (``hotspot_share``) and random cells. Attention A <- (1 - 1/M) A + reports +
        arrests + disorder, M = attention_days. Officers processing yesterday's arrests are
        off the street: presence shrinks by those hours.
        """
        space = self.model.space
        self.plan, self.team_hours = plan, 0.0
        self._k_deploy[6] = plan.arrest_share
        (
            self.response_hours,
            self.off_street,
            self.arrest_work,
            space.police_seen,
            self.arrest_capacity,
        ) = kernels.police_deploy(
            self.model.stream,
            self.reports_yesterday,
            space.field("disorder"),
            self.attention,
            plan.directed_hours,
            float(self.processing_hours),
            self.field,
            space.field("police"),
            self._k_deploy,
        )

    def deploy_stepwise(self, plan: DailyPlan) -> None:
        """``deploy`` as its steps in numpy and two kernels (the reference the one-pass
        kernel is checked against, tests/test_model_kernels.py)."""
        space = self.model.space
        self.plan, self.team_hours = plan, 0.0
        sight = self.model.params["residents.sight_radius"]
        reports = self.reports_yesterday
        n_reports = reports.sum()
        self.response_hours = min(self.beat_budget, n_reports * self.p["response_hours"])
        response = kernels.police_response(
            reports,
            space.field("disorder"),
            self.attention,
            1.0 - 1.0 / self.p["attention_days"],
            float(self.response_hours) if n_reports > 0 else 0.0,
            sight,
        )
        share = self.p["hotspot_share"]
        k = np.array(
            [
                self.beat_budget - self.response_hours,
                share,
                (1 - share) / self.field.size,
                self.p["beat_arrest_share"],
                plan.arrest_share,
            ],
            dtype=float,
        )
        self.arrest_work, on_street = kernels.police_patrol(
            self.attention, self.attention.sum(), response, plan.directed_hours, k
        )
        total = on_street.sum()
        self.off_street = min(self.processing_hours, total)
        if total > 0:
            np.multiply(on_street, 1.0 - self.off_street / total, out=self.field)
        else:
            self.field[:] = 0.0
        space.field("police")[:] = self.field
        space.police_seen = box_sum(self.field, 1)
        # Arrests a day the arrest-work hours can process, rounded at random (unbiased).
        capacity = self.arrest_work.sum() / self.p["arrest_hours"]
        self.arrest_capacity = int(capacity + self.model.rng.random())

    def police_at_market(self) -> float:
        """Officer-hours per cell over the market area today (what buyers see)."""
        return self.model.space.market_mean(self.field)

    def directed_at_market(self) -> float:
        """Directed (surge, hot-spot) officer-hours per cell over the market area today."""
        if not self.plan.directed_budget:  # no directed unit today: no directed hours
            return 0.0
        return self.model.space.market_mean(self.plan.directed_hours)

    def enforce(self, visibility: float) -> None:
        """Arrest work: today's arrests of sellers, then of buyers.

        R_c = a W_c / (1 + a h L_c), L_c = sellers (x visibility) + b x buyers within one
        cell of c; hazard of a seller 1 - exp(-v box_1(R)), of a buyer
        1 - exp(-b box_1(R Wd / W)): only directed operations (sweeps, hot-spot patrol) go
        for buyers, with Wd their share of the arrest work on the cell.
        Arrests never exceed the day's capacity: the arrest-work hours divided by the hours
        one arrest takes, rounded up or down at random (its mean is exact).
        """
        model = self.model
        sellers, buyers = model.sellers, model.buyers
        a, h, b = self.p["arrest_productivity"], self.p["arrest_hours"], self.buyer_catchability
        self.risk, caught, buyer_arg = kernels.sellers_caught(
            model.stream,
            sellers.x,
            sellers.y,
            sellers.state,
            buyers.x,
            buyers.y,
            buyers.visited,
            float(visibility),
            float(b),
            self.arrest_work,
            self.plan.directed_hours,
            float(self.plan.arrest_share),
            float(a),
            float(a * h),
        )
        caught = caught[: self.arrest_capacity]
        self.arrest_capacity -= caught.size
        if caught.size:
            model.justice.arrest(caught)
        # only operations aimed at the market go for buyers
        b_caught = kernels.caught_in_random_order(
            model.stream, buyers.visited.nonzero()[0], buyer_arg
        )
        b_caught = b_caught[: max(self.arrest_capacity, 0)]
        self.arrest_capacity -= b_caught.size
        if b_caught.size:
            buyers.deter(b_caught)
            model.tally["arrests_buyers"] += int(b_caught.size)
            model.record_arrests(buyers.x[b_caught], buyers.y[b_caught])
        self.processing_hours = h * (caught.size + b_caught.size)
        self.attention += model.arrests_on_cells  # today's arrests, the DMI's included

    def risk_at_market(self, visibility: float) -> float:
        """The daily arrest hazard a seller runs where buyers expect sellers today (cells
        weighted by the market's reputation): the real risk that sellers learn."""
        return kernels.weighted_hazard(self.risk, self.model.space.field("reputation"), visibility)
