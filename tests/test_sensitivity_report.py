"""The sensitivity report's "what the advantage depends on": a factor is called a driver
only when ``advantage_by_factor`` finds its difference between the halves of its range
beyond the dummy's by more than chance (tests/test_sensitivity_drivers.py tests that rule;
here, that the sentences follow it). And its seed-noise table."""

from __future__ import annotations

import pandas as pd

from dmi_sim.studies.sensitivity.report import _beyond_noise, _dependence, _noise_table


def _table(gaps: dict[str, float], drivers: set[str]) -> pd.DataFrame:
    """``advantage_by_factor``'s frame: shares in each half, the verdict, sorted by the
    gap's size."""
    rows = [
        {
            "factor": f,
            "share_low_half": 0.5,
            "share_high_half": 0.5 + g,
            "gap": g,
            "driver": f in drivers,
        }
        for f, g in gaps.items()
    ]
    return pd.DataFrame(rows).sort_values("gap", key=abs, ascending=False, ignore_index=True)


def test_only_factors_beyond_chance_are_named_as_drivers() -> None:
    # b's difference is larger than the dummy's, but not beyond chance: not a driver
    table = _table({"a": -0.4, "b": 0.2, "dummy": 0.12, "c": -0.05}, {"a"})
    text = _beyond_noise(table, "dummy", 0.12, "trajectories")
    assert "differs by 12 points" in text and "resamples of the trajectories" in text
    assert "Beyond chance: `a`;" in text
    assert "the others (`b`, `c`) cannot be told from the dummy" in text
    assert _dependence(table, 0.12).startswith("It depends most on `a`")


def test_no_driver_when_no_factor_is_beyond_chance() -> None:
    table = _table({"a": 0.4, "dummy": -0.3, "b": 0.1}, set())
    sentence = _dependence(table, 0.3)
    assert "depends most" not in sentence and "No factor moves it beyond chance" in sentence
    assert "Beyond chance: none;" in _beyond_noise(table, "dummy", 0.3, "design points")


def test_a_driver_beyond_chance_but_small_is_not_a_dependence() -> None:
    table = _table({"a": 0.06, "dummy": 0.01}, {"a"})
    assert _dependence(table, 0.01).startswith("No single factor moves it much")


def test_a_noise_share_above_one_is_shown_as_all_noise_not_as_156_percent() -> None:
    """(within / k) / variance of the means exceeds 1 by chance when the factors do not
    move an outcome; 156 % of a variance read as a bug."""
    noise = pd.DataFrame(
        {"noise_share_runs": [0.9, 0.4], "noise_share_means": [1.56, 0.1], "undefined_points": 0},
        index=["dmi_incarceration", "dmi_effect_sellers"],
    )
    table = _noise_table(noise)
    assert "≥ 100 %" in table and "156" not in table
    assert "10 %" in table
