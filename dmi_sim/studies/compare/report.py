"""``report.md`` of a comparison: tables, figures, and plain sentences from the numbers.

Every sentence is generated from the measured effects, so the report never claims more
than the runs show: a change is called a rise or a fall only when its 95 % interval
excludes zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from dmi_sim.engine.provenance import now
from dmi_sim.studies.kit.markdown import num, pct, signed, table
from dmi_sim.studies.kit.outcomes import SERIES as OUTCOMES
from dmi_sim.studies.kit.outcomes import SUMMARY
from dmi_sim.studies.kit.stats import COUNTERFACTUAL, WINDOW_DAYS, t_interval

#: Outcomes the plain-language summary speaks about, in this order.
HEADLINE = ("active_sellers", "transactions_market", "violent_incidents", "reports",
            "residents_outdoors", "transactions_catchment")
#: Run-summary keys tabulated per scenario (units from the outcome catalogue).
SUMMARY_KEYS = ("closure_days", "days_to_closure", "reemerged", "replacement_ratio",
                "displacement_ratio", "incarceration_person_days", "cost_total")
FIGURE_CAPTIONS = {
    "timeseries_market": "The market and its harms over time",
    "timeseries_community": "Residents and police over time",
    "effects": "Paired effects against the baseline",
    "cumulative": "Arrests and incarceration accumulated from the intervention start",
    "map_dealing": "Where dealing happens, before and after",
    "map_disorder": "Disorder, before and after",
    "map_residents_outdoors": "Residents in public space, before and after",
    "animation": "One crackdown run, animated (for training)",
}


def change_phrase(outcome: str, row: Mapping[str, float]) -> str:
    """'<outcome> fell by 20 % (95 % CI 12 % to 28 %; -3.1 sales per day)'.

    A rise or a fall only when the interval excludes zero; the absolute change gives the
    scale, which a percentage of a near-zero baseline hides.
    """
    meta = OUTCOMES[outcome]
    label = meta.label[0].lower() + meta.label[1:]
    absolute = f"{signed(row['abs_effect'])} {meta.unit}"
    mean, low, high = row["rel_effect"], row["rel_low"], row["rel_high"]
    if not all(math.isfinite(v) for v in (mean, low, high)):
        return f"{label} changed by {absolute} (zero in the baseline)"
    if low > 0:
        return (f"{label} rose by {pct(mean, False)} (95 % CI {pct(low, False)} to "
                f"{pct(high, False)}; {absolute})")
    if high < 0:
        return (f"{label} fell by {pct(mean, False)} (95 % CI {pct(high, False)} to "
                f"{pct(low, False)}; {absolute})")
    return (f"{label} showed no clear change ({pct(mean)}, 95 % CI {pct(low)} to "
            f"{pct(high)}; {absolute})")


def _effect_cell(row: pd.Series) -> str:
    if not math.isfinite(row["rel_effect"]):
        return "n/a (baseline 0)"
    return f"{pct(row['rel_effect'])} ({pct(row['rel_low'])} to {pct(row['rel_high'])})"


def _window_totals(ts: pd.DataFrame, starts: Mapping[str, int], columns: Sequence[str]) -> \
        pd.DataFrame:
    """Per scenario: the mean over replications of each column's sum over its window."""
    totals = {}
    for name, start in starts.items():
        inside = (ts["day"] >= start) & (ts["day"] < start + WINDOW_DAYS)
        part = ts[(ts["scenario"] == name) & inside]
        totals[name] = part.groupby("replication")[list(columns)].sum().mean()
    return pd.DataFrame(totals).T


def _enforcement(ts: pd.DataFrame, starts: Mapping[str, int]) -> list[str]:
    """Arrests and incarceration per run over the window, for every scenario."""
    totals = _window_totals(ts, starts, ["arrests_sellers", "arrests_buyers", "incarcerated"])
    arrests = totals["arrests_sellers"] + totals["arrests_buyers"]
    lines = [
        "Per run over the same window, arrests (sellers and buyers): "
        + ", ".join(f"{name} {num(v)}" for name, v in arrests.items())
        + "; person-days arrested or incarcerated: "
        + ", ".join(f"{name} {num(v)}" for name, v in totals["incarcerated"].items()) + "."
    ]
    if {"crackdown", "dmi"} <= set(arrests.index) and arrests["dmi"] > 0:
        lines.append(f"**crackdown** made {arrests['crackdown'] / arrests['dmi']:.1f} times as "
                     "many arrests as **dmi**.")
    return lines


def findings(effects: pd.DataFrame, ts: pd.DataFrame, starts: Mapping[str, int]) -> list[str]:
    """Plain sentences on what differed, each built from the measured numbers."""
    lines = []
    rows = effects[effects["scenario"] != COUNTERFACTUAL].set_index(["scenario", "outcome"])
    scenarios = list(dict.fromkeys(rows.index.get_level_values("scenario")))
    for name in scenarios:
        parts = [change_phrase(o, rows.loc[(name, o)]) for o in HEADLINE
                 if (name, o) in rows.index]
        if parts:
            lines.append(f"Under **{name}**, compared with the same-seed baseline: "
                         + "; ".join(parts) + ".")
    violence = [(name, rows.loc[(name, "violent_incidents")]) for name in scenarios
                if (name, "violent_incidents") in rows.index]
    falls = [(name, r) for name, r in violence if r["rel_high"] < 0]
    if falls:
        name, r = min(falls, key=lambda item: item[1]["rel_effect"])
        lines.append(f"The largest fall in violent incidents was under **{name}** "
                     f"({pct(r['rel_effect'])}).")
    elif violence:
        lines.append("No scenario reduced violent incidents by more than chance would explain.")
    if {"arrests_sellers", "arrests_buyers", "incarcerated"} <= set(ts.columns):
        lines += _enforcement(ts, starts)
    return lines


def effects_table(effects: pd.DataFrame) -> str:
    """Outcomes as rows, scenarios as columns: relative change and its 95 % t-interval."""
    shown = effects[effects["scenario"] != COUNTERFACTUAL]
    scenarios = list(dict.fromkeys(shown["scenario"]))
    cells = shown.set_index(["outcome", "scenario"])
    rows = [[OUTCOMES[o].label] + [_effect_cell(cells.loc[(o, s)]) for s in scenarios]
            for o in dict.fromkeys(shown["outcome"])]
    return table(["outcome", *scenarios], rows)


def levels_table(effects: pd.DataFrame) -> str:
    """Mean level of each outcome over the effect window, per scenario, with its unit."""
    scenarios = list(dict.fromkeys(effects["scenario"]))
    cells = effects.set_index(["outcome", "scenario"])["scenario_mean"]
    rows = [[OUTCOMES[o].label, OUTCOMES[o].unit] + [num(cells.loc[(o, s)]) for s in scenarios]
            for o in dict.fromkeys(effects["outcome"])]
    return table(["outcome", "unit", *scenarios], rows)


def summary_table(summary: pd.DataFrame) -> str:
    """Run-summary keys per scenario: mean over runs and 95 % t-interval."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    rows = []
    for key in SUMMARY_KEYS:
        if key not in summary.columns:
            continue
        row = [key, SUMMARY[key].unit]
        for name in scenarios:
            values = summary.loc[summary["scenario"] == name, key].astype(float)
            mean, low, high = t_interval(values)
            finite = int(values.notna().sum())
            note = f"; {finite} of {len(values)} runs" if finite < len(values) else ""
            row.append("n/a" if not math.isfinite(mean)
                       else f"{num(mean)} ({num(low)} to {num(high)}{note})")
        rows.append(row)
    return table(["summary", "unit", *scenarios], rows)


def write_report(
    path: Path,
    manifest: Mapping[str, Any],
    ts: pd.DataFrame,
    summary: pd.DataFrame,
    effects: pd.DataFrame,
    starts: Mapping[str, int],
    figures: Mapping[str, str],
) -> Path:
    """Write ``report.md`` beside the figures it links to."""
    window = effects[["window_start", "window_end"]]
    first, last = int(window["window_start"].min()), int(window["window_end"].max()) - 1
    span = ("the 12 months after the start" if last - first + 1 >= WINDOW_DAYS
            else f"the {last - first + 1} days from the start to the end of the run")
    reps = manifest["replications"]
    scenarios = ", ".join(f"`{s}`" for s in manifest["scenarios"])
    text = [
        "# Crackdowns and the Drug Market Intervention compared",
        "",
        f"Command: `{manifest['command'] or manifest['api'] + '(...)'}`  ",
        f"Run from {manifest['started_at']} to {now()}.",
        "",
        f"Scenarios {scenarios} were each run {reps} times, {ts['day'].max() + 1} days a run. "
        f"Replication *i* of every scenario used the same seed (root seed "
        f"{manifest['root_seed']}), so each effect below is a paired difference against the "
        f"same-seed `{COUNTERFACTUAL}` run. Interventions start on day "
        f"{', '.join(sorted({str(d) for d in starts.values()}))}; effects are measured over "
        f"days {first}-{last}, {span}.",
        "",
        "## What differed",
        "",
        *[f"- {line}" for line in findings(effects, ts, starts)],
        "",
        "## Effects against the baseline",
        "",
        "Relative change (scenario / same-seed baseline - 1), mean over replications and 95 % "
        "t-interval, over the effect window:",
        "",
        effects_table(effects),
        "",
        "Mean level over the effect window:",
        "",
        levels_table(effects),
        "",
        "## Run summaries",
        "",
        "Mean over runs (95 % t-interval) of each run's summary, over the whole run:",
        "",
        summary_table(summary),
        "",
        "## Figures",
        "",
    ]
    for key, rel in figures.items():
        text += [f"### {FIGURE_CAPTIONS[key]}", "", f"![{FIGURE_CAPTIONS[key]}]({rel})", ""]
    text += [
        "## Method and files",
        "",
        "`effects.csv` holds, for every scenario and outcome: the absolute difference "
        "(`abs_*`), the mean of per-replication relative changes (`rel_*`, 95 % t-interval, "
        "replications with a zero baseline left out, `rel_n` kept) and the ratio-of-means "
        "change (`ratio_*`, 95 % paired percentile bootstrap over replications). "
        "`summary.csv` has one row per run, `timeseries.parquet` one row per run and day "
        "(scenario, replication, seed, day, every series), `manifest.json` the command, every "
        "parameter of every scenario, the seeds, package versions and the git commit.",
        "",
    ]
    path.write_text("\n".join(text), encoding="utf-8")
    return path
