"""The compiled kernels (``dmi_sim.model.kernels``) do what the numpy code did, to the bit:
the box sum against a sequential sum along x then y (the order the kernel promises, so a
seed's run does not depend on a BLAS library's summation order), and a day of household
life as kernels against the same day as the numpy methods, on twin models."""

from __future__ import annotations

import numpy as np
import pytest
from model_support import make

from dmi_sim.model import kernels
from dmi_sim.model.space import box_sum
from dmi_sim.model.stream import stream_of


def _sequential_box_sum(values: np.ndarray, r: int) -> np.ndarray:
    w, h = values.shape
    along_x = np.zeros((w, h))
    for x in range(w):
        for k in range(max(0, x - r), min(w, x + r + 1)):
            along_x[x] += values[k]
    out = np.zeros((w, h))
    for y in range(h):
        for k in range(max(0, y - r), min(h, y + r + 1)):
            out[:, y] += along_x[:, k]
    return out


def _twins(scenario: str, seed: int, swap: str):
    """Two runs of the same scenario and seed over 120 days, the second with the method
    ``swap`` ("police.deploy") replaced by its numpy reference (``..._stepwise``)."""
    short = {"run.intervention_start": 40, "dmi.investigation_days": 20}
    kernel_run, numpy_steps = (make(short, scenario=scenario, seed=seed) for _ in range(2))
    part, method = swap.rsplit(".", 1)
    owner = getattr(numpy_steps, part)
    setattr(owner, method, getattr(owner, f"{method}_stepwise"))
    for _ in range(120):
        kernel_run.step()
        numpy_steps.step()
    return kernel_run, numpy_steps


@pytest.mark.parametrize("shape", [(40, 40), (17, 9), (3, 60)])
@pytest.mark.parametrize("radius", [1, 2, 3, 7])
def test_box_sum_is_the_sequential_sum_to_the_bit(shape, radius):
    rng = np.random.default_rng(radius)
    values = rng.random(shape) * 10.0 ** rng.integers(-6, 6, shape)
    np.testing.assert_array_equal(box_sum(values, radius), _sequential_box_sum(values, radius))


def test_a_day_of_household_life_as_kernels_equals_the_numpy_steps():
    # a DMI whose call-in (community mobilised, reports boosted) falls inside the 150 days
    short = {"run.intervention_start": 40, "dmi.investigation_days": 20}
    kernels, numpy_steps = (make(short, scenario="dmi", seed=3) for _ in range(2))
    numpy_steps.residents.live = numpy_steps.residents.live_stepwise
    for _ in range(150):
        kernels.step()
        numpy_steps.step()
    a, b = kernels.residents, numpy_steps.residents
    assert a.aware.any() and a.report_boost > 0  # the DMI's community work was exercised
    for column in ("fear", "efficacy", "trust", "outdoors", "aware"):
        np.testing.assert_array_equal(getattr(a, column), getattr(b, column), err_msg=column)
    assert kernels.observer.rows == numpy_steps.observer.rows


@pytest.mark.parametrize("n", [*range(0, 140), 255, 256, 257, 945, 1600, 9000, 20_000])
def test_numpy_sum_adds_in_numpys_pairwise_order(n):
    rng = np.random.default_rng(n)
    values = rng.random(n) * 10.0 ** rng.uniform(-6, 6, n)  # orders of magnitude apart
    assert kernels.numpy_sum(values) == np.add.reduce(values)
    mask = rng.random(n) < 0.4
    assert kernels.masked_sum(values, mask) == np.add.reduce(values[mask])
    assert kernels.cells_sum(values, np.flatnonzero(mask)) == np.add.reduce(values[mask])
    assert kernels.numpy_sum(values.reshape(1, n)) == np.add.reduce(values, axis=None)


@pytest.mark.parametrize("scenario", ["dmi", "crackdown", "hotspot"])
def test_the_observers_kernel_records_the_numpy_rows(scenario):
    kernel_run, numpy_run = _twins(scenario, 5, "observer.record")
    assert kernel_run.observer.frame()["arrests_sellers"].sum() > 0  # the counts moved
    assert kernel_run.observer.rows == numpy_run.observer.rows
    for a, b in zip(kernel_run.observer.rows, numpy_run.observer.rows, strict=True):
        assert [type(v) for v in a] == [type(v) for v in b]


@pytest.mark.parametrize("cells", [1, 2, 3, 8, 1600, 1601])
def test_placement_search_is_numpys_searchsorted(cells):
    rng = np.random.default_rng(cells)
    for _ in range(50):
        cdf = np.cumsum(rng.random(cells) ** 2 * (rng.random(cells) < 0.3) + 1e-9)
        values = np.concatenate([rng.random(40) * cdf[-1] * 1.1, cdf, [0.0, -1.0]])
        found = [kernels.search_right(cdf, v) for v in values]
        np.testing.assert_array_equal(found, np.searchsorted(cdf, values, side="right"))


def test_field_means_are_numpys_means_to_the_bit():
    m = make({}, scenario="dmi", seed=2)
    for _ in range(30):
        m.step()
    space = m.space
    for name in ("disorder", "reputation", "guardianship", "police"):
        values = space.field(name)
        assert space.mean(values) == values.mean()
        assert space.market_mean(values) == values[space.market].mean()


@pytest.mark.parametrize("scenario", ["dmi", "crackdown"])
def test_a_day_of_trade_as_kernels_equals_the_buyers_steps(scenario):
    kernel_run, numpy_steps = _twins(scenario, 4, "market.trade")
    a, b = kernel_run.buyers, numpy_steps.buyers
    assert kernel_run.observer.frame()["transactions"].sum() > 0  # buyers found sellers
    for column in ("propensity", "knows_market", "visited", "found", "x", "y"):
        np.testing.assert_array_equal(getattr(a, column), getattr(b, column), err_msg=column)
    assert a.reliability == b.reliability
    assert kernel_run.market.entrant_profit == numpy_steps.market.entrant_profit
    np.testing.assert_array_equal(
        kernel_run.space.field("reputation"), numpy_steps.space.field("reputation")
    )
    assert kernel_run.observer.rows == numpy_steps.observer.rows


@pytest.mark.parametrize("scenario", ["dmi", "crackdown", "hotspot"])
def test_police_deployment_in_one_pass_equals_its_steps(scenario):
    kernel_run, numpy_steps = _twins(scenario, 6, "police.deploy")
    a, b = kernel_run.police, numpy_steps.police
    assert a.off_street > 0 or kernel_run.observer.frame()["arrests_sellers"].sum() > 0
    for column in ("field", "arrest_work", "attention"):
        np.testing.assert_array_equal(getattr(a, column), getattr(b, column), err_msg=column)
    np.testing.assert_array_equal(kernel_run.space.police_seen, numpy_steps.space.police_seen)
    assert (a.response_hours, a.off_street, a.arrest_capacity) == (
        b.response_hours,
        b.off_street,
        b.arrest_capacity,
    )
    assert kernel_run.observer.rows == numpy_steps.observer.rows


def test_rows_drawn_are_numpys_rows():
    rng = np.random.default_rng(8)
    state = rng.integers(0, 8, 500).astype(np.int8)
    in_states = rng.random(8) < 0.5
    ours, numpys = np.random.default_rng(9), np.random.default_rng(9)
    np.testing.assert_array_equal(
        kernels.rows_drawn(state, in_states, stream_of(ours), 0.3),
        np.flatnonzero(in_states[state] & (numpys.random(500) < 0.3)),
    )
