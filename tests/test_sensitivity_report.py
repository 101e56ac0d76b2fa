"""The sensitivity report's "what the advantage depends on": a factor is called a driver
only when the advantage differs more between the halves of its range than between the
halves of the dummy's, which the model never reads (seed noise alone)."""

from __future__ import annotations

import pandas as pd

from dmi_sim.studies.sensitivity.report import _beyond_noise, _dependence


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
