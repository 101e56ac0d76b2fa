"""Figures of a comparison: time series, maps, effects, cumulative enforcement.

Every figure is drawn on a bare ``matplotlib.figure.Figure`` (Agg, no pyplot state), so it
renders the same on a headless server and in a worker process. Colours are the Okabe-Ito
palette (readable with the common colour-vision deficiencies), and every scenario keeps its
colour and line style in every figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from dmi_sim.studies.kit.stats import COUNTERFACTUAL, OUTCOMES, daily_band

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
_NAMED = {
    "baseline": "black",
    "crackdown": "vermillion",
    "hotspot": "orange",
    "dmi": "blue",
    "dmi_no_community": "sky_blue",
}
_SPARE = ("bluish_green", "reddish_purple", "yellow")
MAP_FIELDS = {
    "dealing": ("Dealing", "transactions per cell per day"),
    "disorder": ("Disorder", "index, 0-1"),
    "residents_outdoors": ("Residents in public space", "share of the cell's households"),
}
DPI = 120


def scenario_styles(scenarios: Sequence[str]) -> dict[str, dict[str, str]]:
    """A fixed colour and line style per scenario (the counterfactual dashed black)."""
    spare = iter(_SPARE * (len(scenarios) // len(_SPARE) + 1))
    styles = {}
    for name in scenarios:
        colour = OKABE_ITO[_NAMED.get(name) or next(spare)]
        styles[name] = {"color": colour, "linestyle": "--" if name == COUNTERFACTUAL else "-"}
    return styles


def draw_outline(ax: Axes, mask: np.ndarray, upsample: int = 8, **style: Any) -> None:
    """Outline a boolean ``[y, x]`` mask along its cell edges (dashes and halos work).

    Contouring the mask itself cuts the corners diagonally; contouring it blown up
    ``upsample`` times per cell leaves corners a fraction of a cell off, too small to see.
    """
    fine = np.kron(np.asarray(mask, float), np.ones((upsample, upsample)))
    ys = (np.arange(fine.shape[0]) + 0.5) / upsample - 0.5
    xs = (np.arange(fine.shape[1]) + 0.5) / upsample - 0.5
    ax.contour(xs, ys, fine, levels=[0.5], **style)


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    return path


def _mark_start(ax: Axes, starts: Mapping[str, int]) -> None:
    """A vertical line at each distinct intervention start day."""
    for day in sorted(set(starts.values())):
        ax.axvline(day, color="#555555", linewidth=1, linestyle=":")


def _draw_bands(ax: Axes, band: pd.DataFrame, styles: Mapping[str, dict[str, str]]) -> None:
    """Mean line and shaded 95 % band for each scenario of a ``daily_band`` frame."""
    for name, style in styles.items():
        part = band[band["scenario"] == name]
        ax.fill_between(part["day"], part["low"], part["high"], color=style["color"],
                        alpha=0.2, linewidth=0)
        ax.plot(part["day"], part["mean"], label=name, linewidth=1.4, **style)


def _figure_legend(
    fig: Figure, styles: Mapping[str, dict[str, str]], n_reps: int, start_marked: bool = True
) -> None:
    """One legend for all panels, under them, saying what line and band mean."""
    marked = "; dotted line: intervention starts" if start_marked else ""
    handles = [Line2D([], [], linewidth=1.4, **style) for style in styles.values()]
    fig.legend(handles, list(styles), loc="outside lower center", ncols=min(len(styles), 5),
               title=f"Scenario (line: mean of {n_reps} replications; band: 95 % interval"
               f"{marked})", frameon=False)


def plot_timeseries(
    ts: pd.DataFrame,
    outcomes: Sequence[str],
    starts: Mapping[str, int],
    path: Path,
    title: str,
) -> Path:
    """Small multiples: one panel per outcome, every scenario's mean and 95 % band."""
    styles = scenario_styles(list(starts))
    ncols = 2
    nrows = -(-len(outcomes) // ncols)
    fig = Figure(figsize=(11, 2.9 * nrows + 1.0), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    for ax, outcome in zip(axes, outcomes, strict=False):
        meta = OUTCOMES[outcome]
        _draw_bands(ax, daily_band(ts, outcome, meta.smooth_days), styles)
        _mark_start(ax, starts)
        ax.set_title(f"{meta.label} ({meta.smooth_days}-day mean)")
        ax.set_ylabel(meta.unit)
        ax.grid(alpha=0.3)
    for ax in axes[len(outcomes):]:
        ax.set_visible(False)
    for ax in axes[-ncols:]:
        ax.set_xlabel("day of simulation")
        ax.xaxis.set_tick_params(labelbottom=True)
    fig.suptitle(title, fontsize=13)
    _figure_legend(fig, styles, ts["replication"].nunique())
    return _save(fig, path)


def plot_cumulative(ts: pd.DataFrame, starts: Mapping[str, int], path: Path) -> Path:
    """Arrests and incarceration accumulated from the intervention start, per scenario."""
    styles = scenario_styles(list(starts))
    start = min(starts.values())
    after = ts[ts["day"] >= start].sort_values("day")
    runs = after.groupby(["scenario", "replication"], sort=False)
    cum = after[["scenario", "replication", "day"]].assign(
        arrests=runs["arrests_sellers"].cumsum() + runs["arrests_buyers"].cumsum(),
        person_days=runs["incarcerated"].cumsum(),
    )
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    axes = fig.subplots(1, 2)
    panels = (
        ("arrests", "Cumulative arrests (sellers and buyers)", "arrests"),
        ("person_days", "Cumulative custody (arrested or incarcerated)", "person-days"),
    )
    for ax, (column, label, unit) in zip(axes, panels, strict=True):
        _draw_bands(ax, daily_band(cum, column), styles)
        ax.set_title(label)
        ax.set_ylabel(unit)
        ax.set_xlabel("day of simulation")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Enforcement accumulated from the intervention start (day {start})",
                 fontsize=13)
    _figure_legend(fig, styles, ts["replication"].nunique(), start_marked=False)
    return _save(fig, path)


def plot_effects(effects: pd.DataFrame, outcomes: Sequence[str], path: Path) -> Path:
    """Forest plot: relative change against the same-seed counterfactual, 95 % intervals."""
    shown = effects[(effects["scenario"] != COUNTERFACTUAL) & effects["outcome"].isin(outcomes)]
    scenarios = list(dict.fromkeys(shown["scenario"]))
    styles = scenario_styles(scenarios)
    ncols = 3
    nrows = -(-len(outcomes) // ncols)
    fig = Figure(figsize=(12, (0.3 * len(scenarios) + 1.4) * nrows + 1.0),
                 layout="constrained")
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    ypos = np.arange(len(scenarios))[::-1]
    for ax, outcome in zip(axes, outcomes, strict=False):
        part = shown[shown["outcome"] == outcome].set_index("scenario").loc[scenarios]
        mid = 100 * part["rel_effect"].to_numpy()
        err = 100 * np.vstack([part["rel_effect"] - part["rel_low"],
                               part["rel_high"] - part["rel_effect"]])
        for k, name in enumerate(scenarios):
            ax.errorbar(mid[k], ypos[k], xerr=err[:, k:k + 1], fmt="o", capsize=3,
                        color=styles[name]["color"], markersize=5)
        ax.axvline(0, color="#555555", linewidth=1)
        ax.set_title(OUTCOMES[outcome].label, fontsize=10)
        ax.set_xlabel("change against baseline (%)")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(ypos, scenarios)
    for ax in axes[len(outcomes):]:
        ax.set_visible(False)
    window = shown[["window_start", "window_end"]].iloc[0]
    n_pairs = int(shown["n_pairs"].min())
    fig.suptitle(
        f"Paired effect against the same-seed baseline, days {window['window_start']}-"
        f"{window['window_end'] - 1}\n(mean relative change over {n_pairs} replications, "
        "95 % t-interval)", fontsize=12)
    return _save(fig, path)


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
    fig = Figure(figsize=(2.6 * len(scenarios) + 1.2, 6.0), layout="constrained")
    axes = fig.subplots(2, len(scenarios), squeeze=False, sharex=True, sharey=True)
    image = None
    for col, name in enumerate(scenarios):
        for row, when in enumerate(("before", "after")):
            ax = axes[row, col]
            image = ax.imshow(maps[name][when][field], origin="lower", cmap="viridis",
                              vmin=0, vmax=vmax, interpolation="nearest")
            for mask, style in ((market_mask, "solid"), (zone, "dashed")):
                draw_outline(ax, mask, colors="white", linestyles=style, linewidths=1.2,
                             path_effects=halo)
            ax.set_facecolor("#BBBBBB")
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
        "catchment ring; grey: no household", fontsize=10)
    return _save(fig, path)
