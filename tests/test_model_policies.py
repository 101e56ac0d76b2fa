"""Unit tests of the model's policies (``dmi_sim.model``); see tests/model_support.py."""

from __future__ import annotations

import numpy as np
import pytest
from model_support import make, run

from dmi_sim.model.agents.sellers import SellerState


def test_crackdown_sweeps_follow_period_and_duration():
    period, duration, start, officers = 10, 3, 20, 7
    m = make(
        {
            "policy.strategy": "crackdown",
            "crackdown.period_days": period,
            "crackdown.duration_days": duration,
            "crackdown.officers": officers,
            "run.intervention_start": start,
        }
    )
    hours = m.params["police.hours_per_officer"]
    for day in range(0, 120):
        expected = day >= start and (day - start) % period < duration
        assert m.policy.sweeping(day) == expected, day
    for _ in range(60):
        day = m.day
        m.step()
        sweep = day >= start and (day - start) % period < duration
        assert ("sweep" in m.events) == sweep, day
        directed = m.police.plan.directed_budget
        assert directed == pytest.approx(officers * hours if sweep else 0.0)
        in_market = m.police.plan.directed_hours[m.space.market]
        assert (in_market.min() > 0) == sweep
    assert sum(1 for d in range(start, 60) if m.policy.sweeping(d)) == 12


def test_crackdown_never_sweeps_when_it_ends_and_sweeps_always_if_d_ge_p():
    m = make(
        {
            "policy.strategy": "crackdown",
            "crackdown.period_days": 5,
            "crackdown.duration_days": 5,
            "run.intervention_start": 0,
        }
    )
    assert all(m.policy.sweeping(d) for d in range(50))
    seq = make(
        {
            "policy.strategy": "crackdown_then_dmi",
            "run.intervention_start": 10,
            "sequence.dmi_start": 40,
            "crackdown.period_days": 10,
            "crackdown.duration_days": 2,
            "dmi.investigation_days": 20,
        }
    )
    events = {}
    for _ in range(70):
        day = seq.day
        seq.step()
        events[day] = list(seq.events)
    sweeps = sorted(d for d, e in events.items() if "sweep" in e)
    assert sweeps == [10, 11, 20, 21, 30, 31]
    assert "investigation" in events[40] and "call_in" in events[60]
    assert all("sweep" not in events[d] for d in range(40, 70))


def test_hotspot_patrol_from_start_day():
    m = make({"policy.strategy": "hotspot", "hotspot.officers": 3, "run.intervention_start": 5})
    hours = m.params["police.hours_per_officer"]
    for _ in range(10):
        day = m.day
        m.step()
        assert m.police.plan.directed_budget == pytest.approx(3 * hours if day >= 5 else 0)


DMI_FAST = {
    "policy.strategy": "dmi",
    "run.intervention_start": 30,
    "dmi.investigation_days": 12,
    "dmi.buys_per_day": 20.0,
    "dmi.buy_hours": 1.0,
    "dmi.officers": 10,
    "dmi.buys_for_case": 2,
    "dmi.call_in_capacity": 500,
    "dmi.credible_case_share": 1.0,
    "dmi.call_in_risk": 0.05,
    "services.slots": 3,
    "sellers.initial_active": 25,
    "dmi.followup_window_days": 20,
}


def test_dmi_phases():
    m = make(DMI_FAST)
    pol = m.policy
    assert pol.phase(29) == "before"
    assert pol.phase(30) == "investigation" and pol.phase(41) == "investigation"
    assert pol.phase(42) == "call_in"
    assert pol.phase(43) == "maintenance"
    assert pol.phase(42 + m.params["dmi.maintenance_days"]) == "after"


def test_dmi_call_in_banks_cases_against_identified_low_risk_sellers():
    m = make(DMI_FAST, seed=2)
    call_in_day = m.policy.call_in_day
    team = m.params["dmi.officers"] * m.params["police.hours_per_officer"]
    run(m, call_in_day)
    s = m.sellers
    # Investigation: buys only from sellers in or around the market, within the team's time.
    assert 0 < s.buys.sum() <= 12 * team / m.params["dmi.buy_hours"]
    at_large = np.isin(s.state, (SellerState.ACTIVE, SellerState.POOL, SellerState.DETERRED))
    identified = (s.buys >= 2) & at_large
    low = np.flatnonzero(identified & ~s.high_risk)
    high = np.flatnonzero(identified & s.high_risk)
    assert low.size >= 3, "the test needs several identified low-risk sellers"
    assert m.tally["called_in"] == 0
    m.step()  # the call-in day
    assert "call_in" in m.events
    assert np.all(np.isin(s.state[low], (SellerState.CALLED_IN, SellerState.IN_SERVICES)))
    assert np.all(s.banked_case[low]) and np.all(s.credible_case[low])
    assert np.all(s.ever_called_in[low])
    assert np.all(s.perceived_risk[low] >= 0.05)
    assert (s.state[low] == SellerState.IN_SERVICES).sum() <= 3
    assert np.all(s.state[high] == SellerState.ARRESTED)  # take-down of high-risk sellers
    assert not np.any(s.banked_case[high])
    assert m.tally["called_in"] == low.size
    ts = m.observer.frame()
    assert ts["called_in"].iloc[-1] == low.size
    assert ts["banked_cases"].iloc[-1] == low.size
    assert m.police.hours_used() <= m.police.budget() + 1e-9
    # Sellers who were not identified are left alone by the call-in.
    assert not np.any(s.ever_called_in[~identified])
    # The follow-up window closes: the called-in who did not deal again count as desisted.
    run(m, 21)
    stayed_out = low[~s.relapsed[low] & (s.state[low] != SellerState.IN_SERVICES)]
    assert np.all(
        np.isin(
            s.state[stayed_out],
            (SellerState.DESISTED, SellerState.ARRESTED, SellerState.INCARCERATED),
        )
    )


def test_dmi_without_credible_cases_banks_nothing_credible():
    m = run(
        make({**DMI_FAST, "dmi.credible_case_share": 0.0}, seed=2),
        DMI_FAST["run.intervention_start"] + DMI_FAST["dmi.investigation_days"] + 1,
    )
    s = m.sellers
    assert s.ever_called_in.sum() > 0
    assert not np.any(s.credible_case)


def test_a_dmi_investigation_without_a_case_is_called_off_with_no_message():
    """No investigators, no buys, no case: nobody to call in, so no call-in, no message
    under sellers' perceived risk and no mobilised community (the threat is the banked
    case); the full DMI on the same seed sends all three."""
    community = {"dmi.community": True, "dmi.community_awareness": 1.0}
    idle = make({**DMI_FAST, **community, "dmi.officers": 0}, seed=2)
    full = make({**DMI_FAST, **community}, seed=2)
    days = DMI_FAST["run.intervention_start"] + DMI_FAST["dmi.investigation_days"] + 20
    events = []
    for _ in range(days):
        idle.step()
        full.step()
        events += idle.events
    assert idle.sellers.buys.sum() == 0
    assert "called_off" in events and "call_in" not in events and "maintenance" not in events
    assert idle.policy.phase(idle.day) == "after"
    assert idle.sellers.message == 0.0 and not idle.residents.aware.any()
    assert idle.tally["called_in"] == 0 and not idle.sellers.ever_called_in.any()
    assert full.sellers.message > 0.0 and full.residents.aware.any()
    assert full.tally["called_in"] > 0


def test_dmi_community_component_engages_residents():
    community = {
        "dmi.community_awareness": 1.0,
        "dmi.community_participation": 0.7,
        "dmi.mobilisation_days": 30,
        "dmi.mobilisation_boost": 0.6,
        "dmi.trust_gain": 0.003,
        "dmi.maintenance_days": 100,
    }
    with_c = run(make({**DMI_FAST, **community, "dmi.community": True}, seed=2), 44)
    without = run(make({**DMI_FAST, "dmi.community": False}, seed=2), 44)
    res = with_c.residents
    # full awareness reaches every household; only newcomers who moved in since are not aware
    assert (~res.aware).sum() <= res.moved_out and res.aware.mean() > 0.9 and res.engaged
    assert with_c.residents.pull > 0 and with_c.policy.trust_gain > 0
    assert not without.residents.aware.any() and without.residents.pull == 0
