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

from dmi_sim.model import kernels
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
            self.nonlocal_buyer,
            self.p["guardian_aversion_nonlocal"],
            self.p["guardian_aversion_local"],
        )
        settled = params["market.start"] == "settled"
        share = 1.0 if settled else params["market.nascent_buyers"]
        self.knows_market = rng.random(n) < share
        self.visited = np.zeros(n, dtype=bool)
        self.found = np.zeros(n, dtype=bool)
        self.n_visits = self.n_found = 0  # today's visitors, and those who found a seller
        self.x = np.zeros(n, dtype=np.int64)
        self.y = np.zeros(n, dtype=np.int64)
        self.reliability = 1.0
        p = self.p
        self.adapt_constants = np.array(  # for kernels.buyers_buy, in its order
            [
                p["success_gain"],
                p["failure_loss"],
                p["return_rate"],
                p["discovery_rate"],
                p["word_of_mouth"],
                p["forget_share"],
            ],
            dtype=float,
        )

    def visit(self, police_at_market: float, guardianship_at_market: float) -> np.ndarray:
        """Who comes today: P(visit) = 1[knows the market] q exp(-a_p x officer-hours per
        market cell seen - a_g x share of residents outdoors around the market)."""
        rng, space = self.model.rng, self.model.space
        deterrent = np.exp(
            kernels.buyers_exponent(
                self.police_aversion,
                self.guardian_aversion,
                police_at_market,
                guardianship_at_market,
            )
        )
        self.visited = np.empty(self.n, dtype=bool)
        self.n_visits = kernels.buyers_visit(
            self.knows_market, self.propensity, deterrent, rng.random(self.n), self.visited
        )
        space.place_on_market_cells(rng, self.visited, self.n_visits, self.x, self.y)
        return self.visited

    def search(self, sellers_near: np.ndarray) -> np.ndarray:
        """Visitors find a seller with P = 1 - exp(-find_rate x sellers within the radius),
        each seller counted by his connections (a newcomer nobody knows is hard to find)."""
        v, n = self.visited, self.n_visits
        e_minus = np.exp(
            kernels.buyers_search_exponent(
                v, n, self.x, self.y, sellers_near, float(self.p["find_rate"])
            )
        )
        self.found, self.n_found = kernels.buyers_found(v, e_minus, self.model.rng.random(n))
        return self.found

    def adapt(self) -> None:
        """Propensity: success pulls q to its usual level, failure cuts it, lapsed buyers drift
        back at a rate scaled by the market's reliability (EWMA of the success rate)."""
        p, n_visits = self.p, self.n_visits
        if n_visits:
            self.reliability += 0.1 * (self.n_found / n_visits - self.reliability)
        else:
            self.reliability *= 0.9
        kernels.buyers_adapt(
            self.visited,
            self.found,
            self.propensity,
            self.usual,
            p["success_gain"],
            p["failure_loss"],
            p["return_rate"] * self.reliability,
        )
        self._spread_word()

    def _spread_word(self) -> None:
        """Bass diffusion: a buyer who does not know the market learns of it with
        P = discovery_rate x reputation + word_of_mouth x (buyers who bought today / n);
        one whose propensity has fallen below forget_share of its usual level has found
        another market and forgets this one (and comes back keen if he learns of it again).
        """
        p, rng = self.p, self.model.rng
        space = self.model.space
        reputation = space.market_mean(space.field("reputation"))
        p_learn = p["discovery_rate"] * reputation + p["word_of_mouth"] * (self.n_found / self.n)
        kernels.buyers_spread_word(
            self.knows_market,
            self.propensity,
            self.usual,
            rng.random(self.n),
            p_learn,
            p["forget_share"],
        )

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
        # today's sales per cell: the neighbourhood's dealing field, written by the trade
        self.sales_per_cell = model.space.field("dealing")

    def trade(self, police_at_market: float) -> np.ndarray:
        """Run today's visits and searches; returns sales per seller (index of the pool).

        A successful buyer at cell c buys from one of the sellers within the search radius,
        in proportion to their connections k: with K_c the connections within the radius of
        c, seller j sells k_j x sum over cells c near j of T_c / K_c.

        ``trade_stepwise`` is the same day as the buyers' submodels one after the other
        (``Buyers.visit``, ``search``, ``adapt``); here they run as one compiled kernel
        (``kernels.market_trade``) drawing numpy's draws from the model's generator in the
        numpy code's order (``dmi_sim.model.stream``).
        """
        model, space = self.model, self.model.space
        sellers, buyers = model.sellers, model.buyers
        (
            buyers.n_visits,
            buyers.found,
            buyers.n_found,
            buyers.reliability,
            sales,
            connections,
        ) = kernels.market_trade(
            model.stream,
            sellers.x,
            sellers.y,
            sellers.connections,
            sellers.state,
            self.radius,
            space.field("guardianship"),
            space.market_cells,
            police_at_market,
            buyers.knows_market,
            buyers.propensity,
            buyers.usual,
            buyers.police_aversion,
            buyers.guardian_aversion,
            buyers.visited,
            space.field("reputation"),
            buyers.x,
            buyers.y,
            float(buyers.p["find_rate"]),
            float(buyers.reliability),
            float(self.reputation_rate),
            buyers.adapt_constants,
            self.sales_per_cell,
        )
        self._price_entry(buyers.n_visits, connections)
        return sales

    def trade_stepwise(self, police_at_market: float) -> np.ndarray:
        """``trade`` as the buyers' submodels one after the other (the reference the fused
        kernels are checked against, tests/test_model_kernels.py)."""
        model, space = self.model, self.model.space
        sellers, buyers = model.sellers, model.buyers
        a = sellers.active
        shape = space.shape
        known = kernels.weighted_counts(sellers.x, sellers.y, sellers.connections, a, shape)
        near = box_sum(known, self.radius)
        guard = space.market_mean(space.field("guardianship"))
        buyers.visit(police_at_market, guard)
        found = buyers.search(near)
        buyers.adapt()
        t = kernels.mask_counts(buyers.x, buyers.y, found, shape)
        self.sales_per_cell[:] = t
        sales = kernels.seller_sales(
            a, sellers.x, sellers.y, sellers.connections, t, near, self.radius
        )
        self._price_entry(buyers.n_visits, float(sellers.connections[a].sum()))
        self._update_reputation(t)
        return sales

    def _price_entry(self, visits: int, connections: float) -> None:
        """What the corner would pay one more seller: today's visits' value shared by
        connections, a newcomer's mean connections added (EWMA over ten days)."""
        k = self.entrant_share
        wanted = self.sale_value * visits * k / (connections + k)
        self.entrant_profit += 0.1 * (wanted - self.entrant_profit)

    def _update_reputation(self, sales: np.ndarray) -> None:
        """Reputation follows where sales happen: rho <- (1-l) rho + l x smoothed share."""
        if self.model.buyers.n_found == 0:  # the sales are the buyers who found a seller
            return
        kernels.follow_sales(self.model.space.field("reputation"), sales, self.reputation_rate)


#: Days over which a would-be seller weighs up what the corner would pay him.
ENTRY_HORIZON_DAYS = 90.0


def entrant_connections(sellers: dict) -> float:
    """A newcomer's mean connections over his first ENTRY_HORIZON_DAYS of dealing:
    k(t) = 1 - (1 - k0) exp(-t / T) averaged over [0, H] (k0 = entrant_connections,
    T = connection_days). The empty corner does not pay a newcomer at once what it paid the
    established seller, and he knows it."""
    k0, t, h = sellers["entrant_connections"], sellers["connection_days"], ENTRY_HORIZON_DAYS
    return 1.0 - (1.0 - k0) * t / h * (1.0 - np.exp(-h / t))
