"""Buyers: customers, local and non-local, who come where they expect sellers.

Only buyers who know the market come: they learn of it from its reputation and from other
buyers who bought there (Bass diffusion), so demand builds over months (Caulkins & Reuter
2010), and a buyer who has stopped coming has found another market and forgets this one.
A buyer's daily visit probability is its propensity q times a police deterrent; it goes to a
cell drawn from the market's reputation map and searches the cells around it for a seller
it can buy from (one known to buyers: ``Sellers.connections``). Finding a seller keeps q
near its usual level, failing lowers it, and lapsed buyers drift back only when the market
is reliable: demand is not fixed, which is how a closure can stick.
"""

from __future__ import annotations

import numpy as np

from dmi_sim.model.space import box_sum
from dmi_sim.params import Params


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
        settled = params["market.start"] == "settled"
        share = 1.0 if settled else params["market.nascent_buyers"]
        self.knows_market = rng.random(n) < share
        self.visited = np.zeros(n, dtype=bool)
        self.found = np.zeros(n, dtype=bool)
        self.x = np.zeros(n, dtype=np.int64)
        self.y = np.zeros(n, dtype=np.int64)
        self.reliability = 1.0

    def visit(self, police_at_market: float, guardianship_at_market: float) -> np.ndarray:
        """Who comes today: P(visit) = 1[knows the market] q exp(-a_p x officer-hours per
        market cell seen - a_g x share of residents outdoors around the market)."""
        rng, space = self.model.rng, self.model.space
        p_visit = self.knows_market * self.propensity * np.exp(
            -self.police_aversion * police_at_market
            - self.guardian_aversion * guardianship_at_market)
        self.visited = rng.random(self.n) < p_visit
        n = int(self.visited.sum())
        self.x[self.visited], self.y[self.visited] = space.draw_market_cells(rng, n)
        return self.visited

    def search(self, sellers_near: np.ndarray) -> np.ndarray:
        """Visitors find a seller with P = 1 - exp(-find_rate x sellers within the radius),
        each seller counted by his connections (a newcomer nobody knows is hard to find)."""
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
        self._spread_word()

    def _spread_word(self) -> None:
        """Bass diffusion: a buyer who does not know the market learns of it with
        P = discovery_rate x reputation + word_of_mouth x (buyers who bought today / n);
        one whose propensity has fallen below forget_share of its usual level has found
        another market and forgets this one (and comes back keen if he learns of it again).
        """
        p, rng = self.p, self.model.rng
        space = self.model.space
        reputation = float(space.field("reputation")[space.market].mean())
        p_learn = p["discovery_rate"] * reputation + p["word_of_mouth"] * self.found.mean()
        learns = ~self.knows_market & (rng.random(self.n) < p_learn)
        forgets = self.knows_market & (self.propensity < p["forget_share"] * self.usual)
        self.knows_market[learns] = True
        self.knows_market[forgets] = False
        self.propensity[forgets] = self.usual[forgets]

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
        self.entrant_share = entrant_connections(s)
        self.sales_per_cell = np.zeros((model.space.width, model.space.height))

    def trade(self, police_at_market: float) -> np.ndarray:
        """Run today's visits and searches; returns sales per seller (index of the pool).

        A successful buyer at cell c buys from one of the sellers within the search radius,
        in proportion to their connections k: with K_c the connections within the radius of
        c, seller j sells k_j x sum over cells c near j of T_c / K_c.
        """
        model, space = self.model, self.model.space
        sellers, buyers = model.sellers, model.buyers
        a = sellers.active
        known = space.counts(sellers.x[a], sellers.y[a], weights=sellers.connections[a])
        near = box_sum(known, self.radius)
        guard = float(space.field("guardianship")[space.market].mean())
        buyers.visit(police_at_market, guard)
        found = buyers.search(near)
        buyers.adapt()
        t = space.counts(buyers.x[found], buyers.y[found])
        self.sales_per_cell = t
        share = box_sum(np.divide(t, near, out=np.zeros_like(t), where=near > 0), self.radius)
        sales = np.zeros(sellers.n)
        sales[a] = sellers.connections[a] * share[sellers.x[a], sellers.y[a]]
        visits = int(buyers.visited.sum())
        k = self.entrant_share
        wanted = self.sale_value * visits * k / (float(sellers.connections[a].sum()) + k)
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


#: Days over which a would-be seller weighs up what the corner would pay him.
ENTRY_HORIZON_DAYS = 90.0


def entrant_connections(sellers: dict) -> float:
    """A newcomer's mean connections over his first ENTRY_HORIZON_DAYS of dealing:
    k(t) = 1 - (1 - k0) exp(-t / T) averaged over [0, H] (k0 = entrant_connections,
    T = connection_days). The empty corner does not pay a newcomer at once what it paid the
    established seller, and he knows it."""
    k0, t, h = sellers["entrant_connections"], sellers["connection_days"], ENTRY_HORIZON_DAYS
    return 1.0 - (1.0 - k0) * t / h * (1.0 - np.exp(-h / t))
