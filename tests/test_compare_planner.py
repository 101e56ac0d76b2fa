"""A planner's review of the comparison report: one effect gets one interval method, the
standout sentences follow the small-base rule, the displacement ratio is measured against
the baseline, a time to closure is read as censored, custody person-days say what they are."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from dmi_sim.studies.compare.headline import COMMUNITY, paired
from dmi_sim.studies.compare.report import (
    CUSTODY_NOTE,
    findings,
    paired_displacement,
    summary_table,
)
from dmi_sim.studies.kit.markdown import num, signed
from dmi_sim.studies.kit.stats import LEVEL, paired_effects

START, DAYS = 10, 40


def _runs(base: np.ndarray, scen: np.ndarray, outcome: str) -> pd.DataFrame:
    """Two scenarios whose window means are ``base`` and ``scen`` per replication."""
    frames = [
        pd.DataFrame({"scenario": name, "replication": rep, "day": np.arange(DAYS), outcome: value})
        for name, values in (("baseline", base), ("crackdown", scen))
        for rep, value in enumerate(values)
    ]
    return pd.concat(frames, ignore_index=True)


def test_the_relative_and_the_absolute_change_agree_on_four_pairs() -> None:
    """The planner's case: households outdoors +3.0 points (t-interval -0.6 to +6.5) while
    the ratio's percentile bootstrap of 4 pairs called it a clear 3.7 % rise."""
    base = np.array([0.78, 0.81, 0.79, 0.82])
    scen = base + np.array([0.001, 0.065, 0.02, 0.034])
    key = COMMUNITY[0].key.removeprefix("post_")
    row = paired_effects(_runs(base, scen, key), {"crackdown": START}, [key]).iloc[0]
    absolute_clear = row["abs_low"] > 0 or row["abs_high"] < 0
    relative_clear = row["ratio_low"] > 0 or row["ratio_high"] < 0
    assert not absolute_clear and relative_clear == absolute_clear
    summary = pd.DataFrame(
        {
            "scenario": ["baseline"] * 4 + ["crackdown"] * 4,
            "replication": [0, 1, 2, 3] * 2,
            COMMUNITY[0].key: np.r_[base, scen],
        }
    )
    _, low, high = paired(summary, COMMUNITY[0].key, "crackdown", "baseline")
    assert (low, high) == pytest.approx((row["abs_low"], row["abs_high"]))  # the headline's


def _effect_row(scenario: str, base: float, effect: float, half: float) -> dict:
    return {
        "scenario": scenario,
        "outcome": "violent_incidents",
        "window_start": 365,
        "window_end": 730,
        "n_pairs": 4,
        "counterfactual_mean": base,
        "scenario_mean": base + effect,
        "abs_effect": effect,
        "abs_low": effect - half,
        "abs_high": effect + half,
        "rel_effect": effect / base,
        "rel_low": (effect - half) / base,
        "rel_high": (effect + half) / base,
        "ratio_effect": effect / base,
        "ratio_low": (effect - half) / base,
        "ratio_high": (effect + half) / base,
    }


def test_the_largest_fall_in_violence_on_a_small_base_is_absolute() -> None:
    """0.083 incidents a day (30 a year, under the floor of 50): no '-34 %' in the standout
    sentence either, but the change in incidents a run."""
    dmi = _effect_row("dmi", 0.083, -0.0288, 0.018)
    effects = pd.DataFrame([dmi, _effect_row("crackdown", 0.083, -0.0185, 0.036)])
    line = next(x for x in findings(effects, pd.DataFrame(), START) if "largest fall" in x)
    per_run = dmi["abs_effect"] * (dmi["window_end"] - dmi["window_start"])
    assert "%" not in line and f"({signed(per_run)} incidents a run)" in line
    assert "**dmi**" in line
    big = _effect_row("dmi", 5.0, -1.0, 0.5)
    line = next(
        x for x in findings(pd.DataFrame([big]), pd.DataFrame(), START) if "largest fall" in x
    )
    assert f"({100 * big['abs_effect'] / big['counterfactual_mean']:+.0f} %)" in line


def _summary(market: dict[str, list[float]], catchment: dict[str, list[float]]) -> pd.DataFrame:
    """The catchment's trade falls in every run from 0.9 a day before the start (a drift
    of the market's own): the per-run before/after ratio reads diffusion, the baseline
    shows more catchment trade under the crackdown."""
    rows = []
    for name in market:
        for rep in range(4):
            rows.append(
                {
                    "scenario": name,
                    "replication": rep,
                    "pre_transactions_market": 300.0,
                    "post_transactions_market": market[name][rep],
                    "pre_transactions_catchment": 0.9,
                    "post_transactions_catchment": catchment[name][rep],
                    "days_to_closure": [351.0, np.nan, np.nan, np.nan][rep]
                    if name == "crackdown"
                    else np.nan,
                    "displacement_ratio": -0.01,  # the run against its own past
                    "incarceration_person_days": 7000.0 + rep,
                }
            )
    return pd.DataFrame(rows)


SUMMARY = _summary(
    {"baseline": [300, 310, 305, 295], "crackdown": [220, 225, 240, 210]},
    {"baseline": [0.05, 0.06, 0.10, 0.05], "crackdown": [0.10, 0.15, 0.20, 0.35]},
)
WINDOWS = {"total": "days 365-729", "post": "days 365-729"}


def _cells(summary: pd.DataFrame) -> dict[str, list[str]]:
    text = summary_table(summary, WINDOWS, 365)
    return {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[4:-1]]
        for line in text.splitlines()[2:]
    }


def test_displacement_is_against_the_baseline_not_the_runs_own_past() -> None:
    ratio, low, high = paired_displacement(SUMMARY, "crackdown")
    gained = np.mean([0.05, 0.09, 0.10, 0.30])
    lost = np.mean([80, 85, 65, 85])
    assert ratio == gained / lost > 0  # a ratio of mean changes, with the catchment's gain
    assert low < ratio < high
    baseline, crackdown = _cells(SUMMARY)["displacement_ratio"]
    assert baseline == "-"  # no policy, nothing displaced
    assert crackdown.startswith(f"{ratio:.2g}")
    rising = SUMMARY.assign(
        post_transactions_market=np.where(SUMMARY["scenario"] == "crackdown", 320.0, 300.0)
    )
    assert math.isnan(paired_displacement(rising, "crackdown")[0])


def test_time_to_closure_is_censored_not_a_mean_of_the_runs_that_closed() -> None:
    """One of four runs closed, on day 351: not '351 (n/a to n/a; 1 of 4 runs)'."""
    baseline, crackdown = _cells(SUMMARY)["days_to_closure"]
    assert "351" not in crackdown and "n/a" not in crackdown
    closed = SUMMARY.loc[SUMMARY["scenario"] == "crackdown", "days_to_closure"].notna()
    share = binomtest(int(closed.sum()), len(closed)).proportion_ci(LEVEL, method="wilson")
    assert crackdown.startswith(
        f"closed in {closed.sum()} of {len(closed)} runs "
        f"(share 95 % CI {num(share.low)} to {num(share.high)})"
    )
    assert crackdown.endswith("Kaplan-Meier median > 365 days")
    assert baseline.startswith("closed in 0 of 4 runs")
    half = SUMMARY.copy()
    half.loc[half["scenario"] == "crackdown", "days_to_closure"] = [5.0, 9.0, np.nan, 20.0]
    shown = _cells(half)["days_to_closure"][1]
    assert re.search(r"Kaplan-Meier median 9 days \(95 % CI \d+ to (\d+|> 365)\)$", shown)


def test_custody_person_days_are_said_to_be_a_stock_with_a_pointer_to_admissions() -> None:
    assert "whenever admitted" in CUSTODY_NOTE and "`baseline` column" in CUSTODY_NOTE
    assert "custody_persons_total" in CUSTODY_NOTE and "custody_admissions" in CUSTODY_NOTE
