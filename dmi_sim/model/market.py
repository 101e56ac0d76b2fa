"""DrugMarketModel: the daily schedule, in the order of docs/ODD.md's process overview."""

from __future__ import annotations

import numpy as np
from mesa import Model

from dmi_sim.model import kernels
from dmi_sim.model.agents.buyers import Buyers, Market
from dmi_sim.model.agents.police import PoliceForce
from dmi_sim.model.agents.residents import Residents
from dmi_sim.model.agents.sellers import Sellers
from dmi_sim.model.justice import Justice
from dmi_sim.model.observe import DAILY_TALLIES, RUNNING_TALLIES, Observer
from dmi_sim.model.policies import make_policy
from dmi_sim.model.space import Neighbourhood
from dmi_sim.model.stream import Stream, stream_of
from dmi_sim.model.violence import Violence
from dmi_sim.params import Params

DISORDER_RATE = 0.05  # 1/day: disorder follows its drivers over a few weeks
_NO_TALLIES = dict.fromkeys(DAILY_TALLIES, 0)  # the daily tallies at the start of a day


class DrugMarketModel(Model):
    """An open-air drug market in a neighbourhood; one step is one day.

    Args:
        params: resolved parameters (``dmi_sim.params.load_params``).
        rng: integer seed; every random draw of the run comes from ``self.rng``.
    """

    def __init__(self, params: Params, rng: int = 0) -> None:
        super().__init__(rng=int(rng))
        self._stream, self._stream_of = stream_of(self.rng), self.rng
        self.params = params
        self.day = 0
        self.tally = dict.fromkeys(DAILY_TALLIES + RUNNING_TALLIES, 0)
        self.arrests_on_cells = None
        self.initial_profit = (
            params["sellers.margin"] * params["sellers.price_per_sale"] * 20.0
        )  # what the corner is said to pay before anyone has sold (20 sales a day)
        self.baseline_risk_prior = 1.5 / 365.0  # perceived risk before any experience
        self.space = Neighbourhood(params, self.rng, self.random)
        self.arrests_on_cells = np.zeros((self.space.width, self.space.height))
        self.sellers = Sellers(self, params)
        self.buyers = Buyers(self, params)
        self.market = Market(self, params)
        self.residents = Residents(self, params)
        self.policy = make_policy(self, params)
        self.police = PoliceForce(self, params, self.policy.extra_officers())
        self.justice = Justice(self, params)
        self.violence = Violence(self, params)
        self.observer = Observer(self)
        self.events: list[str] = []

    @property
    def stream(self) -> Stream:
        """``self.rng``'s draws, for the compiled kernels (taken again if the generator is
        replaced, e.g. by Mesa's ``reset_rng``: the old one's addresses would be freed)."""
        if self._stream_of is not self.rng:
            self._stream, self._stream_of = stream_of(self.rng), self.rng
        return self._stream

    def __setstate__(self, state: dict) -> None:
        """A copied or unpickled model has a generator of its own: its stream is that
        generator's (the addresses of the original's would draw from the original)."""
        self.__dict__.update(state)
        self._stream, self._stream_of = stream_of(self.rng), self.rng

    def record_arrests(self, x: np.ndarray, y: np.ndarray) -> None:
        """Mark today's arrests on the grid (residents see them)."""
        if x.size:  # np.add.at costs microseconds even with nothing to add
            np.add.at(self.arrests_on_cells, (x, y), 1.0)

    def step(self) -> None:
        """One day: police plan, sellers read the street and choose, the market trades,
        enforcement, justice, learning, violence, residents, fields, observation."""
        self._start_day()
        plan = self.policy.plan(self.day)
        self.events = plan.events
        self.police.deploy(plan)
        self.sellers.read_the_street(self.police.directed_at_market())
        self.sellers.age_out()
        self.sellers.decide_to_sell()
        self.sellers.choose_spot()
        dealers = np.count_nonzero(self.sellers.active)
        self.policy.act(self.day)
        visibility = self.sellers.visibility
        sales = self.market.trade(visibility * self.police.police_at_market())
        self.police.enforce(visibility)
        self.justice.process()
        self.sellers.learn(sales, self._risk_seen(dealers, visibility))
        incidents = self.violence.occur()
        # indoors, phones: unseen
        visible_dealing = kernels.seller_cells(
            self.sellers.x, self.sellers.y, self.sellers.state, visibility, self.space.shape
        )
        reports = self.residents.live(visible_dealing, self.arrests_on_cells)
        self.police.reports_yesterday = self.residents.reports_on_cells
        self._update_disorder(visible_dealing)
        self.observer.record(incidents, reports)
        self.day += 1

    def snapshot(self) -> dict:
        """Today's picture for figures, animations and the app (read-only copies).

        Positions are cell coordinates (x, y); grids are images indexed [y, x], like
        ``Result.maps``.

        Officers on duty today (today's officer-hours over the hours of one officer, so a
        crackdown's surge officers only on sweep days) are drawn at cells in proportion to
        today's police hours, with a generator of their own so that looking at the model
        never changes its course.
        """
        s, b, res, space = self.sellers, self.buyers, self.residents, self.space
        a = s.active
        newcomer = (self.day - s.active_since) < self.params["violence.newcomer_days"]
        ax, ay = np.nonzero(self.arrests_on_cells)
        police = space.field("police")
        on_duty = round(self.police.budget() / self.params["police.hours_per_officer"])
        n_officers = min(on_duty, len(self.police.officers)) if police.sum() > 0 else 0
        look = np.random.default_rng(self.day)
        cells = (
            look.choice(police.size, size=n_officers, p=police.ravel() / police.sum())
            if n_officers
            else np.zeros(0, dtype=int)
        )
        ox, oy = np.divmod(cells, space.height)
        return {
            "day": self.day,
            "sellers": {
                "x": s.x[a].copy(),
                "y": s.y[a].copy(),
                "high_risk": s.high_risk[a].copy(),
                "new_recruit": newcomer[a],
            },
            "arrested_today": {"x": ax, "y": ay},
            "officers": {"x": ox, "y": oy},
            "buyers": {"x": b.x[b.visited].copy(), "y": b.y[b.visited].copy()},
            "residents": {"x": res.x, "y": res.y, "outdoors": res.outdoors.copy()},
            "fields": {
                name: space.field(name).T.copy()
                for name in (
                    "disorder",
                    "dealing",
                    "reputation",
                    "police",
                    "guardianship",
                    "violence",
                )
            }
            | {"residents_outdoors": space.field("guardianship").T.copy()},
            "market_mask": space.market.T.copy(),
            "catchment_mask": space.catchment.T.copy(),
            "events": list(self.events),
        }

    def _start_day(self) -> None:
        self.tally.update(_NO_TALLIES)
        self.arrests_on_cells.fill(0.0)

    def _risk_seen(self, dealers: int, visibility: float) -> float:
        """The arrest risk sellers see today: every seller arrest made today (by any unit:
        the police's arrest work, the DMI's follow-up, and on the call-in day its take-down
        of identified high-risk people, some of them in the pool and not dealing today)
        over today's dealers; on a day nobody deals, the risk the police pose where buyers
        expect sellers (so learning never freezes)."""
        if dealers == 0:
            return self.police.risk_at_market(visibility)
        return self.tally["arrests_sellers"] / dealers

    def _update_disorder(self, visible_dealing: np.ndarray) -> None:
        """D <- D + r (clip(dealing + violence - guardianship, 0, 1) exp(-k P) - D), per
        cell, with P the mean officer-hours per cell within one cell: visible police damp
        loitering, drinking and open dealing (Sherman & Weisburd 1995)."""
        space = self.space
        kernels.update_disorder(
            space.field("disorder"),
            visible_dealing,
            space.field("violence"),
            space.field("guardianship"),
            space.police_seen,
            float(self.params["police.presence_disorder"]),
            DISORDER_RATE,
        )
