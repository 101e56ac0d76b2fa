"""Unit tests per submodel: space, sellers, buyers and market, police, justice and services,
residents, violence, and the policies (crackdown, hot spot, DMI, crackdown-then-DMI).

Models run on a 20x20 grid; parameters a test depends on are set explicitly so the tests
hold whatever defaults the calibration settles on.
"""

from __future__ import annotations

import numpy as np
import pytest

from dmi_sim.model import DrugMarketModel
from dmi_sim.model.agents.buyers import Buyer
from dmi_sim.model.agents.police import Officer
from dmi_sim.model.agents.residents import Resident
from dmi_sim.model.agents.sellers import Seller, SellerState
from dmi_sim.model.observe import COLUMNS
from dmi_sim.model.space import box_sum
from dmi_sim.params import load_params

SMALL = {"space.width": 20, "space.height": 20}


def make(overrides: dict | None = None, scenario: str = "baseline", seed: int = 0):
    return DrugMarketModel(load_params(scenario, {**SMALL, **(overrides or {})}), rng=seed)


def run(model: DrugMarketModel, days: int) -> DrugMarketModel:
    for _ in range(days):
        model.step()
    return model


# --- space ----------------------------------------------------------------------------------
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
        np.testing.assert_allclose(got, _box_sum_brute(values.astype(float), radius),
                                   rtol=1e-12, atol=1e-9)


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


def test_mesa_agents_are_registered_per_population():
    m = make({"sellers.pool_size": 37, "buyers.count": 55, "police.officers": 3})
    by_type = m.agents_by_type
    assert len(by_type[Seller]) == 37
    assert len(by_type[Buyer]) == 55
    assert len(by_type[Resident]) == m.residents.n == int(m.space.residential.sum())
    assert len(by_type[Officer]) == 3
    seller = by_type[Seller][5]
    seller.state = SellerState.DESISTED
    assert m.sellers.state[seller.index] == SellerState.DESISTED


# --- sellers --------------------------------------------------------------------------------
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
    m = make({"justice.custody_prob_low": 0.3, "justice.custody_prob_high": 0.6,
              "sellers.high_risk_share": 0.3})
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
        return (np.log(space.field("reputation")[x, y] + 0.01)
                - 50.0 * police[x, y]
                - s.p["guardian_avoidance"] * space.field("guardianship")[x, y])

    before = score(x0, y0)
    s.choose_spot()
    x1, y1 = s.x[idx], s.y[idx]
    assert np.all(score(x1, y1) >= before - 1e-12)
    assert np.all(np.abs(x1 - x0) <= 2) and np.all(np.abs(y1 - y0) <= 2)
    assert np.all((x1 >= 0) & (x1 < space.width) & (y1 >= 0) & (y1 < space.height))
    assert np.mean((x1 != x0) | (y1 != y0)) > 0.5  # most step away from the police


def test_learning_moves_profit_and_risk_toward_what_is_observed():
    m = run(make({"sellers.risk_learning_rate": 0.05, "sellers.vicarious_learning_rate": 0.01,
                  "sellers.profit_learning_rate": 0.1}), 5)
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


# --- buyers and market ----------------------------------------------------------------------
def test_no_sellers_no_sales_and_buyers_drift_away():
    m = make({"sellers.initial_active": 0, "buyers.failure_loss": 0.15,
              "buyers.return_rate": 0.02, "buyers.success_gain": 0.2})
    # Nobody can deal: the whole pool is inside for longer than the test runs.
    m.sellers.state[:] = SellerState.INCARCERATED
    m.sellers.timer[:] = 10**6
    usual = m.buyers.usual.copy()
    means = []
    for _ in range(20):
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


# --- police ---------------------------------------------------------------------------------
def test_more_beat_officers_larger_police_field_and_budget():
    few, many = make({"police.officers": 2}, seed=4), make({"police.officers": 10}, seed=4)
    for _ in range(3):
        few.step()
        many.step()
        hours = load_params("baseline")["police.hours_per_officer"]
        assert few.police.budget() == pytest.approx(2 * hours)
        assert many.police.budget() == pytest.approx(10 * hours)
        for mdl in (few, many):  # officers booking yesterday's arrests are off the street
            presence = mdl.space.field("police").sum()
            assert 0.7 * mdl.police.budget() <= presence <= mdl.police.budget() + 1e-9
        assert many.space.field("police").sum() > few.space.field("police").sum()
        assert many.police.arrest_capacity >= few.police.arrest_capacity
    none = run(make({"police.officers": 0}), 30)
    assert none.police.budget() == 0
    assert none.observer.frame()["arrests_sellers"].sum() == 0


def test_arrests_limited_by_officer_time():
    # Each arrest takes more hours than the whole beat has: the day's capacity (hours /
    # arrest-hours, rounded at random) is 0 or 1, and below 1 on average.
    m = run(make({"police.officers": 2, "police.hours_per_officer": 8.0,
                  "police.arrest_hours": 20.0, "police.arrest_productivity": 5.0,
                  "police.beat_arrest_share": 1.0}), 40)
    arrests = m.observer.frame()["arrests_sellers"] + m.observer.frame()["arrests_buyers"]
    assert (arrests <= 1).all()
    assert arrests.mean() < 0.95
    # Near-certain detection, 4 arrests' worth of hours a day.
    m = run(make({"police.officers": 4, "police.hours_per_officer": 8.0,
                  "police.arrest_hours": 8.0, "police.arrest_productivity": 5.0,
                  "police.beat_arrest_share": 1.0, "sellers.initial_active": 18}), 20)
    ts = m.observer.frame()
    assert ts["arrests_sellers"].sum() > 0
    assert (ts["arrests_sellers"] + ts["arrests_buyers"] <= 4).all()


# --- justice and services -------------------------------------------------------------------
def _active_seller(m) -> int:
    """An active seller without a criminal record."""
    idx = np.flatnonzero(m.sellers.active & ~m.sellers.record)
    assert idx.size > 0
    return int(idx[0])


@pytest.mark.parametrize("custody", [0.0, 1.0])
def test_arrest_then_prison_or_release(custody):
    m = run(make({"justice.custody_prob_low": custody, "justice.custody_prob_high": custody,
                  "justice.pretrial_days": 2.0, "justice.sentence_days": 6.0,
                  "sellers.record_wage_penalty": 0.3, "sellers.own_arrest_risk": 0.07}), 5)
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
    m = run(make({"justice.custody_prob_low": 0.0, "justice.custody_prob_high": 0.0,
                  "justice.coordinated_custody_prob": 1.0, "justice.pretrial_days": 1.0,
                  "justice.sentence_days": 500.0,
                  "justice.coordinated_sentence_days": 500.0}), 5)
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
    m = run(make({"services.slots": 2, "services.uptake": 1.0, "services.duration_days": 3,
                  "services.success_prob": 1.0, "services.wage_gain": 1.0,
                  "police.officers": 0,  # no arrests (and no record's wage loss)
                  "sellers.consider_rate": 0.001}), 2)  # and hardly anyone starts dealing
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


# --- residents ------------------------------------------------------------------------------
def _centre_block(m, size=3):
    w, h = m.space.width, m.space.height
    block = np.zeros((w, h))
    x0, y0 = w // 2 - size // 2, h // 2 - size // 2
    block[x0 : x0 + size, y0 : y0 + size] = 1.0
    return block


def test_visible_dealing_raises_fear_over_days():
    overrides = {"residents.exposure_dealing": 0.8, "residents.fear_rate": 0.05,
                 "residents.initial_fear": 0.1, "residents.sight_radius": 2}
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
    m = make({"residents.report_prob": 1.0, "residents.initial_trust": 1.0,
              "residents.initial_fear": 0.0, "residents.initial_outdoors": 1.0})
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
    near = box_sum(arrests, seen.params["residents.sight_radius"])[seen.residents.x,
                                                                  seen.residents.y] > 0
    assert seen.residents.trust[near].mean() < unseen.residents.trust[near].mean() - 0.1
    assert np.all(seen.residents.trust >= 0)


def test_lasting_fear_moves_households_out():
    m = make({"residents.move_rate": 1.0, "residents.move_threshold": 0.1,
              "residents.initial_fear": 1.0, "residents.fear_rate": 0.0,
              "residents.newcomer_efficacy": 0.05})
    zero = np.zeros((m.space.width, m.space.height))
    n = m.residents.n
    m.residents.live(zero, zero)
    assert m.residents.moved_out > 0
    assert m.residents.n == n  # a household that leaves is replaced
    moved = m.residents.fear == 0.0
    assert moved.sum() == m.residents.moved_out
    assert np.allclose(m.residents.efficacy[moved], 0.05)


# --- violence -------------------------------------------------------------------------------
def test_no_violence_without_its_sources():
    m = run(make({"violence.background_rate": 0.0, "violence.pair_rate": 0.0}), 30)
    assert m.observer.frame()["violent_incidents"].sum() == 0
    assert m.space.field("violence").sum() == 0


def test_competing_sellers_make_violence_where_they_stand():
    m = run(make({"violence.background_rate": 0.0, "violence.pair_rate": 0.05,
                  "sellers.initial_active": 18}), 3)
    before = m.space.field("violence").copy()
    n = m.violence.occur()
    assert n > 0
    new = m.space.field("violence") - before * (1 - 1 / 30.0)
    cells = new > 1e-9
    on_cells = m.sellers.count_on_cells()
    assert np.all(on_cells[cells] > 0)  # market incidents happen where sellers stand


# --- policies -------------------------------------------------------------------------------
def test_crackdown_sweeps_follow_period_and_duration():
    period, duration, start, officers = 10, 3, 20, 7
    m = make({"policy.strategy": "crackdown", "crackdown.period_days": period,
              "crackdown.duration_days": duration, "crackdown.officers": officers,
              "run.intervention_start": start})
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
    m = make({"policy.strategy": "crackdown", "crackdown.period_days": 5,
              "crackdown.duration_days": 5, "run.intervention_start": 0})
    assert all(m.policy.sweeping(d) for d in range(50))
    seq = make({"policy.strategy": "crackdown_then_dmi", "run.intervention_start": 10,
                "sequence.dmi_start": 40, "crackdown.period_days": 10,
                "crackdown.duration_days": 2, "dmi.investigation_days": 20})
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
    m = make({"policy.strategy": "hotspot", "hotspot.officers": 3,
              "run.intervention_start": 5})
    hours = m.params["police.hours_per_officer"]
    for _ in range(10):
        day = m.day
        m.step()
        assert m.police.plan.directed_budget == pytest.approx(3 * hours if day >= 5 else 0)


DMI_FAST = {
    "policy.strategy": "dmi", "run.intervention_start": 30, "dmi.investigation_days": 12,
    "dmi.buys_per_day": 20.0, "dmi.buy_hours": 1.0, "dmi.officers": 10,
    "dmi.buys_for_case": 2, "dmi.call_in_capacity": 500, "dmi.credible_case_share": 1.0,
    "dmi.call_in_risk": 0.05, "services.slots": 3, "sellers.initial_active": 25,
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
    assert np.all(np.isin(s.state[stayed_out], (SellerState.DESISTED, SellerState.ARRESTED,
                                                SellerState.INCARCERATED)))


def test_dmi_without_credible_cases_banks_nothing_credible():
    m = run(make({**DMI_FAST, "dmi.credible_case_share": 0.0}, seed=2),
            DMI_FAST["run.intervention_start"] + DMI_FAST["dmi.investigation_days"] + 1)
    s = m.sellers
    assert s.ever_called_in.sum() > 0
    assert not np.any(s.credible_case)


def test_dmi_community_component_engages_residents():
    community = {"dmi.community_awareness": 1.0, "dmi.community_participation": 0.7,
                 "dmi.mobilisation_days": 30, "dmi.mobilisation_boost": 0.6,
                 "dmi.trust_gain": 0.003, "dmi.maintenance_days": 100}
    with_c = run(make({**DMI_FAST, **community, "dmi.community": True}, seed=2), 44)
    without = run(make({**DMI_FAST, "dmi.community": False}, seed=2), 44)
    assert with_c.residents.aware.all() and with_c.residents.engaged
    assert with_c.residents.pull > 0 and with_c.policy.trust_gain > 0
    assert not without.residents.aware.any() and without.residents.pull == 0


# --- observation ----------------------------------------------------------------------------
def test_timeseries_has_the_contract_columns():
    contract = {
        "day", "active_sellers", "active_sellers_low", "active_sellers_high", "new_recruits",
        "transactions", "transactions_catchment", "arrests_sellers", "arrests_buyers",
        "incarcerated", "violent_incidents", "disorder", "residents_outdoors",
        "collective_efficacy", "trust_in_police", "reports", "officer_hours", "called_in",
        "banked_cases", "in_services", "relapsed",
    }
    m = run(make(), 3)
    ts = m.observer.frame()
    assert contract <= set(ts.columns)
    assert list(ts.columns) == list(COLUMNS) and ts.columns[0] == "day"
    assert ts["day"].tolist() == [0, 1, 2]


def test_zero_report_probability_keeps_seller_decisions_defined():
    """residents.report_prob = 0 is inside its registered range; the residents' vigilance
    (share of outdoor households that would report, relative to report_prob) must not
    become 0/0 = NaN and poison every seller's utility."""
    m = run(make({"residents.report_prob": 0.0}), 3)
    assert np.isfinite(m.residents.vigilance)
    u0, u = m.sellers.utilities()
    assert np.isfinite(u).all()
    # The market still works: people keep weighing up dealing, and some start.
    ts = run(m, 60).observer.frame()
    assert ts["new_recruits"].sum() > 0


def test_model_uses_no_deprecated_mesa_api():
    """Building, stepping and looking at a model raises no FutureWarning or
    DeprecationWarning from Mesa or the model (pyproject also makes Mesa FutureWarnings errors
    for the whole test run)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for strategy in ("baseline", "crackdown", "dmi", "crackdown_then_dmi"):
            m = make({"policy.strategy": strategy, "run.intervention_start": 2,
                      "dmi.investigation_days": 3, "sequence.dmi_start": 4})
            run(m, 8)
            m.snapshot()
            list(m.agents)
            _ = m.agents_by_type[Seller][0].cell
    bad = [w for w in caught
           if issubclass(w.category, FutureWarning | DeprecationWarning | PendingDeprecationWarning)
           and ("mesa" in w.filename or "dmi_sim" in w.filename)]
    assert not bad, [f"{w.filename}:{w.lineno}: {w.message}" for w in bad]


# --- run outputs: summary, maps, snapshot ---------------------------------------------------
SUMMARY_KEYS = {
    "closure_days", "days_to_closure", "reemerged", "replacement_ratio", "displacement_ratio",
    "incarceration_person_days", "cost_total",
}
RECT = {"space.width": 20, "space.height": 24}  # not square: catches [x, y] / [y, x] mix-ups


def test_summary_has_contract_keys_and_is_computed_from_the_series():
    from dmi_sim import simulate
    from dmi_sim.model.observe import MAIN_SERIES, summarise

    res = simulate("crackdown", seed=3, days=120,
                   overrides={**SMALL, "run.intervention_start": 60})
    summary = res.summary
    assert set(summary) >= SUMMARY_KEYS
    for col in MAIN_SERIES:
        assert f"pre_{col}" in summary and f"post_{col}" in summary
    again = summarise(res.timeseries, load_params("crackdown", {**SMALL,
                                                                 "run.intervention_start": 60}))
    assert again.keys() == summary.keys()
    for key, value in summary.items():
        if isinstance(value, float) and np.isnan(value):
            assert np.isnan(again[key]), key
        else:
            assert again[key] == value, key
    policy = res.timeseries.iloc[60:]
    assert summary["arrests_total"] == policy["arrests_sellers"].sum() + policy[
        "arrests_buyers"].sum()
    assert summary["pre_active_sellers"] == pytest.approx(
        res.timeseries["active_sellers"].iloc[:60].mean())
    assert summary["cost_total"] == pytest.approx(
        summary["cost_officers"] + summary["cost_incarceration"] + summary["cost_services"])
    assert summary["cost_total"] > 0


@pytest.mark.parametrize("start", [0, 40])
def test_maps_have_every_field_before_and_after_indexed_y_x(start):
    from dmi_sim import simulate

    res = simulate("baseline", seed=1, days=100,
                   overrides={**RECT, "run.intervention_start": start})
    for when in ("before", "after"):
        assert set(res.maps[when]) == {"dealing", "disorder", "residents_outdoors"}, when
        for name, arr in res.maps[when].items():
            assert arr.shape == (24, 20), (when, name)


def test_snapshot_contract():
    m = run(make({**RECT, "policy.strategy": "crackdown", "run.intervention_start": 0}), 3)
    snap = m.snapshot()
    assert snap["day"] == m.day == 3
    n_active = int(m.sellers.active.sum())
    assert n_active > 0
    for key in ("x", "y", "high_risk", "new_recruit"):
        assert len(snap["sellers"][key]) == n_active
    assert snap["sellers"]["high_risk"].dtype == bool
    for name in ("disorder", "dealing", "residents_outdoors", "reputation", "police",
                 "guardianship", "violence"):
        assert snap["fields"][name].shape == (24, 20), name  # indexed [y, x], like maps
    assert snap["market_mask"].shape == snap["catchment_mask"].shape == (24, 20)
    assert "sweep" in snap["events"]
    assert len(snap["officers"]["x"]) == len(m.police.officers)
    # A read-only copy: changing it leaves the model alone.
    snap["fields"]["disorder"][:] = 99.0
    assert m.space.field("disorder").max() < 99.0
