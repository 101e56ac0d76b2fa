"""Plot style and saving, one for every study: palette, scenario styles, outlines, files,
and the figures of daily series by scenario that compare and validation both draw.

Every figure is drawn on a bare ``matplotlib.figure.Figure`` (Agg, no pyplot state), so it
renders the same on a headless server and in a worker process."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from dmi_sim.studies.kit.outcomes import SERIES as OUTCOMES
from dmi_sim.studies.kit.stats import COUNTERFACTUAL, daily_band

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
#: The shipped scenarios' colours, the same in every figure and in the app.
SCENARIO_COLOURS = {
    "baseline": "black",
    "crackdown": "vermillion",
    "hotspot": "reddish_purple",
    "dmi": "blue",
    "dmi_no_community": "bluish_green",
}
#: Colours for other scenarios. Vermillion and orange, or blue and sky blue, side by side
#: merge on a projector; the shipped five use none of those pairs.
_SPARE = ("orange", "sky_blue", "yellow")
DPI = 120


def scenario_styles(scenarios: Sequence[str]) -> dict[str, dict[str, str]]:
    """A fixed colour and line style per scenario (the counterfactual dashed black)."""
    spare = iter(_SPARE * (len(scenarios) // len(_SPARE) + 1))
    styles = {}
    for name in scenarios:
        colour = OKABE_ITO[SCENARIO_COLOURS.get(name) or next(spare)]
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


def save_figure(fig: Figure, path: Path, tight: bool = True) -> Path:
    """Write ``fig`` to ``path`` atomically (a temporary name, then a rename); return it.

    ``tight``: crop to the drawn content (``bbox_inches="tight"``); figures laid out with
    ``layout="constrained"`` and an outside legend keep their own frame.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=DPI, **({"bbox_inches": "tight"} if tight else {}))
    os.replace(tmp, path)
    return path


def _mark_start(ax: Axes, starts: Mapping[str, int]) -> None:
    """A vertical line at each distinct intervention start day."""
    for day in sorted(set(starts.values())):
        ax.axvline(day, color="#555555", linewidth=1, linestyle=":")


def _draw_bands(ax: Axes, band: pd.DataFrame, styles: Mapping[str, dict[str, str]]) -> None:
    """Mean line and shaded 95 % band for each scenario of a ``daily_band`` frame."""
    for name, style in styles.items():
        part = band[band["scenario"] == name]
        ax.fill_between(
            part["day"], part["low"], part["high"], color=style["color"], alpha=0.2, linewidth=0
        )
        ax.plot(part["day"], part["mean"], label=name, linewidth=1.4, **style)


def _figure_legend(
    fig: Figure,
    styles: Mapping[str, dict[str, str]],
    ts: pd.DataFrame,
    start_marked: bool = True,
) -> None:
    """One legend for all panels, under them, saying what line and band mean and how many
    replications each line averages (scenarios may have different numbers)."""
    marked = "; dotted line: intervention starts" if start_marked else ""
    counts = ts.groupby("scenario")["replication"].nunique()
    if counts.nunique() == 1:
        means = f"mean of {counts.iloc[0]} replications"
    else:
        means = "mean of its replications: " + ", ".join(
            f"{name} {counts[name]}" for name in styles if name in counts
        )
    handles = [Line2D([], [], linewidth=1.4, **style) for style in styles.values()]
    fig.legend(
        handles,
        list(styles),
        loc="outside lower center",
        ncols=min(len(styles), 5),
        title=f"Scenario (line: {means}; band: 95 % interval{marked})",
        frameon=False,
    )


def _fit_after_warm_up(ax: Axes, band: pd.DataFrame, smooth_days: int) -> None:
    """Scale the y-axis to the days after the first rolling window: a rolling mean over the
    first few days of a rare event (one incident on day 0 is 1 a day) would otherwise set
    the axis and flatten the rest."""
    later = band[band["day"] >= band["day"].min() + max(smooth_days, 7)]
    if later.empty:
        return
    top = float(np.nanmax(later["high"].to_numpy(float)))
    if np.isfinite(top) and top > 0 and top < float(np.nanmax(band["high"].to_numpy(float))):
        ax.set_ylim(bottom=min(0.0, float(np.nanmin(later["low"]))), top=1.08 * top)


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
        band = daily_band(ts, outcome, meta.smooth_days)
        _draw_bands(ax, band, styles)
        _fit_after_warm_up(ax, band, meta.smooth_days)
        _mark_start(ax, starts)
        ax.set_title(f"{meta.label} ({meta.smooth_days}-day mean)")
        ax.set_ylabel(meta.unit)
        ax.grid(alpha=0.3)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    for ax in axes[-ncols:]:
        ax.set_xlabel("day of simulation")
        ax.xaxis.set_tick_params(labelbottom=True)
    fig.suptitle(title, fontsize=13)
    _figure_legend(fig, styles, ts)
    return save_figure(fig, path)


def plot_cumulative(ts: pd.DataFrame, starts: Mapping[str, int], path: Path) -> Path:
    """Arrests and incarceration accumulated from the intervention start, per scenario."""
    styles = scenario_styles(list(starts))
    start = min(starts.values())
    after = ts[ts["day"] >= start].sort_values("day")
    runs = after.groupby(["scenario", "replication"], sort=False)
    cum = after[["scenario", "replication", "day"]].assign(
        sellers=runs["arrests_sellers"].cumsum(),
        buyers=runs["arrests_buyers"].cumsum(),
        person_days=runs["incarcerated"].cumsum(),
    )
    fig = Figure(figsize=(14, 4.4), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = (  # sellers and buyers apart: a crackdown's arrests are mostly buyers
        ("sellers", "Cumulative seller arrests", "arrests"),
        ("buyers", "Cumulative buyer arrests", "arrests"),
        ("person_days", "Cumulative custody (arrested or incarcerated)", "person-days"),
    )
    for ax, (column, label, unit) in zip(axes, panels, strict=True):
        _draw_bands(ax, daily_band(cum, column), styles)
        ax.set_title(label)
        ax.set_ylabel(unit)
        ax.set_xlabel("day of simulation")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Enforcement accumulated from the intervention start (day {start})", fontsize=13)
    _figure_legend(fig, styles, ts, start_marked=False)
    return save_figure(fig, path)
