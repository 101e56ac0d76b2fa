"""The comparison's report and effects figure give one absolute change in one unit.

A daily count on a small base (violent incidents, seller arrests, catchment sales) is given
as its total a run over the effect window in the sentences, in the effects table and in
the figure's panel; the run-summary table's intervals stay inside what each key can be.
Hand-made effect rows, no runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from dmi_sim.studies.compare import figures
from dmi_sim.studies.compare.report import change_phrase, effects_table, summary_table
from dmi_sim.studies.kit.markdown import signed
from dmi_sim.studies.kit.stats import MIN_BASE_EVENTS

WINDOW = (365, 730)
DAYS = WINDOW[1] - WINDOW[0]


def _row(scenario: str, outcome: str, base: float, effect: float, **extra: float) -> dict:
    """An effects.csv row: per-day means, an absolute t-interval of +-half the effect."""
    return {
        "scenario": scenario,
        "outcome": outcome,
        "window_start": WINDOW[0],
        "window_end": WINDOW[1],
        "n_pairs": 5,
        "counterfactual_mean": base,
        "scenario_mean": base + effect,
        "abs_effect": effect,
        "abs_low": effect - abs(effect) / 2,
        "abs_high": effect + abs(effect) / 2,
        "ratio_effect": effect / base,
        "ratio_low": effect / base - 0.1,
        "ratio_high": effect / base + 0.1,
        **extra,
    }


#: The reviewer's case: 23.4 violent incidents a run in the baseline, 22.2 under the DMI.
SMALL_BASE = _row("dmi", "violent_incidents", 23.4 / DAYS, -1.2 / DAYS)


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+\.?\d*", text.replace(",", ""))]


def test_the_table_gives_the_small_base_change_in_the_prose_unit() -> None:
    assert SMALL_BASE["counterfactual_mean"] * DAYS < MIN_BASE_EVENTS  # a small base
    effect, low, high = (DAYS * SMALL_BASE[k] for k in ("abs_effect", "abs_low", "abs_high"))
    phrase = change_phrase("violent_incidents", SMALL_BASE)
    assert "incidents a run" in phrase
    assert f"({signed(effect)}, 95 % CI {signed(low)} to {signed(high)}" in phrase
    frame = pd.DataFrame([SMALL_BASE, {**SMALL_BASE, "scenario": "baseline"}])
    cell = effects_table(frame).splitlines()[-1].split("|")[2].strip()
    interval = f"{signed(low)} to {signed(high)}"
    assert cell == f"{signed(effect)} incidents a run ({interval}; absolute, a small base)"


def test_a_relative_change_gives_its_absolute_scale_in_the_same_unit() -> None:
    row = _row("dmi", "transactions_market", 300.0, -200.0)
    phrase = change_phrase("transactions_market", row)
    assert phrase.endswith(f"; -{200 * DAYS:,} sales a run)")
    assert "per day" not in phrase


def test_an_index_keeps_its_unit_in_the_table() -> None:
    row = _row("dmi", "fear", 0.02, -0.008)
    row["counterfactual_mean"] = 0.02  # under the 0.05 floor of an index
    frame = pd.DataFrame([row, {**row, "scenario": "baseline"}])
    cell = effects_table(frame).splitlines()[-1].split("|")[2]
    assert "-0.008 index, 0-1 (" in cell


def test_the_figure_draws_the_absolute_change_where_the_base_is_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: dict[str, Any] = {}

    def keep(fig: Figure, path: Path, tight: bool = True) -> Path:
        drawn["figure"] = fig
        return path

    monkeypatch.setattr(figures, "save_figure", keep)
    arrests = _row("crackdown", "arrests_sellers", 16.8 / DAYS, 29.4 / DAYS)
    sellers = _row("crackdown", "active_sellers", 12.0, -2.4)
    rows = [SMALL_BASE | {"scenario": "crackdown"}, arrests, sellers]
    outcomes = ["violent_incidents", "arrests_sellers", "active_sellers"]
    figures.plot_effects(pd.DataFrame(rows), outcomes, tmp_path / "effects.png")
    axes = {ax.get_title(): ax for ax in drawn["figure"].axes if ax.get_visible()}
    assert set(axes) == {
        "Violent incidents (absolute)",
        "Seller arrests (absolute)",
        "Active sellers",
    }
    for title, effect, unit in (
        ("Violent incidents (absolute)", -1.2, "incidents a run"),
        ("Seller arrests (absolute)", 29.4, "arrests a run"),
        ("Active sellers", -20.0, "change against baseline (%)"),
    ):
        ax = axes[title]
        assert not ax.texts, title  # no text box standing in for the effect
        points = [line.get_xdata()[0] for line in ax.lines if line.get_marker() == "o"]
        assert points == pytest.approx([effect]), title
        assert unit in ax.get_xlabel(), title
    # the interval is drawn: the error bar spans the t-interval, in the same unit
    bars = axes["Violent incidents (absolute)"].collections[0].get_segments()[0]
    assert np.sort(bars[:, 0]) == pytest.approx([-1.8, -0.6])


def test_run_summary_intervals_stay_inside_what_each_key_can_be() -> None:
    summary = pd.DataFrame(
        {
            "scenario": ["dmi"] * 5,
            "replication": range(5),
            "reemerged": [True, False, False, False, False],
            "closure_days": [5, 0, 0, 0, 0],
        }
    )
    windows = {"total": "days 365-1094", "post": "days 365-729"}
    rows = {
        line.split("|")[1].strip(): line.split("|")[4].strip()
        for line in summary_table(summary, windows, 730).splitlines()[2:]
    }
    share = _numbers(rows["reemerged"])
    assert share[0] == pytest.approx(0.2) and 0 < share[1] < 0.2 < share[2] < 1
    assert rows["closure_days"].startswith("1.00 (0 to ")
