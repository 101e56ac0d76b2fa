"""The model the app steps: the chosen scenario, its same-seed baseline and a log of events.

Reset re-creates the model by calling its class with the controls' values as keyword
arguments (the app does; so does Mesa's SolaraViz, given ``controls.model_params()``), so
this subclass takes ``Settings`` fields. The baseline (the "ghost")
runs with the same seed and parameters under reactive policing only; the two runs are
identical until the policy starts (common random numbers), so the dashed lines part from
the solid ones exactly where the policy makes a difference. A day of both costs about 2 ms.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dmi_sim.model import DrugMarketModel
from dmi_sim.model.observe import COLUMNS
from dmi_sim.viz.controls import Settings
from dmi_sim.viz.phases import status

#: Today's numbers set beside the baseline's: (column, words, format).
TODAY = (
    ("active_sellers", "active sellers", "{:.0f}"),
    ("residents_outdoors_market", "of households near the market outdoors", "{:.0%}"),
    ("incarcerated", "in jail or prison", "{:.0f}"),
)


class TrainerModel(DrugMarketModel):
    """The run on screen and its ghost; stops at ``run.days``.

    Args:
        scenario: ignored; SolaraViz's Reset adds an (experimental) ``mesa`` Scenario to
            any model that takes keyword arguments, but our parameters come from ``settings``.
        **settings: ``Settings`` fields (what the controls send on Reset).
    """

    def __init__(self, scenario: object = None, **settings: Any) -> None:
        self.settings = Settings(**settings)
        params = self.settings.params()
        super().__init__(params, rng=self.settings.seed)
        ghost = self.settings.baseline_params()
        self.ghost = DrugMarketModel(ghost, rng=self.settings.seed) if ghost else None
        self.event_log: list[list[str]] = []  # the policy's events, one list per day

    def step(self) -> None:
        """One day of the run and of its ghost."""
        super().step()
        self.event_log.append(list(self.events))
        if self.ghost is not None:
            self.ghost.step()
        self.running = self.day < self.params["run.days"]

    def status(self) -> str:
        """Today's policy phase in words."""
        return status(self.event_log, self.params["run.intervention_start"])

    def today(self) -> str:
        """Today's key numbers, each with the same-seed baseline's in brackets."""
        if not self.observer.rows:
            return ""
        run = dict(zip(COLUMNS, self.observer.rows[-1], strict=True))
        ghost = (
            dict(zip(COLUMNS, self.ghost.observer.rows[-1], strict=True))
            if self.ghost is not None
            else None
        )
        parts = []
        for column, words, fmt in TODAY:
            text = f"{fmt.format(run[column])} {words}"
            if ghost is not None:
                text += f" ({fmt.format(ghost[column])} with no policy)"
            parts.append(text)
        return "Today: " + "; ".join(parts)

    def series(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """The run's and the ghost's daily series so far."""
        return self.observer.frame(), self.ghost.observer.frame() if self.ghost else None

    def scene(self) -> dict[str, Any]:
        """Today's snapshot (officers on duty only, as ``snapshot`` draws them)."""
        return self.snapshot()
