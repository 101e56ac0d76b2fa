"""Unit tests of the model's residents (``dmi_sim.model``); see tests/model_support.py."""

from __future__ import annotations

import numpy as np
import pytest
from model_support import make, run

from dmi_sim.model.space import box_sum


def _centre_block(m, size=3):
    w, h = m.space.width, m.space.height
    block = np.zeros((w, h))
    x0, y0 = w // 2 - size // 2, h // 2 - size // 2
    block[x0 : x0 + size, y0 : y0 + size] = 1.0
    return block


def test_visible_dealing_raises_fear_over_days():
    overrides = {
        "residents.exposure_dealing": 0.8,
        "residents.fear_rate": 0.05,
        "residents.initial_fear": 0.1,
        "residents.sight_radius": 2,
    }
    dealing, calm = make(overrides, seed=5), make(overrides, seed=5)
    block = _centre_block(dealing)
    sellers = 5.0 * block
    near = box_sum(block, 2)[dealing.residents.x, dealing.residents.y] > 0
    assert near.sum() >= 5
    history = []
    for _ in range(40):
        dealing.residents.live(sellers, np.zeros_like(sellers))
        calm.residents.live(np.zeros_like(sellers), np.zeros_like(sellers))
        history.append(dealing.residents.fear[near].mean())
    assert history[-1] > history[9] > history[0] > 0.1
    assert dealing.residents.fear[near].mean() > calm.residents.fear[near].mean() + 0.1
    assert np.all((dealing.residents.fear >= 0) & (dealing.residents.fear <= 1))


def test_reports_need_visible_dealing():
    m = make(
        {
            "residents.report_prob": 1.0,
            "residents.initial_trust": 1.0,
            "residents.initial_fear": 0.0,
            "residents.initial_outdoors": 1.0,
        }
    )
    zero = np.zeros((m.space.width, m.space.height))
    m.residents.live(zero, zero)
    assert m.residents.drug_reports == 0
    m.residents.live(5.0 * _centre_block(m), zero)
    assert m.residents.drug_reports > 0
    assert m.residents.reports_on_cells.sum() == m.residents.drug_reports


def test_arrests_seen_cost_trust():
    overrides = {"residents.trust_arrest_loss": 0.05, "residents.initial_trust": 0.5}
    seen, unseen = make(overrides, seed=6), make(overrides, seed=6)
    arrests = 3.0 * _centre_block(seen)
    zero = np.zeros_like(arrests)
    for _ in range(5):
        seen.residents.live(zero, arrests)
        unseen.residents.live(zero, zero)
    near = (
        box_sum(arrests, seen.params["residents.sight_radius"])[seen.residents.x, seen.residents.y]
        > 0
    )
    assert seen.residents.trust[near].mean() < unseen.residents.trust[near].mean() - 0.1
    assert np.all(seen.residents.trust >= 0)


def test_lasting_fear_moves_households_out():
    m = make(
        {
            "residents.move_rate": 1.0,
            "residents.move_threshold": 0.1,
            "residents.initial_fear": 1.0,
            "residents.fear_rate": 0.0,
            "residents.newcomer_efficacy": 0.05,
        }
    )
    zero = np.zeros((m.space.width, m.space.height))
    n = m.residents.n
    m.residents.live(zero, zero)
    assert m.residents.moved_out > 0
    assert m.residents.n == n  # a household that leaves is replaced
    moved = m.residents.fear == 0.0
    assert moved.sum() == m.residents.moved_out
    assert np.allclose(m.residents.efficacy[moved], 0.05)


def test_informal_control_is_exerted_by_the_corners_neighbours_only():
    """Q counts the households with a market cell in sight: the rest of the neighbourhood
    being out on the street does not watch the corner (Jacobs 1961)."""
    m = make()
    res = m.residents
    eyes = res.overlooks_market
    assert 0 < eyes.sum() < res.n
    near = box_sum(m.space.market, m.params["residents.sight_radius"])[res.x, res.y] > 0
    assert np.array_equal(eyes, near)
    res.fear[:], res.efficacy[:], res.trust[:] = 0.0, 1.0, 1.0
    res.outdoors = ~eyes  # everyone out but the corner's neighbours
    res._exert_informal_control()
    assert res.informal_control == 0.0
    res.outdoors = eyes.copy()
    res._exert_informal_control()
    assert res.informal_control == 1.0
    res.trust[:] = 0.5  # legal cynicism halves it (Kirk & Matsuda 2011)
    res._exert_informal_control()
    assert res.informal_control == pytest.approx(0.5)


def test_informal_control_deters_dealing():
    """Sellers read the corner's informal control as risk: the same sellers value dealing
    less on a watched corner, by watch_risk x Q^k x sanction cost."""
    m = run(make(), 5)
    s = m.sellers
    m.residents.informal_control = 0.0
    u0, unwatched = s.utilities()
    m.residents.informal_control = 0.6
    _, watched = s.utilities()
    extra = s.p["watch_risk"] * 0.6 ** s.p["watch_exponent"] * s.sanction_cost()
    assert np.allclose(unwatched - watched, extra)
    assert (extra > 0).all()
