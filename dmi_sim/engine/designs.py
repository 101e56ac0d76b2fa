"""Experimental designs: which parameter combinations (design points) a sweep runs.

A factor either lists its values (``levels`` / ``choices``) or spans a range (``low`` ..
``high``, ``kind`` "int" or "float"). The full factorial crosses listed values; the Latin
hypercube (``scipy.stats.qmc``) stratifies every factor into ``samples`` equal slices and
maps the unit cube explicitly: floats linearly, integers onto equally likely whole numbers,
listed values onto equally likely indices.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

from dmi_sim.engine.seeds import design_rng

#: The most runs one study may have. The largest here, a Sobol' analysis over every factor
#: of the sensitivity space, is 119,808 runs (22 CPU-hours); a million is 180 CPU-hours and
#: 0.4 GB of task list. A bigger design is a typo, and building it would exhaust memory
#: before the first run, so its size is checked first, from the counts alone.
MAX_RUNS = 1_000_000


def size_problem(n_points: int, replications: int, per_point: int = 1) -> str | None:
    """Why a design of ``n_points`` x ``replications`` (x ``per_point`` runs, e.g. scenarios)
    is too large to build, in words; None when it is not."""
    runs = n_points * replications * per_point
    if runs <= MAX_RUNS:
        return None
    times = f" x {per_point} scenarios" if per_point > 1 else ""
    return (
        f"the design has {n_points:,} points x {replications:,} replications{times} = "
        f"{runs:,} runs; allowed: at most {MAX_RUNS:,} runs"
    )


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a list of values, or a numeric range."""

    key: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    kind: str = "float"  # for ranges: "int" | "float"

    @property
    def is_range(self) -> bool:
        return not self.values

    def table(self) -> dict[str, Any]:
        """This factor as an experiment file writes it (``levels``, or ``low`` and ``high``)."""
        if self.is_range:
            return {"low": self.low, "high": self.high}
        return {"levels": list(self.values)}

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map draws in [0, 1) onto this factor's values, each value equally likely."""
        if not self.is_range:
            index = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return [self.values[i] for i in index]
        assert self.low is not None and self.high is not None
        if self.kind == "int":
            low, high = math.ceil(self.low), math.floor(self.high)
            whole = np.floor(low + u * (high - low + 1)).astype(int)
            return [int(v) for v in np.minimum(whole, high)]
        return [float(v) for v in self.low + u * (self.high - self.low)]


def factorial(factors: Sequence[Factor]) -> list[dict[str, Any]]:
    """Every combination of the factors' listed values, the last factor varying fastest."""
    ranged = [f.key for f in factors if f.is_range]
    if ranged:
        raise ValueError(f"a factorial design needs listed values, not ranges: {ranged}")
    keys = [f.key for f in factors]
    return [
        dict(zip(keys, combo, strict=True))
        for combo in itertools.product(*(f.values for f in factors))
    ]


def latin_hypercube(factors: Sequence[Factor], samples: int, seed: int) -> list[dict[str, Any]]:
    """``samples`` points of a Latin hypercube over the factors, reproducible from ``seed``."""
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples}")
    unit = qmc.LatinHypercube(d=len(factors), rng=design_rng(seed)).random(samples)
    columns = [f.from_unit(unit[:, j]) for j, f in enumerate(factors)]
    return [{f.key: columns[j][i] for j, f in enumerate(factors)} for i in range(samples)]
