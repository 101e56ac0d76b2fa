"""Effects under parameter uncertainty: measured at each posterior draw, then pooled.

At every draw of the parameters the scenarios ran on the same R seeds as the baseline (and
as every other draw), so each draw gives the ordinary paired effects of
``kit.stats.paired_effects``, with their seed-noise standard errors. ``pooled_effects``
combines them over the draws with Rubin's rules (``kit.stats.pool_draws``, the seed noise
taken at the noisiest draw): the interval holds the seed noise (within draws) and the
parameter uncertainty (between draws), and
``*_between_share`` says how much of its variance comes from the parameters. Relative
changes are pooled on the log scale, log(Σ scenario / Σ baseline), and turned back into a
change afterwards (so never below -100 %).

``advantage_by_draw`` tests the DMI's advantage over crackdowns (``kit.advantage``) at each
draw, on the means over its replications; ``advantage_share`` is the share of posterior
draws in which it holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from dmi_sim.engine.posterior import PARTICLE
from dmi_sim.studies.kit.advantage import TESTS, advantage_tests
from dmi_sim.studies.kit.stats import (
    LEVEL,
    WINDOW_DAYS,
    paired_effects,
    pool_draws,
    wilson_interval,
)

#: Series the advantage compares (arrests are sellers' and buyers' together).
ADVANTAGE_SERIES = {
    "sellers": ("active_sellers",),
    "violence": ("violent_incidents",),
    "arrests": ("arrests_sellers", "arrests_buyers"),
}
ADVANTAGE_PAIR = ("dmi", "crackdown")


def effects_by_particle(ts: pd.DataFrame, start: int, outcomes: Sequence[str]) -> pd.DataFrame:
    """The paired effects at each particle's parameters (its runs alone), one frame."""
    windows = dict.fromkeys(ts["scenario"].unique(), start)
    frames = [
        paired_effects(part, windows, outcomes).assign(**{PARTICLE: particle})
        for particle, part in ts.groupby(PARTICLE, sort=True)
    ]
    return pd.concat(frames, ignore_index=True)


def pooled_effects(
    by_particle: pd.DataFrame, counts: Mapping[int, int], level: float = LEVEL
) -> pd.DataFrame:
    """One row per (scenario, outcome): the effects pooled over the posterior draws.

    ``counts``: particle -> how many of the draws fell on it. The columns are those of
    ``paired_effects`` that the report reads (means weighted by the draws), the intervals
    from Rubin's rules, and ``abs_between_share``, ``ratio_between_share``: the share of
    each interval's variance that is between draws (parameters) rather than within
    (seeds).
    """
    rows = []
    for (scenario, outcome), group in by_particle.groupby(["scenario", "outcome"], sort=False):
        n = group[PARTICLE].map(counts).to_numpy(dtype=float)
        df = float(group["n_pairs"].min()) - 1
        absolute = pool_draws(group["abs_effect"], group["abs_se"], n, df, level)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log1p(group["ratio_effect"].to_numpy(dtype=float))
        ratio = pool_draws(log_ratio, group["log_ratio_se"], n, df, level)
        rows.append(
            {
                "scenario": scenario,
                "outcome": outcome,
                "window_start": int(group["window_start"].iloc[0]),
                "window_end": int(group["window_end"].iloc[0]),
                "draws": int(n.sum()),
                "n_pairs": int(group["n_pairs"].min()),
                "counterfactual_mean": float(np.average(group["counterfactual_mean"], weights=n)),
                "scenario_mean": float(np.average(group["scenario_mean"], weights=n)),
                "abs_effect": absolute["mean"],
                "abs_low": absolute["low"],
                "abs_high": absolute["high"],
                "abs_between_share": absolute["between_share"],
                "abs_df": absolute["df"],
                "ratio_effect": float(np.expm1(ratio["mean"])),
                "ratio_low": float(np.expm1(ratio["low"])),
                "ratio_high": float(np.expm1(ratio["high"])),
                "ratio_between_share": ratio["between_share"],
            }
        )
    return pd.DataFrame(rows)


def advantage_by_draw(ts: pd.DataFrame, start: int, window: int = WINDOW_DAYS) -> pd.DataFrame:
    """Per particle: the DMI's and the crackdowns' levels over the effect window (mean
    over replications of the window means; arrests summed over sellers and buyers) and
    whether each test of ``kit.advantage.TESTS`` passes, and all of them (``holds``)."""
    last = int(ts["day"].max()) + 1
    inside = ts[(ts["day"] >= start) & (ts["day"] < min(start + window, last))]
    series = sorted({s for group in ADVANTAGE_SERIES.values() for s in group})
    levels = {}
    for name in ADVANTAGE_PAIR:
        runs = inside[inside["scenario"] == name]
        # the window mean of each run, then their mean over the replications of a particle
        means = runs.groupby([PARTICLE, "replication"])[series].mean().groupby(PARTICLE).mean()
        levels[name] = pd.DataFrame(
            {key: means[list(cols)].sum(axis=1) for key, cols in ADVANTAGE_SERIES.items()}
        )
    dmi, crackdown = (levels[name] for name in ADVANTAGE_PAIR)
    tests = advantage_tests(**{key: (dmi[key], crackdown[key]) for key in TESTS})
    table = pd.concat(
        {f"{name}_{key}": levels[name][key] for name in ADVANTAGE_PAIR for key in TESTS}, axis=1
    )
    for key in TESTS:
        table[key] = tests[key]
    table["holds"] = table[list(TESTS)].all(axis=1)
    return table


def advantage_share(
    by_draw: pd.DataFrame, counts: Mapping[int, int], level: float = LEVEL
) -> pd.DataFrame:
    """Per test (and ``holds``): the share of posterior draws in which it passes, with a
    Wilson score interval (``kit.stats.wilson_interval``) for what more draws would show."""
    n = by_draw.index.map(counts).to_numpy(dtype=int)
    total = int(n.sum())
    rows = []
    for key in [*TESTS, "holds"]:
        passed = int(n[by_draw[key].to_numpy(dtype=bool)].sum())
        low, high = wilson_interval(passed, total, level)
        rows.append(
            {
                "test": key,
                "draws": total,
                "passed": passed,
                "share": passed / total,
                "low": low,
                "high": high,
            }
        )
    return pd.DataFrame(rows).set_index("test")
