"""Sellers: the pool of potential sellers, their daily choice to deal, where, and learning.

State machine (``SellerState``)::

    POOL <-> DETERRED -> ACTIVE -> ARRESTED -> INCARCERATED -> POOL (released, with a record)
                          ACTIVE -> ARRESTED -> POOL (no custody, with a record)
    ACTIVE / POOL / DETERRED -> CALLED_IN (banked case) -> IN_SERVICES -> DESISTED
                                                 CALLED_IN -> DESISTED
           CALLED_IN / IN_SERVICES / DESISTED -> ACTIVE (relapse)
                          ACTIVE -> POOL or DESISTED (quits when dealing stops paying)

Justice (``dmi_sim.model.justice``) and the DMI (``dmi_sim.model.policies.dmi``) decide
when and to whom; the transitions themselves are ``Sellers`` methods (``imprison``,
``serve_due``, ``start_services``, ``call_in``...), so every write into a seller column
happens here (``serve_due`` through its compiled kernel, ``kernels.justice_due``), except
an arrest's: taking into custody and the disposition are drawn in turn, seller by seller,
in one compiled pass (``kernels.arrest_sellers``, called by ``Justice.arrest``).
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np

from dmi_sim.model import kernels
from dmi_sim.params import Params


class SellerState(IntEnum):
    """Where a potential seller is in the state machine."""

    POOL = 0
    DETERRED = 1
    ACTIVE = 2
    ARRESTED = 3
    INCARCERATED = 4
    CALLED_IN = 5
    IN_SERVICES = 6
    DESISTED = 7


def as_rows(which: np.ndarray | int) -> np.ndarray:
    """Seller rows (int64) from a row, an array of rows or a boolean mask over sellers."""
    which = np.asarray(which)
    return np.flatnonzero(which) if which.dtype == bool else np.atleast_1d(which).astype(np.int64)


def state_mask(*states: SellerState) -> np.ndarray:
    """Look-up table: ``state_mask(A, B)[state_codes]`` is True where the state is A or B."""
    table = np.zeros(len(SellerState), dtype=bool)
    table[list(states)] = True
    return table


FREE = state_mask(
    SellerState.POOL,
    SellerState.DETERRED,
    SellerState.CALLED_IN,
    SellerState.IN_SERVICES,
    SellerState.DESISTED,
)
_ACTIVE = np.int8(SellerState.ACTIVE)  # compared with the int8 states: no enum to convert

HELD = state_mask(SellerState.ARRESTED, SellerState.INCARCERATED)
UNDECIDED = state_mask(SellerState.POOL, SellerState.DETERRED)
#: Who can age out of the pool: not dealing, not held, not in a DMI programme.
AGEING = state_mask(SellerState.POOL, SellerState.DETERRED, SellerState.DESISTED)

#: Relapse counted as "dealing again soon after the call-in" (EVIDENCE: ~10-20 % in 6 weeks).
RELAPSE_WINDOW_DAYS = 42


class Sellers:
    """The pool of potential sellers as columns; verbs are the daily submodels."""

    def __init__(self, model, params: Params) -> None:
        self.model = model
        self.p = params.section("sellers")
        self.justice_p = params.section("justice")
        rng = model.rng
        n = self.p["pool_size"]
        self.n = n
        self.state = np.full(n, SellerState.POOL, dtype=np.int8)
        self.high_risk = np.zeros(n, dtype=bool)
        self.wage = np.zeros(n)
        self.aversion = np.zeros(n)
        self.perceived_risk = np.zeros(n)
        self.expected_profit = np.zeros(n)
        self.record = np.zeros(n, dtype=bool)
        self.banked_case = np.zeros(n, dtype=bool)
        self.credible_case = np.zeros(n, dtype=bool)
        self.ever_called_in = np.zeros(n, dtype=bool)
        self.relapsed = np.zeros(n, dtype=bool)
        self.called_in_day = np.full(n, -1, dtype=np.int32)  # day of the call-in, -1 never
        self.banked_case_risk = params["dmi.call_in_risk"]  # floor while a solid case is open
        self.buys = np.zeros(n, dtype=np.int16)
        self.timer = np.zeros(n, dtype=np.int32)
        self.active_since = np.zeros(n, dtype=np.int32)
        self.connections = np.zeros(n)
        self.admitted = np.zeros(n, dtype=bool)  # sent to prison since the policy started
        self.x = np.zeros(n, dtype=np.int64)
        self.y = np.zeros(n, dtype=np.int64)
        self.adaptation = 0.0  # 0-1: the street's adaptation to sustained enforcement
        p = self.p
        self._k_learn = np.array(  # for kernels.sellers_learn, in its order
            [
                p["margin"] * p["price_per_sale"],
                p["profit_learning_rate"],
                p["risk_learning_rate"],
                p["vicarious_learning_rate"],
                self.banked_case_risk,  # set again each day: the call-in sets it
                p["connection_days"],
                p["connection_loss_days"],
            ],
            dtype=float,
        )
        self._k_decide = np.array(  # for kernels.sellers_decide; [0:4] are today's
            [
                0.0,  # what the corner would pay one more seller
                0.0,  # salience
                0.0,  # message
                0.0,  # watch risk x informal control ^ watch exponent
                p["quit_rate"],
                p["consider_rate"],
                p["entrant_connections"],
                RELAPSE_WINDOW_DAYS,
            ],
            dtype=float,
        )
        self.salience = 0.0  # perceived daily arrest risk a visible surge suggests today
        self.message = 0.0  # floor under perceived risk while a DMI's message is maintained
        self._homes = np.flatnonzero(model.space.residential.ravel())
        sigma = p["outside_option_sigma"]
        self._k_young = np.array(  # for kernels.young_people, in its order
            [
                p["high_risk_share"],
                p["legal_wage_hourly"] * p["dealing_hours_per_day"],  # typical outside option
                sigma,
                sigma**2 / 2,
                p["aversion_mean"],
                p["high_risk_aversion_factor"],
                model.baseline_risk_prior,
                model.initial_profit,
            ],
            dtype=float,
        )
        j = self.justice_p  # sanction cost of a low-risk, a high-risk, a convinced seller
        self._sanction_table = self._sanction_cost_of(
            np.array([j["custody_prob_low"], j["custody_prob_high"], 1.0])
        )
        self._draw_young_people(np.arange(n))
        self._start_market(rng)

    def _start_market(self, rng: np.random.Generator) -> None:
        """The initial sellers are those for whom dealing pays best, placed in the market:
        an established market's sellers are known to buyers and suppliers, a nascent
        market's few first sellers are entrants like any other."""
        settled = self.model.params["market.start"] == "settled"
        k = self.p["initial_active"] if settled else self.model.params["market.nascent_sellers"]
        keen = np.argsort(self.wage + self.aversion)[:k]
        self.state[keen] = SellerState.ACTIVE
        self.connections[keen] = 1.0 if settled else self.p["entrant_connections"]
        cells = np.argwhere(self.model.space.market)
        spots = cells[rng.integers(0, len(cells), size=len(keen))]
        self.x[keen], self.y[keen] = spots[:, 0], spots[:, 1]
        self.active_since[keen] = -rng.integers(30, 365, size=len(keen))

    def _draw_young_people(self, rows: np.ndarray) -> None:
        """New members of the pool at ``rows``: risk class, outside option, aversion and
        home drawn afresh; no record, no case, the prior beliefs of someone who never dealt
        (``kernels.young_people``)."""
        kernels.young_people(
            self.model.stream,
            rows,
            (
                self.high_risk,
                self.wage,
                self.aversion,
                self.perceived_risk,
                self.expected_profit,
                self.connections,
                self.x,
                self.y,
            ),
            (
                self.record,
                self.banked_case,
                self.credible_case,
                self.ever_called_in,
                self.relapsed,
                self.admitted,
            ),
            self.called_in_day,
            self.buys,
            self.state,
            self._homes,
            self.model.space.height,
            self._k_young,
        )

    def age_out(self) -> None:
        """Young people leave the street-dealing ages and the next cohort takes their place:
        each free, non-dealing member of the pool is replaced with P = turnover / 365 a day.
        Without it the pool runs down as the keenest sellers serve long sentences."""
        leaving = kernels.rows_drawn(
            self.state, AGEING, self.model.stream, self.p["pool_turnover"] / 365.0
        )
        if leaving.size:
            self._draw_young_people(leaving)

    # --- masks ---------------------------------------------------------------------------
    @property
    def active(self) -> np.ndarray:
        """Boolean mask of sellers dealing today."""
        return self.state == _ACTIVE

    @property
    def visibility(self) -> float:
        """How much of the trade police can see: 1, falling to ``adapted_visibility`` as the
        street adapts to sustained enforcement (lookouts, indoors, phones, other hours).
        It scales sellers' exposure to arrest work and buyers' sight of the police."""
        return 1.0 - (1.0 - self.p["adapted_visibility"]) * self.adaptation

    # --- decisions -------------------------------------------------------------------------
    def sanction_cost(self) -> np.ndarray:
        """Perceived cost of an arrest in $: discounted days inside x value of a day free.

        days = pretrial + P(custody) x sentence, with P(custody) = 1 under a credible banked
        case; cost = v (1 - exp(-delta days)) / delta.
        """
        j = self.justice_p
        custody = np.where(self.high_risk, j["custody_prob_high"], j["custody_prob_low"])
        custody = np.where(self.banked_case & self.credible_case, 1.0, custody)
        return self._sanction_cost_of(custody)

    def _sanction_cost_of(self, custody: np.ndarray) -> np.ndarray:
        j = self.justice_p
        days = j["pretrial_days"] + custody * j["sentence_days"]
        delta = self.p["discount_rate"]
        return self.p["freedom_value_per_day"] * (1.0 - np.exp(-delta * days)) / delta

    def utilities(self) -> tuple[np.ndarray, np.ndarray]:
        """Net daily value of dealing without risk (U0) and with perceived risk (U), $/day.

        U0 = profit - wage - aversion;
        U = U0 - (max(r, salience, message) + watch_risk x Q^k) x sanction cost, with Q the
        residents' informal control of the corner and k = watch_exponent (k > 1: a few
        watchers deter little, a watchful street a lot).
        Active sellers judge profit by their own sales, others by what the corner would pay
        one more seller.
        """
        profit = np.where(self.active, self.expected_profit, self.model.market.entrant_profit)
        u0 = profit - self.wage - self.aversion
        risk = np.maximum(np.maximum(self.perceived_risk, self.salience), self.message)
        watched = self.model.residents.informal_control ** self.p["watch_exponent"]
        risk = risk + self.p["watch_risk"] * watched
        return u0, u0 - risk * self.sanction_cost()

    def hear_message(self, risk: float) -> None:
        """A DMI's call-in message sets a floor under perceived risk (0 lifts it)."""
        self.message = risk

    def read_the_street(self, directed_presence: float) -> None:
        """Sellers see today's directed police presence at the market (officer-hours per
        market cell, P) and read it as risk; the street adapts to it over weeks.

        e = 1 - exp(-P / P_s) (how much of a surge there is to see);
        A <- A + (e - A) / T, T = adaptation_days while e > A, forget_days after;
        salience = sigma (1 - A) e: a fresh surge is over-estimated, a familiar one is not.
        """
        p = self.p
        # the C library's exp: numpy's too without AVX-512, as in the kernels
        seen = 1.0 - math.exp(-directed_presence / p["presence_scale"])
        days = p["adaptation_days"] if seen > self.adaptation else p["forget_days"]
        self.adaptation += (seen - self.adaptation) / days
        self.salience = p["surge_salience"] * (1.0 - self.adaptation) * seen

    def decide_to_sell(self) -> None:
        """Active sellers for whom dealing no longer pays may quit; others may enter."""
        day, p, k = self.model.day, self.p, self._k_decide
        watched = self.model.residents.informal_control ** p["watch_exponent"]
        k[:4] = (
            self.model.market.entrant_profit,
            self.salience,
            self.message,
            p["watch_risk"] * watched,
        )
        enters, n, relapses, soon, recruits, with_record = kernels.sellers_decide(
            self.state,
            self.high_risk,
            self.banked_case,
            self.credible_case,
            self.expected_profit,
            self.wage,
            self.aversion,
            self.perceived_risk,
            self.ever_called_in,
            self.relapsed,
            self.called_in_day,
            self.record,
            self.active_since,
            self.connections,
            self.model.stream,
            self._sanction_table,
            k,
            day,
        )
        tally = self.model.tally
        tally["relapsed"] += relapses
        tally["relapsed_6wk"] += soon
        tally["new_recruits"] += recruits
        tally["entrants_with_record"] += with_record
        if n:  # new sellers start where buyers expect sellers (cells drawn by reputation)
            self.model.space.place_on_market_cells(self.model.rng, enters, n, self.x, self.y)

    def choose_spot(self) -> None:
        """Each active seller compares its spot with a few nearby ones and takes the best.

        score(c) = log(reputation_c + 0.01) - a_p x police_c - a_g x guardianship_c.
        """
        space = self.model.space
        kernels.sellers_choose_spots(
            self.model.stream,
            self.x,
            self.y,
            self.state,
            self.p["move_radius"],
            space.field("reputation"),
            space.police_seen,
            space.field("guardianship"),
            float(self.p["police_avoidance"]),
            float(self.p["guardian_avoidance"]),
        )

    # --- learning ----------------------------------------------------------------------------
    def learn(self, sales: np.ndarray, market_risk: float) -> None:
        """Update expected profit from today's sales, perceived risk from the risk sellers
        are seen to run at the market, and connections from today's dealing.

        Active: pi <- pi + l_pi (margin x price x sales - pi).
        Risk of everyone free: r <- r + l (h - r), h = ``DrugMarketModel._risk_seen`` (the
        share of today's dealers arrested; the police's risk at the market on a day nobody
        deals), l = risk_learning_rate for active sellers, vicarious_learning_rate for others.
        Connections: active c <- c + (1 - c) / connection_days; others c <- c (1 -
        1 / connection_loss_days).
        """
        self._k_learn[4] = self.banked_case_risk
        kernels.sellers_learn(
            self.state,
            sales,
            self.expected_profit,
            self.perceived_risk,
            self.banked_case,
            self.credible_case,
            self.connections,
            self._k_learn,
            float(market_risk),
        )

    # --- transitions that justice and the DMI decide ---------------------------------------
    def give_record(self, which: np.ndarray | int) -> None:
        """A first conviction (rows or a mask): a record, and legal earnings cut by
        ``record_wage_penalty`` (``kernels.give_record``; an arrest gives it in
        ``kernels.arrest_sellers``)."""
        kernels.give_record(as_rows(which), self.record, self.wage, self.p["record_wage_penalty"])

    def imprison(self, idx: np.ndarray, until: np.ndarray | int) -> None:
        """Sellers ``idx`` (a mask or rows) start a prison term that ends on day ``until``."""
        self.state[idx] = SellerState.INCARCERATED
        self.timer[idx] = until

    def serve_due(
        self,
        day: int,
        custody: np.ndarray,
        sentence: np.ndarray,
        new_count: bool,
        success_prob: float,
        wage_gain: float,
    ) -> tuple[int, int, int]:
        """Everyone whose timer ends today: to prison (counted, and counted once per person
        since the policy's start, ``new_count`` clearing the marks), or released to the pool
        with the vivid perceived risk of someone just arrested; a service episode ended
        (success, a higher legal wage, where the seller's draw of ``rng.random(n)`` is below
        ``success_prob``); the call-in window over (desisted). One compiled pass,
        ``kernels.justice_due``. Returns admissions, first-time admissions, releases."""
        return kernels.justice_due(
            self.state,
            self.timer,
            custody,
            sentence,
            self.admitted,
            self.perceived_risk,
            self.wage,
            self.model.stream,
            day,
            new_count,
            float(self.p["own_arrest_risk"]),
            success_prob,
            wage_gain,
        )

    def start_services(self, takers: np.ndarray, until: int) -> None:
        """Called-in sellers who took a place start a service episode ending on ``until``."""
        self.state[takers] = SellerState.IN_SERVICES
        self.timer[takers] = until

    def record_buy(self, j: int) -> None:
        """An undercover controlled buy from seller ``j`` (evidence towards a case)."""
        self.buys[j] += 1

    def call_in(self, called: np.ndarray, credible: np.ndarray, risk: float, until: int) -> None:
        """The DMI call-in: a banked case (credible where ``credible``), perceived risk at
        least ``risk``, and a follow-up window to day ``until``."""
        day = self.model.day
        self.state[called] = SellerState.CALLED_IN
        self.ever_called_in[called] = True
        self.called_in_day[called] = day
        self.banked_case[called] = True
        self.credible_case[called] = credible
        self.perceived_risk[called] = np.maximum(self.perceived_risk[called], risk)
        self.timer[called] = until

    def drop_banked_cases(self, lapsed: np.ndarray) -> None:
        """Banked cases that lapse today are closed."""
        self.banked_case[lapsed] = False
