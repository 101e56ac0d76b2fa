"""Criminal justice and services: prosecution, sentences, release with a record, services.

Arrest -> held until disposition (ARRESTED, exponential with mean pretrial_days) -> prison
(INCARCERATED) with P(custody) by risk class, or release; prison terms are Gamma-distributed
around the class mean (shape 4). Release returns the person to the pool with a record (lower
legal earnings) and the vivid perceived risk of someone just arrested. Services: a limited
number of places; an episode that succeeds raises legal earnings.
"""

from __future__ import annotations

import numpy as np

from dmi_sim.model import kernels
from dmi_sim.model.agents.sellers import SellerState, as_rows
from dmi_sim.params import Params


class Justice:
    """Courts, prisons and the services programme."""

    def __init__(self, model, params: Params) -> None:
        self.model = model
        self.p = params.section("justice")
        self.services = params.section("services")
        self.wage_gain = (
            self.services["wage_gain"]
            * params["sellers.legal_wage_hourly"]
            * params["sellers.dealing_hours_per_day"]
        )
        n = model.sellers.n
        self.custody = np.zeros(n, dtype=bool)
        self.sentence = np.zeros(n, dtype=np.int32)
        p = self.p
        self._k_arrest = np.array(  # for kernels.arrest_sellers, in its order
            [
                p["pretrial_days"],
                p["coordinated_custody_prob"],
                p["coordinated_sentence_days"],
                p["sentence_days"],
                p["custody_prob_high"],
                p["custody_prob_low"],
                params["sellers.record_wage_penalty"],
            ],
            dtype=float,
        )
        self._start_prison(params["justice.initial_incarcerated"])

    def _start_prison(self, k: int) -> None:
        """Day 0 finds a market that has been policed for years: ``k`` former sellers are
        serving terms, at a uniformly random point of them. A census finds long terms more
        often than short ones, so the terms are drawn length-biased (Gamma(5)/4 where a new
        term is Gamma(4)/4) and the prison then empties at its settled rate. They are drawn
        from the keenest of the pool who are not dealing today (those the police would have
        caught)."""
        s, rng, day = self.model.sellers, self.model.rng, self.model.day
        free = np.flatnonzero(s.state == SellerState.POOL)
        keen = free[np.argsort((s.wage + s.aversion)[free])][: 2 * k]
        inside = rng.permutation(keen)[:k]
        s.give_record(inside)
        term = self.p["sentence_days"] * rng.gamma(5.0, size=inside.size) / 4.0
        s.imprison(inside, day + 1 + (rng.random(inside.size) * term).astype(np.int32))

    def arrest(self, which: np.ndarray | int, coordinated: bool = False) -> None:
        """Arrest sellers ``which`` (rows, in turn, or a mask); each disposition is drawn
        now and served from the timer. P(custody): coordinated prosecution (DMI high-risk)
        > executed credible banked case (certain) > ordinary by risk class. Prison term
        mean: coordinated or state. Sellers' transition and the disposition in one pass,
        ``kernels.arrest_sellers``.
        """
        model, s = self.model, self.model.sellers
        rows = as_rows(which)
        kernels.arrest_sellers(
            model.stream,
            rows,
            coordinated,
            model.day,
            s.state,
            s.timer,
            s.banked_case,
            s.credible_case,
            s.high_risk,
            s.record,
            s.wage,
            self.custody,
            self.sentence,
            s.x,
            s.y,
            model.arrests_on_cells,
            self._k_arrest,
        )
        model.tally["arrests_sellers"] += rows.size

    def process(self) -> None:
        """Dispositions, releases, end of service episodes, end of the call-in window."""
        model, s, day = self.model, self.model.sellers, self.model.day
        admissions, new, released = s.serve_due(
            day,
            self.custody,
            self.sentence,
            day == model.policy.start,
            float(self.services["success_prob"]),
            float(self.wage_gain),
        )
        model.tally["custody_admissions"] += admissions
        model.tally["custody_new_persons"] += new
        model.tally["released"] += released

    def offer_services(self, called: np.ndarray) -> int:
        """Offer the free places to called-in sellers; those who take one start an episode."""
        model, s = self.model, self.model.sellers
        free_places = self.services["slots"] - int((s.state == SellerState.IN_SERVICES).sum())
        takers = called[model.rng.random(called.size) < self.services["uptake"]]
        takers = takers[: max(free_places, 0)]
        s.start_services(takers, model.day + self.services["duration_days"])
        return int(takers.size)
