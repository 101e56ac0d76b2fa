"""Bayesian calibration against the evidence: ABC-SMC (pyabc) over the validation's targets.

Priors are uniform over the ranges of a parameter space file (``priors``). One particle
is a parameter set; evaluating it runs the arms its targets need (``calibrate.targets_plan``:
a few replications, seeds from the particle's own ``SeedSequence``) in the worker the
executor gives it, measures every target with the validation's own measures and returns the
measured values. Its distance is the sum over targets of how far each lies outside its band
(``calibrate.miss``: in band widths, at most 2 a target; 0 when every target is inside), so
the posterior is the prior restricted to parameter sets whose simulated targets fall in
the evidence bands, as far as ``generations`` can shrink the threshold.

Generation 0 accepts every prior draw (epsilon = infinity); each later generation's
threshold is the weighted median of the previous generation's distances (pyabc's
``QuantileEpsilon``), and the run stops early once the threshold reaches 0. Particles are
evaluated by ``sampler.SeededSampler`` on any engine executor, with the same result on
each. pyabc's SQLite database holds every generation: given the same inputs, the command
finds it again (named by ``CalibrationSpec.fingerprint``) and continues after the last
complete generation.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import math
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc

from dmi_sim.engine.tasks import execute_task
from dmi_sim.studies.validation.calibrate import measure_targets, miss, targets_plan
from dmi_sim.studies.validation.plan import Runs
from dmi_sim.studies.validation.priors import CalibrationSpace
from dmi_sim.studies.validation.sampler import SeededSampler, run_seed
from dmi_sim.studies.validation.targets import Target

#: Summary statistic beside the targets: runs of the particle that raised an error (its
#: targets are then not measured and each counts the largest miss).
FAILED_RUNS = "failed_runs"
#: Quantile of the previous generation's distances that sets the next threshold.
EPSILON_QUANTILE = 0.5
#: The database's file name inside the calibration's store.
DB_NAME = "abc.db"


class CalibrationError(ValueError):
    """A calibration that cannot be run as asked; ``str()`` is one line for the user."""


@dataclass(frozen=True)
class CalibrationSpec:
    """Everything that determines a calibration's posterior."""

    space: CalibrationSpace
    targets: tuple[Target, ...]  # the validation's (``BY_ID``), or made for a test
    particles: int
    generations: int
    reps: int
    seed: int = 0
    days: int | None = None

    def definition(self) -> dict[str, Any]:
        """The spec as plain data (the manifest, the fingerprint)."""
        return {
            "space": str(self.space.path),
            "factors": [p.factor.table() | {"key": p.key} for p in self.space.priors],
            "space_overrides_not_applied": dict(self.space.not_applied),
            "targets": {t.id: list(t.band) for t in self.targets},
            "particles": self.particles,
            "generations": self.generations,
            "reps": self.reps,
            "seed": self.seed,
            "days": self.days,
        }

    def fingerprint(self) -> str:
        """A digest of the definition: the same inputs find the same database again. The
        number of generations is left out, so a calibration asked for more generations
        continues one stopped early."""
        definition = {k: v for k, v in self.definition().items() if k != "generations"}
        text = json.dumps(definition, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def runs_per_particle(self) -> int:
        """Model runs one particle's evaluation makes."""
        return len(targets_plan(self.targets, self.reps, 0, {}, self.days).tasks)


class ParticleModel:
    """pyabc's model: a particle's coordinates -> each target's measured value.

    Picklable (a plain object), so it travels to pool and Dask workers with pyabc's
    ``simulate_one``. Runs are made in the worker, one after another, with the engine's
    ``execute_task``; replication seeds come from ``sampler.run_seed``.
    """

    def __init__(self, spec: CalibrationSpec) -> None:
        self.space, self.targets = spec.space, spec.targets
        self.reps, self.days = spec.reps, spec.days

    def __call__(self, coordinates: dict[str, float]) -> dict[str, float]:
        point = self.space.decode(coordinates)
        plan = targets_plan(self.targets, self.reps, run_seed(), point, self.days)
        outcomes = [execute_task(task) for task in plan.tasks]
        failed = sum(o.failed for o in outcomes)
        if failed:
            return {**{t.id: math.nan for t in self.targets}, FAILED_RUNS: float(failed)}
        series = pd.concat(
            [o.timeseries.assign(run_id=o.run_id) for o in outcomes if o.timeseries is not None],
            ignore_index=True,
        )
        with warnings.catch_warnings():  # a market that empties gives NaN: a full miss
            warnings.simplefilter("ignore", RuntimeWarning)
            results = measure_targets(self.targets, Runs(plan, series))
        return {**{t: float(r.value) for t, r in results.items()}, FAILED_RUNS: 0.0}


class BandDistance:
    """How far a particle's targets lie outside their bands: the sum of ``miss``."""

    def __init__(self, targets: Sequence[Target]) -> None:
        self.targets = tuple(targets)

    def __call__(self, x: dict[str, float], x_0: dict[str, Any]) -> float:  # noqa: ARG002
        return float(sum(miss(t, float(x[t.id])) for t in self.targets))


def observed(targets: Sequence[Target]) -> dict[str, np.ndarray]:
    """pyabc's "observed data": each target's band (the distance reads the bands from the
    targets; these are stored in the database for the record)."""
    return {t.id: np.asarray(t.band, dtype=float) for t in targets}


def build_abc(
    spec: CalibrationSpec, executor: Executor, slots: int, progress: bool, fresh: bool
) -> pyabc.ABCSMC:
    """The configured pyabc run: priors, model, band distance, thresholds, seeded sampler.

    A fresh run's first threshold is infinite (generation 0 is the prior sample); a
    continued run's is the quantile of its last stored generation, as it would have been.
    """
    logging.getLogger("ABC").setLevel(logging.WARNING)  # pyabc's per-generation chatter
    first = math.inf if fresh else "from_sample"
    return pyabc.ABCSMC(
        ParticleModel(spec),
        spec.space.distribution(),
        BandDistance(spec.targets),
        population_size=spec.particles,
        eps=pyabc.QuantileEpsilon(initial_epsilon=first, alpha=EPSILON_QUANTILE),
        sampler=SeededSampler(executor, slots, spec.seed, progress=progress),
    )


def finished(history: pyabc.History, generations: int) -> bool:
    """Whether the stored run is complete: every generation made, or threshold 0 reached
    (pyabc stops there: every accepted particle lies in every band)."""
    if history.n_populations == 0:
        return False
    last = history.get_all_populations().query("t >= 0")["epsilon"].iloc[-1]
    return history.n_populations >= generations or last <= 0


def calibrate(
    spec: CalibrationSpec,
    db: Path,
    executor: Executor,
    slots: int,
    progress: bool = True,
) -> pyabc.History:
    """Run (or continue) the calibration stored in ``db``; return its history. A second
    command on the same database while one runs is a ``CalibrationError``."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with _only_user(db):
        url = f"sqlite:///{db}"
        fresh = not (db.exists() and pyabc.History(url).n_populations > 0)
        abc = build_abc(spec, executor, slots, progress, fresh)
        history = abc.new(url, observed(spec.targets)) if fresh else abc.load(url, 1)
        if not finished(history, spec.generations):
            started = time.perf_counter()
            with warnings.catch_warnings():  # pyabc subtracts generation 0's infinite threshold
                warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
                abc.run(
                    minimum_epsilon=0.0,
                    max_nr_populations=spec.generations - history.n_populations,
                )
            if progress:
                seconds = time.perf_counter() - started
                print(f"calibrate: sampling took {seconds:.0f} s", file=sys.stderr)
    return history


@contextmanager
def _only_user(db: Path) -> Iterator[None]:
    """An exclusive lock beside ``db`` for the block (the system drops it if the process
    dies): two commands appending generations to one database would corrupt it."""
    with open(db.with_name(db.name + ".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CalibrationError(
                f"{db}: another calibrate command is running on this database (the same "
                "inputs); wait for it to finish, or change --seed or the inputs"
            ) from None
        yield
