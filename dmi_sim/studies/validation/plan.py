"""Which runs the validation needs, and reading them back.

Targets name *arms*: a scenario run ``reps`` times, optionally at several levels of a
setting (a sweep). Replication *i* of every arm runs on seed *i* of
``replication_seeds(seed, n)``, so every arm is paired with the ``baseline`` arm. Two arms
can ask for the same run (the fidelity sweep at full fidelity is the ``dmi`` arm; the
starting-fear sweep's ends are the runs from the extreme starting points): a run is
identified by its resolved parameters and seed, so it is made once and serves both.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dmi_sim.engine import RunTask
from dmi_sim.engine.seeds import replication_seeds
from dmi_sim.params import Params, load_params

#: The four fidelity knobs; fidelity f sets each to f x its value in the ``dmi`` scenario.
FIDELITY_KNOBS = (
    "dmi.credible_case_share",
    "dmi.follow_through",
    "dmi.community_awareness",
    "dmi.community_participation",
)
FIDELITY_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: The community's starting point: fear of the households in the market zone.
START_KEY = "residents.initial_fear_market"
START_LEVELS = tuple(float(x) for x in np.linspace(0.0, 1.0, 9))
#: B8: one crackdown held for this many days from the intervention start, then withdrawn.
LONG_CRACKDOWN_DAYS = 180


@dataclass(frozen=True)
class Arm:
    """One scenario, ``reps`` replications at each level (one unnamed level if no sweep)."""

    scenario: str
    reps: int
    levels: Mapping[float | None, Mapping[str, Any]] = field(default_factory=lambda: {None: {}})


#: Arms run more than R times: their targets' bands are narrow for their noise. Measured at
#: R = 40: calls from the target area (B3b, band 5 points wide) had a 95 % interval 9 points
#: wide, violence under low fidelity (B7, band 20 points) 27 points; the half-width
#: shrinks with the square root of the replications.
REPS_FACTOR = {"baseline": 4, "dmi": 4, "dmi_low_fidelity": 3}


def sweep_reps(reps: int) -> int:
    """Replications per level of a sweep: a quarter of the paired arms', at least 2."""
    return max(2, math.ceil(reps / 4))


def build_arms(reps: int, overrides: Mapping[str, Any]) -> dict[str, Arm]:
    """Every arm a target may name: ``reps`` replications of each paired scenario (times
    its ``REPS_FACTOR``) and of each extreme starting point, ``sweep_reps`` per sweep level.

    Raises ``ParameterError`` for a bad override.
    """
    per_level = sweep_reps(reps)
    dmi = load_params("dmi", overrides)
    fidelity = {f: {k: f * dmi[k] for k in FIDELITY_KNOBS} for f in FIDELITY_LEVELS}
    low, high = START_LEVELS[0], START_LEVELS[-1]
    return {
        "baseline": Arm("baseline", REPS_FACTOR["baseline"] * reps),
        "crackdown": Arm("crackdown", reps),
        "hotspot": Arm("hotspot", reps),
        "long_crackdown": Arm(
            "crackdown",
            reps,
            {
                float(LONG_CRACKDOWN_DAYS): {
                    "crackdown.duration_days": LONG_CRACKDOWN_DAYS,
                    "crackdown.period_days": 3650,
                }
            },
        ),
        "dmi": Arm("dmi", REPS_FACTOR["dmi"] * reps),
        "dmi_low_fidelity": Arm("dmi_low_fidelity", REPS_FACTOR["dmi_low_fidelity"] * reps),
        "fidelity": Arm("dmi", per_level, fidelity),
        # R a level: B6a's interval must be narrower than its 10-point band (at R/2 the
        # cluster bootstrap gave 0.6-13 % around 5.6 %, session 5)
        "community": Arm("baseline", reps, {x: {START_KEY: x} for x in START_LEVELS}),
        "reclaimed_start": Arm("baseline", reps, {low: {START_KEY: low}}),
        "abandoned_start": Arm("baseline", reps, {high: {START_KEY: high}}),
        "abandoned_dmi": Arm("dmi", reps, {high: {START_KEY: high}}),
        "abandoned_crackdown": Arm("crackdown", reps, {high: {START_KEY: high}}),
    }


def arms_at(reps: Mapping[str, int], overrides: Mapping[str, Any]) -> dict[str, Arm]:
    """The arms named in ``reps``, each built as ``build_arms`` builds it for its own
    ``--reps`` value (``validate --precision`` grows the arms apart)."""
    built = {r: build_arms(r, overrides) for r in set(reps.values())}
    return {name: built[r][name] for name, r in reps.items()}


@dataclass(frozen=True)
class Plan:
    """The runs: engine tasks, and which (arm, level, replication) each one serves."""

    tasks: list[RunTask]
    design: pd.DataFrame  # arm, level, replication, seed, run_id
    params: dict[tuple[str, float | None], Params]
    seeds: list[int]


def _identity(params: Params) -> str:
    """A short digest of every resolved parameter: equal digests, equal runs."""
    text = json.dumps(params.values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def build_plan(
    arms: Mapping[str, Arm], seed: int, overrides: Mapping[str, Any], days: int | None = None
) -> Plan:
    """Tasks for ``arms``; ``overrides`` (and ``days``) apply to every run.

    Raises ``ParameterError`` for a bad override, before anything runs.
    """
    common = dict(overrides)
    if days is not None:
        common["run.days"] = days
    seeds = replication_seeds(seed, max((a.reps for a in arms.values()), default=0))
    tasks: dict[str, RunTask] = {}
    rows, params = [], {}
    for name, arm in arms.items():
        for level, extra in arm.levels.items():
            settings = {**common, **extra}
            resolved = load_params(arm.scenario, settings)
            params[(name, level)] = resolved
            digest = _identity(resolved)
            for i in range(arm.reps):
                run_id = f"{resolved.scenario}-{digest}-r{i:03d}"
                tasks.setdefault(
                    run_id,
                    RunTask(
                        run_id=run_id,
                        scenario=arm.scenario,
                        overrides=settings,
                        seed=seeds[i],
                        labels={"replication": i},
                    ),
                )
                rows.append(
                    {
                        "arm": name,
                        "level": math.nan if level is None else level,
                        "replication": i,
                        "seed": seeds[i],
                        "run_id": run_id,
                    }
                )
    return Plan(list(tasks.values()), pd.DataFrame(rows), params, seeds)


class Runs:
    """The stored runs seen through the plan: one (replications x days) matrix per arm,
    level and series."""

    def __init__(self, plan: Plan, timeseries: pd.DataFrame) -> None:
        self.plan = plan
        self._ts = timeseries.set_index(["run_id", "day"]).sort_index()
        self._wide: dict[str, pd.DataFrame] = {}
        self._memo: dict[Any, Any] = {}

    def _level(self, arm: str, level: float | None) -> float | None:
        """``level``, or the only level of a one-level sweep arm when none is named."""
        if level is not None or (arm, None) in self.plan.params:
            return level
        levels = self.levels(arm)
        if len(levels) != 1:
            raise KeyError(f"arm {arm!r} is a sweep over {levels}: name a level")
        return levels[0]

    def ids(self, arm: str, level: float | None = None) -> list[str]:
        """Run ids of an arm (at one level of a sweep), in replication order."""
        level = self._level(arm, level)
        d = self.plan.design
        rows = d[d["arm"] == arm]
        rows = rows[rows["level"].isna()] if level is None else rows[rows["level"] == level]
        if rows.empty:
            raise KeyError(f"no runs of arm {arm!r} at level {level}")
        return rows.sort_values("replication")["run_id"].tolist()

    def params(self, arm: str, level: float | None = None) -> Params:
        return self.plan.params[(arm, self._level(arm, level))]

    def levels(self, arm: str) -> list[float]:
        return sorted(lv for a, lv in self.plan.params if a == arm and lv is not None)

    def days(self, arm: str) -> int:
        return int(self.params(arm)["run.days"])

    def matrix(self, arm: str, column: str, level: float | None = None) -> np.ndarray:
        """Replications x days of one series. An arm with a single level needs none."""
        if column not in self._wide:
            self._wide[column] = self._ts[column].unstack("day")
        return self._wide[column].loc[self.ids(arm, level)].to_numpy(dtype=float)

    def long(
        self, labels: Mapping[str, tuple[str, float | None]], columns: Iterable[str]
    ) -> pd.DataFrame:
        """Long series (scenario, replication, day, columns) with each arm named by its key
        in ``labels``: the shape ``effects`` and ``figures`` read."""
        frames = []
        for label, (arm, level) in labels.items():
            ids = self.ids(arm, level)
            part = self._ts.loc[ids, list(columns)].reset_index()
            part["replication"] = part["run_id"].map({r: i for i, r in enumerate(ids)})
            frames.append(part.drop(columns="run_id").assign(scenario=label))
        return pd.concat(frames, ignore_index=True)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key: several targets read one analysis."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]
