"""``report.md`` of a frontier sweep: what each point on the frontier buys and what it costs.

First what the shipped strategies (each at its scenario's settings) achieved, and which
levers moved any outcome beyond seed noise (``noise.lever_effects``). Then, for every
outcome, in plain sentences built from the design points' means:

* the **frontier** against cost and against officer-hours: the points no cheaper (or equal)
  point does better than, cheapest first, each with its strategy, its settings, the outcome
  and what it costs;
* which points the runs cannot tell from the best (``noise.ties_with_best``): where there
  are any, the report names the cheapest of them, not the best mean, and how many
  replications would tell them apart; a frontier step whose gain is within noise says so;
* the strategies **at equal cost and at equal officer-hours**: for the budget each shipped
  strategy spends at its default settings, the best point of every strategy within it.

Every number is the mean over a point's replications with its 95 % interval, in the unit
``units`` gives it (a daily count as its total over the policy-year window); the table of
design points at the end, and ``figures/points.csv``, hold every point's outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from dmi_sim.engine.experiment import SCENARIO_FACTOR, Experiment
from dmi_sim.engine.seeds import MAX_REPLICATIONS
from dmi_sim.params import load_params
from dmi_sim.studies.kit import outcomes as catalogue
from dmi_sim.studies.kit.censored import BY, EVENT, is_censored, show_interval, show_time
from dmi_sim.studies.kit.markdown import counted, num, table
from dmi_sim.studies.kit.stats import is_share_of_runs
from dmi_sim.studies.sweep import noise, units
from dmi_sim.studies.sweep.figures import pareto_front, shown_points
from dmi_sim.studies.sweep.units import Window, policy_window


def dollars(value: float) -> str:
    """'$1.23 million', '$45,600'."""
    if not math.isfinite(value):
        return "n/a"
    return f"${value / 1e6:.2f} million" if abs(value) >= 1e6 else f"${value:,.0f}"


def _show(key: str, value: float) -> str:
    if not math.isfinite(value):
        return "n/a" if math.isnan(value) else "not reached"
    if key.startswith("cost"):
        return dollars(value)
    if "residents_outdoors" in key:
        return f"{100 * value:.0f} %"
    return num(value)


def result(key: str, point: pd.Series) -> str:
    """A point's value with its 95 % interval (cut at the outcome's bounds); a censored time
    as its median, or '> X days' where it is not reached, and how many runs had the event."""
    if not is_censored(key):
        low, high = _show(key, point[f"{key}_low"]), _show(key, point[f"{key}_high"])
        return f"{_show(key, point[key])} (95 % interval {low} to {high})"
    events, runs = int(point[f"{key}_events"]), int(point[f"{key}_runs"])
    counted = f"{EVENT[key]} in {events} of {runs} runs"
    if math.isnan(point[key]):
        return f"{show_time(point[key], point[f'{key}_beyond'])} ({counted}: not in most)"
    interval = show_interval(point[f"{key}_low"], point[f"{key}_high"], point[f"{key}_followed"])
    return f"median {show_time(point[key], math.nan)} (95 % interval {interval}; {counted})"


def settings(point: pd.Series, factors: Sequence[str]) -> str:
    """'crackdown.officers = 20, crackdown.duration_days = 14' (the point's own levers)."""
    own = [
        f"{k} = {_level(point[k])}"
        for k in factors
        if k != SCENARIO_FACTOR and k in point and not _missing(point[k])
    ]
    return ", ".join(own) or "as shipped"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _level(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _same(a: object, b: object) -> bool:
    """Equal as numbers where both are numbers (labels come back as floats), else as text."""
    try:
        return float(a) == float(b)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(a) == str(b)


def default_points(points: pd.DataFrame, factors: Sequence[str]) -> pd.DataFrame:
    """The points whose varied levers all sit at their scenario's shipped values."""
    keep = []
    for _, row in points.iterrows():
        params = load_params(row[SCENARIO_FACTOR])
        own = [k for k in factors if k != SCENARIO_FACTOR and not _missing(row[k])]
        keep.append(all(_same(row[k], params[k]) for k in own))
    return points[np.array(keep, dtype=bool)]


def frontier(points: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """The frontier of ``y`` against ``x``, cheapest first (``figures.pareto_front``)."""
    index = pareto_front(
        points[x].to_numpy(float),
        noise.ranked_values(points, y).to_numpy(float),
        catalogue.higher_is_better(y),
    )
    return points.iloc[index]


def best_within(points: pd.DataFrame, x: str, budget: float, y: str) -> pd.DataFrame:
    """Per strategy: its best point on ``y`` among those spending at most ``budget`` of ``x``."""
    better = catalogue.higher_is_better(y)
    rank = noise.ranked_values(points, y)
    within = points[(points[x] <= budget * (1 + 1e-9)) & rank.notna()]
    rows = []
    for _, part in within.groupby(SCENARIO_FACTOR, sort=False):
        at = rank[part.index]
        rows.append(part.loc[at.idxmax() if better else at.idxmin()])
    return pd.DataFrame(rows)


def _frontier_lines(
    front: pd.DataFrame,
    runs: noise.Runs,
    x: str,
    y: str,
    cost: str,
    effort: str,
    factors: Sequence[str],
) -> list[str]:
    lines = []
    previous = None
    for _, row in front.iterrows():
        spend = (
            f"{dollars(row[cost])} and {num(row[effort])} officer-hours"
            if x == cost
            else f"{num(row[effort])} officer-hours ({dollars(row[cost])})"
        )
        within = (
            f"; **within noise**: the runs do not tell it from point {int(previous['point'])}"
            if previous is not None and not noise.told_apart(row, previous, y, runs)
            else ""
        )
        lines.append(
            f"- point {int(row['point'])}: **{row[SCENARIO_FACTOR]}** "
            f"({settings(row, factors)}): {result(y, row)} for {spend}{within}"
        )
        previous = row
    return lines


def _best_sentence(
    points: pd.DataFrame,
    runs: noise.Runs,
    front: pd.DataFrame,
    x: str,
    name: str,
    y: str,
    factors: Sequence[str],
    experiment: Experiment,
) -> str:
    """Which point is best against ``x`` (by the name ``name``), or, where the runs cannot
    tell it from others, that they are indistinguishable and the cheapest of them."""
    cost = experiment.figures["cost"]
    best = noise.best_point(points, y, x)
    ties = noise.ties_with_best(points, y, x, runs)
    head = f"Against {name}: {len(front)} points on the frontier."
    what = f"**{best[SCENARIO_FACTOR]}** ({settings(best, factors)}, point {int(best['point'])})"
    if len(ties) == 1:
        return (
            f"{head} The best result, {_show_best(y, best)}, comes from {what} at "
            f"{dollars(best[cost])}; the runs tell it from every other point."
        )
    cheapest = ties.iloc[0]
    others = counted(len(ties) - 1, "other point")
    text = (
        f"{head} The best mean, {_show_best(y, best)} from {what}, cannot be told from "
        f"{others} at {experiment.runs_phrase()} a point: these are indistinguishable here. "
    )
    if cheapest["point"] == best["point"]:
        return text + (
            f"It is also the cheapest of them in {name}: no point spending more does better "
            "beyond seed noise."
        )
    text += (
        f"The cheapest of them is **{cheapest[SCENARIO_FACTOR]}** ({settings(cheapest, factors)}"
        f", point {int(cheapest['point'])}): {_show_best(y, cheapest)} for "
        f"{_show(x, cheapest[x])}{'' if x == cost else ' officer-hours'}. "
    )
    return text + _replications_phrase(best, cheapest, y, runs, experiment)


def _replications_phrase(
    best: pd.Series, cheapest: pd.Series, y: str, runs: noise.Runs, experiment: Experiment
) -> str:
    """How many replications would tell the best from the cheapest point tied with it."""
    if experiment.draws or is_censored(y) or is_share_of_runs(y) or experiment.replications < 2:
        return "Telling them apart needs more replications."
    needed = noise.replications_to_tell(best, cheapest, y, runs)
    if needed is None:
        return (
            f"Their means differ by {_show_gap(y, abs(best[y] - cheapest[y]))}, less than even "
            f"{MAX_REPLICATIONS:,} replications a point would tell from seed noise: as far as "
            "these runs show, paying more buys nothing here."
        )
    return (
        f"Telling the best from it would take about {needed:,} replications a point, if their "
        "means and spread stay as they are."
    )


def _show_gap(key: str, value: float) -> str:
    """A difference between two points: a share in percentage points."""
    if "residents_outdoors" in key:
        return f"{100 * value:.1f} points"
    return _show(key, value)


def _levers_section(
    points: pd.DataFrame,
    runs: noise.Runs,
    factors: Sequence[str],
    outcomes: Sequence[str],
    spending: Sequence[str],
    window: Window,
) -> list[str]:
    """Per lever: the largest gap between its levels on each outcome and on what it spends,
    against its noise; and the levers that moved no outcome beyond seed noise."""
    effects = noise.lever_effects(points, runs, factors, [*outcomes, *spending])
    if effects.empty:
        return []
    rows, still, unknown = [], [], []
    for (strategy, lever), part in effects.groupby(["strategy", "lever"], sort=False):
        rows.append([f"`{lever}` ({strategy})", *(_lever_cell(e) for _, e in part.iterrows())])
        mine = part[part["outcome"].isin(outcomes)]
        if mine["p"].isna().all():
            unknown.append(f"`{lever}` ({strategy})")
        elif not mine["moved"].any():
            still.append(f"`{lever}` ({strategy})")
    return [
        "## What each lever moved",
        "",
        "For each lever, two of its levels (each level's mean over its strategy's points at "
        "it, so averaged over the other levers) compared run by run, paired by seed as in "
        "the frontier lists, every pair of levels tested. **moved**: some two levels are "
        "told apart after Holm's correction over the cell's pairs of levels; the cell shows "
        "that pair (the one with the largest difference, if more), else the pair with the "
        "largest difference, and beside it the 95 % interval of that difference from seed "
        "noise (±; uncorrected) or, for a share of runs, the Holm-corrected p of the exact "
        "sign test (McNemar's where a level is one point). " + _lever_verdict(still, unknown),
        "",
        table(["lever", *(units.label(k, window) for k in effects["outcome"].unique())], rows),
        "",
    ]


def _lever_cell(effect: pd.Series) -> str:
    """One lever's cell in the table (a row of ``noise.lever_effects``): the pair of
    levels shown and its noise or test."""
    key = effect["outcome"]
    if math.isnan(effect["p"]):
        beside = "noise unknown: under two seed pairs"
    elif is_share_of_runs(key):
        beside = f"exact sign test, p {effect['p']:.2f}"
    else:
        beside = f"noise ±{_show_gap(key, effect['noise'])}"
    moved = "**moved** " if effect["moved"] else ""
    return f"{moved}{_show_gap(key, effect['difference'])} ({beside})"


def _lever_verdict(still: Sequence[str], unknown: Sequence[str]) -> str:
    """Which levers moved no outcome beyond seed noise, and where the noise is unknown."""
    parts = []
    if unknown:
        parts.append(
            "Seed noise unknown (under two seed pairs, as with one replication a point: "
            "nothing can be told apart): " + ", ".join(unknown) + "."
        )
    if still:
        parts.append(
            "Moved no outcome beyond seed noise here (whatever it cost): " + ", ".join(still) + "."
        )
    return " ".join(parts) or "Every lever moved at least one outcome beyond seed noise."


def _compact(key: str, point: pd.Series) -> str:
    """A point's value and interval in a table cell: '16.8 (10.0-23.5)'."""
    if is_censored(key):
        return _show_best(key, point)
    low, high = _show(key, point[f"{key}_low"]), _show(key, point[f"{key}_high"])
    return f"{_show(key, point[key])} ({low} to {high})"


def _points_table(
    points: pd.DataFrame, factors: Sequence[str], keys: Sequence[str], window: Window
) -> str:
    """Each point's settings and every outcome (mean and 95 % interval)."""
    return table(
        ["point", "strategy", "settings", *(units.label(k, window) for k in keys)],
        [
            [
                str(int(r["point"])),
                r[SCENARIO_FACTOR],
                settings(r, factors),
                *(_compact(k, r) for k in keys),
            ]
            for _, r in points.iterrows()
        ],
    )


def _budget_table(points: pd.DataFrame, defaults: pd.DataFrame, x: str, y: str) -> str:
    strategies = list(dict.fromkeys(points[SCENARIO_FACTOR]))
    rows = []
    for _, ref in defaults.sort_values(x).iterrows():
        best = best_within(points, x, ref[x], y).set_index(SCENARIO_FACTOR)
        budget = dollars(ref[x]) if x.startswith("cost") else f"{num(ref[x])} h"
        spend = "cost" if x.startswith("cost") else "officer-hours"
        cells = [
            f"{_show_best(y, best.loc[s])} (point {int(best.loc[s, 'point'])}, "
            f"{_show(x, best.loc[s, x])}{'' if spend == 'cost' else ' h'})"
            if s in best.index
            else "none this cheap"
            for s in strategies
        ]
        rows.append([f"{budget} (shipped {ref[SCENARIO_FACTOR]})", *cells])
    return table(["at most", *strategies], rows)


def _show_best(key: str, point: pd.Series) -> str:
    """A point's value in a sentence or a budget table: a censored time as its median, or
    '> X days' where that is not reached."""
    if is_censored(key):
        return show_time(point[key], point[f"{key}_beyond"])
    return _show(key, point[key])


def _posterior_phrase(experiment: Experiment) -> str:
    """How the points' parameters were drawn, when they were."""
    if not experiment.draws:
        return ""
    k = sum(experiment.draw_counts.values())
    return (
        f", each at {k} parameter sets drawn from the posterior `{experiment.posterior}` "
        f"({counted(len(experiment.draws), 'distinct particle')}; a point's own levers "
        "keep their values)"
    )


def _interval_phrase(experiment: Experiment) -> str:
    """What the interval beside a point in the frontier lists is."""
    if not experiment.draws:
        return "The interval is the 95 % t-interval over replications (a share of runs: Wilson)"
    return (
        "The interval is the 95 % interval over the posterior draws and their replications "
        "(Rubin's rules, the seed noise of the noisiest draw: `compare --posterior` in the "
        "README), "
        "which holds seed noise and parameter uncertainty; a share of runs (Wilson's "
        "interval) and a time a run can end before (Kaplan-Meier) count each distinct "
        "particle's runs once, however many draws fell on it, so they describe an equal mix "
        f"of the {counted(len(experiment.draws), 'distinct particle')}, not the posterior's "
        "weighting of them"
    )


def _censored_phrase(key: str) -> str:
    """What a censored time's numbers are, above its section."""
    return (
        f"A run in which {EVENT[key]} {BY[key]} gives a time; one in which it did not "
        "gives only a lower bound, which is not averaged as if measured. A point's number "
        "is the Kaplan-Meier median over its runs "
        "with its 95 % interval, beside how many runs had the event; where fewer than half "
        "did, the median is not reached and the point reads '> X days' (X: the longest time "
        "followed) and ranks beyond every point whose median is reached: the best where a "
        "longer time is better, the worst where a shorter one is."
    )


def _units_phrase(keys: Sequence[str], window: Window) -> str:
    """Which outcomes are shown as totals over the window rather than daily means."""
    scaled = [k for k in keys if units.scale(k, window) != 1]
    if not scaled:
        return ""
    names = ", ".join(units.name(k).lower() for k in scaled)
    return (
        f" A daily count ({names}) is shown as its total over {window.span}, a run's "
        f"policy year: the daily mean times {window.days} (its unit says 'a run'), as "
        "`compare` gives it; the other `post_` outcomes are means over those days."
    )


def write_report(experiment: Experiment, summary: pd.DataFrame, folder: Path) -> Path:
    """Write ``folder/report.md`` for a ``kind = "frontier"`` sweep; return its path."""
    spec = experiment.figures
    effort, cost = spec["effort"], spec["cost"]
    outcomes = [o for o in experiment.outcomes if o not in (effort, cost)]
    factors = [f.key for f in experiment.factors]
    start, days = policy_window(experiment)
    window = units.post_window(experiment)
    keys = [*outcomes, effort, cost]
    points = shown_points(experiment, summary, [effort, cost, *outcomes])
    runs = noise.Runs(
        units.in_shown_units(summary, [effort, cost, *outcomes], window), experiment.draw_counts
    )
    defaults = default_points(points, factors)
    lines = [
        f"# {experiment.description or experiment.name}",
        "",
        f"{len(points)} design points x {experiment.replications} replications"
        + _posterior_phrase(experiment)
        + ". Every "
        f"number is a point's mean over its runs (a time a run can end before: its median, "
        "as its section says); totals (officer-hours, custody, cost) count "
        f"days {start}-{days - 1}, from the policy start to the end of the run, and means "
        f"with `post_` the year from day {start}." + _units_phrase(outcomes, window),
        "",
        "A point is **on the frontier** when no cheaper (or equally cheap) point does better "
        "on the outcome; the frontier is listed cheapest first, and the figures ring it. "
        + _interval_phrase(experiment)
        + ", cut at the values the outcome can take (no negative counts, days or costs; "
        "shares within 0-1). Replication r of every point runs on the same seed, so two "
        "points are compared run by run: they are **told apart** when the 95 % interval of "
        "their mean paired difference leaves out 0 (a share of runs: when McNemar's exact "
        "test of the seed pairs rejects no difference at the 5 % level; a time a run can "
        "end before: when the exact permutation log-rank test, the points' labels swapped "
        "within seed pairs, does); points "
        "the runs cannot tell from the best are indistinguishable at these replications, "
        "and a frontier step whose gain is within that noise is marked.",
        "",
        "## The shipped strategies",
        "",
        "Each strategy at its scenario's shipped settings (every point is in the table at the "
        "end and in `figures/points.csv`):",
        "",
        _points_table(defaults, factors, keys, window),
        "",
        *_levers_section(points, runs, factors, outcomes, [effort, cost], window),
    ]
    for outcome in outcomes:
        better = "more" if catalogue.higher_is_better(outcome) else "less"
        lines += [f"## {units.label(outcome, window)}: {better} is better", ""]
        censored = is_censored(outcome)
        if censored:
            lines += [_censored_phrase(outcome), ""]
        if (points[f"{outcome}_runs"] == 0).all() if censored else points[outcome].isna().all():
            lines += ["No run measured this outcome (too short a run for its window?).", ""]
            continue
        if points[outcome].isna().all():
            lines += [
                f"At no design point {EVENT[outcome]} in at least half the runs, so there is "
                "no frontier:",
                "",
                *(
                    f"- point {int(r['point'])}: **{r[SCENARIO_FACTOR]}** "
                    f"({settings(r, factors)}): {result(outcome, r)}"
                    for _, r in points.iterrows()
                ),
                "",
            ]
            continue
        for x, name in ((cost, "cost"), (effort, "officer-hours")):
            front = frontier(points, x, outcome)
            lines += [
                _best_sentence(points, runs, front, x, name, outcome, factors, experiment)
                + f" The cheapest point on the frontier is **{front.iloc[0][SCENARIO_FACTOR]}** "
                f"({settings(front.iloc[0], factors)}).",
                "",
                *_frontier_lines(front, runs, x, outcome, cost, effort, factors),
                "",
            ]
        lines += [
            "At equal cost: the best each strategy reaches while spending no more than a "
            "shipped strategy does (each cell a best mean; its interval is in the table at "
            "the end):",
            "",
            _budget_table(points, defaults, cost, outcome),
            "",
            "At equal officer-hours:",
            "",
            _budget_table(points, defaults, effort, outcome),
            "",
        ]
    lines += [
        "## Design points",
        "",
        _points_table(points, factors, keys, window),
        "",
    ]
    path = Path(folder) / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
