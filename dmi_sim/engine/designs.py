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
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(
        *(f.values for f in factors)
    )]


def latin_hypercube(factors: Sequence[Factor], samples: int, seed: int) -> list[dict[str, Any]]:
    """``samples`` points of a Latin hypercube over the factors, reproducible from ``seed``."""
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples}")
    unit = qmc.LatinHypercube(d=len(factors), rng=design_rng(seed)).random(samples)
    columns = [f.from_unit(unit[:, j]) for j, f in enumerate(factors)]
    return [
        {f.key: columns[j][i] for j, f in enumerate(factors)} for i in range(samples)
    ]
