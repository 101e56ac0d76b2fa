"""When a sweep's runs tell two design points apart (``sweep.noise``): exact tests where a
handful of runs leave an asymptotic one too eager, seed pairs kept, and a lever's pairs of
levels corrected for their number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dmi_sim.engine.experiment import SCENARIO_FACTOR
from dmi_sim.studies.kit.stats import LEVEL
from dmi_sim.studies.sweep import noise
from dmi_sim.studies.sweep.report import _levers_section
from dmi_sim.studies.sweep.units import Window


def _runs(values: dict[int, list[float]], key: str, **columns: dict[int, list[object]]):
    """A runs table: point -> its replications' values of ``key`` (replication r at r)."""
    rows = [
        {"point": p, "replication": r, key: v, **{c: col[p][r] for c, col in columns.items()}}
        for p, vs in values.items()
        for r, v in enumerate(vs)
    ]
    return pd.DataFrame(rows)


def _point(p: int) -> pd.Series:
    return pd.Series({"point": p})


def _closing(pairs: int) -> noise.Runs:
    """Point 0 closes the market on days 1, 2, ... in every run; point 1 never closes."""
    return noise.Runs(
        _runs({0: list(np.arange(1.0, pairs + 1)), 1: [np.nan] * pairs}, "days_to_closure")
    )


def test_three_seed_pairs_completely_apart_are_not_told_apart() -> None:
    """With 3 pairs the exact permutation log-rank p can be no smaller than 2/8; the
    asymptotic log-rank test calls these apart (p 0.025)."""
    runs = _closing(3)
    assert not noise.told_apart(_point(0), _point(1), "days_to_closure", runs)
    assert runs.times_p(0, 1, "days_to_closure") == pytest.approx(2 / 2**3)


def test_six_seed_pairs_completely_apart_are_told_apart() -> None:
    runs = _closing(6)
    assert runs.times_p(0, 1, "days_to_closure") == pytest.approx(2 / 2**6)
    assert noise.told_apart(_point(0), _point(1), "days_to_closure", runs)


def test_a_run_missing_on_one_side_drops_its_pair() -> None:
    """Six runs against five: five pairs, exact p 2/32, not told apart."""
    table = _closing(6).table
    runs = noise.Runs(table.drop(table.index[(table["point"] == 1) & (table["replication"] == 5)]))
    assert not noise.told_apart(_point(0), _point(1), "days_to_closure", runs)
    assert len(runs.paired_times(0, 1, "days_to_closure")) == 5
    assert runs.times_p(0, 1, "days_to_closure") == pytest.approx(2 / 2**5)


def test_the_permutation_statistic_is_scipys_logrank() -> None:
    rng = np.random.default_rng(3)
    time, happened = rng.integers(1, 40, 14).astype(float), rng.random(14) < 0.7
    first = np.arange(7)
    ours = noise.logrank_z(time, happened, first)
    sides = [
        stats.CensoredData(uncensored=time[i][happened[i]], right=time[i][~happened[i]])
        for i in (first, np.arange(7, 14))
    ]
    assert ours == pytest.approx(stats.logrank(*sides).statistic)


def test_a_share_of_runs_at_none_against_all_of_three_is_not_told_apart() -> None:
    """0/3 against 3/3 re-emerged: every paired difference 1, no spread, so a t-interval
    has half-width 0; McNemar's exact p of 3 discordant pairs is 0.25."""
    runs = noise.Runs(_runs({0: [0.0] * 3, 1: [1.0] * 3}, "reemerged"))
    assert not noise.told_apart(_point(0), _point(1), "reemerged", runs)
    gap = runs.compare([0], [1], "reemerged")
    assert gap.p == pytest.approx(stats.binomtest(0, 3).pvalue)
    assert np.isnan(gap.noise)  # no t-interval for a yes/no outcome
    six = noise.Runs(_runs({0: [0.0] * 6, 1: [1.0] * 6}, "reemerged"))
    assert noise.told_apart(_point(0), _point(1), "reemerged", six)


def _lever_points(values: dict[int, list[float]], key: str) -> tuple[pd.DataFrame, noise.Runs]:
    """One strategy whose lever ``x`` is at level p + 1 at point p."""
    points = pd.DataFrame({"point": list(values), "x": [p + 1 for p in values]})
    points[SCENARIO_FACTOR] = "s"
    return points, noise.Runs(_runs(values, key))


SEED = np.array([-6.0, 3.0, 9.0, -2.0, 4.0, -1.0])
#: A gap whose paired t-test gives p 0.026: told apart alone, not among three pairs.
EDGE = np.array([1.0, 0.2, 0.8, -0.1, 0.9, 0.5])


def test_a_lever_moves_an_outcome_only_after_holms_correction() -> None:
    points, runs = _lever_points({0: list(SEED), 1: list(SEED + EDGE), 2: list(SEED)}, "y")
    assert stats.ttest_1samp(EDGE, 0).pvalue < 1 - LEVEL  # alone it would be told apart
    cell = noise.lever_effects(points, runs, ["x"], ["y"]).iloc[0]
    assert not cell["moved"]
    assert cell["p"] == pytest.approx(min(1.0, 3 * stats.ttest_1samp(EDGE, 0).pvalue))


def test_the_lever_cell_shows_the_pair_it_told_apart() -> None:
    """Levels 1 and 2 differ by 1 on every seed; level 3 is 5 higher with a wide scatter:
    the largest gap is not told apart, the pair that is is shown."""
    scatter = np.array([20.0, -20.0, 15.0, -18.0, 12.0, -9.0])
    values = {0: list(SEED), 1: list(SEED + 1 + EDGE / 100), 2: list(SEED + 5 + scatter)}
    points, runs = _lever_points(values, "y")
    cell = noise.lever_effects(points, runs, ["x"], ["y"]).iloc[0]
    assert cell["moved"] and cell["levels"] == (1, 2)
    assert cell["difference"] == pytest.approx(np.mean(1 + EDGE / 100))


def test_holm_adjusts_step_down() -> None:
    adjusted = noise.holm([0.01, 0.04, 0.03, np.nan])
    np.testing.assert_allclose(adjusted[:3], [0.04, 0.09, 0.09])
    assert np.isnan(adjusted[3])


def test_one_replication_leaves_the_noise_unknown_not_absent() -> None:
    points, runs = _lever_points({0: [1.0], 1: [9.0]}, "post_active_sellers")
    text = "\n".join(
        _levers_section(points, runs, ["x"], ["post_active_sellers"], [], Window(365, 729))
    )
    assert "Moved no outcome" not in text
    assert "Seed noise unknown" in text and "`x` (s)" in text.split("Seed noise unknown")[1]
    assert "noise unknown: under two seed pairs" in text


def test_a_share_of_runs_shows_its_exact_test_not_a_t_noise() -> None:
    points, runs = _lever_points({0: [0.0] * 3, 1: [1.0] * 3}, "reemerged")
    text = "\n".join(_levers_section(points, runs, ["x"], ["reemerged"], [], Window(365, 729)))
    row = next(line for line in text.splitlines() if line.startswith("| `x` (s)"))
    assert "±" not in row
    assert "exact sign test, p 0.25" in row and "**moved**" not in row
