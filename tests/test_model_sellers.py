"""Unit tests of the model's sellers (``dmi_sim.model``); see tests/model_support.py."""

from __future__ import annotations

import numpy as np
from model_support import make, run

from dmi_sim.model.agents.sellers import SellerState
from dmi_sim.params import load_params


def test_higher_perceived_risk_lowers_utility_but_not_riskless_utility():
    m = run(make(), 5)
    s = m.sellers
    u0, u = s.utilities()
    s.perceived_risk = s.perceived_risk + 0.01
    u0_b, u_b = s.utilities()
    np.testing.assert_array_equal(u0, u0_b)
    assert np.all(u_b < u)
    assert np.all(u <= u0 + 1e-12)


def test_credible_banked_case_raises_sanction_cost():
    m = make(
        {
            "justice.custody_prob_low": 0.3,
            "justice.custody_prob_high": 0.6,
            "sellers.high_risk_share": 0.3,
        }
    )
    s = m.sellers
    base = s.sanction_cost().copy()
    u_before = s.utilities()[1].copy()
    assert np.all(base > 0)
    j_low = int(np.flatnonzero(~s.high_risk)[0])
    j_high = int(np.flatnonzero(s.high_risk)[0])
    assert base[j_high] > base[j_low]  # higher custody probability, higher cost
    s.banked_case[[j_low, j_high]] = True  # banked but not credible: no change
    np.testing.assert_array_equal(s.sanction_cost(), base)
    s.credible_case[[j_low, j_high]] = True
    cost = s.sanction_cost()
    assert cost[j_low] > base[j_low] and cost[j_high] > base[j_high]
    others = np.ones(s.n, dtype=bool)
    others[[j_low, j_high]] = False
    np.testing.assert_array_equal(cost[others], base[others])
    # ... so, at the same perceived risk, dealing is worth less to them.
    u_after = s.utilities()[1]
    assert u_after[j_low] < u_before[j_low] and u_after[j_high] < u_before[j_high]


def test_sanction_cost_grows_with_sentence_and_is_capped_by_discounting():
    short = make({"justice.sentence_days": 100.0}).sellers.sanction_cost()
    long_ = make({"justice.sentence_days": 3000.0}).sellers.sanction_cost()
    assert np.all(long_ > short)
    p = load_params("baseline")
    cap = p["sellers.freedom_value_per_day"] / p["sellers.discount_rate"]
    assert np.all(long_ < cap)


def test_sellers_quit_when_dealing_does_not_pay():
    m = run(make({"sellers.quit_rate": 1.0}), 3)
    s = m.sellers
    active = s.active.copy()
    assert active.sum() > 0
    s.ever_called_in[np.flatnonzero(active)[0]] = True
    s.perceived_risk[:] = 1.0  # certain arrest tomorrow: nobody's dealing pays
    s.decide_to_sell()
    assert s.active.sum() == 0
    first = np.flatnonzero(active)[0]
    assert s.state[first] == SellerState.DESISTED
    others = active.copy()
    others[first] = False
    assert np.all(np.isin(s.state[others], (SellerState.POOL, SellerState.DETERRED)))


def test_entry_when_dealing_pays_and_deterrence_labels():
    m = run(make({"sellers.consider_rate": 1.0, "sellers.watch_risk": 0.0}), 2)
    s = m.sellers
    u0, u = s.utilities()
    free = np.isin(s.state, (SellerState.POOL, SellerState.DETERRED))
    recruits_before = m.tally["new_recruits"]
    s.decide_to_sell()
    # Everyone free for whom dealing pays enters (consider_rate 1).
    enters = free & (u > 0)
    assert np.all(s.state[enters] == SellerState.ACTIVE)
    assert m.tally["new_recruits"] - recruits_before == int(enters.sum())
    # Those who would deal were it not for the risk are DETERRED; the rest stay in the POOL.
    stay = free & ~enters
    deterred = stay & (u0 > 0) & (u <= 0)
    assert np.all(s.state[deterred] == SellerState.DETERRED)
    assert np.all(s.state[stay & ~deterred] == SellerState.POOL)


def test_spot_choice_never_worse_and_stays_within_radius():
    m = run(make({"sellers.police_avoidance": 50.0, "sellers.move_radius": 2}), 10)
    s, space = m.sellers, m.space
    idx = np.flatnonzero(s.active)
    assert idx.size > 0
    x0, y0 = s.x[idx].copy(), s.y[idx].copy()
    police = np.zeros((space.width, space.height))
    police[x0, y0] = 10.0  # police stand exactly where the sellers are
    space.police_seen = police

    def score(x, y):
        return (
            np.log(space.field("reputation")[x, y] + 0.01)
            - 50.0 * police[x, y]
            - s.p["guardian_avoidance"] * space.field("guardianship")[x, y]
        )

    before = score(x0, y0)
    s.choose_spot()
    x1, y1 = s.x[idx], s.y[idx]
    assert np.all(score(x1, y1) >= before - 1e-12)
    assert np.all(np.abs(x1 - x0) <= 2) and np.all(np.abs(y1 - y0) <= 2)
    assert np.all((x1 >= 0) & (x1 < space.width) & (y1 >= 0) & (y1 < space.height))
    assert np.mean((x1 != x0) | (y1 != y0)) > 0.5  # most step away from the police


def test_learning_moves_profit_and_risk_toward_what_is_observed():
    m = run(
        make(
            {
                "sellers.risk_learning_rate": 0.05,
                "sellers.vicarious_learning_rate": 0.01,
                "sellers.profit_learning_rate": 0.1,
            }
        ),
        5,
    )
    s = m.sellers
    active = s.active.copy()
    held = np.isin(s.state, (SellerState.ARRESTED, SellerState.INCARCERATED))
    profit0, risk0 = s.expected_profit.copy(), s.perceived_risk.copy()
    sales = np.where(active, 1000.0, 0.0)  # a bumper day
    connections0 = s.connections.copy()
    s.learn(sales, 0.5)
    assert np.all(s.expected_profit[active] > profit0[active])
    np.testing.assert_array_equal(s.expected_profit[~active], profit0[~active])
    assert np.all(s.perceived_risk[~held] > risk0[~held])
    np.testing.assert_array_equal(s.perceived_risk[held], risk0[held])
    # Active sellers learn faster than bystanders.
    gain = (s.perceived_risk - risk0) / (0.5 - risk0)
    bystanders = ~active & ~held
    if bystanders.any():
        assert gain[active].min() > gain[bystanders].max()
    # Dealing builds connections; time away from the corner wears them down.
    assert np.all(s.connections[active] >= connections0[active])
    assert np.all(s.connections[~active] <= connections0[~active])
    growing = active & (connections0 < 1.0)
    assert np.all(s.connections[growing] > connections0[growing])
