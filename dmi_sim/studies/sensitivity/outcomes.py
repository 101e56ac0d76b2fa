"""What a sensitivity analysis measures at each design point and seed.

Each outcome is computed from the run summaries of one design point and one replication
seed: the scenarios it needs ran with the same parameters and the same seed, so an effect
is paired against its own counterfactual (``baseline``), as in ``dmi_sim.studies.kit.stats``. The
runs are 730 days by default: the one-year burn-in and the first policy year, which is
the window every ``post_*`` summary key and every total here covers.

An effect is the policy's change against the baseline over the policy year, as a share of
the level before the intervention: (post(policy) − post(baseline)) / pre. Until the
intervention starts the runs of one point and seed are identical, so ``pre`` is the same
for all three, and where the baseline stays level this is post(policy) / post(baseline)
− 1, the effect of ``dmi_sim.studies.kit.stats``. Dividing by the baseline's post level instead lets
a few points where the baseline market dies out dominate every index (one run gave
+1,374 %). Residents outdoors are a share with two stable states, one near 0, so their
effect is the difference of the shares, in percentage points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dmi_sim.studies.kit.advantage import SUMMARY_KEYS, advantage_tests
from dmi_sim.studies.kit.stats import COUNTERFACTUAL

#: The policies compared; each outcome runs only the ones it needs.
SCENARIOS = (COUNTERFACTUAL, "dmi", "crackdown")
#: Worker-side outcomes (``engine.derived``) each scenario's runs add to their summary.
DERIVED = {"crackdown": ("rebound_days",)}

#: ``get(scenario, summary_key)`` -> that key per (point, replication).
Getter = Callable[[str, str], pd.Series]


@dataclass(frozen=True)
class Outcome:
    """One measured quantity: its label, unit, the scenarios it needs and its formula."""

    label: str
    unit: str
    scenarios: tuple[str, ...]
    compute: Callable[[Getter], pd.Series]
    percent: bool = False  # a relative change or a share, shown in percent


def _effect(scenario: str, series: str) -> Callable[[Getter], pd.Series]:
    """Change of ``post_<series>`` against the same-seed baseline, as a share of
    ``pre_<series>`` (NaN where that is 0: nothing there before the intervention)."""

    def compute(get: Getter) -> pd.Series:
        pre = get(COUNTERFACTUAL, f"pre_{series}")
        change = get(scenario, f"post_{series}") - get(COUNTERFACTUAL, f"post_{series}")
        return change / pre.where(pre != 0)

    return compute


def _difference(scenario: str, key: str) -> Callable[[Getter], pd.Series]:
    return lambda get: get(scenario, key) - get(COUNTERFACTUAL, key)


def _value(scenario: str, key: str) -> Callable[[Getter], pd.Series]:
    return lambda get: get(scenario, key)


def _effect_of(label: str, scenario: str, series: str) -> Outcome:
    """An outcome that is a change against the same-seed baseline, relative to ``pre``."""
    return Outcome(
        label,
        "change vs the same-seed baseline, share of the pre-intervention level",
        (COUNTERFACTUAL, scenario),
        _effect(scenario, series),
        percent=True,
    )


def _total_of(label: str, unit: str, scenario: str, key: str) -> Outcome:
    """An outcome that is one summary key of one scenario's runs."""
    return Outcome(label, unit, (scenario,), _value(scenario, key))


def _advantage_margin(get: Getter) -> pd.Series:
    """How much more the DMI cuts active sellers than the crackdown (share of pre)."""
    return _effect("crackdown", "active_sellers")(get) - _effect("dmi", "active_sellers")(get)


def advantage_criteria(get: Getter) -> pd.DataFrame:
    """The three tests of the DMI's advantage over crackdowns (``kit.advantage``), per
    (point, replication): on the policy year's active sellers and violent incidents, and on
    arrests from the start."""
    return pd.DataFrame(
        advantage_tests(
            **{test: (get("dmi", key), get("crackdown", key)) for test, key in SUMMARY_KEYS.items()}
        )
    )


def _advantage_holds(get: Getter) -> pd.Series:
    return advantage_criteria(get).all(axis=1).astype(float)


_PAIR = (COUNTERFACTUAL, "dmi")
_BOTH = (COUNTERFACTUAL, "dmi", "crackdown")
_YEAR_ARRESTS = "arrests in the policy year"
_YEAR_CUSTODY = "person-days in the policy year"

#: Every outcome the analysis can measure, in reading order.
OUTCOMES: dict[str, Outcome] = {
    "dmi_effect_sellers": _effect_of("DMI's effect on active sellers", "dmi", "active_sellers"),
    "dmi_effect_violence": _effect_of(
        "DMI's effect on violent incidents", "dmi", "violent_incidents"
    ),
    "dmi_effect_outdoors": Outcome(
        "DMI's effect on residents outdoors near the market",
        "change in the share of households outdoors vs the same-seed baseline",
        _PAIR,
        _difference("dmi", "post_residents_outdoors_market"),
        percent=True,
    ),
    "crackdown_effect_sellers": _effect_of(
        "Crackdown's effect on active sellers", "crackdown", "active_sellers"
    ),
    "crackdown_effect_violence": _effect_of(
        "Crackdown's effect on violent incidents", "crackdown", "violent_incidents"
    ),
    "dmi_arrests": _total_of("Arrests under the DMI", _YEAR_ARRESTS, "dmi", "arrests_total"),
    "crackdown_arrests": _total_of(
        "Arrests under crackdowns", _YEAR_ARRESTS, "crackdown", "arrests_total"
    ),
    "dmi_incarceration": _total_of(
        "Incarceration under the DMI", _YEAR_CUSTODY, "dmi", "incarceration_person_days"
    ),
    "crackdown_incarceration": _total_of(
        "Incarceration under crackdowns", _YEAR_CUSTODY, "crackdown", "incarceration_person_days"
    ),
    "rebound_days": _total_of(
        "Crackdown's rebound time",
        "days (from the end of a sweep until the market is back; to the end of the run "
        "where it is not, so then a lower bound)",
        "crackdown",
        "rebound_days",
    ),
    "dmi_advantage_sellers": Outcome(
        "DMI's advantage over crackdowns on active sellers",
        "crackdown effect minus DMI effect, share of the pre-intervention sellers",
        _BOTH,
        _advantage_margin,
        percent=True,
    ),
    "dmi_advantage_holds": Outcome(
        "Whether the DMI's advantage over crackdowns holds",
        "share of seeds",
        _BOTH,
        _advantage_holds,
        percent=True,
    ),
}


def needed(outcomes: Sequence[str]) -> tuple[str, ...]:
    """The scenarios the outcomes need, in ``SCENARIOS`` order."""
    scenarios = {s for o in outcomes for s in OUTCOMES[o].scenarios}
    return tuple(s for s in SCENARIOS if s in scenarios)


def getter(summary: pd.DataFrame) -> Getter:
    """Summary key per (point, replication) of one scenario, from the stored runs."""
    index = ["point", "replication"]
    by_scenario = {
        name: frame.set_index(index).sort_index() for name, frame in summary.groupby("scenario")
    }

    def get(scenario: str, key: str) -> pd.Series:
        return by_scenario[scenario][key].astype(float)

    return get


def per_run(summary: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Outcomes per (point, replication): one row per seed of each design point."""
    get = getter(summary)
    return pd.DataFrame({name: OUTCOMES[name].compute(get) for name in outcomes})


def advantage_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Per design point, the share of seeds on which each advantage test passes, and all."""
    criteria = advantage_criteria(getter(summary)).astype(float)
    criteria["all"] = criteria.all(axis=1).astype(float)
    return criteria.groupby(level="point").mean()


def has_advantage_runs(scenarios: Sequence[str]) -> bool:
    """Whether the runs include every scenario the advantage tests compare."""
    return all(s in scenarios for s in _BOTH)


def fill_undefined(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """NaN (an effect where there was nothing before the intervention, a rebound with no
    market to come back to) counted as 0, since SALib's estimators need every point;
    returns the filled frame and how many values each column had undefined."""
    undefined = frame.isna().sum()
    return frame.fillna(0.0), undefined


def point_means(runs: pd.DataFrame) -> pd.DataFrame:
    """Outcomes averaged over the replication seeds of each design point."""
    return runs.groupby(level="point").mean()


def noise_share(runs: pd.DataFrame) -> pd.DataFrame:
    """How much of each outcome's variance is seed noise alone.

    ``runs``: the share of the variance of single runs (across points and seeds) that is
    between seeds within a point: mean within-point variance / total variance.
    ``means``: the same noise, shrunk by averaging k seeds, as a share of the variance of
    the seed means the indices are computed from: (within / k) / variance of the means.
    """
    within = runs.groupby(level="point").var(ddof=1).mean()
    k = runs.groupby(level="point").size().mean()
    means = point_means(runs)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "noise_share_runs": within / runs.var(ddof=1),
                "noise_share_means": (within / k) / means.var(ddof=1),
            }
        )
