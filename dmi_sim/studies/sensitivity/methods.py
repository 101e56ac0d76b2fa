"""The two SALib methods, each one object that both samples and analyses.

SALib's Sobol analyser must be told the ``calc_second_order`` its sampler used, and
Morris' analyser the sampler's number of grid levels; given the wrong one it can return
numbers without complaint (a Sobol design of N·(D+2) rows can also be split as
N'·(2D+2) rows). Here the setting lives once, in the method object, and both ``sample``
and ``analyse`` read it: no caller can pass the analyser a flag of its own, and
``analyse`` refuses outputs whose row count is not that of its own design.

Every design is drawn on the unit cube (``bounds`` [0, 1] for every factor); the space
maps it to parameter values. Morris' elementary effects are therefore the change in an
outcome per full range of the factor, comparable across factors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from SALib import ProblemSpec

from dmi_sim.studies.kit.stats import LEVEL

#: Bootstrap resamples of every confidence interval (at ``kit.stats.LEVEL``).
RESAMPLES = 1000


def problem(names: list[str]) -> ProblemSpec:
    """SALib's problem over the unit cube, one dimension per factor."""
    return ProblemSpec({"names": list(names), "bounds": [[0.0, 1.0]] * len(names)})


class DesignMismatch(ValueError):
    """Outputs that do not belong to this method's design (wrong size or settings)."""


@dataclass(frozen=True)
class Morris:
    """Morris screening: ``trajectories`` one-factor-at-a-time paths on a ``levels`` grid.

    ``pool`` > 0 draws that many paths and keeps the ``trajectories`` most spread out
    (Campolongo et al. 2007, with Ruano et al.'s local optimisation).
    """

    trajectories: int = 8
    levels: int = 4
    pool: int = 0
    name: ClassVar[str] = "morris"

    def n_points(self, n_factors: int) -> int:
        return self.trajectories * (n_factors + 1)

    def sample(self, names: list[str], seed: np.random.Generator) -> np.ndarray:
        spec = problem(names)
        if self.pool:
            spec.sample_morris(
                self.pool,
                num_levels=self.levels,
                optimal_trajectories=self.trajectories,
                local_optimization=True,
                seed=seed,
            )
        else:
            spec.sample_morris(self.trajectories, num_levels=self.levels, seed=seed)
        return spec.samples

    def analyse(
        self, names: list[str], unit: np.ndarray, y: pd.DataFrame, seed: int
    ) -> pd.DataFrame:
        """μ, μ*, σ and μ*'s bootstrap interval per (outcome, factor), ranked by μ*."""
        _check_rows(self, names, unit, y)
        rows = []
        for outcome in y.columns:
            spec = problem(names)
            spec.set_samples(unit)
            spec.set_results(y[outcome].to_numpy(dtype=float))
            spec.analyze_morris(
                num_levels=self.levels,
                num_resamples=RESAMPLES,
                conf_level=LEVEL,
                seed=seed,
            )
            frame = spec.analysis.to_df().rename_axis("factor").reset_index()
            frame.insert(0, "outcome", outcome)
            frame["rank"] = frame["mu_star"].rank(ascending=False, method="min").astype(int)
            rows.append(frame)
        return pd.concat(rows, ignore_index=True)


@dataclass(frozen=True)
class Sobol:
    """Sobol' indices (Saltelli's scheme) from a design of base size 2N.

    The first N·(D+2) rows of SALib's 2N design are its N design (same seed, same
    scrambled sequence), so one run of 2N gives the indices at N and at 2N: the
    convergence check costs nothing extra.
    """

    n: int = 256
    second_order: bool = False
    name: ClassVar[str] = "sobol"

    def block(self, n_factors: int) -> int:
        """Rows per base point: A, one AB_i per factor, (BA_i), B."""
        return 2 * n_factors + 2 if self.second_order else n_factors + 2

    def n_points(self, n_factors: int) -> int:
        return 2 * self.n * self.block(n_factors)

    def sample(self, names: list[str], seed: np.random.Generator) -> np.ndarray:
        spec = problem(names)
        spec.sample_sobol(2 * self.n, calc_second_order=self.second_order, seed=seed)
        return spec.samples

    def base_rows(self, n_factors: int) -> np.ndarray:
        """Indices of the A and B rows: 4N independent quasi-random points of the space."""
        block = self.block(n_factors)
        starts = np.arange(0, self.n_points(n_factors), block)
        return np.sort(np.concatenate([starts, starts + block - 1]))

    def analyse(
        self, names: list[str], unit: np.ndarray, y: pd.DataFrame, seed: int
    ) -> pd.DataFrame:
        """S1 and ST with bootstrap intervals per (outcome, factor), at N and at 2N.

        An outcome that is constant over the design has no variance to apportion: its
        indices are NaN.
        """
        _check_rows(self, names, unit, y)
        rows = []
        for outcome in y.columns:
            values = y[outcome].to_numpy(dtype=float)
            for n in (self.n, 2 * self.n):
                size = n * self.block(len(names))
                frame = self._indices(names, values[:size], seed)
                frame.insert(0, "n", n)
                frame.insert(0, "outcome", outcome)
                rows.append(frame)
        return pd.concat(rows, ignore_index=True)

    def _indices(self, names: list[str], values: np.ndarray, seed: int) -> pd.DataFrame:
        columns = ["S1", "S1_conf", "ST", "ST_conf"]
        if np.ptp(values) == 0:
            return pd.DataFrame({"factor": names, **{c: np.nan for c in columns}})
        spec = problem(names)
        spec.set_results(values)
        spec.analyze_sobol(
            calc_second_order=self.second_order,
            num_resamples=RESAMPLES,
            conf_level=LEVEL,
            seed=seed,
        )
        total, first = spec.analysis.to_df()[:2]
        frame = first.join(total).rename_axis("factor").reset_index()
        return frame[["factor", *columns]]


Method = Morris | Sobol


def _check_rows(method: Method, names: list[str], unit: np.ndarray, y: pd.DataFrame) -> None:
    """Refuse a design or outputs that this method's own settings did not produce."""
    expected = method.n_points(len(names))
    if unit.shape != (expected, len(names)) or len(y) != expected:
        raise DesignMismatch(
            f"{method.name} {method}: expects {expected} design points over {len(names)} "
            f"factors, got a design of {unit.shape[0]} x {unit.shape[1]} and {len(y)} outputs"
        )
