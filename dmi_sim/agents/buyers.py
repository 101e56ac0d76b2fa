"""Buyers: regular customers, local and non-local, who come where they expect sellers.

A buyer's daily visit probability is its propensity q times a police deterrent; it goes to a
cell drawn from the market's reputation map and searches the cells around it. Finding a
seller keeps q near its usual level, failing lowers it, and lapsed buyers drift back only
when the market is reliable: demand is not fixed, which is how a closure can stick.
"""

from __future__ import annotations

import numpy as np

from dmi_sim.agents.handles import PopulationAgent, column
from dmi_sim.params import Params
from dmi_sim.space import box_sum


class Buyer(PopulationAgent):
    """A regular buyer: one row of ``model.buyers``."""

    population_name = "buyers"
    nonlocal_buyer = column("nonlocal_buyer", "comes from outside the neighbourhood")
    propensity = column("propensity", "daily chance of coming to buy")
    visited = column("visited", "came to the market today")
    found = column("found", "found a seller today")


class Buyers:
    """The buyers as columns; ``visit``, ``search`` and ``adapt`` are their daily submodels
    (called by ``Market.trade``)."""

    def __init__(self, model, params: Params) -> None:
        self.model = model
        self.p = params.section("buyers")
        rng = model.rng
        n = self.p["count"]
        self.n = n
        self.nonlocal_buyer = rng.random(n) < self.p["nonlocal_share"]
        self.usual = np.full(n, self.p["visit_propensity"])
        self.propensity = self.usual.copy()
        self.police_aversion = np.where(
            self.nonlocal_buyer, self.p["police_aversion_nonlocal"], self.p["police_aversion_local"]
        )
        self.guardian_aversion = np.where(
            self.nonlocal_buyer, self.p["guardian_aversion_nonlocal"],
            self.p["guardian_aversion_local"]
        )
        self.visited = np.zeros(n, dtype=bool)
        self.found = np.zeros(n, dtype=bool)
        self.x = np.zeros(n, dtype=np.int64)
        self.y = np.zeros(n, dtype=np.int64)
        self.reliability = 1.0
        self.agents = [Buyer(model, i) for i in range(n)]

    def visit(self, police_at_market: float, guardianship_at_market: float) -> np.ndarray:
        """Who comes today: P(visit) = q exp(-a_p x officer-hours per market cell
        - a_g x share of residents outdoors around the market)."""
        rng, space = self.model.rng, self.model.space
        p_visit = self.propensity * np.exp(-self.police_aversion * police_at_market
                                           - self.guardian_aversion * guardianship_at_market)
        self.visited = rng.random(self.n) < p_visit
        n = int(self.visited.sum())
        self.x[self.visited], self.y[self.visited] = space.draw_market_cells(rng, n)
        return self.visited

    def search(self, sellers_near: np.ndarray) -> np.ndarray:
        """Visitors find a seller with P = 1 - exp(-find_rate x sellers within the radius)."""
        v = self.visited
        p_find = 1.0 - np.exp(-self.p["find_rate"] * sellers_near[self.x[v], self.y[v]])
        self.found = np.zeros(self.n, dtype=bool)
        self.found[v] = self.model.rng.random(int(v.sum())) < p_find
        return self.found

    def adapt(self) -> None:
        """Propensity: success pulls q to its usual level, failure cuts it, lapsed buyers drift
        back at a rate scaled by the market's reliability (EWMA of the success rate)."""
        p, v, f = self.p, self.visited, self.found
        n_visits = int(v.sum())
        if n_visits:
            self.reliability += 0.1 * (f.sum() / n_visits - self.reliability)
        else:
            self.reliability *= 0.9
        q, usual = self.propensity, self.usual
        q[f] += p["success_gain"] * (usual[f] - q[f])
        failed = v & ~f
        q[failed] *= 1.0 - p["failure_loss"]
        idle = ~v
        q[idle] += p["return_rate"] * self.reliability * (usual[idle] - q[idle])

    def deter(self, arrested: np.ndarray) -> None:
        """An arrested buyer loses most of the wish to come back."""
        self.propensity[arrested] *= 1.0 - self.p["arrest_deterrence"]


class Market:
    """The exchange: matches today's buyers with sellers and keeps the market's signals."""

    def __init__(self, model, params: Params) -> None:
        self.model = model
        s = params.section("sellers")
        self.sale_value = s["margin"] * s["price_per_sale"]
        self.radius = params["buyers.search_radius"]
        self.reputation_rate = params["buyers.reputation_rate"]
        self.entrant_profit = model.initial_profit
        self.sales_per_cell = np.zeros((model.space.width, model.space.height))

    def trade(self, police_at_market: float) -> np.ndarray:
        """Run today's visits and searches; returns sales per seller (index of the pool).

        A successful buyer at cell c buys from one of the S_c sellers within the search
        radius, so seller j sells sum over cells c near j of T_c / S_c.
        """
        model, space = self.model, self.model.space
        sellers, buyers = model.sellers, model.buyers
        on_cells = sellers.count_on_cells()
        near = box_sum(on_cells, self.radius)
        guard = float(space.field("guardianship")[space.market].mean())
        buyers.visit(police_at_market, guard)
        found = buyers.search(near)
        buyers.adapt()
        t = space.counts(buyers.x[found], buyers.y[found])
        self.sales_per_cell = t
        share = box_sum(np.divide(t, near, out=np.zeros_like(t), where=near > 0), self.radius)
        sales = np.zeros(sellers.n)
        a = sellers.active
        sales[a] = share[sellers.x[a], sellers.y[a]]
        visits = int(buyers.visited.sum())
        wanted = self.sale_value * visits / (int(a.sum()) + 1)
        self.entrant_profit += 0.1 * (wanted - self.entrant_profit)
        self._update_reputation(t)
        return sales

    def _update_reputation(self, sales: np.ndarray) -> None:
        """Reputation follows where sales happen: rho <- (1-l) rho + l x smoothed share."""
        total = sales.sum()
        if total == 0:
            return
        rep = self.model.space.field("reputation")
        smoothed = box_sum(sales, 1)
        rep *= 1.0 - self.reputation_rate
        rep += self.reputation_rate * smoothed / smoothed.max()
