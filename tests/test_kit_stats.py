"""``kit.stats.run_interval``: intervals of a mean over runs stay inside what a run can give.

A share of runs gets the Wilson score interval, a quantity that cannot be negative the
t-interval cut at 0 (and a share or index at 1: ``outcomes.bounds``), and one that can be
negative (the displacement ratio) the plain
t-interval; every report tabulating run summaries goes through it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dmi_sim.studies.kit.outcomes import bounds
from dmi_sim.studies.kit.stats import (
    LEVEL,
    fieller_interval,
    paired_effects,
    ratio_floor,
    run_interval,
    t_interval,
    why_absolute_only,
    wilson_interval,
)


def test_a_share_of_runs_gets_the_wilson_interval_inside_0_and_1() -> None:
    reemerged = [True, False, False, False, False]  # the reviewer's 0.20 (-0.36 to 0.76)
    mean, low, high = run_interval(np.array(reemerged, dtype=float), "reemerged")
    ref = stats.binomtest(1, 5).proportion_ci(method="wilson")
    assert mean == pytest.approx(0.2)
    assert (low, high) == pytest.approx((ref.low, ref.high))
    assert 0 < low < mean < high < 1
    assert t_interval(np.array(reemerged, dtype=float))[1] < 0  # what the table used to show


@pytest.mark.parametrize("hits", [[1.0] * 5, [0.0] * 5, [1.0, 1.0, 1.0, 1.0, 0.0]])
def test_a_share_of_all_or_none_keeps_an_interval_of_positive_width(hits: list[float]) -> None:
    mean, low, high = run_interval(hits, "reemerged")
    assert 0 <= low <= mean <= high <= 1 and high - low > 0.3  # five runs say little


def test_a_count_of_days_is_cut_at_zero_and_keeps_its_upper_end() -> None:
    closure_days = np.array([5.0, 0.0, 0.0, 0.0, 0.0])  # the reviewer's 1.00 (-1.78 to 3.78)
    mean, low, high = run_interval(closure_days, "closure_days")
    t_mean, t_low, t_high = t_interval(closure_days)
    assert t_low < 0
    assert (mean, low, high) == pytest.approx((t_mean, 0.0, t_high))


def test_a_quantity_that_can_be_negative_keeps_the_t_interval() -> None:
    ratios = np.array([-0.4, 0.1, -0.2, 0.05, np.nan])
    assert run_interval(ratios, "displacement_ratio") == pytest.approx(t_interval(ratios))
    assert run_interval(ratios, "no_such_key") == pytest.approx(t_interval(ratios))


def test_an_index_is_cut_at_one() -> None:
    disorder = np.array([1.0, 1.0, 1.0, 0.4])
    mean, low, high = run_interval(disorder, "post_disorder_market")
    t_mean, t_low, t_high = t_interval(disorder)
    assert t_high > 1
    assert (mean, low, high) == pytest.approx((t_mean, t_low, 1.0))


def test_the_bounds_are_the_catalogues() -> None:
    assert bounds("reemerged") == bounds("post_residents_outdoors") == (0.0, 1.0)
    assert bounds("cost_total") == (0.0, math.inf)
    assert bounds("displacement_ratio") == bounds("catchment_change") == (-math.inf, math.inf)


def test_enforcement_totals_of_the_headline_table_are_cut_at_zero() -> None:
    for key in ("arrests_buyers_total", "custody_persons_total", "cost_services"):
        assert run_interval([0.0, 0.0, 0.0, 4.0], key)[1] == 0.0, key


def test_wilson_interval_is_scipys() -> None:
    ref = stats.binomtest(7, 20).proportion_ci(0.9, method="wilson")
    assert wilson_interval(7, 20, 0.9) == pytest.approx((ref.low, ref.high))


def test_fieller_excludes_one_exactly_when_the_paired_t_interval_excludes_zero() -> None:
    """The relative change's interval (a ratio of paired means) and the absolute change's
    t-interval agree on every sample whether an effect is clear: the percentile bootstrap
    of a handful of pairs did not."""
    rng = np.random.default_rng(3)
    clear = 0
    for _ in range(300):
        n = int(rng.integers(3, 8))
        base = rng.uniform(9, 11, n)
        scen = base * (1 + rng.normal(0.05, 0.1, n))
        ratio, low, high = fieller_interval(scen, base, floor=0.0)
        _, d_low, d_high = t_interval(scen - base)
        assert ratio == pytest.approx(scen.mean() / base.mean())
        assert low <= ratio <= high
        assert (low > 1 or high < 1) == (d_low > 0 or d_high < 0)
        clear += d_low > 0 or d_high < 0
    assert 0 < clear < 300  # both verdicts were tested
    # a baseline not clearly above 0: no bounded interval
    assert np.isnan(fieller_interval([1.0, 2.0, 0.5], [0.0, 3.0, -2.5], floor=None)[1])


#: Paired values whose Fieller interval reaches below 0 though every value is positive.
SPREAD_NUM, SPREAD_DEN = np.array([0.0, 0.1, 5.0]), np.array([1.0, 1.1, 0.9])


def test_fieller_cuts_the_low_end_at_the_floor_the_caller_gives() -> None:
    """The floor comes from the outcome, not the sample: a ratio of signed quantities keeps
    its negative low end even when the sample happens to be positive."""
    _, low, high = fieller_interval(SPREAD_NUM, SPREAD_DEN, floor=None)
    # the low end is where the paired t-test of num - r * den = 0 just rejects
    pvalue = stats.ttest_1samp(SPREAD_NUM - low * SPREAD_DEN, 0.0).pvalue
    assert low < 0 and pvalue == pytest.approx(1 - LEVEL)
    assert fieller_interval(SPREAD_NUM, SPREAD_DEN, floor=0.0)[1:] == (0.0, high)


def test_the_ratio_floor_follows_the_outcome_catalogue() -> None:
    assert ratio_floor("active_sellers") == 0.0  # a count
    assert ratio_floor("post_violent_incidents") == 0.0
    assert ratio_floor("displacement_ratio") is None  # signed
    assert ratio_floor("not_an_outcome") is None  # nothing known: no bound


def _pairs(key: str, scen: np.ndarray, base: np.ndarray) -> pd.DataFrame:
    """A one-day time series: replication i of the policy and the baseline give scen[i] and
    base[i]."""
    rows = [
        {"scenario": name, "replication": i, "day": 0, key: value}
        for name, values in (("baseline", base), ("policy", scen))
        for i, value in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_paired_effects_cut_the_ratio_at_minus_100_percent_only_for_a_bounded_outcome() -> None:
    for key, floor in (("active_sellers", -1.0), ("signed_thing", None)):
        row = paired_effects(_pairs(key, SPREAD_NUM, SPREAD_DEN), {"policy": 0}, [key]).iloc[0]
        if floor is None:
            assert row["ratio_low"] < -1.0  # a ratio of signed means can be below 0
        else:
            assert row["ratio_low"] == floor


@pytest.mark.parametrize(
    ("base", "ratio", "reason"),
    [
        (0.01, (1.5, 1.2, 1.8), "a small base"),
        (5.0, (np.nan, np.nan, np.nan), "the ratio is undefined"),
        (5.0, (1.5, np.nan, np.nan), "the ratio's interval is unbounded"),
        (5.0, (1.5, 1.2, 1.8), None),
    ],
)
def test_why_absolute_only_names_what_is_undefined(
    base: float, ratio: tuple[float, ...], reason: str | None
) -> None:
    assert why_absolute_only("sellers", 365, base, ratio) == reason
