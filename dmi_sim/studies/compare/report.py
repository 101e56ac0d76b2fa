"""``report.md`` of a comparison: tables, figures, and plain sentences from the numbers.

Every sentence is generated from the measured effects, so the report never claims more
than the runs show: a change is called a rise or a fall only when its 95 % interval
excludes zero. Relative changes are ratios of means with Fieller's interval
(``kit.stats.fieller_interval``: it excludes zero exactly when the absolute change's paired
t-interval does, so the headline's differences and these sentences agree), never below
-100 % for a quantity that cannot be negative, and none is given on a baseline below the
floor of ``kit.stats.relative_floor`` or where the ratio's interval is undefined
(``kit.stats.why_absolute_only``): those show the absolute change only.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from dmi_sim.engine.provenance import now
from dmi_sim.studies.compare import headline as hl
from dmi_sim.studies.kit.censored import event_times, show_interval, show_time, summarise_times
from dmi_sim.studies.kit.markdown import num, pct, signed, table
from dmi_sim.studies.kit.outcomes import SERIES as OUTCOMES
from dmi_sim.studies.kit.outcomes import SUMMARY, absolute_unit
from dmi_sim.studies.kit.stats import (
    ABSOLUTE_ONLY_REASONS,
    COUNTERFACTUAL,
    FLOOR_RULE,
    RUN_INTERVAL_RULE,
    WINDOW_DAYS,
    fieller_interval,
    ratio_floor,
    run_interval,
    why_absolute_only,
)

#: Outcomes the plain-language summary speaks about, in this order.
HEADLINE = (
    "active_sellers",
    "transactions_market",
    "violent_incidents",
    "reports",
    "residents_outdoors_market",
    "collective_efficacy",
    "trust_in_police",
    "transactions_catchment",
)
#: Run-summary keys tabulated per scenario (units from the outcome catalogue), with the
#: window each is measured over ("total": start to end of run; "post": the year after the
#: start, against the 180 days before it).
SUMMARY_KEYS = {
    "closure_days": "total",
    "days_to_closure": "total",
    "reemerged": "total",
    "replacement_ratio": "total",
    "displacement_ratio": "post",
    "incarceration_person_days": "total",
    "officer_hours_total": "total",
    "cost_total": "total",
}
#: Where the validation of the defaults is kept, from the repository root.
VALIDATION_REPORT = Path("docs") / "validation" / "report.md"
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


def absolute_reason(outcome: str, row: Mapping[str, float]) -> str | None:
    """Why an effect is given as its absolute change only (``kit.stats.why_absolute_only``:
    a baseline below the floor, or the ratio of means or its interval undefined), or None
    when its relative change is given."""
    days = int(row["window_end"]) - int(row["window_start"])
    ratio = (row["ratio_effect"], row["ratio_low"], row["ratio_high"])
    return why_absolute_only(OUTCOMES[outcome].unit, days, row["counterfactual_mean"], ratio)


def absolute_only(outcome: str, row: Mapping[str, float]) -> bool:
    """True when an effect is given as its absolute change only (sentences, tables, the
    effects figure, the precision rule): see ``absolute_reason``."""
    return absolute_reason(outcome, row) is not None


def absolute_scale(outcome: str, row: Mapping[str, float]) -> tuple[float, str]:
    """(scale, unit) every absolute change of ``outcome`` is given in: a daily count as its
    total a run over the effect window (``kit.outcomes.absolute_unit``), so the prose, the
    tables and the effects figure speak of the same number."""
    days = int(row["window_end"]) - int(row["window_start"])
    return absolute_unit(OUTCOMES[outcome].unit, days)


def absolute_change(outcome: str, row: Mapping[str, float], note: str | None = None) -> str:
    """'-1.20 incidents a run'; with a ``note``, the 95 % interval and the note after it:
    '-1.20 incidents a run (-11.9 to +9.46; absolute, a small base)'."""
    scale, unit = absolute_scale(outcome, row)
    text = f"{signed(scale * row['abs_effect'])} {unit}"
    if note is None:
        return text
    if math.isfinite(row["abs_low"]):
        note = f"{signed(scale * row['abs_low'])} to {signed(scale * row['abs_high'])}; {note}"
    return f"{text} ({note})"


def _absolute_phrase(outcome: str, label: str, row: Mapping[str, float]) -> str:
    """'<label> went from 26 to 22 incidents a run in days 365-729 (-4.0, 95 % CI -8.4 to
    +0.4, no clear change; ...)': daily counts as totals over the window, which read as
    events."""
    low, high = row["abs_low"], row["abs_high"]
    clear = math.isfinite(low) and (low > 0 or high < 0)
    scale, unit = absolute_scale(outcome, row)
    shown = f"{unit} in days {int(row['window_start'])}-{int(row['window_end']) - 1}"
    interval = (
        f", 95 % CI {signed(scale * low)} to {signed(scale * high)}" if math.isfinite(low) else ""
    )
    verdict = "" if clear else ", no clear change"
    return (
        f"{label} went from {num(scale * row['counterfactual_mean'])} to "
        f"{num(scale * row['scenario_mean'])} {shown} "
        f"({signed(scale * row['abs_effect'])}{interval}{verdict}; "
        f"{absolute_reason(outcome, row)}, so no percentage)"
    )


def change_phrase(outcome: str, row: Mapping[str, float]) -> str:
    """'<outcome> fell by 20 % (95 % CI 12 % to 28 %; -1,130 sales a run)'.

    A rise or a fall only when the interval excludes zero; the absolute change gives the
    scale (``absolute_change``: daily counts as totals a run over the window). The
    relative change is the ratio of means with its Fieller interval (bounded below
    by -100 %); below the baseline floor only the absolute change is given.
    """
    meta = OUTCOMES[outcome]
    label = meta.label[0].lower() + meta.label[1:]
    absolute = absolute_change(outcome, row)
    mean, low, high = row["ratio_effect"], row["ratio_low"], row["ratio_high"]
    if absolute_only(outcome, row):
        return _absolute_phrase(outcome, label, row)
    if low > 0:
        return (
            f"{label} rose by {pct(mean, False)} (95 % CI {pct(low, False)} to "
            f"{pct(high, False)}; {absolute})"
        )
    if high < 0:
        return (
            f"{label} fell by {pct(mean, False)} (95 % CI {pct(high, False)} to "
            f"{pct(low, False)}; {absolute})"
        )
    return (
        f"{label} showed no clear change ({pct(mean)}, 95 % CI {pct(low)} to "
        f"{pct(high)}; {absolute})"
    )


def _effect_cell(outcome: str, row: pd.Series) -> str:
    if absolute_only(outcome, row):
        return absolute_change(outcome, row, note=f"absolute, {absolute_reason(outcome, row)}")
    return f"{pct(row['ratio_effect'])} ({pct(row['ratio_low'])} to {pct(row['ratio_high'])})"


def _window_totals(ts: pd.DataFrame, start: int, columns: Sequence[str]) -> pd.DataFrame:
    """Per scenario: the mean over replications of each column's sum over the window."""
    inside = ts[(ts["day"] >= start) & (ts["day"] < start + WINDOW_DAYS)]
    runs = inside.groupby(["scenario", "replication"], sort=False)[list(columns)].sum()
    return runs.groupby("scenario", sort=False).mean()


def _enforcement(ts: pd.DataFrame, start: int) -> list[str]:
    """Arrests and incarceration per run over the window, for every scenario."""
    totals = _window_totals(ts, start, ["arrests_sellers", "arrests_buyers", "incarcerated"])
    last = min(start + WINDOW_DAYS, int(ts["day"].max()) + 1) - 1
    lines = [
        f"Per run over days {start}-{last} ({hl.after_start(start, last)}): seller arrests "
        + ", ".join(f"{name} {num(v)}" for name, v in totals["arrests_sellers"].items())
        + "; buyer arrests "
        + ", ".join(f"{name} {num(v)}" for name, v in totals["arrests_buyers"].items())
        + "; person-days arrested or incarcerated "
        + ", ".join(f"{name} {num(v)}" for name, v in totals["incarcerated"].items())
        + "."
    ]
    if {"crackdown", "dmi"} <= set(totals.index) and totals.loc["dmi"].gt(0).all():
        ratio = totals.loc["crackdown"] / totals.loc["dmi"]
        lines.append(
            f"In that year **crackdown** made {ratio['arrests_sellers']:.1f} times "
            f"as many seller arrests as **dmi** and {ratio['arrests_buyers']:.1f} "
            "times as many buyer arrests."
        )
    return lines


def findings(effects: pd.DataFrame, ts: pd.DataFrame, start: int) -> list[str]:
    """Plain sentences on what differed, each built from the measured numbers."""
    lines = []
    rows = effects[effects["scenario"] != COUNTERFACTUAL].set_index(["scenario", "outcome"])
    scenarios = list(dict.fromkeys(rows.index.get_level_values("scenario")))
    for name in scenarios:
        parts = [change_phrase(o, rows.loc[(name, o)]) for o in HEADLINE if (name, o) in rows.index]
        if parts:
            lines.append(
                f"Under **{name}**, compared with the same-seed baseline: " + "; ".join(parts) + "."
            )
    violence = [
        (name, rows.loc[(name, "violent_incidents")])
        for name in scenarios
        if (name, "violent_incidents") in rows.index
    ]
    falls = [(name, r) for name, r in violence if r["abs_high"] < 0]
    if falls:
        name, r = min(falls, key=lambda item: item[1]["abs_effect"])
        size = (
            absolute_change("violent_incidents", r)
            if absolute_only("violent_incidents", r)
            else pct(r["ratio_effect"])
        )
        lines.append(f"The largest fall in violent incidents was under **{name}** ({size}).")
    elif violence:
        lines.append("No scenario reduced violent incidents by more than chance would explain.")
    if {"arrests_sellers", "arrests_buyers", "incarcerated"} <= set(ts.columns):
        lines += _enforcement(ts, start)
    return lines


def effects_table(
    effects: pd.DataFrame, cell: Callable[[str, pd.Series], str] = _effect_cell
) -> str:
    """Outcomes as rows, scenarios as columns: each ``cell(outcome, row)``, by default the
    relative change and its 95 % interval."""
    shown = effects[effects["scenario"] != COUNTERFACTUAL]
    scenarios = list(dict.fromkeys(shown["scenario"]))
    cells = shown.set_index(["outcome", "scenario"])
    rows = [
        [OUTCOMES[o].label] + [cell(o, cells.loc[(o, s)]) for s in scenarios]
        for o in dict.fromkeys(shown["outcome"])
    ]
    return table(["outcome", *scenarios], rows)


def levels_table(effects: pd.DataFrame) -> str:
    """Mean level of each outcome over the effect window, per scenario, with its unit."""
    scenarios = list(dict.fromkeys(effects["scenario"]))
    cells = effects.set_index(["outcome", "scenario"])["scenario_mean"]
    rows = [
        [OUTCOMES[o].label, OUTCOMES[o].unit] + [num(cells.loc[(o, s)]) for s in scenarios]
        for o in dict.fromkeys(effects["outcome"])
    ]
    return table(["outcome", "unit", *scenarios], rows)


#: What the run-summary table's custody person-days are, and what to read beside them.
CUSTODY_NOTE = (
    "Custody person-days (`incarceration_person_days`, and the cost of custody) are the "
    "custody *stock* over the window: every day, everyone held, whenever admitted, so "
    "people jailed before the policy started count too (the baseline has thousands of them "
    "with no policy at all). Read them only against the `baseline` column. Who was sent to "
    "custody in the window is `custody_persons_total` (distinct people, the sum of the "
    "daily `custody_new_persons`; admissions, a person counted at each, are the daily "
    "`custody_admissions` of `timeseries.parquet`)."
)
#: What the run-summary table's displacement ratio is, beside the run's own in summary.csv.
DISPLACEMENT_NOTE = (
    "`displacement_ratio` here is measured against the same-seed baseline: (the catchment "
    "ring's sales under the scenario minus under the baseline) / (the market area's sales "
    "under the baseline minus under the scenario), means over the runs of the year after "
    "the start (a ratio of mean changes, not a mean of per-run ratios), with Fieller's 95 % "
    "interval; undefined (n/a) unless the scenario's market sales fell, and not given for "
    "the baseline itself. Negative: the catchment lost sales too (diffusion of benefits). "
    "The per-run `displacement_ratio` of `summary.csv` (docs/ODD.md) compares each run with "
    "its own 180 days before the start, so it also counts what changes with no policy at "
    "all{drift}; it is not shown here."
)


def paired_displacement(summary: pd.DataFrame, scenario: str) -> tuple[float, float, float]:
    """(ratio, low, high): catchment sales gained per market-area sale lost by ``scenario``
    against the same-seed baseline over the year after the start (``DISPLACEMENT_NOTE``);
    NaN unless its market sales fell."""
    keys = ["post_transactions_catchment", "post_transactions_market"]
    mine = summary[summary["scenario"] == scenario].set_index("replication")[keys]
    base = summary[summary["scenario"] == COUNTERFACTUAL].set_index("replication")[keys]
    reps = mine.index.intersection(base.index)
    gained = (mine.loc[reps, keys[0]] - base.loc[reps, keys[0]]).to_numpy(float)
    lost = (base.loc[reps, keys[1]] - mine.loc[reps, keys[1]]).to_numpy(float)
    if not len(reps) or lost.mean() <= 0:
        return (math.nan, math.nan, math.nan)
    return fieller_interval(gained, lost, floor=ratio_floor("displacement_ratio"))


def _displacement_cell(summary: pd.DataFrame, name: str, policy_days: int) -> str:
    if name == COUNTERFACTUAL:
        return "-"  # no policy: nothing displaced
    ratio, low, high = paired_displacement(summary, name)
    if not math.isfinite(ratio):
        return "n/a (market sales did not fall)"
    interval = f" ({num(low)} to {num(high)})" if math.isfinite(low) else " (interval unbounded)"
    return f"{num(ratio)}{interval}"


def _closure_cell(summary: pd.DataFrame, name: str, policy_days: int) -> str:
    """'closed in 1 of 4 runs (share 95 % CI 0.046 to 0.70); Kaplan-Meier median > 365
    days': a time a run can end before, read as censored (``kit.censored``), never a mean
    of the runs that closed."""
    runs = summary[summary["scenario"] == name]
    times = summarise_times(*event_times(runs, "days_to_closure", policy_days))
    median = show_time(times["median"], times["beyond"])
    if math.isfinite(times["median"]):
        median += f" (95 % CI {show_interval(times['low'], times['high'], times['followed'])})"
    return (
        f"closed in {times['events']:.0f} of {times['runs']:.0f} runs (share 95 % CI "
        f"{num(times['share_low'])} to {num(times['share_high'])}); Kaplan-Meier median {median}"
    )


#: Run-summary keys whose cell is not a mean over runs, and how each is given instead.
_CELLS: dict[str, Callable[[pd.DataFrame, str, int], str]] = {
    "days_to_closure": _closure_cell,
    "displacement_ratio": _displacement_cell,
}


def _mean_cell(summary: pd.DataFrame, name: str, key: str) -> str:
    values = summary.loc[summary["scenario"] == name, key].astype(float)
    mean, low, high = run_interval(values, key)
    finite = int(values.notna().sum())
    note = f"; {finite} of {len(values)} runs" if finite < len(values) else ""
    return "n/a" if not math.isfinite(mean) else f"{num(mean)} ({num(low)} to {num(high)}{note})"


def summary_table(summary: pd.DataFrame, windows: Mapping[str, str], policy_days: int) -> str:
    """Run-summary keys per scenario, and each key's window: the mean over runs and 95 %
    interval (``run_interval``: inside the values each key can take); the time to closure
    as censored times (``_closure_cell``, followed for the ``policy_days``) and
    the displacement ratio against the baseline (``_displacement_cell``)."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    rows = []
    for key, window in SUMMARY_KEYS.items():
        if key not in summary.columns:
            continue
        row = [key, SUMMARY[key].unit, windows[window]]
        for name in scenarios:
            cell = _CELLS.get(key)
            row.append(cell(summary, name, policy_days) if cell else _mean_cell(summary, name, key))
        rows.append(row)
    return table(["summary", "unit", "window", *scenarios], rows)


def displacement_note(summary: pd.DataFrame) -> str:
    """``DISPLACEMENT_NOTE`` with the baseline's own drift in catchment sales, when known."""
    base = summary[summary["scenario"] == COUNTERFACTUAL]
    keys = ("pre_transactions_catchment", "post_transactions_catchment")
    drift = ""
    if set(keys) <= set(summary.columns) and len(base):
        pre, post = (base[k].mean() for k in keys)
        drift = (
            f" (here the baseline's catchment sales go from {num(pre)} to {num(post)} a day "
            "with no policy)"
        )
    return DISPLACEMENT_NOTE.format(drift=drift)


def validation_status(
    folder: Path, overrides: Mapping[str, Any], custom: Mapping[str, str] | None = None
) -> str:
    """A sentence on the validation of the defaults these runs used, linking its report;
    ``custom``: scenario -> file, for scenarios not shipped (their settings are not the
    validated defaults)."""
    root = Path(__file__).resolve().parents[3]
    report = root / VALIDATION_REPORT
    if not report.exists():
        return (
            f"The defaults' validation against `docs/EVIDENCE.md` is in "
            f"`{VALIDATION_REPORT}` of the source repository (not found beside this "
            "installation)."
        )
    link = f"[{VALIDATION_REPORT}]({os.path.relpath(report, folder)})"
    changes = []
    if overrides:
        changes.append(
            "changed parameters (" + ", ".join(f"`{k} = {v}`" for k, v in overrides.items()) + ")"
        )
    if custom:
        changes.append(
            "ran scenario files not shipped with the model ("
            + ", ".join(f"`{label}`: `{origin}`" for label, origin in custom.items())
            + ")"
        )
    if changes:
        return (
            "These runs "
            + " and ".join(changes)
            + f"; the validation of the defaults against `docs/EVIDENCE.md` ({link}) does "
            "not cover them."
        )
    verdict = next(
        (
            line.strip()
            for line in report.read_text(encoding="utf-8").splitlines()
            if "targets pass" in line
        ),
        "",
    )
    return (
        f"The defaults these runs used are validated in {link} "
        f"against the targets of `docs/EVIDENCE.md`: {verdict} The report names the "
        "commit it was run at; a calibration change after it is not yet validated."
    )


def _runs_phrase(summary: pd.DataFrame) -> str:
    """'each run 20 times', or each scenario's count when ``--precision`` made them differ."""
    counts = summary.groupby("scenario", sort=False)["replication"].nunique()
    if counts.nunique() == 1:
        return f"each run {counts.iloc[0]} times"
    return (
        "run "
        + ", ".join(f"{n} times (`{name}`)" for name, n in counts.items())
        + " (replications by precision, below)"
    )


def _beyond(width: float, limit: float) -> str:
    """``width`` with the decimals it takes to show it above ``limit`` (40.04, not 40.0
    beside 'at most 40')."""
    digits = 1
    while round(width, digits) <= limit and digits < 6:
        digits += 1
    return f"{width:.{digits}f}"


def precision_section(record: Mapping[str, Any] | None) -> list[str]:
    """'Replications by precision': how many each scenario needed, whether the precision
    was reached or the cap stopped it, and every named effect's interval width."""
    if not record:
        return []
    width = record["width_points"]
    labels = [OUTCOMES[o].label.lower() for o in record["outcomes"]]
    rows = [
        [f"`{name}`", str(g["replications"]), "reached" if g["status"] == "reached" else "**cap**"]
        for name, g in record["groups"].items()
    ]
    scenarios = list(record["widths_points"])
    cells = [
        [OUTCOMES[o].label]
        + [
            "n/a"
            if (w := record["widths_points"][s][o]) is None
            else (f"{w:.1f}" if w <= width else f"{_beyond(w, width)} (too wide)")
            for s in scenarios
        ]
        for o in record["outcomes"]
    ]
    return [
        "## Replications by precision",
        "",
        f"`--precision {width:g}`: replications were added to each scenario, "
        f"{record['batch']} at a time from {record['start']} up to at most "
        f"{record['max_reps']}, until the 95 % interval of each of its effects on "
        f"{', '.join(labels)} was at most {width:g} percentage points wide (full width, high "
        "end minus low end; a relative change in points, an absolute change on a small base "
        "as a share of the baseline's level). Each scenario stopped at the first count that "
        f"met it, or at the cap; `{COUNTERFACTUAL}` ran as often as the most replicated "
        f"scenario ({record['baseline_replications']} times). "
        + (
            "Every scenario reached the precision."
            if record["reached"]
            else "The cap stopped the scenarios marked **cap**: their intervals are wider "
            "than asked."
        ),
        "",
        table(["scenario", "replications", "precision"], rows),
        "",
        f"Width of each 95 % interval at the end, in percentage points of the baseline's "
        f"level (at most {width:g} asked):",
        "",
        table(["outcome", *scenarios], cells),
        "",
        "Replications at each check: "
        + "; ".join(
            ", ".join(f"{k} {n}" for k, n in step["replications"].items())
            + (f" (too wide: {', '.join(step['too_wide'])})" if step["too_wide"] else "")
            for step in record["steps"]
        )
        + ".",
        "",
    ]


#: Where the effects table gives the absolute change, not the relative one.
ABSOLUTE_ONLY = "on {} (see the floor above), where {} or where {}".format(*ABSOLUTE_ONLY_REASONS)


def write_report(
    path: Path,
    manifest: Mapping[str, Any],
    ts: pd.DataFrame,
    summary: pd.DataFrame,
    effects: pd.DataFrame,
    start: int,
    figures: Mapping[str, str],
) -> Path:
    """Write ``report.md`` beside the figures it links to."""
    window = effects[["window_start", "window_end"]]
    first, last = int(window["window_start"].min()), int(window["window_end"].max()) - 1
    span = (
        "the 12 months after the start"
        if last - first + 1 >= WINDOW_DAYS
        else f"the {last - first + 1} days from the start to the end of the run"
    )
    scenarios = ", ".join(f"`{s}`" for s in manifest["scenarios"])
    days = int(ts["day"].max()) + 1
    windows = hl.windows(start, days)
    sections = hl.headline(summary, start, days)
    head, rows = hl.totals_table(summary)
    text = [
        "# Crackdowns and the Drug Market Intervention compared",
        "",
        f"Command: `{manifest['command'] or manifest['api'] + '(...)'}`  ",
        f"Run from {manifest['started_at']} to {now()}.",
        "",
        f"Scenarios {scenarios} were {_runs_phrase(summary)}, {ts['day'].max() + 1} days a run. "
        f"Replication *i* of every scenario used the same seed (root seed "
        f"{manifest['root_seed']}), so each effect below is a paired difference against the "
        f"same-seed `{COUNTERFACTUAL}` run. Interventions start on day {start}; effects are "
        "measured over "
        f"days {first}-{last}, {span}.",
        "",
        validation_status(
            path.parent, manifest.get("overrides") or {}, manifest.get("custom_scenarios")
        ),
        "",
        "## The neighbours",
        "",
        "What the model is about: whether residents near the market come back out, act "
        "together and trust the police. Households near the market are those that overlook "
        "the market area (the whole neighbourhood's share outdoors stays near its ceiling "
        "and hides the change).",
        "",
        *[f"- {line}" for line in sections["community"]],
        "",
        "## What the DMI saves, and what it does not",
        "",
        *[f"- {line}" for line in sections["savings"]],
        "",
        f"Enforcement and cost per run, mean over runs (95 % interval, see Method), "
        f"{windows['total']}:",
        "",
        table(head, rows),
        "",
        CUSTODY_NOTE,
        "",
        *(
            ["## Results that stand out", "", *[f"- {line}" for line in sections["standout"]], ""]
            if sections["standout"]
            else []
        ),
        "## What differed",
        "",
        *[f"- {line}" for line in findings(effects, ts, start)],
        "",
        FLOOR_RULE,
        "",
        "## Effects against the baseline",
        "",
        f"Relative change over days {first}-{last} (ratio of the scenario's mean to the "
        "same-seed baseline's, minus 1), with Fieller's 95 % interval for the ratio of "
        "paired means (it cannot fall below -100 %, and it excludes 0 exactly when the "
        "absolute change's paired t-interval does, so it agrees with the differences in "
        f"points above); {ABSOLUTE_ONLY}, the absolute change and its 95 % t-interval "
        "instead, in the outcome's unit, a daily count as its total a run over those days "
        "(as in the sentences above):",
        "",
        effects_table(effects),
        "",
        f"Mean level over days {first}-{last}:",
        "",
        levels_table(effects),
        "",
        *precision_section(manifest.get("precision")),
        "## Run summaries",
        "",
        "Mean over runs (95 % interval, see Method) of each run's summary; the window column "
        "says what each counts over:",
        "",
        summary_table(summary, windows, days - start),
        "",
        displacement_note(summary),
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
        "change (`ratio_*`, Fieller's 95 % interval for the ratio of the paired means). "
        "`summary.csv` has one row per run, `timeseries.parquet` one row per run and day "
        "(scenario, replication, seed, day, every series), `manifest.json` the command, every "
        "parameter of every scenario, the seeds, package versions and the git commit.",
        "",
        RUN_INTERVAL_RULE,
        "",
    ]
    path.write_text("\n".join(text), encoding="utf-8")
    return path
