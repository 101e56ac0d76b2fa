"""``compare --precision W``: replications added per scenario until each named effect's
95 % interval is at most W wide, or a cap.

W is a **full width** (high end minus low end of the 95 % interval) in **percentage points
of the baseline's level**, read on the report's own scale: where the report gives an
effect as a relative change (the ratio of means with its Fieller interval), the
width of that interval; where it gives the absolute change because the baseline is small
(``kit.stats.relative_floor``), the width of the absolute interval divided by the
baseline's mean over the window, the same scale for a change the report could not give as
a percentage. ``--precision 10`` asks for intervals such as -75 % to -65 % (about ±5
points).

Each scenario other than the baseline grows on its own (``kit.precision``): it stops at the
first count whose named effects are all narrow enough. The baseline, paired with every
scenario on common seeds, runs as often as the most replicated one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dmi_sim.params import did_you_mean
from dmi_sim.studies.compare.report import HEADLINE, absolute_only
from dmi_sim.studies.kit.outcomes import SERIES as OUTCOMES
from dmi_sim.studies.kit.precision import Stepping, replicate_until_precise
from dmi_sim.studies.kit.stats import COUNTERFACTUAL, paired_effects

#: Most replications of a scenario by default: the half-width shrinks about threefold from
#: the default 20 replications, at most 200 runs a scenario (about 3-4 CPU-minutes).
DEFAULT_MAX_REPS = 200

#: (summary, timeseries) of the runs at given replications per scenario, run if not stored.
RunsAt = Callable[[Mapping[str, int]], tuple[pd.DataFrame, pd.DataFrame]]


@dataclass(frozen=True)
class EffectPrecision:
    """The precision a comparison runs to.

    ``width``: the widest 95 % interval allowed, full width, as a share of the baseline's
    level (0.10: 10 percentage points). ``outcomes``: the effects that must meet it
    (default: those the report's summary speaks about).
    """

    width: float
    outcomes: tuple[str, ...] = HEADLINE
    stepping: Stepping = field(default_factory=lambda: Stepping(DEFAULT_MAX_REPS))

    def problem(self, start: int) -> str | None:
        """Why this precision cannot be run to from ``start`` replications (one line), or
        None."""
        if not (math.isfinite(self.width) and self.width > 0):
            return f"--precision {100 * self.width:g}: allowed: a number of percentage points > 0"
        if not self.outcomes:
            return "--precision-outcomes: name at least one outcome"
        for outcome in self.outcomes:
            if outcome not in OUTCOMES:
                return (
                    f"--precision-outcomes: unknown outcome {outcome!r}"
                    f"{did_you_mean(outcome, OUTCOMES)}; known: {', '.join(OUTCOMES)}"
                )
        return self.stepping.problem(start)


def effect_width(outcome: str, row: Mapping[str, float]) -> float:
    """Full width of an effect's 95 % interval on the report's scale, as a share of the
    baseline's level (the module docstring); infinite when there is none yet."""
    if not absolute_only(outcome, row):
        return row["ratio_high"] - row["ratio_low"]
    base = abs(row["counterfactual_mean"])
    width = (row["abs_high"] - row["abs_low"]) / base if base > 0 else math.inf
    return width if math.isfinite(width) else math.inf


def widths(effects: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Scenario x outcome: ``effect_width`` of every named effect (the baseline left out)."""
    rows = effects[(effects["scenario"] != COUNTERFACTUAL) & effects["outcome"].isin(outcomes)]
    values = [effect_width(row["outcome"], row) for _, row in rows.iterrows()]
    frame = rows.assign(width=values).pivot(index="scenario", columns="outcome", values="width")
    return frame.loc[list(dict.fromkeys(rows["scenario"])), list(outcomes)]


def replicate_effects(
    scenarios: Sequence[str],
    start: int,
    precision: EffectPrecision,
    policy_start: int,
    runs_at: RunsAt,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Grow each scenario until its named effects are narrow enough, or the cap.

    Args:
        scenarios: the compared scenarios' labels, the baseline among them.
        start: replications of every scenario at the first step (``--reps``).
        precision: the width, the outcomes it applies to, the batch and the cap.
        policy_start: the day every scenario's policy starts (the effect window's first).
        runs_at: the runs at given replications per scenario, run when not yet stored.

    Returns the last step's summary and time series, and the record of the steps for the
    manifest and the report.
    """
    grown = [s for s in scenarios if s != COUNTERFACTUAL]
    latest: dict[str, Any] = {}

    def check(reps: Mapping[str, int]) -> list[str]:
        summary, ts = runs_at({COUNTERFACTUAL: max(reps.values()), **reps})
        windows = dict.fromkeys(scenarios, policy_start)
        effects = paired_effects(ts, windows, list(precision.outcomes))
        latest.update(summary=summary, ts=ts, widths=widths(effects, precision.outcomes))
        too_wide = latest["widths"].gt(precision.width) | latest["widths"].isna()
        return [s for s in grown if too_wide.loc[s].any()]

    stopped = replicate_until_precise(grown, start, precision.stepping, check)
    record = stopped.record(start, precision.stepping)
    record.update(
        width_points=100 * precision.width,
        outcomes=list(precision.outcomes),
        baseline_replications=max(stopped.replications.values()),
        widths_points={
            s: {o: _points(w) for o, w in row.items()}
            for s, row in latest["widths"].to_dict(orient="index").items()
        },
    )
    return latest["summary"], latest["ts"], record


def _points(width: float) -> float | None:
    """A width in percentage points for JSON (None when there is no interval)."""
    return round(100 * width, 3) if math.isfinite(width) else None
