"""Joint calibration of the defaults: every candidate judged on every target at once.

A Latin hypercube (``scipy.stats.qmc``) over the uncertain parameters of a calibration
file (``experiments/calibration/defaults.toml``); at each point the validation's own plan is built
with a few replications and every chosen target is measured with the validation's own
measures. A point's *miss* is the sum over targets of how far the estimate lies outside
its band, in band widths (one-sided bands: in units of the bound, or 1), so no target is
tuned alone: a point that fixes one figure by breaking another scores no better. All runs
go through the engine (one store, resumable; any executor). The ranking is written to
``points.csv`` (parameters, every target's estimate, misses, passes); the best point is
the candidate for the defaults, which the full ``validate`` then checks at full
replication (docs/ODD.md, calibration record).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from dmi_sim.engine import load_results, run_tasks
from dmi_sim.params import PARAMETERS, ParameterError, read_toml, validate_value
from dmi_sim.studies.validation.measures import Measurement
from dmi_sim.studies.validation.plan import Plan, Runs, build_arms, build_plan
from dmi_sim.studies.validation.targets import BY_ID, Target, judge

#: Arms that only draw figures: a search does not need them.
FIGURE_ONLY_ARMS = ("fidelity",)


@dataclass(frozen=True)
class SearchSpec:
    """A calibration search: factors with ranges, size, replications, targets."""

    factors: Mapping[str, tuple[float, float]]
    points: int
    reps: int
    seed: int
    targets: tuple[str, ...]
    fixed: Mapping[str, Any]


def read_search(path: Path) -> SearchSpec:
    """Read and check a calibration file; bad input raises ``ParameterError`` naming the
    file, the key, the value and what is allowed."""
    table = read_toml(path, ParameterError)
    search = table.get("search", {})
    factors = {}
    for key, rng in table.get("factors", {}).items():
        if key not in PARAMETERS or PARAMETERS[key].kind not in ("float", "int"):
            raise ParameterError(f"{path}: factors.{key}: not a numeric parameter")
        if not (isinstance(rng, list) and len(rng) == 2 and rng[0] < rng[1]):
            raise ParameterError(
                f"{path}: factors.{key} = {rng!r}; allowed: [low, high] with low < high"
            )
        for v in rng:
            validate_value(key, v, f"{path}: factors")
        factors[key] = (float(rng[0]), float(rng[1]))
    targets = tuple(search.get("targets", ()))
    for t in targets:
        if t not in BY_ID:
            raise ParameterError(
                f"{path}: search.targets: unknown target {t!r}; allowed: {', '.join(BY_ID)}"
            )
    fixed = {k: validate_value(k, v, f"{path}: fixed") for k, v in table.get("fixed", {}).items()}
    points, reps = search.get("points", 32), search.get("reps", 4)
    for name, value in (("points", points), ("reps", reps)):
        if not isinstance(value, int) or value < 1:
            raise ParameterError(f"{path}: search.{name} = {value!r}; allowed: an integer >= 1")
    return SearchSpec(factors, points, reps, int(search.get("seed", 0)), targets, fixed)


def design(spec: SearchSpec) -> list[dict[str, Any]]:
    """The Latin hypercube points (integer factors rounded), each with the fixed settings."""
    keys = list(spec.factors)
    unit = qmc.LatinHypercube(d=len(keys), seed=spec.seed).random(spec.points)
    low = np.array([spec.factors[k][0] for k in keys])
    high = np.array([spec.factors[k][1] for k in keys])
    values = qmc.scale(unit, low, high)
    out = []
    for row in values:
        point = dict(spec.fixed)
        for key, v in zip(keys, row, strict=True):
            point[key] = int(round(v)) if PARAMETERS[key].kind == "int" else float(v)
        out.append(point)
    return out


#: A miss counts at most this much: one target far out must not drown all the others.
MAX_MISS = 2.0


def miss(target: Target, value: float) -> float:
    """How far ``value`` lies outside the target's band: in band widths for a two-sided
    band, relative to the larger of the bound and the value for a one-sided one; 0 inside,
    at most MAX_MISS (also for a target that could not be measured)."""
    low, high = target.band
    if math.isnan(value):
        return MAX_MISS
    if low <= value <= high:
        return 0.0
    bound = low if value < low else high
    scale = high - low if math.isfinite(high - low) else max(abs(bound), abs(value))
    return min(MAX_MISS, abs(value - bound) / scale)


def targets_plan(
    targets: Sequence[Target],
    reps: int,
    seed: int,
    point: Mapping[str, Any],
    days: int | None = None,
) -> Plan:
    """The runs the targets need at one parameter point: their arms (figure-only arms
    left out) with ``reps`` replications (times each arm's ``REPS_FACTOR``)."""
    arms = build_arms(reps, point)
    needed = dict.fromkeys(a for t in targets for a in t.arms if a not in FIGURE_ONLY_ARMS)
    return build_plan({a: arms[a] for a in needed}, seed, point, days)


def measure_targets(targets: Sequence[Target], runs: Runs) -> dict[str, Measurement]:
    """Each target's measurement on ``runs`` (a plan from ``targets_plan``), by id."""
    return {t.id: t.measure(runs) for t in targets}


def search(
    spec: SearchSpec,
    store: Path,
    executor: Executor | None = None,
    workers: int = 1,
    progress: bool = True,
) -> pd.DataFrame:
    """Run the search; return one row per point (parameters, estimates, miss, passes),
    best first. Runs shared between points (equal parameters) are made once."""
    points = design(spec)
    targets = [BY_ID[t] for t in spec.targets]
    plans = [targets_plan(targets, spec.reps, spec.seed, p) for p in points]
    tasks = {t.run_id: t for plan in plans for t in plan.tasks}
    if progress:
        print(f"calibrate: {len(points)} points, {len(tasks)} runs -> {store}", file=sys.stderr)
    done = run_tasks(
        list(tasks.values()), store, workers=workers, executor=executor, progress=progress
    )
    if done.n_failed:
        raise RuntimeError(f"{done.n_failed} runs failed; see {done.failures_path}")
    series = load_results(store)[1]
    rows = []
    for k, (point, plan) in enumerate(zip(points, plans, strict=True)):
        runs = Runs(plan, series[series["run_id"].isin([t.run_id for t in plan.tasks])])
        row: dict[str, Any] = {"point": k, **{key: point[key] for key in spec.factors}}
        total, passes = 0.0, 0
        for tid, result in measure_targets(targets, runs).items():
            target = BY_ID[tid]
            row[tid] = result.value
            m = miss(target, result.value)
            row[f"miss_{tid}"] = m
            total += m
            passes += judge(target, result).status == "PASS"
        row["miss"], row["in_band"] = total, sum(row[f"miss_{t}"] == 0 for t in spec.targets)
        row["pass"] = passes
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["miss", "point"]).reset_index(drop=True)
