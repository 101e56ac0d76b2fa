"""Unit tests of the model's justice and services (see tests/model_support.py)."""

from __future__ import annotations

import numpy as np
import pytest
from model_support import make, run

from dmi_sim.model.agents.sellers import SellerState
from dmi_sim.params import load_params


def _active_seller(m) -> int:
    """An active seller without a criminal record."""
    idx = np.flatnonzero(m.sellers.active & ~m.sellers.record)
    assert idx.size > 0
    return int(idx[0])


@pytest.mark.parametrize("custody", [0.0, 1.0])
def test_arrest_then_prison_or_release(custody):
    m = run(
        make(
            {
                "justice.custody_prob_low": custody,
                "justice.custody_prob_high": custody,
                "justice.pretrial_days": 2.0,
                "justice.sentence_days": 6.0,
                "sellers.record_wage_penalty": 0.3,
                "sellers.own_arrest_risk": 0.07,
            }
        ),
        5,
    )
    s = m.sellers
    j = _active_seller(m)
    assert not s.record[j]
    wage, arrests, day = s.wage[j], m.tally["arrests_sellers"], m.day
    m.justice.arrest(j)
    assert s.state[j] == SellerState.ARRESTED
    assert s.record[j]
    assert s.wage[j] == pytest.approx(0.7 * wage)
    assert s.timer[j] > day
    assert m.tally["arrests_sellers"] == arrests + 1
    assert m.arrests_on_cells[s.x[j], s.y[j]] >= 1
    states = []
    for _ in range(200):
        m.step()
        states.append(int(s.state[j]))
        if states[-1] not in (SellerState.ARRESTED, SellerState.INCARCERATED):
            break
    if custody == 1.0:
        assert SellerState.INCARCERATED in states
    else:
        assert SellerState.INCARCERATED not in states
    # Back in the community with a record, the vivid risk of someone just arrested, and the
    # record's wage loss applied once only.
    assert states[-1] in (SellerState.POOL, SellerState.DETERRED)
    assert s.record[j]
    assert s.perceived_risk[j] >= 0.07 * 0.9  # may have started to fade the same day
    assert s.wage[j] == pytest.approx(0.7 * wage)
    m.justice.arrest(j)
    assert s.wage[j] == pytest.approx(0.7 * wage)


def test_held_sellers_leave_the_market_and_are_counted():
    m = run(make({"justice.pretrial_days": 50.0}), 5)
    idx = np.flatnonzero(m.sellers.active)[:3]
    for j in idx:
        m.justice.arrest(int(j))
    m.step()
    assert np.all(~m.sellers.active[idx])
    ts = m.observer.frame()
    held = np.isin(m.sellers.state, (SellerState.ARRESTED, SellerState.INCARCERATED)).sum()
    assert ts["incarcerated"].iloc[-1] == held >= 3


def test_executed_credible_case_and_coordinated_prosecution_mean_prison():
    m = run(
        make(
            {
                "justice.custody_prob_low": 0.0,
                "justice.custody_prob_high": 0.0,
                "justice.coordinated_custody_prob": 1.0,
                "justice.pretrial_days": 1.0,
                "justice.sentence_days": 500.0,
                "justice.coordinated_sentence_days": 500.0,
            }
        ),
        5,
    )
    s = m.sellers
    idx = np.flatnonzero(s.active)
    assert idx.size >= 3
    banked, coordinated, ordinary = (int(j) for j in idx[:3])
    s.banked_case[banked] = s.credible_case[banked] = True
    m.justice.arrest(banked)
    assert not s.banked_case[banked]  # the case is used up
    m.justice.arrest(coordinated, coordinated=True)
    m.justice.arrest(ordinary)
    run(m, 30)
    assert s.state[banked] == SellerState.INCARCERATED
    assert s.state[coordinated] == SellerState.INCARCERATED
    assert s.state[ordinary] != SellerState.INCARCERATED


def test_services_capacity_and_outcome():
    m = run(
        make(
            {
                "services.slots": 2,
                "services.uptake": 1.0,
                "services.duration_days": 3,
                "services.success_prob": 1.0,
                "services.wage_gain": 1.0,
                "police.officers": 0,  # no arrests (and no record's wage loss)
                "sellers.consider_rate": 0.001,
            }
        ),
        2,
    )  # and hardly anyone starts dealing
    s = m.sellers
    called = np.flatnonzero(~s.active & (s.state == SellerState.POOL))[:5]
    s.state[called] = SellerState.CALLED_IN
    s.ever_called_in[called] = True
    s.timer[called] = m.day + 100
    wage = s.wage.copy()
    taken = m.justice.offer_services(called)
    assert taken == 2
    in_services = called[s.state[called] == SellerState.IN_SERVICES]
    assert in_services.size == 2
    run(m, 4)
    p = load_params("baseline")
    gain = p["sellers.legal_wage_hourly"] * p["sellers.dealing_hours_per_day"]
    finished = in_services[s.state[in_services] == SellerState.DESISTED]
    assert finished.size >= 1  # (one who starts dealing again leaves the programme early)
    assert np.all(s.wage[finished] == pytest.approx(wage[finished] + gain))
    assert np.all(np.isin(s.state[in_services], (SellerState.DESISTED, SellerState.ACTIVE)))
