"""Outcomes an experiment asks for that the model's summary does not hold, derived from a
run's own series and parameters in the worker, so they are stored beside the summary keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

#: Share of the pre-intervention level at which the market counts as back.
REBOUND_LEVEL = 0.9
#: Days in the trailing mean that smooths day-to-day noise before testing for the rebound.
REBOUND_SMOOTHING = 7


def rebound_days(result: Any) -> float:
    """Days from the end of each crackdown sweep until the market is back (mean over sweeps).

    "Back": the 7-day trailing mean of market-area sellers reaches 90 % of its
    pre-intervention mean (``pre_market_sellers``). A sweep after which the market is not
    back before the next sweep or the end of the run counts its whole gap (censored, so a
    lower bound). NaN for runs without crackdown sweeps or without a market to come back.
    """
    params, summary = result.params, result.summary
    base = summary.get("pre_market_sellers", float("nan"))
    if params.get("policy.strategy") != "crackdown" or not base > 0:
        return float("nan")
    sellers = result.timeseries["market_sellers"].to_numpy(dtype=float)
    kernel = np.ones(REBOUND_SMOOTHING) / REBOUND_SMOOTHING
    smooth = np.convolve(sellers, kernel)[: len(sellers)]  # trailing mean
    start, period = params["run.intervention_start"], params["crackdown.period_days"]
    duration = params["crackdown.duration_days"]
    gaps = []
    for sweep in range(start, len(sellers), period):
        end, upto = sweep + duration, min(sweep + period, len(sellers))
        if end >= upto:
            break
        back = np.flatnonzero(smooth[end:upto] >= REBOUND_LEVEL * base)
        gaps.append(back[0] if back.size else upto - end)
    return float(np.mean(gaps)) if gaps else float("nan")


#: Derived outcome name -> function of a ``simulate`` result.
DERIVED: dict[str, Callable[[Any], float]] = {"rebound_days": rebound_days}
