"""What the model's unit tests share: a small model and a way to run it.

Models run on a 20x20 grid; parameters a test depends on are set explicitly so the tests
hold whatever defaults the calibration settles on.
"""

from __future__ import annotations

from dmi_sim.model import DrugMarketModel
from dmi_sim.params import load_params

SMALL = {"space.width": 20, "space.height": 20}


def make(overrides: dict | None = None, scenario: str = "baseline", seed: int = 0):
    return DrugMarketModel(load_params(scenario, {**SMALL, **(overrides or {})}), rng=seed)


def run(model: DrugMarketModel, days: int) -> DrugMarketModel:
    for _ in range(days):
        model.step()
    return model
