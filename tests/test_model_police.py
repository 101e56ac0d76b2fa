"""Unit tests of the model's police (``dmi_sim.model``); see tests/model_support.py."""

from __future__ import annotations

import pytest
from model_support import make, run

from dmi_sim.params import load_params


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
    m = run(
        make(
            {
                "police.officers": 2,
                "police.hours_per_officer": 8.0,
                "police.arrest_hours": 20.0,
                "police.arrest_productivity": 5.0,
                "police.beat_arrest_share": 1.0,
            }
        ),
        40,
    )
    arrests = m.observer.frame()["arrests_sellers"] + m.observer.frame()["arrests_buyers"]
    assert (arrests <= 1).all()
    assert arrests.mean() < 0.95
    # Near-certain detection, 4 arrests' worth of hours a day.
    m = run(
        make(
            {
                "police.officers": 4,
                "police.hours_per_officer": 8.0,
                "police.arrest_hours": 8.0,
                "police.arrest_productivity": 5.0,
                "police.beat_arrest_share": 1.0,
                "sellers.initial_active": 18,
            }
        ),
        20,
    )
    ts = m.observer.frame()
    assert ts["arrests_sellers"].sum() > 0
    assert (ts["arrests_sellers"] + ts["arrests_buyers"] <= 4).all()
