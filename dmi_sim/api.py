"""The model as the studies see it: ``simulate`` (a function from scenario, seed and
overrides to outcomes), ``trace`` (a run as a stream of snapshots), ``zone_masks`` and the
names of what a run reports (``series_names``, ``summary_keys``). Studies and the engine
reach the model only through this module (tests/test_architecture.py checks it)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dmi_sim.model import DrugMarketModel
from dmi_sim.model.observe import COLUMNS, summarise, summary_keys
from dmi_sim.model.space import zones
from dmi_sim.params import Params, load_params

__all__ = [
    "MAP_FIELDS",
    "Result",
    "series_names",
    "simulate",
    "summary_keys",
    "trace",
    "zone_masks",
]

MAP_FIELDS = ("dealing", "disorder", "residents_outdoors")


@dataclass
class Result:
    """What one run hands back."""

    scenario: str
    seed: int
    params: dict[str, Any]
    timeseries: pd.DataFrame
    summary: dict[str, Any]
    maps: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


class _MapAverager:
    """Running mean of the map fields over a window of days, as [y, x] arrays."""

    def __init__(self) -> None:
        self.total: dict[str, np.ndarray] = {}
        self.n = 0

    def add(self, model: DrugMarketModel) -> None:
        for name, arr in model_maps(model).items():
            self.total[name] = self.total.get(name, 0.0) + arr
        self.n += 1

    def mean(self) -> dict[str, np.ndarray]:
        return {k: v / max(self.n, 1) for k, v in self.total.items()}


def model_maps(model: DrugMarketModel) -> dict[str, np.ndarray]:
    """Today's dealing, disorder and share of households outdoors, indexed [y, x]."""
    space, res = model.space, model.residents
    outdoors = np.full((space.width, space.height), np.nan)
    outdoors[res.x, res.y] = res.outdoors
    return {
        "dealing": space.field("dealing").T.copy(),
        "disorder": space.field("disorder").T.copy(),
        "residents_outdoors": outdoors.T,
    }


def simulate(
    scenario: str | Path = "baseline",
    seed: int = 0,
    days: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Result:
    """Run one scenario for ``days`` (default ``run.days``) with seed ``seed``."""
    extra = dict(overrides or {})
    if days is not None:
        extra["run.days"] = days
    params = load_params(scenario, extra)
    n_days = params["run.days"]
    start = params["run.intervention_start"]
    model = DrugMarketModel(params, rng=seed)
    before, after = _MapAverager(), _MapAverager()
    if start == 0:
        before.add(model)  # nothing happens before the policy: the starting state
    for day in range(n_days):
        model.step()
        if start - 30 <= day < start:
            before.add(model)
        if day >= n_days - 90:
            after.add(model)
    ts = model.observer.frame()
    return Result(
        scenario=params.scenario,
        seed=seed,
        params=dict(params.values),
        timeseries=ts,
        summary=summarise(ts, params),
        maps={"before": before.mean(), "after": after.mean()},
    )


def trace(params: Params, seed: int, first_day: int = 0) -> Iterator[dict[str, Any]]:
    """A run of ``params`` with ``seed`` as snapshots (``DrugMarketModel.snapshot``): the
    state on day ``first_day``, then one after every further day, for as long as asked."""
    model = DrugMarketModel(params, rng=seed)
    for _ in range(first_day):
        model.step()
    yield model.snapshot()
    while True:
        model.step()
        yield model.snapshot()


def zone_masks(params: Params) -> dict[str, np.ndarray]:
    """The market area and its catchment ring as boolean images indexed [y, x]."""
    market, ring = zones(
        params["space.width"],
        params["space.height"],
        params["space.market_size"],
        params["space.catchment_width"],
    )
    return {"market_mask": market.T.copy(), "catchment_mask": ring.T.copy()}


def series_names() -> tuple[str, ...]:
    """The columns of every run's daily series, in order (``day`` first)."""
    return tuple(COLUMNS)
