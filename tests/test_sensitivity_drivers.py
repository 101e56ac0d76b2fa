"""Which factors the DMI's advantage depends on: a factor is a driver only when its
difference between the halves of its range exceeds the dummy's by more than chance, at
``LEVEL`` (a bootstrap of both differences), not whenever it is the larger of the two.

With inert factors the old rule (|gap| above the dummy's |gap|) is a coin toss: about half
of them were called drivers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from dmi_sim.studies.kit.stats import LEVEL
from dmi_sim.studies.sensitivity.analyse import advantage_by_factor, resampling_units, space_rows
from dmi_sim.studies.sensitivity.design import Design
from dmi_sim.studies.sensitivity.methods import Method, Morris, Sobol

INERT = [f"inert_{i}" for i in range(5)]
NAMES = ["real", *INERT, "dummy"]
DATASETS = 30
SEEDS = 4  # seeds per design point


def _synthetic(method: Method, seed: int) -> tuple[Design, pd.DataFrame]:
    """A design where only ``real`` moves the advantage (its share rises from 0.2 to 0.8
    over its range); every resampling unit (a Morris trajectory) shares a random shift, as
    points with the same seeds do."""
    rng = np.random.default_rng(seed)
    unit = method.sample(NAMES, rng)
    space = SimpleNamespace(names=NAMES, seed=seed)
    design = Design(space, method, unit)  # type: ignore[arg-type]
    units = np.zeros(design.n_points, dtype=int)
    units[space_rows(design)] = resampling_units(design)
    shift = rng.normal(0.0, 0.1, units.max() + 1)[units]
    p = np.clip(0.2 + 0.6 * unit[:, 0] + shift, 0.0, 1.0)
    return design, pd.DataFrame({"all": rng.binomial(SEEDS, p) / SEEDS})


@pytest.mark.parametrize("method", [Sobol(n=32), Morris(trajectories=16)], ids=str)
def test_inert_factors_are_drivers_no_more_often_than_the_level_allows(method: Method) -> None:
    tables = [advantage_by_factor(*_synthetic(method, seed)) for seed in range(DATASETS)]
    inert = pd.concat(t[t["factor"].isin(INERT)] for t in tables)
    trials = len(inert)
    # at most 1 - LEVEL of inert factors by chance, plus the binomial spread of the count
    allowed = binom.ppf(LEVEL, trials, 1 - LEVEL) / trials
    assert inert["driver"].mean() <= allowed
    # the old rule on the same data: a coin toss, so this design tells the rules apart
    dummy_gap = pd.concat(
        [t.loc[t["factor"] == "dummy", "gap"].abs().repeat(len(INERT)) for t in tables]
    )
    old_rule = inert["gap"].abs().to_numpy() > dummy_gap.to_numpy()
    assert old_rule.mean() > allowed
    # and the real factor is still found
    real = pd.concat(t[t["factor"] == "real"] for t in tables)
    assert real["driver"].mean() >= LEVEL


def test_the_excess_interval_brackets_the_observed_excess() -> None:
    """The interval is of |gap| minus the dummy's |gap|; the dummy is the reference, with no
    interval of its own."""
    table = advantage_by_factor(*_synthetic(Sobol(n=32), 0)).set_index("factor")
    excess = table["gap"].abs().drop("dummy") - abs(table.at["dummy", "gap"])
    assert (table["excess_low"].drop("dummy") <= excess).all()
    assert (excess <= table["excess_high"].drop("dummy")).all()
    assert np.isnan(table.at["dummy", "excess_low"]) and not table.at["dummy", "driver"]


def test_morris_resamples_whole_trajectories() -> None:
    design, _ = _synthetic(Morris(trajectories=3), 0)
    units = resampling_units(design)
    assert np.array_equal(units, np.repeat(np.arange(3), len(NAMES) + 1))
