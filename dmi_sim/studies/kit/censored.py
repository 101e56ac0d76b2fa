"""Times to an event that a run can end before: right-censored outcomes, read the same way
by every study (a sweep's design points, a comparison's scenarios).

A run whose market is not back when its gap ends has no rebound time, only a lower bound
(the gap); a run whose market never closed has no time to closure. Averaging the bounds as if
they were measured, or dropping those runs, says the market comes back sooner (or closes
sooner) than it does. So the runs of a design point (or of a compared scenario) are read as
survival data:

* the share of its runs in which the event happened (Wilson interval at ``kit.stats.LEVEL``);
* the Kaplan-Meier median time (``scipy.stats.ecdf`` on ``CensoredData``) with an
  interval from the log-log pointwise band at that level (an end the band never takes
  below one half is not reached: NaN, shown as "> X"); where the estimate never falls
  to one half (most runs without the event) the median is not reached and the point
  reads "> X days", X the longest time any of its runs was followed.

Outcomes and what censors them:

* ``rebound_days``: ``rebound_censored`` (``engine.derived``) is true;
* ``days_to_closure``: NaN, the market did not close in the policy period, so censored at
  that period's length.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import CensoredData, ecdf

from dmi_sim.studies.kit.stats import LEVEL, wilson_interval

#: Censored outcome -> the event a run waits for, as a report's sentence names it.
EVENT = {"rebound_days": "the market came back", "days_to_closure": "the market closed"}
#: Censored outcome -> by when the event must happen for a run to time it.
BY = {
    "rebound_days": "before the next sweep or the end of the run",
    "days_to_closure": "before the end of the run",
}
#: Outcome -> the column that marks a run as censored (the others: NaN = censored).
CENSOR_COLUMN = {"rebound_days": "rebound_censored"}


def is_censored(outcome: str) -> bool:
    """Whether ``outcome`` is a time a run can end before."""
    return outcome in EVENT


def censor_columns(outcomes: Sequence[str]) -> list[str]:
    """The summary columns the outcomes' censoring is read from."""
    return [CENSOR_COLUMN[o] for o in outcomes if o in CENSOR_COLUMN]


def event_times(runs: pd.DataFrame, outcome: str, policy_days: float) -> tuple[np.ndarray, ...]:
    """(time, event happened) per run where the outcome is defined; a run without the event
    is followed to its bound (its capped rebound, or the end of the policy period)."""
    if outcome in CENSOR_COLUMN:
        defined = runs[outcome].notna()
        time = runs.loc[defined, outcome].to_numpy(float)
        happened = ~runs.loc[defined, CENSOR_COLUMN[outcome]].to_numpy(bool)
        return time, happened
    time = runs[outcome].to_numpy(float)
    happened = np.isfinite(time)
    return np.where(happened, time, float(policy_days)), happened


def summarise_times(
    time: np.ndarray, happened: np.ndarray, level: float = LEVEL
) -> dict[str, float]:
    """Runs, share with the event (and its interval), Kaplan-Meier median and interval
    (NaN where not reached), ``followed``: the longest time a run was followed, and
    ``beyond``: the same where the median is not reached (else NaN).

    An end of the median's interval is where that end of the log-log band falls to one
    half. The band is undefined where the estimate is 1 or 0: where it is 1 neither end has
    fallen; where it is 0 the lower curve is 0 (a survival of 0 can be no lower), so the
    low end is reached there, while the upper end is not (NaN), never the estimate's own
    time."""
    n, events = len(time), int(happened.sum())
    keys = ("share", "share_low", "share_high", "low", "high", "followed", "beyond")
    out = dict.fromkeys(keys, math.nan)
    out |= {"runs": float(n), "events": float(events), "median": math.nan}
    if n == 0:
        return out
    out["followed"] = float(time.max())
    share_low, share_high = wilson_interval(events, n, level)
    out |= {"share": events / n, "share_low": share_low, "share_high": share_high}
    sf = ecdf(CensoredData(uncensored=time[happened], right=time[~happened])).sf
    with warnings.catch_warnings():  # the log-log band is undefined where sf is 1 or 0
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(level, method="log-log")
    at, estimate = sf.quantiles, sf.probabilities
    out["median"] = _first(at, estimate <= 0.5)
    lower = np.where(estimate == 0, 0.0, band.low.probabilities)
    out["low"] = _first(at, lower <= 0.5)
    out["high"] = _first(at, band.high.probabilities <= 0.5)  # NaN: undefined, not reached
    if math.isnan(out["median"]):
        out["beyond"] = out["followed"]
    return out


def _first(times: np.ndarray, reached: np.ndarray) -> float:
    """The first time where ``reached``; NaN (not reached) if never."""
    return float(times[np.argmax(reached)]) if reached.any() else math.nan


def show_time(value: float, beyond: float, unit: str = "days") -> str:
    """'12 days', or '> 640 days' for a median not reached."""
    if math.isnan(value) and not math.isfinite(beyond):
        return "n/a"
    return f"{_show_end(value, beyond)} {unit}"


def show_interval(low: float, high: float, followed: float) -> str:
    """'10 to 30' for the median's interval, or '10 to > 640' where its upper end is not
    reached (``followed``: the longest time a run was followed); every report alike."""
    return f"{_show_end(low, followed)} to {_show_end(high, followed)}"


def _show_end(value: float, followed: float) -> str:
    """'12', or '> 640' for a time not reached by the longest follow-up."""
    return f"> {followed:.0f}" if math.isnan(value) else f"{value:.0f}"
