"""The sensitivity report's "what the advantage depends on": a factor is called a driver
only when the advantage differs more between the halves of its range than between the
halves of the dummy's, which the model never reads (seed noise alone). And its seed-noise
table."""

from __future__ import annotations

import pandas as pd

from dmi_sim.studies.sensitivity.report import _beyond_noise, _dependence, _noise_table


def _table(gaps: dict[str, float]) -> pd.DataFrame:
    """``advantage_by_factor``'s frame: shares in each half, sorted by the gap's size."""
    rows = [
        {"factor": f, "share_low_half": 0.5, "share_high_half": 0.5 + g, "gap": g}
        for f, g in gaps.items()
    ]
    return pd.DataFrame(rows).sort_values("gap", key=abs, ascending=False, ignore_index=True)


def test_factors_below_the_dummy_are_named_as_noise_not_drivers() -> None:
    # the reviewer's case: the dummy's difference is larger than three factors'
    table = _table({"a": -0.4, "dummy": 0.12, "b": 0.1, "c": -0.05, "d": 0.02})
    text = _beyond_noise(table, "dummy", 0.12)
    assert "differs by 12 points" in text
    assert "beyond seed noise: `a`;" in text
    assert "the others (`b`, `c`, `d`) do not beat the dummy" in text
    assert _dependence(table, "dummy", 0.12).startswith("It depends most on `a`")


def test_no_driver_when_the_dummy_moves_the_advantage_most() -> None:
    table = _table({"dummy": -0.3, "a": 0.2, "b": 0.1})
    sentence = _dependence(table, "dummy", 0.3)
    assert "depends most" not in sentence and "No factor moves it more than the dummy" in sentence
    assert "beyond seed noise: none;" in _beyond_noise(table, "dummy", 0.3)


def test_a_driver_beyond_the_dummy_but_small_is_not_a_dependence() -> None:
    table = _table({"a": 0.06, "dummy": 0.01})
    assert _dependence(table, "dummy", 0.01).startswith("No single factor moves it much")


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
