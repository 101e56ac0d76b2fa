"""Figures of a sweep, as its experiment file's ``[figures]`` table asks.

* ``kind = "frontier"`` (planners): each outcome against officer time (``effort``) and cost
  (``cost``), one point per design point (mean over replications, 95 % interval), coloured
  by ``group``. The cost-effectiveness frontier joins the Pareto-efficient points: those no
  cheaper point matches or beats on the outcome.
* ``kind = "response"`` (trainers, researchers): each outcome against the factor ``x``, one
  line per level of the factor ``group``, mean and 95 % interval over replications.

Figures are drawn on bare ``matplotlib.figure.Figure`` objects (Agg, no pyplot state) in the
Okabe-Ito palette, like the comparison figures.
"""

from __future__ import annotations

import math
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
from dmi_sim.studies.kit.censored import (
    EVENT,
    censor_columns,
    event_times,
    is_censored,
    summarise_times,
)
from dmi_sim.studies.kit.plots import OKABE_ITO, save_figure, scenario_styles
from dmi_sim.studies.kit.stats import is_share_of_runs, pooled_interval, run_interval
from dmi_sim.studies.sweep import units
from dmi_sim.studies.sweep.noise import ranked_values
from dmi_sim.studies.sweep.units import Window, policy_window

#: Characters per line of an axis label, and of a figure's caption.
LABEL_WIDTH = 38
TITLE_WIDTH = 120
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


def outcome_label(key: str, window: Window, wrap: bool = True) -> str:
    """'Label (unit)' of a summary key as the sweep shows it (``units.label``; costs in
    million $, as the axes show them), wrapped for an axis unless ``wrap`` is False."""
    text = units.label(key, window)
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


def _policy_days(experiment: Experiment) -> int:
    """Days from the policy start to the end of a run: how long a run is followed."""
    start, days = policy_window(experiment)
    return days - start


def point_means(
    summary: pd.DataFrame,
    factors: Sequence[str],
    outcomes: Sequence[str],
    draws: Mapping[int, int] | None = None,
    policy_days: float = math.nan,
) -> pd.DataFrame:
    """One row per design point: its factor values, and per outcome the mean and its 95 %
    interval (``_low``, ``_high``), cut to the values a run can give (``outcomes.bounds``:
    a t-interval on a few runs can reach below 0).

    ``draws`` (particle -> how many posterior draws fell on it; the runs labelled by
    particle): each point's mean and interval pool its draws by Rubin's rules
    (``kit.stats.pooled_interval``: seed noise within a draw, parameter uncertainty between
    draws); without it, ``kit.stats.run_interval`` over the point's runs. A share of runs
    (``reemerged``) gets the Wilson interval over the point's distinct runs, with or without
    draws (a t-interval of 0/1 values is 0 wide where every run agrees); like a censored
    time, it then weighs each distinct particle's runs alike, whatever its draws.

    A censored time (``censored.is_censored``) is no mean: its columns are the Kaplan-Meier
    median and interval, ``_share`` (and ``_share_low``/``_high``) of runs with the event,
    ``_runs``, ``_events``, ``_followed`` and ``_beyond`` (see ``censored.summarise_times``);
    ``policy_days`` censors ``days_to_closure``.
    """
    frame = summary.groupby("point", sort=True)[list(factors)].first()
    for name in outcomes:
        if is_censored(name):
            frame = _time_columns(frame, summary, name, policy_days)
        else:
            frame = _mean_columns(frame, summary, name, draws or {})
    return frame.reset_index()


def _mean_columns(
    frame: pd.DataFrame, summary: pd.DataFrame, name: str, draws: Mapping[int, int]
) -> pd.DataFrame:
    """``frame`` with each point's mean of ``name`` and its interval (``point_means``)."""
    least, most = catalogue.bounds(name)
    rows = {}
    for point, runs in summary.groupby("point", sort=True):
        values = runs[name].astype(float)
        if draws and not is_share_of_runs(name):
            mean, half = pooled_interval(values, runs[PARTICLE].to_numpy(), draws)
            low, high = np.clip([mean - half, mean + half], least, most)
            rows[point] = (mean, low, high)
        else:
            rows[point] = run_interval(values, name)
    mean, low, high = zip(*(rows[p] for p in frame.index), strict=True)
    return frame.assign(**{name: mean, f"{name}_low": low, f"{name}_high": high})


def _time_columns(
    frame: pd.DataFrame, summary: pd.DataFrame, name: str, policy_days: float
) -> pd.DataFrame:
    """``frame`` with a censored time's survival summary per point. At a posterior, each
    run counts once, whatever the number of draws on its particle: repeating a particle's
    runs would count the same runs as more, and narrow the intervals for nothing. The
    median and share are then those of an equal mix of the distinct particles, not of the
    posterior's weighting (the report says so: ``report._interval_phrase``)."""
    rows = {
        point: summarise_times(*event_times(runs, name, policy_days))
        for point, runs in summary.groupby("point", sort=True)
    }
    times = pd.DataFrame.from_dict(rows, orient="index")
    frame[name] = times["median"]
    for column in times.columns.drop("median"):
        frame[f"{name}_{column}"] = times[column]
    return frame


def pareto_front(x: np.ndarray, y: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Indices of the points no cheaper-or-equal point beats, in order of ``x``.

    Walking from the cheapest point up, a point is on the frontier when it is strictly
    better than every point before it. A NaN ``y`` is on no frontier; ±inf ranks beyond
    every finite value (``noise.ranked_values``: a median not reached).
    """
    sign = -1.0 if higher_is_better else 1.0
    order = np.lexsort((sign * y, x))  # by cost, then best outcome first among ties
    front, best = [], np.inf
    for i in order:
        if not np.isnan(y[i]) and sign * y[i] < best:
            front.append(i)
            best = sign * y[i]
    return np.array(front, dtype=int)


def _colours(levels: Sequence[object], group: str) -> dict[object, str]:
    """Scenarios keep their colours from the comparison figures; other levels take turns."""
    if group == "scenario":
        styles = scenario_styles([str(level) for level in levels])
        return {level: styles[str(level)]["color"] for level in levels}
    return {lvl: OKABE_ITO[_LINE_COLOURS[i % len(_LINE_COLOURS)]] for i, lvl in enumerate(levels)}


def _label_axis(axis: Axis, key: str, window: Window) -> None:
    """An outcome's label on an axis; costs in millions of dollars, as their label says."""
    axis.set_label_text(outcome_label(key, window))
    if key.startswith("cost_"):
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:g}"))


def _frontier_panel(
    ax: Axes, points: pd.DataFrame, x: str, y: str, group: str, window: Window
) -> pd.DataFrame:
    """Points with intervals, coloured by group; the frontier ringed and joined. Returns the
    frontier's design points."""
    colours = _colours(list(dict.fromkeys(points[group])), group)
    for level, part in points.groupby(group, sort=False):
        ax.errorbar(
            part[x],
            part[y],
            yerr=[part[y] - part[f"{y}_low"], part[f"{y}_high"] - part[y]],
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
            points[x].to_numpy(float),
            ranked_values(points, y).to_numpy(float),
            catalogue.higher_is_better(y),
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
    _label_axis(ax.xaxis, x, window)
    _label_axis(ax.yaxis, y, window)
    ax.grid(alpha=0.3)
    return front


def _finish(fig: Figure, legend_from: Axes, title: str, group: str, path: Path) -> Path:
    """Title, one legend for the whole figure (taken from one panel), and the file."""
    fig.suptitle(title, fontsize=10)
    handles, labels = legend_from.get_legend_handles_labels()
    fig.legend(handles, labels, title=factor_label(group), loc="outside right center", fontsize=8)
    return save_figure(fig, path, tight=False)


def shown_points(
    experiment: Experiment, summary: pd.DataFrame, keys: Sequence[str]
) -> pd.DataFrame:
    """``point_means`` of ``keys`` in the units the sweep shows them in (``units``), so
    that the figures, their tables and ``report.md`` give the same numbers."""
    shown = units.in_shown_units(summary, keys, units.post_window(experiment))
    factors = [f.key for f in experiment.factors]
    return point_means(shown, factors, keys, experiment.draw_counts, _policy_days(experiment))


def points_table(
    points: pd.DataFrame, factors: Sequence[str], keys: Sequence[str], window: Window
) -> pd.DataFrame:
    """The points' settings and each key's columns (``_columns``), a rescaled key's columns
    named as ``units.column`` says."""
    names = {}
    for key in keys:
        for name in _columns(key):
            names[name] = units.column(key, window) + name.removeprefix(key)
    return points[["point", *factors, *names]].rename(columns=names)


def draw_frontier(experiment: Experiment, summary: pd.DataFrame, folder: Path) -> list[Path]:
    """Per outcome: a figure against officer time and against cost with the frontier marked,
    and a table of the frontier's design points (which settings they are); and ``points.csv``,
    every design point with every outcome."""
    spec = experiment.figures
    effort, cost, group = spec["effort"], spec["cost"], spec["group"]
    outcomes = [o for o in experiment.outcomes if o not in (effort, cost)]
    factors = [f.key for f in experiment.factors]
    window = units.post_window(experiment)
    points = shown_points(experiment, summary, [effort, cost, *outcomes])
    paths = []
    for outcome in outcomes:
        fig = Figure(figsize=(11, 4.6), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        fronts = [
            _frontier_panel(ax, points, x, outcome, group, window).assign(frontier_against=x)
            for ax, x in zip(axes, (effort, cost), strict=True)
        ]
        table = folder / f"frontier_{outcome}.csv"
        on_front = pd.concat(fronts)
        front = points_table(on_front, factors, [effort, cost, outcome], window)
        front.insert(0, "frontier_against", on_front["frontier_against"].to_numpy())
        front.to_csv(table, index=False)
        better = "more" if catalogue.higher_is_better(outcome) else "less"
        what = (
            f"Kaplan-Meier median of {experiment.runs_phrase()} with 95 % interval (points "
            f"where {EVENT[outcome]} in fewer than half the runs are not drawn: their "
            "median, not reached, is later than any drawn one)"
            if is_censored(outcome)
            else f"mean of {experiment.runs_phrase()} with 95 % interval, cut at the "
            "outcome's bounds"
        )
        title = (
            f"{outcome_label(outcome, window, wrap=False)}: what each resource level buys\n"
            f"one point per design point: {what}\nringed: the frontier, where no cheaper "
            f"point does better ({better} is better); listed in {table.name}, every point "
            "in points.csv"
        )
        paths += [_finish(fig, axes[0], title, group, folder / f"frontier_{outcome}.png"), table]
    every = folder / "points.csv"
    points_table(points, factors, [effort, cost, *outcomes], window).to_csv(every, index=False)
    return [*paths, every]


def _columns(outcome: str) -> list[str]:
    """An outcome's columns in a table of points (``point_means``)."""
    extra = ["share", "share_low", "share_high", "runs", "events", "beyond"]
    tail = [f"{outcome}_{c}" for c in extra] if is_censored(outcome) else []
    return [outcome, f"{outcome}_low", f"{outcome}_high", *tail]


def _response_line(ax: Axes, part: pd.DataFrame, x: str, y: str, colour: str, label: str) -> None:
    """Mean and its band against ``x``; a censored time's median with bars (its line breaks
    where the median is not reached), those points as open triangles at the longest time
    followed."""
    low, high = part[f"{y}_low"], part[f"{y}_high"]
    ax.plot(part[x], part[y], marker="o", markersize=4, color=colour, label=label)
    if f"{y}_beyond" not in part:
        ax.fill_between(part[x], low, high, color=colour, alpha=0.15, linewidth=0)
        return
    high = high.fillna(part[f"{y}_followed"])  # an upper end not reached: as far as followed
    ax.errorbar(part[x], part[y], yerr=[part[y] - low, high - part[y]], fmt="none", color=colour)
    ax.scatter(part[x], part[f"{y}_beyond"], marker="^", facecolors="none", edgecolors=colour)


def draw_response(experiment: Experiment, summary: pd.DataFrame, folder: Path) -> list[Path]:
    """All outcomes in one figure: each against factor ``x``, a line per level of ``group``;
    a censored time also gets a panel of the share of runs in which its event happened.
    The points' table goes beside the figure."""
    x, group = experiment.figures["x"], experiment.figures["group"]
    outcomes = list(experiment.outcomes)
    factors = [f.key for f in experiment.factors]
    window = units.post_window(experiment)
    points = shown_points(experiment, summary, outcomes)
    panels = [p for o in outcomes for p in ([o, f"{o}_share"] if is_censored(o) else [o])]
    levels = sorted(points[group].unique())
    colours = _colours(levels, group)
    ncols = 2
    nrows = -(-len(panels) // ncols)
    fig = Figure(figsize=(11, 3.6 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels, strict=False):
        for level in levels:
            part = points[points[group] == level].sort_values(x)
            _response_line(ax, part, x, panel, colours[level], str(level))
        ax.set_xlabel(factor_label(x))
        if panel.endswith("_share") and is_censored(panel.removesuffix("_share")):
            event = EVENT[panel.removesuffix("_share")]
            ax.set_ylabel(_wrap(f"Runs in which {event} (share of runs)"))
            ax.set_ylim(-0.02, 1.02)
        else:
            _label_axis(ax.yaxis, panel, window)
        ax.grid(alpha=0.3)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    censored = [o for o in outcomes if is_censored(o)]
    title = (
        f"{experiment.description or experiment.name}\nmean of {experiment.runs_phrase()} "
        "per point, shaded: 95 % interval, cut at the outcome's bounds\n(no negative counts "
        "or days, shares within 0-1)"
    )
    if censored:
        note = (
            f"{', '.join(catalogue.label(o) for o in censored)}: Kaplan-Meier median of the "
            "runs with 95 % bars, those without the event censored, not averaged; open "
            "triangle: median not "
            "reached (the event in fewer than half the runs), drawn at the longest time followed"
        )
        title += "\n" + textwrap.fill(note, TITLE_WIDTH)
    path = folder / f"response_{x}.png"
    table = folder / f"response_{x}.csv"
    points_table(points, factors, outcomes, window).to_csv(table, index=False)
    return [_finish(fig, axes[0], title, group, path), table]


def draw_figures(experiment: Experiment, summary: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Draw the experiment's figures from its runs' ``summary`` into ``out_dir/figures``."""
    folder = Path(out_dir) / "figures"
    folder.mkdir(exist_ok=True)
    spec = experiment.figures
    needed = [*experiment.outcomes, *(spec[k] for k in ("effort", "cost") if k in spec)]
    needed += censor_columns(experiment.outcomes)
    missing = [k for k in needed if k not in summary.columns]
    if missing:
        raise ValueError(
            f"{experiment.path}: the figures need {missing}, which the runs do not report"
        )
    draw = draw_frontier if spec["kind"] == "frontier" else draw_response
    return draw(experiment, summary, folder)
