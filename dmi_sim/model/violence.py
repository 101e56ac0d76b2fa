"""Violence: a neighbourhood background plus competition among nearby sellers.

Expected incidents a day
    lambda = b (1 + f x mean disorder)
           + sum over active sellers j of  v x (competitors within radius of j)
                                           x (1 + (h - 1) 1[j high-risk]) x (1 + c 1[j newcomer])
Incidents are Poisson; market incidents happen at sellers' cells, background ones at random
households. The violence field is a 30-day moving memory of incidents per cell.
"""

from __future__ import annotations

import numpy as np

from dmi_sim.model import kernels
from dmi_sim.params import Params

MEMORY_DAYS = 30.0


class Violence:
    """Daily violent incidents and their memory on the grid."""

    def __init__(self, model, params: Params) -> None:
        self.model = model
        self.p = params.section("violence")
        self._no_incidents = np.zeros(model.space.shape)  # a quiet day's incidents per cell
        self._k = np.array(
            [
                self.p["pair_rate"],
                self.p["high_risk_factor"],
                self.p["contest_factor"],
                self.p["newcomer_days"],
                self.p["background_rate"],
                self.p["disorder_factor"],
            ],
            dtype=float,
        )

    def occur(self) -> int:
        """Draw today's incidents; returns their number."""
        model, p, rng, space = self.model, self.p, self.model.rng, self.model.space
        s = model.sellers
        active = s.active
        rate_j, total, n_market, n_background = kernels.violence_day(
            model.stream,
            s.x,
            s.y,
            active,
            s.active_since,
            s.high_risk,
            p["radius"],
            model.day,
            self._k,
            space.field("disorder"),
        )
        where = self._no_incidents
        if n_market or (n_background and model.residents.n):
            where = np.zeros(space.shape)
        if n_market:
            at = rng.choice(np.flatnonzero(active), size=n_market, p=rate_j / total)
            np.add.at(where, (s.x[at], s.y[at]), 1.0)
        res = model.residents
        if n_background and res.n:
            at = rng.integers(0, res.n, n_background)
            np.add.at(where, (res.x[at], res.y[at]), 1.0)
        kernels.remember(space.field("violence"), where, MEMORY_DAYS)
        return n_market + n_background
