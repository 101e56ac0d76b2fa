"""What a comparison says first, in plain sentences built from ``summary.csv``.

Three things lead the report (and what ``run.py`` prints at the end, and the README's
numbers, through ``scripts/readme_numbers.py``):

* **the neighbours**: households near the market outdoors, collective efficacy and trust in
  police over the year after the policy starts, as levels and paired differences (the
  whole-neighbourhood share outdoors is saturated and hides the effect);
* **what the DMI saves and what it does not**: seller and buyer arrests apart, officer-hours,
  custody person-days, distinct people sent to custody and the cost in dollars with its
  parts, each total naming its window;
* **results that stand out**, such as a market area closed on nearly every day.

Every number is computed here from the per-run rows, so a sentence cannot disagree with the
table it summarises. Differences are paired by replication (the same seed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dmi_sim.studies.kit.markdown import num, signed
from dmi_sim.studies.kit.outcomes import absolute_unit
from dmi_sim.studies.kit.stats import (
    COUNTERFACTUAL,
    WINDOW_DAYS,
    fieller_interval,
    ratio_floor,
    run_interval,
    t_interval,
    why_absolute_only,
)

#: The DMI as the comparison names it; "what it saves" is said against every other policy.
DMI = "dmi"
#: A scenario "stands out" when its market area is closed on at least this share of days.
CLOSURE_STANDOUT = 0.9


@dataclass(frozen=True)
class Measure:
    """A per-run quantity of ``summary.csv`` (or derived from it) named for a reader."""

    key: str
    label: str  # as it reads after a number: "seller arrests"
    unit: str  # "" for counts; "points" for shares shown in percent
    window: str  # "post" (the year after the start) or "total" (start to end of run)


#: The neighbours, over the year after the start (summary's post_ means).
COMMUNITY = (
    Measure("post_residents_outdoors_market", "households near the market outdoors", "%", "post"),
    Measure("post_collective_efficacy", "collective efficacy (index 0-1)", "", "post"),
    Measure("post_trust_in_police", "trust in police (index 0-1)", "", "post"),
)
#: Enforcement and cost, summed from the start to the end of the run.
ENFORCEMENT = (
    Measure("arrests_sellers_total", "seller arrests", "", "total"),
    Measure("arrests_buyers_total", "buyer arrests", "", "total"),
    Measure("officer_hours_total", "officer-hours", "", "total"),
    Measure("incarceration_person_days", "custody person-days", "", "total"),
    Measure("custody_persons_total", "distinct people sent to custody", "", "total"),
    Measure("cost_total", "total cost", "$", "total"),
)
COST_PARTS = (
    ("cost_officers", "officers"),
    ("cost_incarceration", "custody"),
    ("cost_services", "services"),
)


def add_derived(summary: pd.DataFrame, ts: pd.DataFrame | None, start: int) -> pd.DataFrame:
    """``summary`` with ``arrests_buyers_total`` and, when the series are given,
    ``custody_persons_total`` (distinct people admitted to custody from the start to the end
    of the run: the sum of the daily ``custody_new_persons`` tally)."""
    out = summary.copy()
    if {"arrests_total", "arrests_sellers_total"} <= set(out.columns):
        out["arrests_buyers_total"] = out["arrests_total"] - out["arrests_sellers_total"]
    if ts is not None and "custody_new_persons" in ts.columns:
        after = ts[ts["day"] >= start]
        persons = after.groupby("run_id")["custody_new_persons"].sum()
        out["custody_persons_total"] = out["run_id"].map(persons).fillna(0.0)
    return out


def windows(start: int, days: int) -> dict[str, str]:
    """Each window in words: 'days 365-729, the year after the policy starts' (or the days
    there are, if the run ends before a year), and the total's."""
    post_end = min(start + WINDOW_DAYS, days) - 1
    return {
        "post": f"days {start}-{post_end}, {after_start(start, post_end)}",
        "total": f"days {start}-{days - 1}, from the policy start to the end of the run "
        f"({days - start} days)",
    }


def after_start(start: int, last: int) -> str:
    """'the year after the policy starts', or 'the N days after...' in a shorter run."""
    n = last - start + 1
    return (
        "the year after the policy starts"
        if n >= WINDOW_DAYS
        else (f"the {n} days after the policy starts (the run ends before a full year)")
    )


def _means(summary: pd.DataFrame, key: str) -> pd.Series:
    return summary.groupby("scenario", sort=False)[key].mean()


def paired(summary: pd.DataFrame, key: str, scenario: str, other: str) -> tuple[float, ...]:
    """(mean difference scenario - other, low, high): a t-interval over replications."""
    a = summary[summary["scenario"] == scenario].set_index("replication")[key]
    b = summary[summary["scenario"] == other].set_index("replication")[key]
    reps = a.index.intersection(b.index)
    return t_interval((a.loc[reps] - b.loc[reps]).astype(float).to_numpy())


def show(value: float, measure: Measure) -> str:
    """A level as the reader reads it: shares in percent, dollars with a $, counts plain."""
    if measure.unit == "%":
        return f"{100 * value:.0f} %"
    if measure.unit == "$":
        return dollars(value)
    return num(value)


def dollars(value: float) -> str:
    """'$1.23 million', '$45,600'."""
    if not math.isfinite(value):
        return "n/a"
    if abs(value) >= 1e6:
        return f"${value / 1e6:.2f} million"
    return f"${value:,.0f}"


def show_difference(diff: tuple[float, ...], measure: Measure) -> str:
    """'+20 points (95 % CI +18 to +22)' for shares; '+0.12 (95 % CI ...)' for indices."""
    mean, low, high = diff
    if measure.unit == "%":
        return (
            f"{100 * mean:+.1f} points, 95 % CI {100 * low:+.1f} to {100 * high:+.1f}"
            if math.isfinite(low)
            else f"{100 * mean:+.1f} points"
        )
    return (
        f"{mean:+.3f}, 95 % CI {low:+.3f} to {high:+.3f}" if math.isfinite(low) else f"{mean:+.3f}"
    )


def community_lines(summary: pd.DataFrame, window: str) -> list[str]:
    """One sentence per neighbourhood measure: every scenario's level, and the paired
    difference against the baseline."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    others = [s for s in scenarios if s != COUNTERFACTUAL]
    lines = []
    for measure in COMMUNITY:
        if measure.key not in summary.columns:
            continue
        means = _means(summary, measure.key)
        parts = [
            f"**{s}** {show(means[s], measure)} "
            f"({show_difference(paired(summary, measure.key, s, COUNTERFACTUAL), measure)})"
            for s in others
        ]
        text = measure.label[0].upper() + measure.label[1:]
        lines.append(
            f"{text}, mean over {window}: `{COUNTERFACTUAL}` "
            f"{show(means[COUNTERFACTUAL], measure)}; " + "; ".join(parts) + "."
        )
    return lines


def _against(summary: pd.DataFrame, other: str) -> tuple[list[str], list[str], list[str]]:
    """What the DMI saves against ``other`` (its paired difference clearly below zero), what
    it clearly spends more of (clearly above zero) and where the runs cannot tell (the
    interval crosses zero), as phrases with both levels."""
    saves, more, unclear = [], [], []
    means = {m.key: _means(summary, m.key) for m in ENFORCEMENT if m.key in summary.columns}
    for measure in ENFORCEMENT:
        if measure.key not in means:
            continue
        mine, theirs = means[measure.key][DMI], means[measure.key][other]
        if mine == 0 and theirs == 0:
            continue  # neither does it (buyer arrests under reactive policing): nothing to save
        _, low, high = paired(summary, measure.key, DMI, other)
        phrase = f"{measure.label} ({show(mine, measure)} against {show(theirs, measure)})"
        (saves if high < 0 else more if low > 0 else unclear).append(phrase)
    return saves, more, unclear


def cost_parts(summary: pd.DataFrame, scenario: str) -> str:
    """'$1.20 million: officers $0.80 million, custody $0.30 million, services $0.10 million'."""
    rows = summary[summary["scenario"] == scenario]
    parts = [
        f"{label} {dollars(rows[key].mean())}" for key, label in COST_PARTS if key in rows.columns
    ]
    return f"{dollars(rows['cost_total'].mean())} ({', '.join(parts)})"


def savings_lines(summary: pd.DataFrame, window: str) -> list[str]:
    """What the DMI saves and what it does not, against every other scenario, per run."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    if DMI not in scenarios:
        return []
    lines = []
    for other in (s for s in scenarios if s != DMI):
        saves, more, unclear = _against(summary, other)
        text = f"Against `{other}`, per run over {window}, **{DMI}** "
        text += ("saves " + "; ".join(saves)) if saves else "saves nothing measured here"
        if more:
            text += "; spends more " + "; ".join(more)
        if unclear:
            text += "; no clear saving in " + "; ".join(unclear)
        lines.append(text + ".")
    if "cost_total" in summary.columns:
        lines.append(
            "Cost per run over the same window, with its parts: "
            + "; ".join(f"`{s}` {cost_parts(summary, s)}" for s in scenarios)
            + "."
        )
    return lines


def standout_lines(summary: pd.DataFrame, days_after: int) -> list[str]:
    """Sentences for results a reader should not miss: a market area closed on nearly every
    day after the start, and how often it came back."""
    lines = []
    if "closure_days" not in summary.columns:
        return lines
    for name, rows in summary.groupby("scenario", sort=False):
        closed = rows["closure_days"].astype(float)
        if closed.median() >= CLOSURE_STANDOUT * days_after:
            back = int(rows["reemerged"].astype(bool).sum()) if "reemerged" in rows else 0
            lines.append(
                f"**{name}** kept the market area closed (market-area sellers below a quarter "
                f"of their level before the start) on {closed.median():.0f} of the "
                f"{days_after} days after the start in the median run (range "
                f"{closed.min():.0f}-{closed.max():.0f}); the market re-emerged in {back} of "
                f"{len(rows)} runs. A result this strong rests on the model's assumptions "
                "about replacement; the sensitivity analysis tests them."
            )
    return lines


def headline(summary: pd.DataFrame, start: int, days: int) -> dict[str, list[str]]:
    """The report's first sections: {'community': [...], 'savings': [...], 'standout': [...]}.

    ``summary`` must already hold the derived keys (``add_derived``)."""
    win = windows(start, days)
    return {
        "community": community_lines(summary, win["post"]),
        "savings": savings_lines(summary, win["total"]),
        "standout": standout_lines(summary, days - start),
    }


def console_lines(sections: Mapping[str, Sequence[str]]) -> list[str]:
    """The headline as plain text for a terminal (Markdown emphasis removed)."""
    return [
        line.replace("**", "").replace("`", "")
        for key in ("community", "savings", "standout")
        for line in sections.get(key, [])
    ]


def totals_table(summary: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and rows: each enforcement and cost measure per scenario, mean (95 % CI, never
    below 0: ``run_interval``)."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    rows = []
    for measure in (
        *ENFORCEMENT,
        *(Measure(k, f"cost: {label}", "$", "total") for k, label in COST_PARTS),
    ):
        if measure.key not in summary.columns:
            continue
        row = [measure.label]
        for name in scenarios:
            mean, low, high = run_interval(
                summary.loc[summary["scenario"] == name, measure.key].astype(float), measure.key
            )
            row.append(
                show(mean, measure)
                if not np.isfinite(low) or low == high
                else f"{show(mean, measure)} ({show(low, measure)} to {show(high, measure)})"
            )
        rows.append(row)
    return ["per run", *scenarios], rows


#: What the README's paragraph on the default comparison says of each policy.
README_CHANGES = (
    ("post_active_sellers", "active sellers", "sellers"),
    ("post_violent_incidents", "violent incidents", "incidents per day"),
)


def _relative(summary: pd.DataFrame, key: str, scenario: str, unit: str, window_days: int) -> str:
    """'-68 % (95 % CI -71 to -65 %)': the paired ratio of means with Fieller's interval;
    the absolute change instead where the comparison report gives it (its rule,
    ``kit.stats.why_absolute_only``), a daily count as its total a run over the
    ``window_days`` the paragraph names (``kit.outcomes.absolute_unit``)."""
    a = summary[summary["scenario"] == scenario].set_index("replication")[key]
    b = summary[summary["scenario"] == COUNTERFACTUAL].set_index("replication")[key]
    reps = a.index.intersection(b.index)
    a, b = a.loc[reps].to_numpy(float), b.loc[reps].to_numpy(float)
    ratio = fieller_interval(a, b, floor=ratio_floor(key))
    reason = why_absolute_only(unit, window_days, float(b.mean()), ratio)
    if reason is None:
        mean, low, high = (100 * (v - 1) for v in ratio)
        return f"{mean:+.0f} % (95 % CI {low:+.0f} to {high:+.0f} %)"
    mean, low, high = t_interval(a - b)
    scale, shown = absolute_unit(unit, window_days)
    interval = (
        f", 95 % CI {signed(scale * low)} to {signed(scale * high)}"
        if math.isfinite(low)
        else ", no interval from one pair"
    )
    return (
        f"{num(scale * b.mean())} -> {num(scale * a.mean())} {shown} "
        f"({signed(scale * mean)}{interval}; {reason}, so no percentage)"
    )


def readme_paragraph(summary: pd.DataFrame, start: int, days: int) -> str:
    """The README's paragraph on the default comparison, every number from ``summary``."""
    win = windows(start, days)
    window_days = min(WINDOW_DAYS, days - start)
    reps = summary.groupby("scenario")["replication"].nunique().min()
    base = summary[summary["scenario"] == COUNTERFACTUAL]
    near = COMMUNITY[0]
    lines = [
        f"What the default comparison shows (`python run.py`, {reps} paired replications; "
        f"levels and changes over {win['post']}, totals per run over {win['total']}; "
        "written by `scripts/readme_numbers.py --write` from the comparison's `summary.csv`, "
        "which `--check` compares with this text). At baseline: "
        f"{num(base['post_active_sellers'].mean())} active sellers, "
        f"{show(base[near.key].mean(), near)} of households near the market outdoors, "
        f"{num(base['arrests_sellers_total'].mean())} seller and "
        f"{num(base['arrests_buyers_total'].mean())} buyer arrests a run.",
    ]
    for name in dict.fromkeys(summary["scenario"]):
        if name == COUNTERFACTUAL:
            continue
        rows = summary[summary["scenario"] == name]
        changes = ", ".join(
            f"{label} {_relative(summary, key, name, unit, window_days)}"
            for key, label, unit in README_CHANGES
        )
        diff = paired(summary, near.key, name, COUNTERFACTUAL)
        lines.append(
            f"- **{name}**: {changes}; households near the market outdoors "
            f"{show(rows[near.key].mean(), near)} ({show_difference(diff, near)}); "
            f"{num(rows['arrests_sellers_total'].mean())} seller and "
            f"{num(rows['arrests_buyers_total'].mean())} buyer arrests, "
            f"{num(rows['incarceration_person_days'].mean())} custody person-days, "
            f"{dollars(rows['cost_total'].mean())} a run."
        )
    return "\n".join(lines)
