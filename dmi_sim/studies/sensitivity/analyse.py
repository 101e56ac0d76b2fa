"""From stored runs to sensitivity indices, the seed-noise share and the DMI's advantage.

The runs' summaries become outcomes per (point, seed) (``outcomes``), are averaged over
the seeds of each point, and go to the method's own analyser, so the sampler's settings
and the analyser's cannot differ. Intervals are SALib's bootstrap intervals with a fixed
seed, so the same runs always give the same numbers, however they were run or resumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dmi_sim.studies.sensitivity.design import Design
from dmi_sim.studies.sensitivity.methods import Sobol
from dmi_sim.studies.sensitivity.outcomes import (
    advantage_table,
    fill_undefined,
    has_advantage_runs,
    noise_share,
    per_run,
    point_means,
)

#: Added to the space's seed for SALib's bootstrap (its Sobol analyser ignores a seed of 0).
_BOOTSTRAP_STREAM = 7919


@dataclass(frozen=True)
class Analysis:
    """Everything the report shows, as tables."""

    indices: pd.DataFrame  # morris: outcome, factor, mu, mu_star, sigma, mu_star_conf, rank
    #                        sobol: outcome, n, factor, S1, S1_conf, ST, ST_conf
    means: pd.DataFrame  # outcomes per design point (seed means, undefined counted as 0)
    noise: pd.DataFrame  # per outcome: noise_share_runs, noise_share_means, undefined
    advantage: pd.DataFrame | None  # per design point: share of seeds passing each test


def analyse(design: Design, summary: pd.DataFrame, outcomes: Sequence[str]) -> Analysis:
    """Indices of every outcome, seed-noise shares and the advantage table."""
    runs = per_run(summary, outcomes)
    means, undefined = fill_undefined(point_means(runs))
    means = means.reindex(range(design.n_points))
    if means.isna().any().any():
        missing = int(means.isna().any(axis=1).sum())
        raise ValueError(f"{missing} design points have no stored runs; rerun to finish them")
    seed = design.space.seed + _BOOTSTRAP_STREAM
    indices = design.method.analyse(design.space.names, design.unit, means, seed)
    noise = noise_share(runs).assign(undefined_points=undefined)
    scenarios = summary["scenario"].unique()
    advantage = advantage_table(summary) if has_advantage_runs(scenarios) else None
    return Analysis(indices, means, noise, advantage)


def space_rows(design: Design) -> np.ndarray:
    """Design points that sample the space evenly: all of Morris' (on its grid), Sobol's
    A and B rows (its AB rows re-use their columns)."""
    method = design.method
    if isinstance(method, Sobol):
        return method.base_rows(len(design.space.names))
    return np.arange(design.n_points)


def advantage_share(design: Design, advantage: pd.DataFrame) -> pd.Series:
    """Share of the space (design points weighted by their seeds) where each test holds."""
    return advantage.iloc[space_rows(design)].mean()


def advantage_by_factor(design: Design, advantage: pd.DataFrame) -> pd.DataFrame:
    """Where in each factor's range the advantage holds: share in its lower and upper half.

    A large gap names what the advantage is not robust to.
    """
    rows = space_rows(design)
    holds = advantage["all"].to_numpy()[rows]
    unit = design.unit[rows]
    table = []
    for j, name in enumerate(design.space.names):
        low = unit[:, j] < 0.5
        table.append(
            {
                "factor": name,
                "share_low_half": float(holds[low].mean()) if low.any() else np.nan,
                "share_high_half": float(holds[~low].mean()) if (~low).any() else np.nan,
            }
        )
    frame = pd.DataFrame(table)
    frame["gap"] = frame["share_high_half"] - frame["share_low_half"]
    return frame.sort_values("gap", key=np.abs, ascending=False, ignore_index=True)


def clear_of_noise(indices: pd.DataFrame, dummy: str) -> pd.Series:
    """Per Morris row: whether the lower end of the factor's μ* interval is above the upper
    end of the dummy's for that outcome (the factor is distinguishable from seed noise)."""
    dummy_rows = indices[indices["factor"] == dummy].set_index("outcome")
    ceiling = indices["outcome"].map(dummy_rows["mu_star"] + dummy_rows["mu_star_conf"])
    return (indices["mu_star"] - indices["mu_star_conf"] > ceiling) & (indices["factor"] != dummy)


def survivors(indices: pd.DataFrame, dummy: str, max_factors: int) -> list[str]:
    """Factors that survive Morris screening, most influential first.

    A factor survives when it is clear of noise (``clear_of_noise``) for at least one
    outcome. Survivors are ranked by their largest μ* relative to the outcome's top
    factor, and at most ``max_factors`` are kept.
    """
    top = indices.groupby("outcome")["mu_star"].transform("max")
    relative = (indices["mu_star"] / top.where(top > 0)).fillna(0.0)
    clear = clear_of_noise(indices, dummy)
    order = relative[clear].groupby(indices["factor"][clear]).max()
    return list(order.sort_values(ascending=False).index[:max_factors])
