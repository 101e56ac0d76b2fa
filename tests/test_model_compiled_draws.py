"""Submodels whose draws moved into compiled kernels draw what their numpy code drew, to the
bit: each kernel against the numpy code it replaced (written out here as the reference), on
copies of one model mid-run, and the model's generator goes on from the same place."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from model_support import make

from dmi_sim.model import kernels
from dmi_sim.model.agents.sellers import SellerState, as_rows
from dmi_sim.model.space import box_sum


@pytest.fixture(scope="module")
def model():
    """A DMI a few days after its call-in (banked cases, sellers at large)."""
    m = make({"run.intervention_start": 5, "dmi.investigation_days": 5}, scenario="dmi", seed=11)
    for _ in range(14):
        m.step()
    return m


def _twins(model):
    return copy.deepcopy(model), copy.deepcopy(model)


def _same_generator_from_here(a, b):
    np.testing.assert_array_equal(a.rng.random(4), b.rng.random(4))


def test_state_codes_in_the_kernels_are_the_sellers_states():
    codes = ("POOL", "DETERRED", "ACTIVE", "ARRESTED", "INCARCERATED", "CALLED_IN")
    for name in (*codes, "IN_SERVICES", "DESISTED"):
        assert getattr(kernels, name) == SellerState[name]


def test_young_people_are_drawn_as_numpy_drew_them(model):
    compiled, numpy_code = _twins(model)
    rows = np.array([3, 7, 40, 41, 100])
    compiled.sellers._draw_young_people(rows)
    s, p, rng, m = numpy_code.sellers, numpy_code.sellers.p, numpy_code.rng, rows.size
    s.high_risk[rows] = rng.random(m) < p["high_risk_share"]
    typical, sigma = p["legal_wage_hourly"] * p["dealing_hours_per_day"], p["outside_option_sigma"]
    s.wage[rows] = typical * np.exp(sigma * rng.standard_normal(m) - sigma**2 / 2)
    scale = p["aversion_mean"] * np.where(s.high_risk[rows], p["high_risk_aversion_factor"], 1.0)
    s.aversion[rows] = rng.exponential(1.0, m) * scale
    s.x[rows], s.y[rows] = np.divmod(rng.choice(s._homes, size=m), numpy_code.space.height)
    for column in ("high_risk", "wage", "aversion", "x", "y"):
        np.testing.assert_array_equal(
            getattr(compiled.sellers, column), getattr(s, column), err_msg=column
        )
    assert (compiled.sellers.state[rows] == SellerState.POOL).all()
    _same_generator_from_here(compiled, numpy_code)


@pytest.mark.parametrize("coordinated", [False, True])
def test_arrests_draw_custody_and_sentence_as_numpy_did(model, coordinated):
    compiled, numpy_code = _twins(model)
    rows = np.flatnonzero(compiled.sellers.active)[:6]
    assert rows.size >= 3
    for twin in (compiled, numpy_code):  # one credible banked case among them
        twin.sellers.banked_case[rows[1]] = twin.sellers.credible_case[rows[1]] = True
    compiled.justice.arrest(rows, coordinated=coordinated)
    s, j, rng = numpy_code.sellers, numpy_code.justice.p, numpy_code.rng
    for row in rows:
        if coordinated:
            p_custody, mean = j["coordinated_custody_prob"], j["coordinated_sentence_days"]
        elif s.banked_case[row] and s.credible_case[row]:
            p_custody, mean = 1.0, j["sentence_days"]
        else:
            p_custody = j["custody_prob_high"] if s.high_risk[row] else j["custody_prob_low"]
            mean = j["sentence_days"]
        s.state[row] = SellerState.ARRESTED
        s.timer[row] = numpy_code.day + 1 + int(rng.exponential(j["pretrial_days"]))
        s.banked_case[row] = False
        if not s.record[row]:
            s.wage[row] *= 1.0 - s.p["record_wage_penalty"]
            s.record[row] = True
        numpy_code.justice.custody[row] = rng.random() < p_custody
        numpy_code.justice.sentence[row] = max(1, int(mean * rng.gamma(4.0) / 4.0))
        numpy_code.arrests_on_cells[s.x[row], s.y[row]] += 1.0
    for column in ("state", "timer", "wage", "record", "banked_case"):
        np.testing.assert_array_equal(
            getattr(compiled.sellers, column), getattr(s, column), err_msg=column
        )
    np.testing.assert_array_equal(compiled.justice.custody, numpy_code.justice.custody)
    np.testing.assert_array_equal(compiled.justice.sentence, numpy_code.justice.sentence)
    np.testing.assert_array_equal(compiled.arrests_on_cells, numpy_code.arrests_on_cells)
    assert compiled.tally["arrests_sellers"] == model.tally["arrests_sellers"] + rows.size
    _same_generator_from_here(compiled, numpy_code)


def test_a_mask_of_sellers_is_their_rows():
    mask = np.array([False, True, False, True])
    np.testing.assert_array_equal(as_rows(mask), [1, 3])
    np.testing.assert_array_equal(as_rows(7), [7])
    np.testing.assert_array_equal(as_rows(np.array([2, 0])), [2, 0])


def test_violence_places_its_incidents_as_numpy_did(model):
    compiled, numpy_code = _twins(model)
    compiled.space.field("disorder")[:] = numpy_code.space.field("disorder")[:] = 0.6
    compiled.violence._k[0] = numpy_code.violence._k[0] = 0.5  # many incidents among sellers
    incidents = compiled.violence.occur()
    m, s, res, v = numpy_code, numpy_code.sellers, numpy_code.residents, numpy_code.violence
    active = s.active
    rate = kernels.violence_rates(
        s.x,
        s.y,
        active,
        s.active_since,
        s.high_risk,
        kernels.mask_counts(s.x, s.y, active, m.space.shape),
        v.p["radius"],
        m.day,
        v._k,
    )
    total = rate.sum()
    n_market = m.rng.poisson(total) if rate.size else 0
    n_background = m.rng.poisson(v._k[4] * (1.0 + v._k[5] * m.space.field("disorder").mean()))
    where = np.zeros(m.space.shape)
    at = m.rng.choice(np.flatnonzero(active), size=n_market, p=rate / total)
    np.add.at(where, (s.x[at], s.y[at]), 1.0)
    at = m.rng.integers(0, res.n, n_background)
    np.add.at(where, (res.x[at], res.y[at]), 1.0)
    kernels.remember(m.space.field("violence"), where, 30.0)
    assert n_market > 1 and incidents == n_market + n_background
    np.testing.assert_array_equal(
        compiled.space.field("violence"), numpy_code.space.field("violence")
    )
    _same_generator_from_here(compiled, numpy_code)


def test_sellers_choose_their_spots_as_numpy_did(model):
    compiled, numpy_code = _twins(model)
    compiled.sellers.choose_spot()
    s, space = numpy_code.sellers, numpy_code.space
    active, r = s.active, s.p["move_radius"]
    step = numpy_code.rng.integers(-r, r + 1, (2, int(active.sum()), 4))
    cx, cy, rep = kernels.spot_candidates(s.x, s.y, active, step, space.field("reputation"))
    kernels.take_best_spot(
        s.x,
        s.y,
        active,
        cx,
        cy,
        np.log(rep),
        space.police_seen,
        space.field("guardianship"),
        float(s.p["police_avoidance"]),
        float(s.p["guardian_avoidance"]),
    )
    assert r > 0 and active.sum() > 1
    np.testing.assert_array_equal(compiled.sellers.x, s.x)
    np.testing.assert_array_equal(compiled.sellers.y, s.y)
    _same_generator_from_here(compiled, numpy_code)


def test_the_dmi_team_finds_and_acts_on_whom_numpy_did(model):
    compiled, numpy_code = _twins(model)
    reports = np.random.default_rng(0).poisson(0.3, model.space.shape).astype(float)
    for twin in (compiled, numpy_code):
        s = twin.sellers
        s.banked_case[np.flatnonzero(s.active)[::2]] = True
        twin.residents.reports_on_cells = reports.copy()
    d, s = compiled.policy.d, compiled.sellers
    acted = kernels.dmi_found(
        compiled.stream,
        s.state,
        s.x,
        s.y,
        s.banked_case,
        reports,
        compiled.params["residents.sight_radius"],
        float(d["report_response"]),
        float(d["relapse_detection"]),
        float(d["follow_through"]),
    )
    s, rng = numpy_code.sellers, numpy_code.rng
    idx = s.active.nonzero()[0]
    seen = box_sum(reports, numpy_code.params["residents.sight_radius"])[s.x[idx], s.y[idx]]
    missed = np.exp(-d["report_response"] * seen)
    missed *= np.where(s.banked_case[idx], 1.0 - d["relapse_detection"], 1.0)
    found = idx[rng.random(idx.size) >= missed]
    numpy_acted = found[~s.banked_case[found] | (rng.random(found.size) < d["follow_through"])]
    assert found.size > 0
    np.testing.assert_array_equal(acted, numpy_acted)
    _same_generator_from_here(compiled, numpy_code)


def test_the_hazard_where_buyers_expect_sellers_is_numpys():
    rng = np.random.default_rng(0)
    for _ in range(200):
        risk = rng.random((40, 40)) * 1e-2
        weight = rng.random((40, 40)) * (rng.random((40, 40)) < 0.3)
        visibility = rng.random()
        expected = float(1.0 - np.exp(-visibility * (risk * weight).sum() / weight.sum()))
        assert kernels.weighted_hazard(risk, weight, visibility) == expected
    assert kernels.weighted_hazard(risk, np.zeros((40, 40)), 1.0) == 0.0


def test_banked_cases_lapse_on_their_day():
    quick_cases = {"dmi.buys_per_day": 5.0, "dmi.buys_for_case": 1, "dmi.banked_case_days": 5}
    m = make(
        {"run.intervention_start": 5, "dmi.investigation_days": 10, **quick_cases},
        scenario="dmi",
        seed=11,
    )
    lapse = m.policy.call_in_day + 5
    while m.day < lapse:
        m.step()
    assert m.sellers.banked_case.sum() > 1  # open on the day before they lapse
    m.step()
    assert not m.sellers.banked_case.any()
