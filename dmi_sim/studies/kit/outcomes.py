"""The outcome catalogue: every series and summary key a study shows, named once.

Each entry is an ``Outcome`` (key, label, unit, direction). ``SERIES`` are the daily series
the comparison measures, in reading order; ``SUMMARY`` the run-summary keys that are not a
pre/post mean of a series. ``lookup`` also understands ``pre_<series>`` and ``post_<series>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

Direction = Literal["lower", "higher", "neither"]


@dataclass(frozen=True)
class Outcome:
    """How an outcome is named and read.

    ``direction``: which way is better for the neighbourhood ("lower", "higher", or
    "neither" where a change is not good or bad in itself). ``smooth_days``: the rolling
    mean a time-series figure shows; rare events (a few a month) need a longer one to read
    as a rate rather than as noise. ``minimum``: the least value a run can give (None: no
    bound), so that an interval for its mean does not reach below what it can be.
    """

    key: str
    label: str
    unit: str
    direction: Direction = "lower"
    smooth_days: int = 7
    minimum: float | None = 0.0

    @property
    def higher_is_better(self) -> bool:
        """True when more of it is better for the neighbourhood."""
        return self.direction == "higher"

    @property
    def maximum(self) -> float | None:
        """The most a run can give: 1 for a share or a 0-1 index, else no bound (None)."""
        return 1.0 if self.unit.startswith("share") or self.unit == "index, 0-1" else None

    @property
    def share_of_runs(self) -> bool:
        """True when each run gives a yes or no and the mean is the share of yes."""
        return self.unit == SHARE_OF_RUNS


#: The unit of a run-summary key that is a yes or no per run (its mean a share of runs).
SHARE_OF_RUNS = "share of runs"


def _table(*rows: Outcome) -> dict[str, Outcome]:
    return {o.key: o for o in rows}


#: The main series compared across scenarios, in reading order.
SERIES: dict[str, Outcome] = _table(
    Outcome("active_sellers", "Active sellers", "sellers"),
    Outcome("market_sellers", "Sellers in the market area", "sellers"),
    Outcome("transactions_market", "Transactions in the market area", "sales per day"),
    Outcome("transactions_catchment", "Transactions in the catchment ring", "sales per day"),
    Outcome("transactions", "Transactions in the whole neighbourhood", "sales per day"),
    Outcome("new_recruits", "New recruits", "sellers per day", smooth_days=28),
    Outcome("violent_incidents", "Violent incidents", "incidents per day", smooth_days=28),
    Outcome("disorder_market", "Disorder in the market area", "index, 0-1"),
    Outcome("disorder", "Disorder, neighbourhood mean", "index, 0-1"),
    Outcome("fear", "Residents' fear", "index, 0-1"),
    Outcome(
        "residents_outdoors_market",
        "Households near the market outdoors",
        "share of households",
        "higher",
    ),
    Outcome(
        "residents_outdoors",
        "Residents in public space, whole neighbourhood",
        "share of residents",
        "higher",
    ),
    Outcome("collective_efficacy", "Collective efficacy", "index, 0-1", "higher"),
    Outcome("trust_in_police", "Trust in police", "index, 0-1", "higher"),
    Outcome("reports", "Resident reports (calls for service)", "reports per day", "neither"),
    Outcome("arrests_sellers", "Seller arrests", "arrests per day", "neither", smooth_days=28),
    Outcome("arrests_buyers", "Buyer arrests", "arrests per day", "neither", smooth_days=28),
    Outcome("incarcerated", "Sellers arrested or incarcerated", "persons"),
    Outcome("officer_hours", "Officer time used", "officer-hours per day"),
)

#: Series not in the comparison's list that summary keys are still made of.
OTHER_SERIES: dict[str, Outcome] = _table()

#: Run-summary keys that are not a pre/post mean of a series.
SUMMARY: dict[str, Outcome] = _table(
    Outcome("closure_days", "Days the market area stays closed", "days", "higher"),
    Outcome("days_to_closure", "Time to closure", "days"),
    Outcome("reemerged", "Runs where the market re-emerged", SHARE_OF_RUNS),
    Outcome("replacement_ratio", "Replacement ratio", "recruits per seller removed"),
    Outcome(
        "displacement_ratio",
        "Displacement ratio",
        "catchment sales gained per sale lost",
        minimum=None,  # negative when the catchment loses sales too (diffusion of benefits)
    ),
    Outcome("incarceration_person_days", "Incarceration after the start", "person-days"),
    Outcome("officer_hours_total", "Officer time after the start", "officer-hours"),
    Outcome("cost_total", "Cost after the start (officers, prison, services)", "$"),
    Outcome("cost_officers", "Officer cost after the start", "$"),
    Outcome("cost_incarceration", "Incarceration cost after the start", "$"),
    Outcome("cost_services", "Services cost after the start", "$"),
    Outcome("rebound_days", "Rebound time after a sweep", "days", "higher"),
    Outcome("violent_incidents_total", "Violent incidents after the start", "incidents"),
    Outcome("arrests_total", "Arrests after the start", "arrests", "neither"),
    Outcome("arrests_sellers_total", "Seller arrests after the start", "arrests", "neither"),
    Outcome("arrests_buyers_total", "Buyer arrests after the start", "arrests", "neither"),
    Outcome("custody_persons_total", "People sent to custody after the start", "persons"),
)

_WHEN = {"post_": "after the start", "pre_": "before the start"}


def lookup(key: str) -> Outcome | None:
    """The catalogue's entry for a series, a summary key or a ``pre_``/``post_`` mean."""
    if key in SUMMARY:
        return SUMMARY[key]
    if key in SERIES or key in OTHER_SERIES:
        return SERIES.get(key) or OTHER_SERIES[key]
    for prefix, when in _WHEN.items():
        series = key.removeprefix(prefix)
        found = SERIES.get(series) or OTHER_SERIES.get(series)
        if series != key and found is not None:
            return replace(found, key=key, label=f"{found.label}, {when}")
    return None


def absolute_unit(unit: str, window_days: int) -> tuple[float, str]:
    """(scale, unit) of an absolute change as every report gives it: a daily count becomes
    its total per run over the ``window_days`` of the effect window (``incidents per day``
    times 365: ``incidents a run``), which reads as events; any other unit is kept (scale
    1). The caller names the window."""
    if unit.endswith(" per day"):
        return float(window_days), f"{unit.removesuffix(' per day')} a run"
    return 1.0, unit


def label(key: str) -> str:
    """'Label (unit)' of a catalogued key; the key with spaces for one it does not know."""
    found = lookup(key)
    return f"{found.label} ({found.unit})" if found else key.replace("_", " ")


def bounds(key: str) -> tuple[float, float]:
    """(least, most) a run can give for ``key``, which an interval of its mean is cut to:
    the catalogue's ``minimum`` and ``maximum`` (unbounded where it has none, or where it
    does not know the key)."""
    found = lookup(key)
    if found is None:
        return -math.inf, math.inf
    low = -math.inf if found.minimum is None else found.minimum
    return low, math.inf if found.maximum is None else found.maximum


def higher_is_better(key: str) -> bool:
    """True when more of ``key`` is better; unknown keys count as less-is-better."""
    found = lookup(key)
    return found is not None and found.higher_is_better
