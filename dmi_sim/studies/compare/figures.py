"""Figures of a comparison: paired effects and before/after maps (the time series and
cumulative enforcement are ``kit.plots``, shared with validation).

Every figure is drawn on a bare ``matplotlib.figure.Figure`` (Agg, no pyplot state), so it
renders the same on a headless server and in a worker process. Colours are the Okabe-Ito
palette (readable with the common colour-vision deficiencies), and every scenario keeps its
colour and line style in every figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure

from dmi_sim.studies.compare.report import absolute_only, absolute_scale
from dmi_sim.studies.kit.outcomes import SERIES as OUTCOMES
from dmi_sim.studies.kit.plots import draw_outline, save_figure, scenario_styles
from dmi_sim.studies.kit.stats import COUNTERFACTUAL

MAP_FIELDS = {
    "dealing": ("Dealing", "transactions per cell per day"),
    "disorder": ("Disorder", "index, 0-1"),
    "residents_outdoors": ("Residents in public space", "share of the cell's households"),
}


def plot_effects(effects: pd.DataFrame, outcomes: Sequence[str], path: Path) -> Path:
    """Forest plot: change against the same-seed counterfactual, 95 % intervals.

    The change is the ratio of means with Fieller's interval (never below -100 %), and
    every such panel shares one x-axis, so effects compare across outcomes at a glance. An
    outcome the report gives as an absolute change only (``absolute_only``: a baseline
    below the reporting floor) shows that change and its t-interval on its own
    axis, in the report's unit (``absolute_scale``: a daily count as its total a run over
    the window), its title marked "absolute".
    """
    shown = effects[(effects["scenario"] != COUNTERFACTUAL) & effects["outcome"].isin(outcomes)]
    scenarios = list(dict.fromkeys(shown["scenario"]))
    styles = scenario_styles(scenarios)
    ncols = 3
    nrows = -(-len(outcomes) // ncols)
    fig = Figure(figsize=(12, (0.3 * len(scenarios) + 1.6) * nrows + 1.0), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    ypos = np.arange(len(scenarios))[::-1]
    relative_axes = []
    for ax, outcome in zip(axes, outcomes, strict=False):
        part = shown[shown["outcome"] == outcome].set_index("scenario").loc[scenarios]
        ax.axvline(0, color="#555555", linewidth=1)
        ax.grid(axis="x", alpha=0.3)
        first = part.iloc[0]
        if any(absolute_only(outcome, row) for _, row in part.iterrows()):
            scale, unit = absolute_scale(outcome, first)
            columns = ("abs_effect", "abs_low", "abs_high")
            ax.set_title(f"{OUTCOMES[outcome].label} (absolute)", fontsize=10)
            ax.set_xlabel(
                f"change, {unit}\n(days {int(first['window_start'])}-"
                f"{int(first['window_end']) - 1}; small base, 95 % t-interval)",
                fontsize=8,
            )
        else:
            scale, columns = 100.0, ("ratio_effect", "ratio_low", "ratio_high")
            ax.set_title(OUTCOMES[outcome].label, fontsize=10)
            ax.set_xlabel("change against baseline (%)")
            if relative_axes:
                ax.sharex(relative_axes[0])
            relative_axes.append(ax)
        mid, low, high = (scale * part[c].to_numpy(dtype=float) for c in columns)
        err = np.vstack([mid - low, high - mid])
        for k, name in enumerate(scenarios):
            ax.errorbar(
                mid[k],
                ypos[k],
                xerr=None if not np.isfinite(err[:, k]).all() else err[:, k : k + 1],
                fmt="o",
                capsize=3,
                color=styles[name]["color"],
                markersize=6,
            )
    axes[0].set_yticks(ypos, scenarios)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    window = shown[["window_start", "window_end"]].iloc[0]
    n_pairs = int(shown["n_pairs"].min())
    fig.suptitle(
        f"Paired effect against the same-seed baseline, days {window['window_start']}-"
        f"{window['window_end'] - 1}\n(ratio of means over {n_pairs} replications, 95 % "
        "Fieller interval, one scale for these panels; panels marked absolute: "
        "the change on a small base, in its unit)",
        fontsize=12,
    )
    return save_figure(fig, path)


#: Cells of margin around the activity when a map is cropped.
CROP_MARGIN = 3


def crop_box(
    zone: np.ndarray, grids: Sequence[np.ndarray], share: float = 0.02
) -> tuple[tuple[int, int], tuple[int, int]]:
    """((y0, y1), (x0, x1)): the smallest box holding the market zone and every cell whose
    dealing reaches ``share`` of the highest, with ``CROP_MARGIN`` cells around it."""
    keep = np.asarray(zone, bool).copy()
    peak = max((float(np.nanmax(g)) for g in grids if np.isfinite(g).any()), default=0.0)
    for grid in grids:
        if peak > 0:
            keep |= np.nan_to_num(grid) >= share * peak
    if not keep.any():
        return (0, zone.shape[0] - 1), (0, zone.shape[1] - 1)
    ys, xs = np.nonzero(keep)
    height, width = zone.shape
    return (
        (max(0, ys.min() - CROP_MARGIN), min(height - 1, ys.max() + CROP_MARGIN)),
        (max(0, xs.min() - CROP_MARGIN), min(width - 1, xs.max() + CROP_MARGIN)),
    )


def plot_maps(
    maps: Mapping[str, Mapping[str, Mapping[str, np.ndarray]]],
    field: str,
    path: Path,
    note: str,
    market_mask: np.ndarray,
    catchment_mask: np.ndarray,
) -> Path:
    """One field before and after the intervention (rows), one column per scenario.

    All panels share one colour scale, from 0 to the highest value shown; the market area
    and catchment ring are outlined in white on black, visible on every colour of the map.
    """
    label, unit = MAP_FIELDS[field]
    scenarios = list(maps)
    grids = [maps[s][when][field] for s in scenarios for when in ("before", "after")]
    finite = np.concatenate([g[np.isfinite(g)].ravel() for g in grids])
    vmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    halo = [patheffects.withStroke(linewidth=3, foreground="black")]
    zone = np.asarray(market_mask) | np.asarray(catchment_mask)  # the ring's outer edge
    (y0, y1), (x0, x1) = crop_box(
        zone,
        grids
        if field == "dealing"
        else [
            maps[s][w]["dealing"]
            for s in scenarios
            for w in ("before", "after")
            if "dealing" in maps[s][w]
        ],
    )
    fig = Figure(figsize=(2.6 * len(scenarios) + 1.2, 6.0), layout="constrained")
    axes = fig.subplots(2, len(scenarios), squeeze=False, sharex=True, sharey=True)
    image = None
    for col, name in enumerate(scenarios):
        for row, when in enumerate(("before", "after")):
            ax = axes[row, col]
            image = ax.imshow(
                maps[name][when][field],
                origin="lower",
                cmap="viridis",
                vmin=0,
                vmax=vmax,
                interpolation="nearest",
            )
            for mask, style in ((market_mask, "solid"), (zone, "dashed")):
                draw_outline(
                    ax, mask, colors="white", linestyles=style, linewidths=1.2, path_effects=halo
                )
            ax.set_facecolor("#BBBBBB")
            ax.set_xlim(x0 - 0.5, x1 + 0.5)
            ax.set_ylim(y0 - 0.5, y1 + 0.5)
            if row == 0:
                ax.set_title(name)
            if col == 0:
                ax.set_ylabel(f"{when}\ny (cells)")
            if row == 1:
                ax.set_xlabel("x (cells)")
    fig.colorbar(image, ax=axes, shrink=0.8, label=f"{label} ({unit})")
    fig.suptitle(
        f"{label} before and after the intervention, {note}\nbefore: mean of the 30 days "
        "before it; after: mean of the last 90 days\nsolid outline: market area; dashed: "
        "catchment ring"
        + ("; grey: no household" if field == "residents_outdoors" else "")
        + "; cropped to where the activity is",
        fontsize=10,
    )
    return save_figure(fig, path)
