"""Morris and Sobol objects on functions with known answers, and their one flag."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as salib_sobol

from dmi_sim.studies.sensitivity.methods import DesignMismatch, Morris, Sobol, problem

NAMES = ["strong", "weak", "dummy"]


def linear(unit: np.ndarray) -> pd.DataFrame:
    """y = 10 a + b; the third column is never read."""
    return pd.DataFrame({"y": 10 * unit[:, 0] + unit[:, 1]})


def test_morris_ranks_a_known_function() -> None:
    morris = Morris(trajectories=10, levels=4)
    unit = morris.sample(NAMES, np.random.default_rng(1))
    indices = morris.analyse(NAMES, unit, linear(unit), seed=3).set_index("factor")
    assert list(indices.sort_values("rank").index) == NAMES
    assert indices.loc["strong", "mu_star"] == pytest.approx(10)  # per full range
    assert indices.loc["dummy", "mu_star"] == 0


def test_sobol_indices_at_n_and_2n_of_a_known_function() -> None:
    sobol = Sobol(n=256)
    unit = sobol.sample(NAMES, np.random.default_rng(1))
    assert unit.shape == (sobol.n_points(3), 3)
    indices = sobol.analyse(NAMES, unit, linear(unit), seed=3)
    assert sorted(indices["n"].unique()) == [256, 512]
    big = indices[indices["n"] == 512].set_index("factor")
    assert big.loc["strong", "S1"] == pytest.approx(100 / 101, abs=0.03)
    assert big.loc["weak", "ST"] == pytest.approx(1 / 101, abs=0.01)
    assert big.loc["dummy", "ST"] == pytest.approx(0, abs=1e-12)


def test_the_2n_design_begins_with_the_n_design() -> None:
    """What makes the N vs 2N convergence check free: SALib's scrambled Sobol' sequence
    with one seed gives the N design as the first rows of the 2N design."""
    small = Sobol(n=8).sample(NAMES, np.random.default_rng(5))
    large = Sobol(n=16).sample(NAMES, np.random.default_rng(5))
    assert np.array_equal(large[: len(small)], small)


def test_sampler_and_analyser_flags_cannot_disagree() -> None:
    # The pitfall: handed the wrong calc_second_order, SALib can return numbers silently
    # (3 factors, 40 rows: 8 first-order blocks of 5, or 5 second-order blocks of 8).
    first_order = Sobol(n=4, second_order=False)
    unit = first_order.sample(NAMES, np.random.default_rng(2))
    y = linear(unit)
    salib_sobol.analyze(problem(NAMES), y["y"].to_numpy(), calc_second_order=True, seed=1)
    # Here the flag lives in one object: the analyser takes none of its own ...
    for method in (Sobol.analyse, Morris.analyse):
        params = inspect.signature(method).parameters
        assert not {"calc_second_order", "second_order", "num_levels", "levels"} & set(params)
    # ... and refuses a design made with other settings.
    with pytest.raises(DesignMismatch, match="expects 64 design points"):
        Sobol(n=4, second_order=True).analyse(NAMES, unit, y, seed=1)
    with pytest.raises(DesignMismatch):
        Morris(trajectories=7).analyse(NAMES, unit, y, seed=1)
