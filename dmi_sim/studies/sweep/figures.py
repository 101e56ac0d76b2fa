"""Figures of a sweep, as its experiment file's ``[figures]`` table asks.

* ``kind = "frontier"`` (planners): each outcome against officer time (``effort``) and cost
  (``cost``), one point per design point (mean over replications, 95 % t-interval), coloured
  by ``group``. The cost-effectiveness frontier joins the Pareto-efficient points: those no
  cheaper point matches or beats on the outcome.
* ``kind = "response"`` (trainers, researchers): each outcome against the factor ``x``, one
  line per level of the factor ``group``, mean and 95 % t-interval over replications.

Figures are drawn on bare ``matplotlib.figure.Figure`` objects (Agg, no pyplot state) in the
Okabe-Ito palette, like the comparison figures.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from dmi_sim.engine.experiment import Experiment
from dmi_sim.engine.posterior import PARTICLE
from dmi_sim.params import PARAMETERS
from dmi_sim.studies.kit import outcomes as catalogue
from dmi_sim.studies.kit.plots import OKABE_ITO, save_figure, scenario_styles
from dmi_sim.studies.kit.stats import pool_draws, t_halfwidth

#: Characters per line of an axis label.
LABEL_WIDTH = 38
_LINE_COLOURS = (
    "blue",
    "orange",
    "bluish_green",
    "vermillion",
    "reddish_purple",
    "sky_blue",
    "black",
    "yellow",
)


def outcome_label(key: str, wrap: bool = True) -> str:
    """'Label (unit)' for a summary key from the outcome catalogue (costs in million $, as
    the axes show them), wrapped for an axis unless ``wrap`` is False."""
    text = catalogue.label(key)
    if key.startswith("cost_"):
        text = text.replace("($)", "(million $)")
    return _wrap(text) if wrap else text


def _wrap(text: str) -> str:
    return textwrap.fill(text, LABEL_WIDTH, break_on_hyphens=False)


def factor_label(key: str) -> str:
    """'doc (unit)' of a parameter, or the key itself, wrapped for an axis."""
    spec = PARAMETERS.get(key)
    if spec is None:
        return key
    return _wrap(f"{spec.doc} ({spec.unit})" if spec.unit else spec.doc)


def point_means(
    summary: pd.DataFrame,
    factors: Sequence[str],
    outcomes: Sequence[str],
    draws: Mapping[int, int] | None = None,
) -> pd.DataFrame:
    """One row per design point: its factor values, and mean and 95 % CI half-width per
    outcome.

    ``draws`` (particle -> how many posterior draws fell on it; the runs labelled by
    particle): each point's mean and interval pool its draws by Rubin's rules
    (``kit.stats.pool_draws``: seed noise within a draw, parameter uncertainty between
    draws); without it, the t-interval over the point's runs.
    """
    grouped = summary.groupby("point", sort=True)
    frame = grouped[list(factors)].first()
    values = summary[["point", *outcomes]].astype({o: float for o in outcomes})
    if draws:
        values[PARTICLE] = summary[PARTICLE]
        return _pooled_means(frame, values, outcomes, draws).reset_index()
    stats = values.groupby("point", sort=True).agg(["mean", "std", "count"])
    for name in outcomes:
        frame[name] = stats[(name, "mean")]
        frame[f"{name}_ci"] = t_halfwidth(stats[(name, "std")], stats[(name, "count")])
    return frame.reset_index()


def _pooled_means(
    frame: pd.DataFrame, values: pd.DataFrame, outcomes: Sequence[str], draws: Mapping[int, int]
) -> pd.DataFrame:
    """``frame`` with each outcome's mean and half-width pooled over the posterior draws."""
    stats = values.groupby(["point", PARTICLE], sort=True).agg(["mean", "std", "count"])
    for name in outcomes:
        pooled = {}
        for point, at in stats[name].groupby(level="point"):
            counts = [draws[p] for p in at.index.get_level_values(PARTICLE)]
            errors = at["std"] / np.sqrt(at["count"])
            result = pool_draws(at["mean"], errors, counts, float(at["count"].min()) - 1)
            pooled[point] = (result["mean"], result["high"] - result["mean"])
        frame[name] = [pooled[p][0] for p in frame.index]
        frame[f"{name}_ci"] = [pooled[p][1] for p in frame.index]
    return frame


def pareto_front(x: np.ndarray, y: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Indices of the points no cheaper-or-equal point beats, in order of ``x``.

    Walking from the cheapest point up, a point is on the frontier when it is strictly
    better than every point before it.
    """
    sign = -1.0 if higher_is_better else 1.0
    order = np.lexsort((sign * y, x))  # by cost, then best outcome first among ties
    front, best = [], np.inf
    for i in order:
        if np.isfinite(y[i]) and sign * y[i] < best:
            front.append(i)
            best = sign * y[i]
    return np.array(front, dtype=int)


def _colours(levels: Sequence[object], group: str) -> dict[object, str]:
    """Scenarios keep their colours from the comparison figures; other levels take turns."""
    if group == "scenario":
        styles = scenario_styles([str(level) for level in levels])
        return {level: styles[str(level)]["color"] for level in levels}
    return {lvl: OKABE_ITO[_LINE_COLOURS[i % len(_LINE_COLOURS)]] for i, lvl in enumerate(levels)}


def _label_axis(axis: Axis, key: str) -> None:
    """An outcome's label on an axis; costs in millions of dollars, as their label says."""
    axis.set_label_text(outcome_label(key))
    if key.startswith("cost_"):
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:g}"))


def _frontier_panel(ax: Axes, points: pd.DataFrame, x: str, y: str, group: str) -> pd.DataFrame:
    """Points with intervals, coloured by group; the frontier ringed and joined. Returns the
    frontier's design points."""
    colours = _colours(list(dict.fromkeys(points[group])), group)
    for level, part in points.groupby(group, sort=False):
        ax.errorbar(
            part[x],
            part[y],
            yerr=part[f"{y}_ci"],
            fmt="o",
            markersize=5,
            color=colours[level],
            alpha=0.85,
            elinewidth=1,
            capsize=2,
            label=str(level),
        )
    front = points.iloc[
        pareto_front(
            points[x].to_numpy(float), points[y].to_numpy(float), catalogue.higher_is_better(y)
        )
    ]
    ax.plot(
        front[x],
        front[y],
        color="#333333",
        linewidth=1.2,
        linestyle="--",
        drawstyle="steps-post",
        zorder=0,
        label="cost-effectiveness frontier",
    )
    ax.scatter(
        front[x], front[y], s=110, facecolors="none", edgecolors="#333333", linewidths=1.2, zorder=3
    )
    _label_axis(ax.xaxis, x)
    _label_axis(ax.yaxis, y)
    ax.grid(alpha=0.3)
    return front


def _finish(fig: Figure, legend_from: Axes, title: str, group: str, path: Path) -> Path:
    """Title, one legend for the whole figure (taken from one panel), and the file."""
    fig.suptitle(title, fontsize=10)
    handles, labels = legend_from.get_legend_handles_labels()
    fig.legend(handles, labels, title=factor_label(group), loc="outside right center", fontsize=8)
    return save_figure(fig, path, tight=False)


def draw_frontier(experiment: Experiment, summary: pd.DataFrame, folder: Path) -> list[Path]:
    """Per outcome: a figure against officer time and against cost with the frontier marked,
    and a table of the frontier's design points (which settings they are)."""
    spec = experiment.figures
    effort, cost, group = spec["effort"], spec["cost"], spec["group"]
    outcomes = [o for o in experiment.outcomes if o not in (effort, cost)]
    factors = [f.key for f in experiment.factors]
    points = point_means(summary, factors, [effort, cost, *outcomes], experiment.draw_counts)
    paths = []
    for outcome in outcomes:
        fig = Figure(figsize=(11, 4.6), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        fronts = [
            _frontier_panel(ax, points, x, outcome, group).assign(frontier_against=x)
            for ax, x in zip(axes, (effort, cost), strict=True)
        ]
        table = folder / f"frontier_{outcome}.csv"
        columns = ["frontier_against", "point", *factors, effort, cost, outcome, f"{outcome}_ci"]
        pd.concat(fronts)[columns].to_csv(table, index=False)
        better = "more" if catalogue.higher_is_better(outcome) else "less"
        title = (
            f"{outcome_label(outcome, wrap=False)}: what each resource level buys\n"
            f"one point per design point: mean of {experiment.runs_phrase()} with 95 % "
            f"interval\nringed: the frontier, where no cheaper point does better ({better} is "
            f"better); listed in {table.name}"
        )
        paths += [_finish(fig, axes[0], title, group, folder / f"frontier_{outcome}.png"), table]
    return paths


def draw_response(experiment: Experiment, summary: pd.DataFrame, folder: Path) -> list[Path]:
    """All outcomes in one figure: each against factor ``x``, a line per level of ``group``."""
    x, group = experiment.figures["x"], experiment.figures["group"]
    outcomes = list(experiment.outcomes)
    factors = [f.key for f in experiment.factors]
    points = point_means(summary, factors, outcomes, experiment.draw_counts)
    levels = sorted(points[group].unique())
    colours = _colours(levels, group)
    ncols = 2
    nrows = -(-len(outcomes) // ncols)
    fig = Figure(figsize=(11, 3.6 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, outcome in zip(axes, outcomes, strict=False):
        for level in levels:
            part = points[points[group] == level].sort_values(x)
            mean, half = part[outcome].to_numpy(), part[f"{outcome}_ci"].to_numpy()
            colour = colours[level]
            ax.fill_between(
                part[x], mean - half, mean + half, color=colour, alpha=0.15, linewidth=0
            )
            ax.plot(part[x], mean, marker="o", markersize=4, color=colour, label=str(level))
        ax.set_xlabel(factor_label(x))
        _label_axis(ax.yaxis, outcome)
        ax.grid(alpha=0.3)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    title = (
        f"{experiment.description or experiment.name}\nmean of {experiment.runs_phrase()} "
        "per point, shaded: 95 % interval"
    )
    return [_finish(fig, axes[0], title, group, folder / f"response_{x}.png")]


def draw_figures(experiment: Experiment, summary: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Draw the experiment's figures from its runs' ``summary`` into ``out_dir/figures``."""
    folder = Path(out_dir) / "figures"
    folder.mkdir(exist_ok=True)
    spec = experiment.figures
    needed = [*experiment.outcomes, *(spec[k] for k in ("effort", "cost") if k in spec)]
    missing = [k for k in needed if k not in summary.columns]
    if missing:
        raise ValueError(
            f"{experiment.path}: the figures need {missing}, which the runs do not report"
        )
    draw = draw_frontier if spec["kind"] == "frontier" else draw_response
    return draw(experiment, summary, folder)
