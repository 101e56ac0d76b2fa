"""Unit tests of the model's buyers and market (``dmi_sim.model``); see tests/model_support.py."""

from __future__ import annotations

import numpy as np
import pytest
from model_support import make, run

from dmi_sim.model.agents.sellers import SellerState


def test_no_sellers_no_sales_and_buyers_drift_away():
    m = make(
        {
            "sellers.initial_active": 0,
            "buyers.failure_loss": 0.15,
            "buyers.return_rate": 0.02,
            "buyers.success_gain": 0.2,
        }
    )
    # Nobody can deal: the whole pool is inside for longer than the test runs.
    m.sellers.state[:] = SellerState.INCARCERATED
    m.sellers.timer[:] = 10**6
    usual = m.buyers.usual.copy()
    means = []
    for _ in range(30):
        m.step()
        means.append(m.buyers.propensity.mean())
    ts = m.observer.frame()
    assert (ts["active_sellers"] == 0).all()
    assert (ts["transactions"] == 0).all()
    assert ts["buyer_visits"].sum() > 0
    assert means[-1] < 0.6 * usual.mean()
    assert all(b <= a + 1e-12 for a, b in zip(means, means[1:], strict=False))


def test_market_sales_are_conserved_and_go_to_active_sellers_only():
    m = run(make(), 10)
    for _ in range(5):
        sales = m.market.trade(m.police.police_at_market())
        total = m.market.sales_per_cell.sum()
        assert total > 0
        assert sales.sum() == pytest.approx(total, rel=1e-9)
        assert np.all(sales[~m.sellers.active] == 0)
        assert np.all(sales >= 0)
        assert total == m.buyers.found.sum() <= m.buyers.visited.sum()


def test_police_presence_keeps_buyers_away():
    aversion = {"buyers.police_aversion_local": 0.3, "buyers.police_aversion_nonlocal": 1.0}
    quiet = make(aversion, seed=3)
    crowded = make(aversion, seed=3)
    for mdl, police in ((quiet, 0.0), (crowded, 5.0)):
        mdl.step()
        visits = [int(mdl.buyers.visit(police, 0.0).sum()) for _ in range(10)]
        mdl.visits = np.mean(visits)
    assert crowded.visits < 0.7 * quiet.visits
