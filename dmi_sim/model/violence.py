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
        """Draw today's incidents, place them and remember them (``kernels.violence_day``,
        drawing numpy's draws from the model's generator); returns their number."""
        model, s, res = self.model, self.model.sellers, self.model.residents
        return kernels.violence_day(
            model.stream,
            s.x,
            s.y,
            s.state,
            s.active_since,
            s.high_risk,
            self.p["radius"],
            model.day,
            self._k,
            model.space.field("disorder"),
            res.x,
            res.y,
            model.space.field("violence"),
            MEMORY_DAYS,
        )
