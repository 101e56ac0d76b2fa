"""The Drug Market Intervention: investigation, take-down, call-in, community, maintenance.

Day ``start``: the DMI team starts undercover controlled buys in the market area and its
ring; a seller with ``buys_for_case`` buys has a case. Day ``start + investigation_days``
(the call-in): identified high-risk sellers are arrested for coordinated prosecution;
identified low-risk sellers are called in, their case banked (credible with
P = credible_case_share) and offered services. With the community component, aware
households are mobilised (pulled outdoors, efficacy and trust raised) and report more.
During maintenance the team follows up each open banked case: a called-in seller found
dealing again has the banked case executed with P = follow_through. An investigation that
made no case is called off on the call-in day: with nobody to call in or take down there
is no call-in, no message and no mobilisation (the DMI's threat is the banked case).
"""

from __future__ import annotations

import numpy as np

from dmi_sim.model import kernels
from dmi_sim.model.agents.police import DailyPlan
from dmi_sim.model.agents.sellers import SellerState, state_mask
from dmi_sim.model.policies.base import Policy

AT_LARGE = state_mask(SellerState.ACTIVE, SellerState.POOL, SellerState.DETERRED)

#: Share of ``dmi.community_awareness`` that the call-in's message reaches without the
#: community component: the call-in and the called-in sellers' families alone carry it,
#: without the aware households repeating it on the street. A modelling choice, not from a
#: source; it sets how much vicarious deterrence the ``dmi_no_community`` ablation
#: keeps (docs/ODD.md, sections 7.8 and 7.19).
MESSAGE_REACH_WITHOUT_COMMUNITY = 0.25


class DMIPolicy(Policy):
    """The DMI's phases with their durations, capacities and fidelity knobs."""

    name = "dmi"

    def __init__(self, model, params, start=None) -> None:
        super().__init__(model, params, start)
        self.d = params.section("dmi")
        self.call_in_day = self.start + self.d["investigation_days"]
        self.community = self.d["community"]
        self.called_off = False  # no case by the call-in day: the DMI ends there

    def extra_officers(self) -> dict[str, int]:
        return {"dmi": self.d["officers"]}

    def phase(self, day: int) -> str:
        """investigation / call_in / maintenance / after / before."""
        if day < self.start:
            return "before"
        if day < self.call_in_day:
            return "investigation"
        if self.called_off:
            return "after"
        if day == self.call_in_day:
            return "call_in"
        if day < self.call_in_day + self.d["maintenance_days"]:
            return "maintenance"
        return "after"

    def plan(self, day: int) -> DailyPlan:
        phase = self.phase(day)
        if phase in ("before", "after"):
            return super().plan(day)
        plan = super().plan(day)
        if phase == "call_in" and not self._identified().any():
            self.called_off = True
            plan.events.append("called_off")
            return plan
        plan.team_budget = self.d["officers"] * self.hours
        if phase == "call_in":
            # The call-in and take-down draw on other units too: budget what they need.
            identified = int((self.model.sellers.buys >= self.d["buys_for_case"]).sum())
            plan.team_budget += (
                self.d["call_in_hours"] + identified * self.model.police.p["arrest_hours"]
            )
        plan.events.append(phase)
        return plan

    def _identified(self) -> np.ndarray:
        """Sellers at large with a case (``buys_for_case`` undercover buys): those the
        call-in takes down or calls in."""
        s = self.model.sellers
        return (s.buys >= self.d["buys_for_case"]) & AT_LARGE[s.state]

    def act(self, day: int) -> None:
        phase = self.phase(day)
        if phase == "investigation":
            self._controlled_buys()
        elif phase == "call_in":
            self._take_down_and_call_in()
        if phase in ("call_in", "maintenance"):
            self._follow_up(day)
        if day == self.call_in_day + self.d["banked_case_days"]:
            self._expire_banked_cases()
        if phase == "after" and day == self.call_in_day + self.d["maintenance_days"]:
            self.model.sellers.hear_message(0.0)  # maintenance over: nobody repeats it
        self._mobilise(day)

    def _expire_banked_cases(self) -> None:
        """A banked case lapses ``banked_case_days`` after the call-in (every case is
        banked on the call-in day, so they lapse together)."""
        s = self.model.sellers
        s.drop_banked_cases(s.banked_case.copy())

    def _controlled_buys(self) -> None:
        """Poisson(buys_per_day) buys, each from a random active seller in the market zone,
        as far as the team's hours go."""
        model, s, rng = self.model, self.model.sellers, self.model.rng
        in_market, in_ring = model.space.zone_of(s.x, s.y)
        targets = np.flatnonzero(s.active & (in_market | in_ring))
        for _ in range(rng.poisson(self.d["buys_per_day"])):
            if targets.size == 0 or not model.police.team_can_spend(self.d["buy_hours"]):
                return
            s.record_buy(rng.choice(targets))

    def _take_down_and_call_in(self) -> None:
        model, s, rng = self.model, self.model.sellers, self.model.rng
        police = model.police
        police.team_can_spend(self.d["call_in_hours"])
        identified = self._identified()
        for j in np.flatnonzero(identified & s.high_risk):
            police.team_can_spend(police.p["arrest_hours"])
            model.justice.arrest(int(j), coordinated=True)
        called = np.flatnonzero(identified & ~s.high_risk)[: self.d["call_in_capacity"]]
        credible = rng.random(called.size) < self.d["credible_case_share"]
        s.call_in(
            called, credible, self.d["call_in_risk"], model.day + self.d["followup_window_days"]
        )
        model.tally["called_in"] += int(called.size)
        model.justice.offer_services(called)
        self._spread_message()
        if self.community:
            res = model.residents
            res.mobilise(
                rng.random(res.n) < self.d["community_awareness"],
                self.d["report_boost"] * self.d["community_participation"],
            )

    def _spread_message(self) -> None:
        """The call-in's message, that the corner is closed and dealing there will be met at
        once, sets a floor under everyone's perceived risk while the DMI maintains it:
        message_risk x reach, the reach being community_awareness with the community
        component and MESSAGE_REACH_WITHOUT_COMMUNITY of it without."""
        reach = self.d["community_awareness"] * (
            1.0 if self.community else MESSAGE_REACH_WITHOUT_COMMUNITY
        )
        self.model.sellers.hear_message(self.d["message_risk"] * reach)

    def _follow_up(self, day: int) -> None:
        """Maintenance: find sellers through the team's checks on banked cases and through
        residents' drug reports, and act on them.

        P(found) = 1 - (1 - relapse_detection 1[open banked case]) exp(-report_response x
        drug reports within sight of the seller yesterday). A found relapser's banked case is
        executed with P = follow_through; any other seller found is arrested.
        """
        model, s, police = self.model, self.model.sellers, self.model.police
        police.team_can_spend(
            min(
                self.d["followup_hours"] * np.count_nonzero(s.banked_case),
                police.plan.team_budget - police.team_hours,
            )
        )
        acted = kernels.dmi_found(
            model.stream,
            s.state,
            s.x,
            s.y,
            s.banked_case,
            model.residents.reports_on_cells,
            self.params["residents.sight_radius"],
            float(self.d["report_response"]),
            float(self.d["relapse_detection"]),
            float(self.d["follow_through"]),
        )
        for j in acted:
            if police.team_can_spend(police.p["arrest_hours"]):
                model.justice.arrest(int(j))

    def _mobilise(self, day: int) -> None:
        """During mobilisation aware households are pulled outdoors; trust rises while the
        DMI engages them (mobilisation and maintenance)."""
        if not self.community or day < self.call_in_day or self.called_off:
            return
        res, participation = self.model.residents, self.d["community_participation"]
        mobilising = day < self.call_in_day + self.d["mobilisation_days"]
        engaged = day < self.call_in_day + self.d["maintenance_days"]
        self.trust_gain = self.d["trust_gain"] * participation if engaged else 0.0
        res.take_part(self.d["mobilisation_boost"] * participation if mobilising else 0.0, engaged)
