"""Unit tests of the model's space (``dmi_sim.model``); see tests/model_support.py."""

from __future__ import annotations

import numpy as np
import pytest
from model_support import make

from dmi_sim.model.agents.police import Officer
from dmi_sim.model.space import box_sum


def _box_sum_brute(values: np.ndarray, r: int) -> np.ndarray:
    w, h = values.shape
    out = np.zeros((w, h))
    for x in range(w):
        for y in range(h):
            for dx in range(-r, r + 1):
                for dy in range(-r, r + 1):
                    if 0 <= x + dx < w and 0 <= y + dy < h:
                        out[x, y] += values[x + dx, y + dy]
    return out


@pytest.mark.parametrize("shape", [(7, 11), (20, 20), (1, 5), (13, 4)])
@pytest.mark.parametrize("radius", [0, 1, 2, 3, 9])
def test_box_sum_matches_brute_force(shape, radius):
    rng = np.random.default_rng(shape[0] * 100 + shape[1] + radius)
    for values in (
        rng.random(shape),
        rng.integers(0, 5, shape),
        rng.random(shape) < 0.3,
        np.zeros(shape),
    ):
        got = box_sum(values, radius)
        assert got.shape == shape
        np.testing.assert_allclose(
            got, _box_sum_brute(values.astype(float), radius), rtol=1e-12, atol=1e-9
        )


def test_box_sum_does_not_modify_its_input_and_returns_floats():
    values = np.arange(12).reshape(3, 4)
    copy = values.copy()
    out = box_sum(values, 1)
    np.testing.assert_array_equal(values, copy)
    assert out.dtype.kind == "f"
    out0 = box_sum(values, 0)
    out0[0, 0] = 99.0
    np.testing.assert_array_equal(values, copy)


def test_zones_market_in_the_centre_and_ring_around_it():
    m = make({"space.market_size": 4, "space.catchment_width": 2})
    market, ring = m.space.market, m.space.catchment
    assert market.sum() == 16
    assert not (market & ring).any()
    assert ring.sum() == (4 + 2 * 2) ** 2 - 16
    xs, ys = np.nonzero(market)
    assert (xs.min() + xs.max()) / 2 == pytest.approx((20 - 1) / 2, abs=0.5)
    assert (ys.min() + ys.max()) / 2 == pytest.approx((20 - 1) / 2, abs=0.5)


def test_officers_are_the_model_s_only_mesa_agents():
    """Sellers, buyers and households are rows of their populations' columns (no per-person
    Mesa agents, docs/ODD.md); officers are Mesa agents, one per officer of the force."""
    m = make({"police.officers": 3})
    assert set(m.agents_by_type) == {Officer}
    assert len(m.agents_by_type[Officer]) == 3
