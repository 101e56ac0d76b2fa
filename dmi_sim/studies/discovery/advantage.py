"""The DMI's advantage over crackdowns at each design point and seed, as a planner reads it.

Both policies run with the same parameters and the same seed, so until the intervention
starts their runs are identical and ``pre_*`` is the same in both: the advantage needs no
baseline run. Each measure is "how much better the neighbourhood is in the policy year
under the DMI than under crackdown cycles", positive when the DMI does better; the DMI's
advantage *fails* at a point when its mean over the point's seeds is at or below a
threshold (default 0: the DMI does no better than crackdowns).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dmi_sim.studies.kit.advantage import SUMMARY_KEYS, advantage_tests

#: The policies a discovery design runs at every point.
SCENARIOS = ("dmi", "crackdown")

#: ``get(scenario, summary_key)`` -> that key per (point, replication).
Getter = Callable[[str, str], pd.Series]


@dataclass(frozen=True)
class Advantage:
    """One way to measure the DMI's advantage: words for the report, unit, formula."""

    label: str  # what is better under the DMI, as the report's sentences say it
    unit: str
    compute: Callable[[Getter], pd.Series]
    percent: bool  # a share, shown in percent (points)


def _fewer(key: str) -> Callable[[Getter], pd.Series]:
    """How much lower ``post_<key>`` is under the DMI than under crackdowns, as a share of
    the level before the intervention (NaN where that is 0)."""

    def compute(get: Getter) -> pd.Series:
        pre = get("dmi", f"pre_{key}")
        change = get("crackdown", f"post_{key}") - get("dmi", f"post_{key}")
        return change / pre.where(pre != 0)

    return compute


def _tests_pass(get: Getter) -> pd.Series:
    """1 where every test of ``kit.advantage`` passes on this seed, else 0: on the policy
    year's active sellers and violent incidents, and on arrests from the start (as the
    sensitivity study tests them)."""
    pairs = {test: (get("dmi", key), get("crackdown", key)) for test, key in SUMMARY_KEYS.items()}
    tests = advantage_tests(**pairs)
    return pd.DataFrame(tests).all(axis=1).astype(float)


def _more_outdoors(get: Getter) -> pd.Series:
    key = "post_residents_outdoors_market"
    return get("dmi", key) - get("crackdown", key)


#: The advantages ``discover --outcome`` can analyse; the first is the default.
ADVANTAGES: dict[str, Advantage] = {
    "sellers": Advantage(
        "fewer active sellers",
        "active sellers fewer under the DMI than under crackdowns in the policy year, "
        "as a share of those active before the intervention",
        _fewer("active_sellers"),
        percent=True,
    ),
    "outdoors": Advantage(
        "more households outdoors near the market",
        "share of near-market households outdoors under the DMI minus under crackdowns "
        "in the policy year (percentage points)",
        _more_outdoors,
        percent=True,
    ),
    "violence": Advantage(
        "fewer violent incidents",
        "violent incidents fewer under the DMI than under crackdowns in the policy year, "
        "as a share of those before the intervention",
        _fewer("violent_incidents"),
        percent=True,
    ),
    "holds": Advantage(
        "no more sellers, no more violence, at most half the arrests",
        "share of the point's seeds on which every test of the DMI's advantage holds "
        "(kit.advantage, as sensitivity and compare --posterior test it; the default "
        "threshold 0 means it fails where it holds on no seed)",
        _tests_pass,
        percent=True,
    ),
}


def advantage_table(summary: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The advantage per design point (rows) and replication seed (columns).

    ``summary``: stored runs with the labels ``point``, ``replication`` and ``scenario``.
    """
    by_scenario = {
        name: frame.set_index(["point", "replication"]).sort_index()
        for name, frame in summary.groupby("scenario")
    }

    def get(scenario: str, key: str) -> pd.Series:
        return by_scenario[scenario][key].astype(float)

    return ADVANTAGES[outcome].compute(get).unstack("replication").sort_index()
