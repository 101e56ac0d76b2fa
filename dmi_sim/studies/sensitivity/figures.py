"""Figures of a sensitivity analysis: μ*–σ plots, the screening overview, Sobol bars.

Drawn on bare ``matplotlib.figure.Figure`` objects (no pyplot state) in the Okabe-Ito
palette, like the comparison figures; every file is written under a temporary name and
moved into place, so a figure on disk is always whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dmi_sim.studies.kit.plots import OKABE_ITO, save_figure
from dmi_sim.studies.sensitivity.outcomes import OUTCOMES

#: Factors named beside their point in a μ*–σ plot (the rest stay unlabelled dots).
LABELLED = 7
#: σ/μ* ratios drawn as guides (Garcia Sanchez et al. 2014): below 0.1 nearly linear,
#: up to 0.5 monotonic, above 1 non-linear or interacting.
RATIOS = (0.1, 0.5, 1.0)


def _scale(outcome: str) -> tuple[float, str]:
    """Factor and unit for axes: relative changes and shares in percentage points."""
    meta = OUTCOMES[outcome]
    return (100.0, "percentage points") if meta.percent else (1.0, meta.unit)


def mu_star_sigma(indices: pd.DataFrame, outcome: str, dummy: str, path: Path) -> Path:
    """μ* against σ for one outcome, μ*'s bootstrap interval as a bar, the dummy marked."""
    frame = indices[indices["outcome"] == outcome].sort_values("mu_star", ascending=False)
    scale, unit = _scale(outcome)
    mu, conf, sigma = (frame[c].to_numpy() * scale for c in ("mu_star", "mu_star_conf", "sigma"))
    is_dummy = (frame["factor"] == dummy).to_numpy()
    fig = Figure(figsize=(7.5, 5.2), layout="constrained")
    ax = fig.add_subplot()
    top = float(np.nanmax(np.r_[mu + conf, sigma, 1e-12]))
    line = np.array([0.0, top * 1.05])
    for ratio in RATIOS:
        ax.plot(line, ratio * line, color="0.8", lw=0.8, zorder=0)
        end = min(top, top / ratio)
        ax.annotate(
            f"σ/μ* = {ratio:g}",
            (end, ratio * end),
            fontsize=7,
            color="0.5",
            ha="right",
            va="bottom",
        )
    ax.errorbar(
        mu[~is_dummy],
        sigma[~is_dummy],
        xerr=conf[~is_dummy],
        fmt="o",
        ms=4,
        color=OKABE_ITO["blue"],
        ecolor=OKABE_ITO["sky_blue"],
        lw=0.8,
        label="factor (bar: 95 % bootstrap interval of μ*)",
    )
    ax.errorbar(
        mu[is_dummy],
        sigma[is_dummy],
        xerr=conf[is_dummy],
        fmt="D",
        ms=6,
        color=OKABE_ITO["vermillion"],
        lw=0.8,
        label=f"{dummy} (seed noise only)",
    )
    shown = list(range(min(LABELLED, len(frame))))
    shown += [i for i in np.flatnonzero(is_dummy) if i not in shown]
    placed: list[tuple[float, float]] = []
    for i in shown:
        drop = 0  # step a label down while it would sit on one already placed
        while any(
            abs(mu[i] - x) < 0.15 * top and abs(sigma[i] - y - drop * 0.03 * top) < 0.025 * top
            for x, y in placed
        ):
            drop += 1
        placed.append((mu[i], sigma[i] - drop * 0.03 * top))
        ax.annotate(
            frame["factor"].iloc[i],
            (mu[i], sigma[i]),
            xytext=(4, 3 - 9 * drop),
            textcoords="offset points",
            fontsize=7,
        )
    ax.set_xlim(0, top * 1.1)
    ax.set_ylim(0, top * 1.1)
    ax.set_xlabel(f"μ*: mean |elementary effect| over the factor's range ({unit})")
    ax.set_ylabel(f"σ of the elementary effects ({unit})")
    ax.set_title(f"Morris screening: {OUTCOMES[outcome].label}", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    return save_figure(fig, path)


def screening_overview(indices: pd.DataFrame, outcomes: Sequence[str], path: Path) -> Path:
    """μ* of every factor and outcome, relative to the outcome's top factor: one glance at
    what matters where."""
    table = indices.pivot(index="factor", columns="outcome", values="mu_star")[list(outcomes)]
    top = table.max().replace(0, np.nan)
    relative = (table / top).fillna(0.0)
    relative = relative.loc[relative.max(axis=1).sort_values(ascending=False).index]
    fig = Figure(
        figsize=(1.0 + 0.55 * len(outcomes) + 2.5, 0.24 * len(relative) + 2.2), layout="constrained"
    )
    ax = fig.add_subplot()
    image = ax.imshow(relative.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_yticks(range(len(relative)), relative.index, fontsize=7)
    ax.set_xticks(
        range(len(outcomes)),
        [OUTCOMES[o].label for o in outcomes],
        fontsize=7,
        rotation=40,
        ha="right",
    )
    fig.colorbar(image, ax=ax, shrink=0.6, label="μ* / largest μ* of the outcome")
    ax.set_title("Morris screening: which factor matters for which outcome", fontsize=10)
    return save_figure(fig, path)


def sobol_bars(indices: pd.DataFrame, outcome: str, n: int, path: Path) -> Path:
    """S1 and ST with their bootstrap intervals at 2N, ST at N as a marker (convergence)."""
    frame = indices[indices["outcome"] == outcome]
    big = frame[frame["n"] == 2 * n].set_index("factor").sort_values("ST")
    small = frame[frame["n"] == n].set_index("factor").reindex(big.index)
    y = np.arange(len(big))
    fig = Figure(figsize=(7.5, 0.32 * len(big) + 1.8), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(
        y + 0.2,
        big["ST"],
        0.4,
        xerr=big["ST_conf"],
        color=OKABE_ITO["blue"],
        error_kw={"lw": 0.8},
        label=f"total order ST (N = {2 * n})",
    )
    ax.barh(
        y - 0.2,
        big["S1"],
        0.4,
        xerr=big["S1_conf"],
        color=OKABE_ITO["orange"],
        error_kw={"lw": 0.8},
        label=f"first order S1 (N = {2 * n})",
    )
    ax.plot(
        small["ST"],
        y + 0.2,
        "D",
        ms=4,
        color=OKABE_ITO["vermillion"],
        label=f"ST at N = {n} (convergence)",
    )
    ax.axvline(0, color="0.5", lw=0.6)
    ax.set_yticks(y, big.index, fontsize=7)
    ax.set_xlabel("share of the variance of the seed-averaged outcome (95 % bootstrap bars)")
    ax.set_title(f"Sobol' indices: {OUTCOMES[outcome].label}", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return save_figure(fig, path)


def advantage_by_factor(table: pd.DataFrame, overall: float, shown: int, path: Path) -> Path:
    """Share of the space where the DMI's advantage holds, in the lower and upper half of
    the factors it depends on most, against its share over the whole space."""
    rows = table.head(shown).iloc[::-1]
    y = np.arange(len(rows))
    fig = Figure(figsize=(7.5, 0.36 * len(rows) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(
        y - 0.2,
        100 * rows["share_low_half"],
        0.4,
        color=OKABE_ITO["sky_blue"],
        label="lower half of the factor's range",
    )
    ax.barh(
        y + 0.2, 100 * rows["share_high_half"], 0.4, color=OKABE_ITO["blue"], label="upper half"
    )
    ax.axvline(100 * overall, color=OKABE_ITO["black"], ls="--", lw=0.8, label="whole space")
    ax.set_yticks(y, rows["factor"], fontsize=7)
    ax.set_xlim(0, 100)
    ax.set_xlabel("design points x seeds where the DMI's advantage holds (%)")
    ax.set_title("Where the DMI's advantage over crackdowns holds", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return save_figure(fig, path)
